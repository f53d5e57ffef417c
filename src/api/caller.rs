//! The authenticated caller, from `Authorization: Bearer <jwt>`.

use super::AppState;
use super::error::ApiError;
use super::request_id;
use crate::auth::AuthError;
use crate::service::Ctx;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

pub struct Caller(pub Ctx);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthError::Missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or(AuthError::Missing)?;
        let who = state.auth.verify(token.trim())?;
        Ok(Caller(Ctx {
            who,
            request_id: request_id::current(),
        }))
    }
}
