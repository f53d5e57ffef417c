//! Zona Custom Utils: tenants keep their own Python utility functions and run them on demand,
//! safely, fast, and with a full record of who did what.
//!
//! HTTP (`api`) -> use cases (`service`) -> `store` and `cache` -> sandbox. See README.md.

pub mod api;
pub mod auth;
pub mod bench;
pub mod cache;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod secrets;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;

pub use api::{AppState, app};

/// Mints a token with the secret `serve` would use under `cfg` (the `token` command, tests).
pub fn token(
    cfg: &config::Config,
    who: &domain::Principal,
    ttl: std::time::Duration,
) -> anyhow::Result<String> {
    let secrets = secrets::Secrets::load(cfg)?;
    let auth = auth::Authenticator::new(&cfg.auth, &secrets.jwt_secret)?;
    Ok(auth.mint(who, ttl)?)
}
