//! SigV4 for the direct transport's one request shape: a POST whose path
//! and query are already percent-encoded, a handful of headers, a body in
//! memory.
//!
//! Why not aws-sigv4 here: its general signer (any method, any header set,
//! presigning, normalisation options) took 20% of the runtime thread's CPU
//! per invocation (perf, RESULTS.md finding 9): a canonical request built
//! through `fmt`, several allocations, and the signing key derived from the
//! secret with four HMACs on every request. This one writes the canonical
//! request into one buffer and keeps the day's signing key. It produces the
//! same signature as aws-sigv4 with its default settings (double-encoded
//! path, normalised dot segments, the session token signed), which the
//! tests below check byte for byte; the SDK transport and every other
//! request still use aws-sigv4.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The credentials one request is signed with.
pub struct Key<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

/// What to add to the request: `x-amz-date`, `x-amz-security-token` (when
/// the credentials have one) and `authorization`.
pub struct Signature {
    pub amz_date: String,
    pub authorization: String,
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

impl Signer {
    pub fn new(service: &'static str, region: &str) -> Self {
        Self {
            service,
            region: region.to_owned(),
            cached: Mutex::new(None),
        }
    }

    /// Signs a POST of `body` to `path` (percent-encoded, starting with
    /// `/`) with `query` (`name=value` pairs, percent-encoded, sorted by
    /// name, or empty), and `headers`: lower-case names sorted by name,
    /// `host` and every `x-amz-*` header except `x-amz-date` and
    /// `x-amz-security-token`, which are added here.
    pub fn sign_post(
        &self,
        key: &Key<'_>,
        time: SystemTime,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Signature {
        let (date, amz_date) = timestamps(time);
        let date = std::str::from_utf8(&date).unwrap_or_default();

        // The canonical request, in one buffer.
        let mut canonical = String::with_capacity(512);
        canonical.push_str("POST\n");
        canonical_path(&mut canonical, path);
        canonical.push('\n');
        canonical.push_str(query);
        canonical.push('\n');
        let mut signed_names = String::with_capacity(96);
        let mut push_header = |name: &str, value: &str| {
            canonical.push_str(name);
            canonical.push(':');
            push_trimmed(&mut canonical, value);
            canonical.push('\n');
            if !signed_names.is_empty() {
                signed_names.push(';');
            }
            signed_names.push_str(name);
        };
        // Sorted: the caller's, with x-amz-date and x-amz-security-token
        // merged in at their places.
        let mut date_added = false;
        let mut token_added = key.session_token.is_none();
        for &(name, value) in headers {
            if !date_added && name > "x-amz-date" {
                push_header("x-amz-date", &amz_date);
                date_added = true;
            }
            if !token_added && name > "x-amz-security-token" {
                push_header(
                    "x-amz-security-token",
                    key.session_token.unwrap_or_default(),
                );
                token_added = true;
            }
            push_header(name, value);
        }
        if !date_added {
            push_header("x-amz-date", &amz_date);
        }
        if !token_added {
            push_header(
                "x-amz-security-token",
                key.session_token.unwrap_or_default(),
            );
        }
        canonical.push('\n');
        canonical.push_str(&signed_names);
        canonical.push('\n');
        push_hex(&mut canonical, &Sha256::digest(body));

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

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
}

/// A header value as SigV4 wants it: trimmed, inner runs of spaces as one.
fn push_trimmed(out: &mut String, value: &str) {
    let mut space = false;
    for c in value.trim().chars() {
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

/// The canonical URI: `.` and `..` segments removed (RFC 3986), then every
/// byte but the unreserved ones and `/` percent-encoded again (the path is
/// already encoded once: services other than S3 sign it twice encoded).
fn canonical_path(out: &mut String, path: &str) {
    let mut segments: Vec<&str> = Vec::with_capacity(8);
    for segment in path.split('/').skip(1) {
        match segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    // A trailing dot segment leaves the path ending in a slash.
    if path.ends_with("/.") || path.ends_with("/..") {
        segments.push("");
    }
    if segments.is_empty() {
        out.push('/');
        return;
    }
    for segment in segments {
        out.push('/');
        for &b in segment.as_bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(b as char);
            } else {
                const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(DIGITS[usize::from(b >> 4)] as char);
                out.push(DIGITS[usize::from(b & 15)] as char);
            }
        }
    }
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
    use aws_credential_types::Credentials;
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    use aws_smithy_runtime_api::client::identity::Identity;
    use std::time::Duration;

    /// aws-sigv4's Authorization for the same request, default settings.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        key: &Key<'_>,
        region: &str,
        time: SystemTime,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (String, String) {
        let identity = Identity::from(Credentials::new(
            key.access_key_id,
            key.secret_access_key,
            key.session_token.map(str::to_owned),
            None,
            "test",
        ));
        let uri = if query.is_empty() {
            format!("http://h{path}")
        } else {
            format!("http://h{path}?{query}")
        };
        let signable = SignableRequest::new(
            "POST",
            &uri,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("lambda")
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .unwrap();
        let (instructions, _) = sign(signable, &params.into()).unwrap().into_parts();
        let mut request = http::Request::builder().uri(&uri).body(()).unwrap();
        instructions.apply_to_request_http1x(&mut request);
        let h = request.headers();
        (
            h["x-amz-date"].to_str().unwrap().to_owned(),
            h["authorization"].to_str().unwrap().to_owned(),
        )
    }

    #[test]
    fn signatures_match_aws_sigv4() {
        let plain = Key {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        let session = Key {
            access_key_id: "ASIAIOSFODNN7EXAMPLE",
            secret_access_key: "sessiontestsecretsecretsecret0000000000",
            session_token: Some("testsessiontoken/with+base64=="),
        };
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
        for (region, key) in [("us-east-1", &plain), ("eu-west-3", &session)] {
            let signer = Signer::new("lambda", region);
            for &time in &times {
                for &(path, query, headers, body) in cases {
                    let ours = signer.sign_post(key, time, path, query, headers, body);
                    let (date, authorization) =
                        reference(key, region, time, path, query, headers, body);
                    assert_eq!(ours.amz_date, date, "{path} at {time:?}");
                    assert_eq!(ours.authorization, authorization, "{path} at {time:?}");
                }
            }
        }
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
            let (_, reference) = reference(&key(secret), "us-east-1", day, "/p", "", &headers, b"");
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
