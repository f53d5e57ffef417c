//! POST /utils/v1/validate: the caller's tenant policy on a piece of code, without saving it.

use super::AppState;
use super::caller::Caller;
use super::envelope::{Reply, reply};
use super::error::ApiError;
use super::input::ApiJson;
use crate::domain::{InputParams, UtilityName};
use crate::service::code::contract;
use zona_validation::Report;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    code: String,
    /// With a name, the utility contract is checked too: a function `name` taking the
    /// parameters (`input_params`, or the design's default `data` and `filter`).
    name: Option<String>,
    input_params: Option<serde_json::Value>,
}

pub async fn validate(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<ValidateBody>,
) -> Result<Reply<Report>, ApiError> {
    let name = body.name.as_deref().filter(|n| !n.is_empty());
    let contract = match (name, &body.input_params) {
        (Some(n), params) => {
            let name = UtilityName::parse(n, state.limits.name_max_len)
                .map_err(|e| ApiError::bad("name", e.to_string()))?;
            let params = match params {
                Some(v) => InputParams::from_value(v)
                    .map_err(|e| ApiError::bad("input_params", e.to_string()))?,
                None => InputParams::design_default(false),
            };
            Some(contract(&name, &params))
        }
        (None, Some(_)) => {
            return Err(ApiError::bad(
                "name",
                "input_params needs the utility's name: the contract is a function of that name taking those parameters",
            ));
        }
        (None, None) => None,
    };
    let (report, _) = state
        .utilities
        .checker()
        .report(&ctx.who.tenant, contract, body.code)
        .await?;
    let message = if report.valid {
        match report.warnings().count() {
            0 => "Code is valid".to_owned(),
            n => format!(
                "Code is valid, with {n} warning{}",
                if n == 1 { "" } else { "s" }
            ),
        }
    } else {
        format!(
            "Code would be rejected: {} blocking finding{}",
            report.blocking().count(),
            if report.blocking().count() == 1 {
                ""
            } else {
                "s"
            }
        )
    };
    Ok(reply(report, message))
}
