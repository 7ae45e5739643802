//! GitHub's REST API for Actions secrets and variables.
//!
//! Secrets: read the scope's public key, seal each value with it (libsodium's sealed box,
//! [`seal`]), `PUT` it. Variables: `POST`, or `PATCH` when it exists (409). The endpoints
//! and what their failures mean are in [`endpoints`]; every request goes through
//! [`transport`] (a User-Agent, GitHub's media type and API version, a timeout, redirects
//! only within the API's origin), which retries as [`retry`] decides: 5xx answers, rate
//! limits, timeouts and lost connections, with jittered backoff or as long as GitHub asks
//! (up to a minute). GitHub's words reach messages only through [`answer`], redacted.

pub mod answer;
pub mod endpoints;
pub mod retry;
pub mod seal;
pub mod transport;

pub use answer::excerpt;
pub use endpoints::{Prepared, Written};
pub use retry::Backoff;
pub use transport::{Client, Config, Token, parse_base};
