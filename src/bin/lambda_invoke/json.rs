//! Pretty-printing JSON text as it is: re-indenting the text rather than
//! parsing it into a `serde_json::Value` and back, which would sort the
//! keys and rewrite numbers (`1.50`, `1E3`, 25-digit integers). The layout is
//! serde_json's: two spaces, `"key": value`, `{}` and `[]` when empty.

use serde::de::IgnoredAny;

/// The JSON text, pretty-printed; an error (with line and column) when it
/// is not JSON.
pub fn pretty(text: &str) -> Result<String, serde_json::Error> {
    serde_json::from_str::<IgnoredAny>(text)?;
    Ok(reindent(text))
}

/// Re-indents valid JSON. Whitespace outside strings is dropped and
/// re-created; strings are copied as they are, escapes included.
fn reindent(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '"' => {
                out.push(c);
                while i < chars.len() {
                    let s = chars[i];
                    i += 1;
                    out.push(s);
                    if s == '\\' {
                        if let Some(&escaped) = chars.get(i) {
                            out.push(escaped);
                            i += 1;
                        }
                    } else if s == '"' {
                        break;
                    }
                }
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                let next = skip_whitespace(&chars, i);
                if chars.get(next) == Some(&close) {
                    out.push(c);
                    out.push(close);
                    i = next + 1;
                } else {
                    depth += 1;
                    out.push(c);
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_whitespace(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_serde_json_layout() {
        let text = r#" {"b": [1, 2, {"c": null}], "a": {}, "e": [ ], "d": "x"} "#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let ours = pretty(text).unwrap();
        // Same layout as serde_json's (whose Value sorts keys: compare
        // against a text already in sorted order).
        let sorted = r#"{"a": {}, "b": [1, 2, {"c": null}], "d": "x", "e": []}"#;
        assert_eq!(
            pretty(sorted).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
        assert!(ours.starts_with("{\n  \"b\": [\n    1,"), "{ours}");
    }

    #[test]
    fn keeps_key_order_numbers_and_strings() {
        let text = r#"{"z":1.50,"y":1E3,"a":1234567890123456789012345,"s":"a, b: {c} \"[d]\" \\"}"#;
        assert_eq!(
            pretty(text).unwrap(),
            "{\n  \"z\": 1.50,\n  \"y\": 1E3,\n  \"a\": 1234567890123456789012345,\n  \"s\": \"a, b: {c} \\\"[d]\\\" \\\\\"\n}"
        );
    }

    #[test]
    fn scalars_and_errors() {
        assert_eq!(pretty(" 3\n").unwrap(), "3");
        assert_eq!(pretty("\"hi\"").unwrap(), "\"hi\"");
        let err = pretty("hello").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        assert!(pretty("").is_err());
    }
}
