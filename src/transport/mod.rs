//! The two ways an invocation is sent; both report alike, and the tests
//! run both against the same servers and compare.
//!
//! - [`direct`] (default): one SigV4-signed request on a pooled hyper client.
//! - [`sdk`] (`transport: 'sdk'`): aws-sdk-lambda's orchestration.
//!
//! Both dial through `crate::network` (k6's network options). Neither
//! knows the client: `crate::client` picks one and owns the invocation.

pub mod direct;
pub mod sdk;
