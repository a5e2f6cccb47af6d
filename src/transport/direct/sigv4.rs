//! SigV4 for the direct transport: Invoke's and InvokeWithResponseStream's
//! POSTs ([`Signer::sign_post`]: already canonical, the hot path) and
//! function URL requests ([`Signer::sign`]: any method, query and
//! headers, canonicalised here).
//!
//! Why not aws-sigv4 here: its general signer (any method, any header set,
//! presigning, normalisation options) took 20% of the runtime thread's CPU
//! per invocation (perf, RESULTS.md finding 9): a canonical request built
//! through `fmt`, several allocations, and the signing key derived from the
//! secret with four HMACs on every request. This one writes the canonical
//! request into one buffer and keeps the day's signing key. It produces the
//! same signature as aws-sigv4 with its default settings (normalised and
//! double-encoded path, the query decoded as a form and encoded again,
//! header values trimmed, the session token signed), which the tests below
//! check byte for byte. The direct transport has no other SigV4; the SDK
//! transport (`transport: 'sdk'`) signs with aws-sigv4 through the SDK.

use crate::redact::{presence, Redacted};
use std::borrow::Cow;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";

/// Headers [`Signer::sign`] sends unsigned, as aws-sigv4's default
/// settings leave them out: proxies and services change them on the way.
const UNSIGNED_HEADERS: [&str; 4] = [
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
];

/// SigV4's `UriEncode`: every byte but the unreserved ones
/// (`A-Za-z0-9-_.~`) as `%XY`.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The credentials one request is signed with. `Debug` shows none of
/// them.
pub struct Key<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

impl std::fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("access_key_id", &Redacted)
            .field("secret_access_key", &Redacted)
            .field("session_token", &presence(&self.session_token))
            .finish()
    }
}

/// What to add to the request: `x-amz-date`, `x-amz-security-token` (when
/// the credentials have one), `authorization`, and `x-amz-content-sha256`
/// when it was asked for.
pub struct Signature {
    pub amz_date: String,
    pub authorization: String,
    /// The body's SHA-256 in hex, signed as `x-amz-content-sha256`, when
    /// [`Request::content_sha256`] asked for it.
    pub content_sha256: Option<String>,
}

/// `Debug` leaves out the authorization: it names the access key, and is
/// valid for its request.
impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("amz_date", &self.amz_date)
            .field("authorization", &Redacted)
            .field("content_sha256", &self.content_sha256)
            .finish()
    }
}

/// A request to sign with [`Signer::sign`].
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// As sent (a custom method keeps its case).
    pub method: &'a str,
    /// As sent: percent-encoded (a `%` is an escape), starting with `/`.
    pub path: &'a str,
    /// As sent, without the `?` ("" for none).
    pub query: &'a str,
    /// The headers sent, `host` included: names in any case, values as
    /// sent, in the order they are sent (a name given several times is
    /// signed with its values in that order, joined by commas). All are
    /// signed but `authorization`, `user-agent`, `x-amzn-trace-id` and
    /// `transfer-encoding`; the headers the signer adds (`x-amz-date`, and
    /// `x-amz-security-token` and `x-amz-content-sha256` when it adds
    /// them) replace any given.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    /// Also sign `x-amz-content-sha256`, the body's SHA-256, which the
    /// caller must then send ([`Signature::content_sha256`]).
    pub content_sha256: bool,
}

/// A signer for one service and region. It remembers the last signing key
/// (one per UTC day and secret), so that most requests derive none.
pub struct Signer {
    service: &'static str,
    region: String,
    cached: Mutex<Option<CachedKey>>,
}

struct CachedKey {
    date: [u8; 8],
    secret: String,
    key: [u8; 32],
}

/// `Debug` shows the service and region: the cached key (and the secret
/// it is kept with) never.
impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.cached.lock().map(|c| c.is_some()).unwrap_or(false);
        f.debug_struct("Signer")
            .field("service", &self.service)
            .field("region", &self.region)
            .field("cached_key", &cached.then_some(Redacted))
            .finish()
    }
}

impl Signer {
    pub fn new(service: &'static str, region: &str) -> Self {
        Self {
            service,
            region: region.to_owned(),
            cached: Mutex::new(None),
        }
    }

    #[cfg(test)]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Signs a POST of `body` to `path` (percent-encoded, starting with
    /// `/`) with `query` (already canonical: `name=value` pairs,
    /// percent-encoded, sorted by name then value, or empty), and
    /// `headers`: lower-case names sorted by name, each once, values
    /// without spaces at their ends, `host` and every `x-amz-*` header but
    /// `x-amz-date` and `x-amz-security-token`, which are added here.
    pub fn sign_post(
        &self,
        key: &Key<'_>,
        time: SystemTime,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Signature {
        self.sign_canonical(
            key,
            time,
            &Request {
                method: "POST",
                path,
                query,
                headers,
                body,
                content_sha256: false,
            },
        )
    }

    /// Signs any request (function URLs): its query and headers are put
    /// in canonical form first, as aws-sigv4 does.
    pub fn sign(&self, key: &Key<'_>, time: SystemTime, request: &Request<'_>) -> Signature {
        let query = canonical_query(request.query);
        // Lower-case names; the signer's own headers replace the caller's.
        let mut headers: Vec<(Cow<'_, str>, &str)> = Vec::with_capacity(request.headers.len());
        for &(name, value) in request.headers {
            let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(name.to_ascii_lowercase())
            } else {
                Cow::Borrowed(name)
            };
            let replaced = name == X_AMZ_DATE
                || (name == X_AMZ_SECURITY_TOKEN && key.session_token.is_some())
                || (name == X_AMZ_CONTENT_SHA256 && request.content_sha256);
            if !replaced && !UNSIGNED_HEADERS.contains(&name.as_ref()) {
                headers.push((name, value));
            }
        }
        // Stable: the values of one name keep their order.
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (name.as_ref(), *value))
            .collect();
        self.sign_canonical(
            key,
            time,
            &Request {
                query: &query,
                headers: &headers,
                ..*request
            },
        )
    }

    /// Signs `request`, whose query is canonical and whose headers are
    /// sorted by lower-case name (a name's values next to each other).
    fn sign_canonical(&self, key: &Key<'_>, time: SystemTime, request: &Request<'_>) -> Signature {
        let (date, amz_date) = timestamps(time);
        let date = std::str::from_utf8(&date).unwrap_or_default();
        let mut payload_hash = [0u8; 64];
        hex_into(&mut payload_hash, &Sha256::digest(request.body));
        let payload_hash = std::str::from_utf8(&payload_hash).unwrap_or_default();

        // The canonical request, in one buffer.
        let mut canonical = String::with_capacity(512);
        canonical.push_str(request.method);
        canonical.push('\n');
        canonical_path(&mut canonical, request.path);
        canonical.push('\n');
        canonical.push_str(request.query);
        canonical.push('\n');
        let mut signed_names = String::with_capacity(96);
        // Where the last name starts in `signed_names`.
        let mut last_name = 0;
        let mut push_header = |name: &str, value: &str| {
            if !signed_names.is_empty() && &signed_names[last_name..] == name {
                // Another value of the same name: on the same line.
                canonical.pop();
                canonical.push(',');
            } else {
                if !signed_names.is_empty() {
                    signed_names.push(';');
                }
                last_name = signed_names.len();
                signed_names.push_str(name);
                canonical.push_str(name);
                canonical.push(':');
            }
            push_trimmed(&mut canonical, value);
            canonical.push('\n');
        };
        // Sorted: the caller's, with the signer's merged in at their
        // places (they sort in this order).
        let added = [
            (
                X_AMZ_CONTENT_SHA256,
                request.content_sha256.then_some(payload_hash),
            ),
            (X_AMZ_DATE, Some(amz_date.as_str())),
            (X_AMZ_SECURITY_TOKEN, key.session_token),
        ];
        let mut added = added
            .iter()
            .filter_map(|&(name, value)| Some((name, value?)))
            .peekable();
        for &(name, value) in request.headers {
            while let Some(&(added_name, added_value)) = added.peek() {
                if added_name > name {
                    break;
                }
                push_header(added_name, added_value);
                added.next();
            }
            push_header(name, value);
        }
        for (name, value) in added {
            push_header(name, value);
        }
        canonical.push('\n');
        canonical.push_str(&signed_names);
        canonical.push('\n');
        canonical.push_str(payload_hash);

        let scope_len = date.len() + self.region.len() + self.service.len() + 16;
        let mut scope = String::with_capacity(scope_len);
        scope.push_str(date);
        scope.push('/');
        scope.push_str(&self.region);
        scope.push('/');
        scope.push_str(self.service);
        scope.push_str("/aws4_request");

        let mut to_sign =
            String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 68);
        to_sign.push_str(ALGORITHM);
        to_sign.push('\n');
        to_sign.push_str(&amz_date);
        to_sign.push('\n');
        to_sign.push_str(&scope);
        to_sign.push('\n');
        push_hex(&mut to_sign, &Sha256::digest(canonical.as_bytes()));

        let signing_key = self.signing_key(date, key.secret_access_key);
        let signature = hmac(&signing_key, to_sign.as_bytes());

        let mut authorization = String::with_capacity(256);
        authorization.push_str(ALGORITHM);
        authorization.push_str(" Credential=");
        authorization.push_str(key.access_key_id);
        authorization.push('/');
        authorization.push_str(&scope);
        authorization.push_str(", SignedHeaders=");
        authorization.push_str(&signed_names);
        authorization.push_str(", Signature=");
        push_hex(&mut authorization, &signature);
        Signature {
            amz_date,
            authorization,
            content_sha256: request.content_sha256.then(|| payload_hash.to_owned()),
        }
    }

    /// The day's signing key for `secret`, derived once per day and secret.
    fn signing_key(&self, date: &str, secret: &str) -> [u8; 32] {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cached.as_ref() {
            if c.date == date.as_bytes() && c.secret == secret {
                return c.key;
            }
        }
        let mut prefixed = String::with_capacity(secret.len() + 4);
        prefixed.push_str("AWS4");
        prefixed.push_str(secret);
        let k_date = hmac(prefixed.as_bytes(), date.as_bytes());
        let k_region = hmac(&k_date, self.region.as_bytes());
        let k_service = hmac(&k_region, self.service.as_bytes());
        let key = hmac(&k_service, b"aws4_request");
        let mut day = [0u8; 8];
        day.copy_from_slice(&date.as_bytes()[..8]);
        *cached = Some(CachedKey {
            date: day,
            secret: secret.to_owned(),
            key,
        });
        key
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        out.push(HEX_DIGITS[usize::from(b >> 4)] as char);
        out.push(HEX_DIGITS[usize::from(b & 15)] as char);
    }
}

fn hex_into(out: &mut [u8; 64], digest: &[u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX_DIGITS[usize::from(b >> 4)];
        pair[1] = HEX_DIGITS[usize::from(b & 15)];
    }
}

/// A header value as SigV4 wants it: spaces (only spaces, as aws-sigv4
/// does) trimmed at both ends, inner runs of spaces as one.
fn push_trimmed(out: &mut String, value: &str) {
    let mut space = false;
    for c in value.trim_matches(' ').chars() {
        if c == ' ' {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
}

/// The canonical URI, as aws-sigv4 makes it: a path with a `.` or a `//`
/// loses its `.`, `..` and empty segments (RFC 3986 5.2.4, a path ending
/// in `/`, `/.` or `/..` keeping its last slash), then every byte but the
/// unreserved ones and `/` is percent-encoded again (the path is already
/// encoded once: services other than S3 sign it twice encoded).
fn canonical_path(out: &mut String, path: &str) {
    let path: Cow<'_, str> = if path.starts_with('/') {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(format!("/{path}"))
    };
    if !(path.contains('.') || path.contains("//")) {
        push_path_encoded(out, &path);
        return;
    }
    let mut segments: Vec<&str> = Vec::with_capacity(8);
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    for segment in &segments {
        out.push('/');
        push_path_encoded(out, segment);
    }
    let trailing_slash = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|end| path.ends_with(end));
    if segments.is_empty() || trailing_slash {
        out.push('/');
    }
}

fn push_path_encoded(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(DIGITS[usize::from(b >> 4)] as char);
            out.push(DIGITS[usize::from(b & 15)] as char);
        }
    }
}

/// The canonical query string of a query as sent, as aws-sigv4 makes it:
/// the `&`-separated pairs (empty ones skipped; `name` alone is `name=`)
/// decoded as a form would be (`+` is a space, `%XY` a byte, an invalid
/// escape kept as it is, invalid UTF-8 replaced by U+FFFD), then each name
/// and value encoded again with SigV4's `UriEncode`, the pairs sorted by
/// encoded name, then encoded value.
fn canonical_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencode(name), reencode(value))
        })
        .collect();
    pairs.sort();
    let mut canonical = String::with_capacity(query.len() + 8);
    for (name, value) in &pairs {
        if !canonical.is_empty() {
            canonical.push('&');
        }
        canonical.push_str(name);
        canonical.push('=');
        canonical.push_str(value);
    }
    canonical
}

/// A query name or value, form-decoded and `UriEncode`d.
fn reencode(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    {
        return Cow::Borrowed(text);
    }
    let spaced = text.replace('+', " ");
    let decoded = percent_decode_str(&spaced).decode_utf8_lossy();
    Cow::Owned(utf8_percent_encode(&decoded, NOT_UNRESERVED).to_string())
}

/// `YYYYMMDD` and `YYYYMMDDTHHMMSSZ` of `time`, in UTC.
fn timestamps(time: SystemTime) -> ([u8; 8], String) {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let amz_date = format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
    let mut date = [0u8; 8];
    date.copy_from_slice(&amz_date.as_bytes()[..8]);
    (date, amz_date)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::direct::sigv4_reference;
    use aws_credential_types::Credentials;
    use aws_smithy_runtime_api::client::identity::Identity;
    use std::time::Duration;

    /// A signer keeps the secret and the day's key derived from it; a key
    /// holds the secret and the session token: `Debug` shows none of them.
    #[test]
    fn debug_output_hides_the_secret_and_what_is_derived_from_it() {
        let signer = Signer::new("lambda", "eu-west-1");
        let key = Key {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: "s3cretKEY",
            session_token: Some("s3cretTOKEN"),
        };
        let signature = signer.sign_post(&key, SystemTime::now(), "/", "", &[("host", "h")], b"");
        let cached = signer
            .cached
            .lock()
            .unwrap()
            .as_ref()
            .map(|c| c.key)
            .unwrap();
        let hex: String = cached.iter().map(|b| format!("{b:02x}")).collect();
        for text in [
            format!("{signer:?}"),
            format!("{key:?}"),
            format!("{signature:?}"),
        ] {
            assert!(!text.contains("s3cret"), "{text}");
            assert!(!text.contains(&hex[..16]), "{text}");
            assert!(!text.contains(&signature.authorization), "{text}");
        }
        assert!(format!("{signer:?}").contains("eu-west-1"));
        assert!(format!("{key:?}").contains("** redacted **"));
    }

    /// What aws-sigv4 adds to the same request (`x-amz-content-sha256`
    /// when asked for): x-amz-date, authorization, x-amz-content-sha256.
    fn reference(
        key: &Key<'_>,
        region: &str,
        time: SystemTime,
        request: &Request<'_>,
    ) -> (String, String, Option<String>) {
        let identity = Identity::from(Credentials::new(
            key.access_key_id,
            key.secret_access_key,
            key.session_token.map(str::to_owned),
            None,
            "test",
        ));
        let instructions = sigv4_reference::instructions(&identity, region, time, request);
        let mut request = http::Request::builder().uri("http://h/").body(()).unwrap();
        instructions.apply_to_request_http1x(&mut request);
        let h = request.headers();
        (
            h["x-amz-date"].to_str().unwrap().to_owned(),
            h["authorization"].to_str().unwrap().to_owned(),
            h.get("x-amz-content-sha256")
                .map(|v| v.to_str().unwrap().to_owned()),
        )
    }

    /// aws-sigv4's x-amz-date and authorization for a POST.
    fn reference_post(
        key: &Key<'_>,
        region: &str,
        time: SystemTime,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (String, String) {
        let request = Request {
            method: "POST",
            path,
            query,
            headers,
            body,
            content_sha256: false,
        };
        let (date, authorization, _) = reference(key, region, time, &request);
        (date, authorization)
    }

    const PLAIN: Key<'static> = Key {
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        session_token: None,
    };
    const SESSION: Key<'static> = Key {
        access_key_id: "ASIAIOSFODNN7EXAMPLE",
        secret_access_key: "sessiontestsecretsecretsecret0000000000",
        session_token: Some("testsessiontoken/with+base64=="),
    };

    #[test]
    fn signatures_match_aws_sigv4() {
        let times = [
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            UNIX_EPOCH + Duration::from_secs(951_782_400), // 2000-02-29
            UNIX_EPOCH + Duration::from_secs(4_102_444_799), // 2099-12-31T23:59:59
            SystemTime::now(),
        ];
        // (path, query, headers, body)
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [u8]);
        let cases: &[Case] = &[
            (
                "/2015-03-31/functions/add-numbers/invocations",
                "",
                &[("host", "127.0.0.1:9000")],
                b"{\"x\":1,\"y\":2}",
            ),
            (
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations",
                "Qualifier=%24LATEST",
                &[
                    ("host", "lambda.us-east-1.amazonaws.com"),
                    ("x-amz-client-context", "eyJjdXN0b20iOnt9fQ=="),
                    ("x-amz-invocation-type", "Event"),
                    ("x-amz-log-type", "Tail"),
                ],
                b"",
            ),
            (
                "/prefix/2015-03-31/functions/../invocations",
                "Qualifier=live",
                &[("host", "example.com"), ("x-amz-log-type", "Tail")],
                &[0, 159, 146, 150, 255],
            ),
            (
                "/2015-03-31/functions/a.b_c-d/invocations",
                "",
                &[("host", "h:1"), ("x-amz-z-last", "  two   spaces  ")],
                b"x",
            ),
        ];
        for (region, key) in [("us-east-1", &PLAIN), ("eu-west-3", &SESSION)] {
            let signer = Signer::new("lambda", region);
            for &time in &times {
                for &(path, query, headers, body) in cases {
                    let ours = signer.sign_post(key, time, path, query, headers, body);
                    let (date, authorization) =
                        reference_post(key, region, time, path, query, headers, body);
                    assert_eq!(ours.amz_date, date, "{path} at {time:?}");
                    assert_eq!(ours.authorization, authorization, "{path} at {time:?}");
                    assert_eq!(ours.content_sha256, None);
                }
            }
        }
    }

    /// Function URL requests (`Signer::sign`): every method, paths that
    /// normalise, queries to put in canonical form, headers in any case,
    /// repeated, with spaces, empty and binary bodies, with and without a
    /// session token and x-amz-content-sha256: the same x-amz-date,
    /// authorization and x-amz-content-sha256 as aws-sigv4, byte for byte.
    #[test]
    fn function_url_signatures_match_aws_sigv4() {
        let methods = [
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND", "purge",
        ];
        let paths = [
            "/",
            "/lambda-url/url-echo",
            "/a%20b/%C3%A9t%C3%A9/x%3Ay",
            "/x%2Fy/",
            "/./p//q/../r",
            "/a//b",
            "/a/b/.",
            "/..",
            "/a.b/c~d_e-f/",
            "/%41%zz%",
        ];
        let queries = [
            "",
            "b=2&a=1",
            // Repeated keys: sorted by value too; an empty value first.
            "a=2&a=1&a=10&a=",
            // No value, an empty value, empty pairs, no name.
            "novalue&empty=&&=v&x=1&",
            // Encoded already: decoded and encoded again; + is a space.
            "s=x%20y&t=a+b&u=%2B&v=%7e&w=%e2%9c%93&x=%2F%3F%26",
            // An encoded = in a name; a = in a value.
            "k%3Dq=1&a=b=c",
            // Invalid escapes kept; invalid UTF-8 replaced.
            "bad=%zz&pct=%&ff=%FF&half=%4",
            // Sorted by encoded name: %41 is A.
            "Z=1&a=1&_=1&~=1&-=1&.=1&%41=1&%5B=1",
            "sp=%20+%20&plus=++&UPPER=%c3%a9&lower=%C3%A9",
            "X-Amz-Date=1&x-amz-security-token=t&Qualifier=%24LATEST",
            "a=1;b=2&c=!*'()",
        ];
        let header_sets: &[&[(&str, &str)]] = &[
            &[("host", "abc.lambda-url.eu-west-1.on.aws")],
            &[
                ("host", "127.0.0.1:9000"),
                ("Content-Type", "application/json"),
                ("X-Custom", "a   b  c"),
                ("accept", "*/*"),
            ],
            // One name several times, in several cases: one line, the
            // values in the order sent.
            &[
                ("host", "h:1"),
                ("x-multi", "one"),
                ("X-Other", "z"),
                ("X-Multi", "  two  "),
                ("x-multi", "three   3"),
            ],
            &[
                ("host", "h"),
                ("x-empty", ""),
                ("x-tab", "a\tb"),
                ("x-spaces", "   leading  and  trailing   "),
                ("user-agent", "k6/1.0 (+https://k6.io)"),
                ("x-amz-meta", "m"),
                (
                    "X-Amzn-Trace-Id",
                    "Root=1-5759e988-bd862e3fe1be46a994272793",
                ),
            ],
            // Names around the signer's own.
            &[
                ("Z", "last"),
                ("x-amz-e", "3"),
                ("host", "h"),
                ("x-amz-a", "1"),
                ("x-amz-date-not", "2"),
                ("x-amz-security", "4"),
                ("x-amz-security-tokens", "5"),
                ("a", "first"),
            ],
            // The signer's own, given: replaced as aws-sigv4 replaces them.
            &[
                ("host", "h"),
                ("X-Amz-Date", "20000101T000000Z"),
                ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
                ("x-amz-security-token", "given"),
                ("Authorization", "given"),
                ("transfer-encoding", "chunked"),
            ],
        ];
        let binary: Vec<u8> = (0..=255).collect();
        let bodies: [&[u8]; 3] = [b"", "{\"k\":\"wörld\"}".as_bytes(), &binary];
        let times = [
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            UNIX_EPOCH + Duration::from_secs(951_782_400),
            SystemTime::now(),
        ];
        let signers = [
            (Signer::new("lambda", "us-east-1"), "us-east-1", &PLAIN),
            (Signer::new("lambda", "eu-west-3"), "eu-west-3", &SESSION),
        ];

        // Every method, path, query and header set with each other; the
        // keys, body, x-amz-content-sha256 and time vary along with them.
        let mut n = 0usize;
        for (m, method) in methods.into_iter().enumerate() {
            for (p, path) in paths.into_iter().enumerate() {
                for (q, query) in queries.into_iter().enumerate() {
                    for (h, headers) in header_sets.iter().enumerate() {
                        let (signer, region, key) = &signers[(q + h) % 2];
                        let request = Request {
                            method,
                            path,
                            query,
                            headers,
                            body: bodies[(p + h) % 3],
                            content_sha256: (m + q + h) % 2 == 0,
                        };
                        let time = times[(m + p) % 3];
                        let ours = signer.sign(key, time, &request);
                        let (date, authorization, content_sha256) =
                            reference(key, region, time, &request);
                        let case = format!(
                            "{method} {path}?{query} {headers:?} body {} bytes, \
                             x-amz-content-sha256 {}, {region}",
                            request.body.len(),
                            request.content_sha256
                        );
                        assert_eq!(ours.amz_date, date, "{case}");
                        assert_eq!(ours.authorization, authorization, "{case}");
                        assert_eq!(ours.content_sha256, content_sha256, "{case}");
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(
            n,
            methods.len() * paths.len() * queries.len() * header_sets.len()
        );
    }

    #[test]
    fn canonical_forms() {
        let path = |p: &str| {
            let mut out = String::new();
            canonical_path(&mut out, p);
            out
        };
        assert_eq!(path(""), "/");
        assert_eq!(path("/a%3Ab/"), "/a%253Ab/");
        assert_eq!(path("/./p//q/../r"), "/p/r");
        assert_eq!(path("/a//b"), "/a/b");
        assert_eq!(path("/a/b/.."), "/a/");
        assert_eq!(path("/.."), "/");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("&&"), "");
        assert_eq!(
            canonical_query("b=2&a=1&a=0&n&e=&q=a+b%2B&r=%7e"),
            "a=0&a=1&b=2&e=&n=&q=a%20b%2B&r=~"
        );
        assert_eq!(canonical_query("x=%zz&y=%FF"), "x=%25zz&y=%EF%BF%BD");
    }

    #[test]
    fn the_signing_key_follows_the_day_and_the_secret() {
        let signer = Signer::new("lambda", "us-east-1");
        let day = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let a = signer.signing_key("20231114", "secret-a");
        assert_eq!(signer.signing_key("20231114", "secret-a"), a);
        assert_ne!(signer.signing_key("20231115", "secret-a"), a);
        assert_ne!(signer.signing_key("20231114", "secret-b"), a);
        // And a rotated secret signs with its own key at once.
        let key = |secret| Key {
            access_key_id: "AKIDEXAMPLE00000",
            secret_access_key: secret,
            session_token: None,
        };
        let headers = [("host", "h")];
        for secret in ["one", "two", "one"] {
            let ours = signer.sign_post(&key(secret), day, "/p", "", &headers, b"");
            let (_, reference) =
                reference_post(&key(secret), "us-east-1", day, "/p", "", &headers, b"");
            assert_eq!(ours.authorization, reference);
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
