//! aws-sigv4 (a dev-dependency) as the tests' reference for the project's
//! own SigV4 signer: Invoke's tests (`sigv4.rs`) and function URLs'
//! (`url.rs`) hold the signer to what aws-sigv4 adds to the same request.

use std::time::SystemTime;

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningInstructions, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use super::sigv4::Request;

/// What aws-sigv4, default settings, adds to `request` to sign it for
/// service `lambda` in `region` at `time`: x-amz-date, authorization, the
/// session token, and x-amz-content-sha256 when `request.content_sha256`.
/// The host signed is `request`'s `host` header.
pub(super) fn instructions(
    identity: &Identity,
    region: &str,
    time: SystemTime,
    request: &Request<'_>,
) -> SigningInstructions {
    let uri = if request.query.is_empty() {
        format!("http://h{}", request.path)
    } else {
        format!("http://h{}?{}", request.path, request.query)
    };
    let signable = SignableRequest::new(
        request.method,
        &uri,
        request.headers.iter().copied(),
        SignableBody::Bytes(request.body),
    )
    .unwrap();
    let mut settings = SigningSettings::default();
    if request.content_sha256 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name("lambda")
        .time(time)
        .settings(settings)
        .build()
        .unwrap();
    sign(signable, &params.into()).unwrap().into_parts().0
}
