//! The one integration-test binary: the real service on port 0, driven over HTTP.

mod audit;
mod auth;
mod helpers;
mod persistence;
mod rbac;
mod utilities;
mod validation;
mod versions;
