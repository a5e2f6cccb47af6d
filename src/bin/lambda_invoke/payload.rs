//! What is sent: the payload (bytes, exactly as given) and the client context.

use std::fs;
use std::io::Read;
use std::path::Path;

use base64::Engine;
use xk6_lambda::examples::example_event;
use xk6_lambda::request::MAX_CLIENT_CONTEXT;

use crate::args::Cli;
use crate::Usage;

/// The payload from `--data-ascii`, `--data-file` or `--data-example`.
pub fn payload(cli: &Cli) -> Result<Vec<u8>, Usage> {
    if let Some(text) = &cli.data_ascii {
        return Ok(text.clone().into_bytes());
    }
    if let Some(path) = &cli.data_file {
        return read_file_or_stdin(path, "--data-file");
    }
    if let Some(name) = &cli.data_example {
        return example_event(name)
            .map(|text| text.as_bytes().to_vec())
            .map_err(|unknown| {
                Usage(format!(
                    "{unknown}\n  (`lambda-invoke --list-examples` prints them all)"
                ))
            });
    }
    Err(Usage(
        "no payload: give one of --data-ascii TEXT, --data-file PATH (`-` for stdin) \
         or --data-example NAME"
            .into(),
    ))
}

/// The body of a function URL request: the payload flag's, or empty
/// without one.
pub fn body(cli: &Cli) -> Result<Vec<u8>, Usage> {
    if cli.data_ascii.is_none() && cli.data_file.is_none() && cli.data_example.is_none() {
        return Ok(Vec::new());
    }
    payload(cli)
}

/// `--header 'Name: value'` as (name, value).
pub fn headers(cli: &Cli) -> Result<Vec<(String, String)>, Usage> {
    cli.headers
        .iter()
        .map(|header| match header.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_owned(), value.trim().to_owned()))
            }
            _ => Err(Usage(format!(
                "--header `{header}`: expected NAME:VALUE (for example `Content-Type: application/json`)"
            ))),
        })
        .collect()
}

/// The client context, checked to be JSON and base64-encoded for the
/// `X-Amz-Client-Context` header, within Lambda's size limit.
pub fn client_context(cli: &Cli) -> Result<Option<String>, Usage> {
    let (flag, json) = if let Some(text) = &cli.client_context_ascii {
        ("--client-context-ascii", text.clone().into_bytes())
    } else if let Some(path) = &cli.client_context_file {
        (
            "--client-context-file",
            read_file_or_stdin(path, "--client-context-file")?,
        )
    } else {
        return Ok(None);
    };
    // Lambda refuses a context that is not a JSON object, after a round
    // trip; say so before sending.
    match serde_json::from_slice::<serde_json::Value>(&json) {
        Ok(serde_json::Value::Object(_)) => {}
        Ok(_) => {
            return Err(Usage(format!(
                "{flag}: the client context must be a JSON object"
            )))
        }
        Err(e) => {
            return Err(Usage(format!(
                "{flag}: the client context is not JSON: {e}"
            )))
        }
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&json);
    if encoded.len() > MAX_CLIENT_CONTEXT {
        return Err(Usage(format!(
            "{flag}: the client context is {} bytes once base64-encoded ({} bytes of JSON); \
             Lambda accepts at most {MAX_CLIENT_CONTEXT}",
            encoded.len(),
            json.len()
        )));
    }
    Ok(Some(encoded))
}

/// Reads a file byte for byte; `-` is stdin.
fn read_file_or_stdin(path: &Path, flag: &str) -> Result<Vec<u8>, Usage> {
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        fs::read(path).map(|read| bytes = read)
    };
    result.map_err(|e| Usage(format!("{flag}: cannot read {}: {e}", path.display())))?;
    Ok(bytes)
}
