//! Secrets kept out of what the library says (issue 20): its error
//! messages, which reach JavaScript and so k6's log, and its `Debug`
//! output, so that a future `{:?}` cannot print one.
//!
//! - [`url`] and [`urls_in`]: a URL's user information, `user:password@`,
//!   becomes `user:***@`; without a password, `***@` (a user name alone is
//!   often a token). Endpoints, function URLs and `HTTP_PROXY` /
//!   `HTTPS_PROXY` values all carry it.
//! - [`message`]: what every error message goes through
//!   (`InvokeError`'s constructors, a configuration's refusal): every URL
//!   in it redacted, and a `credential_process`'s stderr withheld (the
//!   process failed with its exit status; its output may hold a secret).
//! - [`Redacted`]: a value that `Debug` prints as `** redacted **`, as
//!   aws-credential-types prints a secret key.

use std::borrow::Cow;
use std::fmt;

/// What stands for a password.
pub const MASK: &str = "***";

/// Prints `** redacted **` in `Debug` output, whatever it holds: for the
/// fields of a manual `Debug` that hold a secret.
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// `Some(** redacted **)` for a secret that is set, `None` for one that is
/// not: whether it is set is worth seeing, its value never.
pub fn presence<T>(secret: &Option<T>) -> Option<Redacted> {
    secret.as_ref().map(|_| Redacted)
}

/// `url` with its user information redacted: `user:***@` (or `***@`).
/// With or without a scheme (`HTTP_PROXY` may be `user:pw@host:3128`).
pub fn url(url: &str) -> Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    redact_authority(url, start)
}

/// `url` without its user information (`user:password@`), which nothing
/// here uses: requests are signed with the client's credentials. An
/// endpoint's must not reach the wire either (the SDK would put it in the
/// Host it signs and sends).
pub fn strip_userinfo(url: &str) -> Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = authority_end(url, start);
    match url[start..end].rfind('@') {
        Some(at) => Cow::Owned(format!("{}{}", &url[..start], &url[start + at + 1..])),
        None => Cow::Borrowed(url),
    }
}

/// `text` with the user information of every `scheme://` URL in it
/// redacted. A URL's authority ends at `/`, `?`, `#`, white space, a
/// quote, a backtick or `<`/`>`, as where messages quote URLs.
pub fn urls_in(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut done = 0; // bytes of `text` already in `out`, or looked at
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let end = authority_end(text, start);
        if let Some(at) = text[start..end].rfind('@') {
            let userinfo = &text[start..start + at];
            if !userinfo.is_empty() {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[done..start]);
                push_redacted(out, userinfo);
                done = start + at; // from the '@' on, as it is
            }
        }
        from = end.max(start);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[done..]);
            Cow::Owned(out)
        }
    }
}

fn authority_end(text: &str, start: usize) -> usize {
    text[start..]
        .find(|c: char| {
            matches!(
                c,
                '/' | '?' | '#' | '`' | '"' | '\'' | '<' | '>' | ',' | ')' | ']'
            ) || c.is_whitespace()
        })
        .map_or(text.len(), |i| start + i)
}

/// `url` with the user information of the authority that begins at
/// `start` redacted.
fn redact_authority(url: &str, start: usize) -> Cow<'_, str> {
    let end = authority_end(url, start);
    match url[start..end].rfind('@') {
        Some(at) if at > 0 => {
            let mut out = String::with_capacity(url.len());
            out.push_str(&url[..start]);
            push_redacted(&mut out, &url[start..start + at]);
            out.push_str(&url[start + at..]);
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(url),
    }
}

/// `user:***`, or `***` for user information without a password.
fn push_redacted(out: &mut String, userinfo: &str) {
    if let Some((user, _password)) = userinfo.split_once(':') {
        out.push_str(user);
        out.push(':');
    }
    out.push_str(MASK);
}

/// A proxy's `Proxy-Authorization` (its URL's user and password, in
/// base64) never shows: `Some(** redacted **)`.
impl fmt::Debug for crate::network::proxy::Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("authorization", &presence(&self.authorization))
            .finish()
    }
}

/// A header value that holds a credential, marked sensitive (`Debug`
/// leaves it out; HTTP/2's HPACK would never index it); None if it is
/// not header text.
pub fn sensitive_header(value: &str) -> Option<http::HeaderValue> {
    let mut value = http::HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// What aws-config's credential_process provider says before a failed
/// process's stderr: "Error retrieving credentials: external process
/// exited with code exit status: 3. Stderr: <all of it>".
const PROCESS_FAILED: &str = "external process exited with code";
const STDERR: &str = "Stderr:";

/// `text` with what follows a failed credential_process's `Stderr:`
/// withheld: the message keeps the exit status. Stderr comes last (it is
/// the innermost error of the chain), so the message ends there.
pub fn process_stderr(text: &str) -> Cow<'_, str> {
    let Some(failed) = text.find(PROCESS_FAILED) else {
        return Cow::Borrowed(text);
    };
    let Some(stderr) = text[failed..].find(STDERR).map(|i| failed + i) else {
        return Cow::Borrowed(text);
    };
    let kept = text[..stderr].trim_end();
    Cow::Owned(format!(
        "{kept} (its stderr is not shown: a credential process's output may hold secrets)"
    ))
}

/// An error message as it may leave the library: URLs redacted, a
/// credential process's stderr withheld.
pub fn message(text: String) -> String {
    let redacted = match urls_in(&text) {
        Cow::Borrowed(_) => None,
        Cow::Owned(redacted) => Some(redacted),
    };
    let text = redacted.unwrap_or(text);
    match process_stderr(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(withheld) => withheld,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_urls_user_information_is_redacted() {
        for (given, want) in [
            (
                "https://user:s3cretPW@proxy.example:3128",
                "https://user:***@proxy.example:3128",
            ),
            (
                "http://user:s3cretPW@127.0.0.1:9000/p?q=1#f",
                "http://user:***@127.0.0.1:9000/p?q=1#f",
            ),
            ("http://token@host/", "http://***@host/"),
            ("user:s3cretPW@proxy:3128", "user:***@proxy:3128"),
            ("http://a:b:c@host", "http://a:***@host"),
            ("http://u:p%40ss@host", "http://u:***@host"),
            ("http://u:p@ss@host", "http://u:***@host"),
            ("http://host:80/path@x", "http://host:80/path@x"),
            ("http://host", "http://host"),
            ("http://@host", "http://@host"),
            ("host", "host"),
        ] {
            assert_eq!(url(given), want, "{given}");
        }
        assert!(matches!(url("https://example.com/a@b"), Cow::Borrowed(_)));
    }

    #[test]
    fn user_information_is_stripped() {
        for (given, want) in [
            (
                "http://user:s3cretPW@127.0.0.1:9000/p",
                "http://127.0.0.1:9000/p",
            ),
            ("https://t@host", "https://host"),
            ("http://host/a@b", "http://host/a@b"),
            ("host", "host"),
        ] {
            assert_eq!(strip_userinfo(given), want, "{given}");
        }
    }

    #[test]
    fn a_proxys_debug_hides_its_credentials() {
        let proxies = crate::network::proxy::Proxies::from_lookup(|name| {
            (name == "HTTP_PROXY").then(|| "http://user:s3cretPW@proxy.example:3128".to_owned())
        })
        .unwrap();
        let text = format!("{proxies:?}");
        assert!(
            text.contains("proxy.example") && text.contains("3128"),
            "{text}"
        );
        assert!(
            text.contains("authorization: Some(** redacted **)"),
            "{text}"
        );
        // Neither the password nor its base64 (of user:s3cretPW: dXNlcjpzM2NyZXRQVw==).
        assert!(
            !text.contains("s3cretPW") && !text.contains("dXNlcjpzM2NyZXRQVw"),
            "{text}"
        );
    }

    /// The Proxy-Authorization a forward proxy gets with each request is
    /// sensitive (the CONNECT tunnel's is written by hand, in its head).
    #[test]
    fn proxy_authorization_is_sensitive() {
        let proxies = crate::network::proxy::Proxies::from_lookup(|name| {
            (name == "HTTP_PROXY").then(|| "http://user:s3cretPW@proxy.example:3128".to_owned())
        })
        .unwrap();
        let network = crate::network::Network::with_proxies(Default::default(), proxies).unwrap();
        let uri: http::Uri = "http://lambda.example/2015-03-31/functions/f/invocations"
            .parse()
            .unwrap();
        let auth = network.dialer.forward_proxy_authorization(&uri).unwrap();
        assert!(auth.is_sensitive());
        assert_eq!(auth, "Basic dXNlcjpzM2NyZXRQVw==");
    }

    #[test]
    fn every_url_in_a_message_is_redacted() {
        let message =
            "invalid HTTPS_PROXY `https://user:s3cretPW@proxy.example:3128`: only http:// \
                       proxies (also \"http://u:pw2@b/x\", 'ftp://t0ken@c'), and http://d@e";
        assert_eq!(
            urls_in(message),
            "invalid HTTPS_PROXY `https://user:***@proxy.example:3128`: only http:// \
             proxies (also \"http://u:***@b/x\", 'ftp://***@c'), and http://***@e"
        );
        for plain in [
            "",
            "://",
            "x://",
            "nothing here",
            "a mail@example.com and http://host/a@b",
            "http://host:1/ then user:pw@elsewhere",
        ] {
            assert!(matches!(urls_in(plain), Cow::Borrowed(_)), "{plain}");
        }
        assert_eq!(urls_in("é://ü:pw@ö ✓"), "é://ü:***@ö ✓");
    }

    #[test]
    fn a_credential_process_keeps_its_exit_status_and_not_its_stderr() {
        let text = "no credentials from the AWS credential chain: failed to load credentials: \
                    Error retrieving credentials: external process exited with code exit status: 3. \
                    Stderr: helper failed: token=s3cretPW\nmore: lines";
        let withheld = process_stderr(text);
        assert!(!withheld.contains("s3cretPW"), "{withheld}");
        assert!(
            withheld.contains("exited with code exit status: 3."),
            "{withheld}"
        );
        assert!(withheld.ends_with("may hold secrets)"), "{withheld}");
        assert!(matches!(
            process_stderr("Stderr: something else"),
            Cow::Borrowed(_)
        ));
        assert_eq!(message(text.to_owned()), withheld);
        assert_eq!(message("plain".to_owned()), "plain");
    }

    #[test]
    fn redacted_debug_shows_presence_only() {
        let set = Some("s3cretPW".to_owned());
        assert_eq!(format!("{:?}", presence(&set)), "Some(** redacted **)");
        assert_eq!(format!("{:?}", presence::<String>(&None)), "None");
    }
}
