//! The one integration-test binary: the real service on port 0, driven over HTTP.

mod audit;
mod auth;
mod cli;
mod execute;
mod faults;
mod helpers;
mod persistence;
mod production;
mod rbac;
mod servers;
mod store_contract;
mod two_instances;
mod utilities;
mod validation;
mod versions;
