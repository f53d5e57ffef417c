//! /utils/v1/custom-utils: create or update, read, list, delete.

use super::AppState;
use super::caller::Caller;
use super::envelope::{Reply, ResponseModel, reply};
use super::error::ApiError;
use super::input::{ApiJson, ApiQuery, PageParams, int, json_rejection, tenant, user_filter};
use crate::domain::Status;
use crate::service::utilities::{ListParams, Selector, UpsertInput};
use crate::service::views::UtilityView;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::CONTENT_TYPE;

pub async fn upsert(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    req: Request,
) -> Result<Reply<UtilityView>, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let input = if content_type.starts_with("multipart/form-data") {
        let mp = Multipart::from_request(req, &state)
            .await
            .map_err(|r| ApiError::from_rejection(r.status(), r.body_text()))?;
        read_form(mp).await?
    } else if content_type.starts_with("application/json") {
        axum::Json::<UpsertInput>::from_request(req, &state)
            .await
            .map_err(json_rejection)?
            .0
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send the utility as multipart/form-data (the code as a file part named 'code') or as application/json".into(),
        ));
    };
    let creating =
        input.taskid.unwrap_or(0) <= 0 && input.oldtitle.as_deref().unwrap_or_default().is_empty();
    let view = state.utilities.upsert(&ctx, input).await?;
    let msg = if creating {
        "Utility created"
    } else {
        "Utility updated"
    };
    Ok(reply(view, msg))
}

/// The design's multipart form. Every part is text except `code`, which may be a file.
async fn read_form(mut mp: Multipart) -> Result<UpsertInput, ApiError> {
    let mut input = UpsertInput::default();
    let bad_part = |e: axum::extract::multipart::MultipartError| {
        ApiError::from_rejection(e.status(), e.body_text())
    };
    while let Some(field) = mp.next_field().await.map_err(bad_part)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(bad_part)?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            ApiError::bad(
                name.clone(),
                format!("form field {name:?} must be UTF-8 text"),
            )
        })?;
        let flag = |v: &str| -> Result<bool, ApiError> {
            match v.trim() {
                "true" | "1" | "on" => Ok(true),
                "false" | "0" | "off" | "" => Ok(false),
                other => Err(ApiError::bad(
                    name.clone(),
                    format!("{name} must be true or false, got {other:?}"),
                )),
            }
        };
        match name.as_str() {
            "title" => input.title = Some(text),
            "description" => input.description = Some(text),
            "category" => input.category = Some(text),
            "input_label" => input.input_label = Some(text),
            "filter_label" => input.filter_label = Some(text),
            "required_filter" => input.required_filter = Some(flag(&text)?),
            "output" => input.output = Some(text),
            "taskid" if !text.trim().is_empty() => input.taskid = Some(int("taskid", text.trim())?),
            "taskid" => {}
            "filehash" => input.filehash = Some(text),
            "oldtitle" => input.oldtitle = Some(text),
            "userid" if !text.trim().is_empty() => input.userid = Some(int("userid", text.trim())?),
            "userid" => {}
            "tenantcode" => input.tenantcode = Some(text),
            "username" => input.username = Some(text),
            "email" => input.email = Some(text),
            "status" => input.status = Some(text),
            "displayname" => input.displayname = Some(text),
            "input_params" => input.input_params = Some(serde_json::Value::String(text)),
            "packages" => {
                input.packages = Some(
                    text.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect(),
                )
            }
            "code" | "file" => input.code = Some(text),
            other => {
                return Err(ApiError::bad(
                    other,
                    format!("unknown form field {other:?}"),
                ));
            }
        }
    }
    Ok(input)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    prefix: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    cursor: Option<String>,
}

/// `{name}` is a utility name, or `-` for the list.
pub async fn get_by_name(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((tenant_raw, user_raw, name)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let tenant = tenant(&tenant_raw)?;
    let owner = user_filter(&user_raw)?;
    if name != "-" {
        let view = state
            .utilities
            .get(&ctx, &tenant, Selector::Name(name), owner)
            .await?;
        return Ok(reply(view, "").into_response());
    }
    let status = q
        .status
        .as_deref()
        .map(Status::parse)
        .transpose()
        .map_err(|e| ApiError::bad("status", e.to_string()))?;
    let params = ListParams {
        owner,
        status,
        category: q.category,
        name_prefix: q.prefix,
        page: PageParams {
            limit: q.limit,
            offset: q.offset,
            cursor: q.cursor.clone(),
        }
        .resolve(state.limits.page_default, state.limits.page_max)?,
    };
    let page = state.utilities.list(&ctx, &tenant, params).await?;
    let msg = if page.items.is_empty() {
        "No utilities found"
    } else {
        ""
    };
    Ok(
        axum::Json(ResponseModel::ok(page.items, msg).with_count(page.total, page.next_cursor))
            .into_response(),
    )
}

pub async fn get_by_id(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((tenant_raw, id)): Path<(String, String)>,
) -> Result<Reply<UtilityView>, ApiError> {
    let tenant = tenant(&tenant_raw)?;
    let id = int("id", &id)?;
    let view = state
        .utilities
        .get(&ctx, &tenant, Selector::Id(id), None)
        .await?;
    Ok(reply(view, ""))
}

pub async fn delete_by_id(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((tenant_raw, id)): Path<(String, String)>,
) -> Result<Reply<UtilityView>, ApiError> {
    let tenant = tenant(&tenant_raw)?;
    let id = int("id", &id)?;
    let view = state
        .utilities
        .delete(&ctx, &tenant, Selector::Id(id))
        .await?;
    Ok(reply(view, "Utility deleted"))
}

/// The design's delete body: `{"functionname": "x", "tenantcode": "t", "userid": "1"}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    functionname: Option<String>,
    name: Option<String>,
    taskid: Option<i64>,
    tenantcode: Option<String>,
    /// The design sends it as a string; accepted either way and checked against the token.
    userid: Option<serde_json::Value>,
}

pub async fn delete_by_body(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiJson(body): ApiJson<DeleteBody>,
) -> Result<Reply<UtilityView>, ApiError> {
    let tenant = match body.tenantcode.as_deref() {
        Some(t) => tenant(t)?,
        None => ctx.who.tenant.clone(),
    };
    if let Some(u) = &body.userid {
        let claimed = match u {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| ApiError::bad("userid", "userid must be an integer"))?;
        if claimed != ctx.who.user.0 {
            let denied = crate::domain::rbac::Denied::NotOwner {
                role: ctx.who.role,
                action: "delete",
                owner: crate::domain::UserId(claimed),
            };
            if ctx.who.role < crate::domain::Role::Admin {
                state
                    .audit
                    .record_denied(
                        &ctx,
                        crate::domain::rbac::Action::Delete,
                        &tenant,
                        "utility",
                        &denied,
                    )
                    .await;
                return Err(crate::service::ServiceError::Denied(denied).into());
            }
        }
    }
    let sel = match (body.taskid, body.functionname.or(body.name)) {
        (Some(id), _) => Selector::Id(id),
        (None, Some(n)) => Selector::Name(n.trim_end_matches("()").to_owned()),
        (None, None) => {
            return Err(ApiError::bad(
                "functionname",
                "name the utility: functionname, name or taskid",
            ));
        }
    };
    let view = state.utilities.delete(&ctx, &tenant, sel).await?;
    Ok(reply(view, "Utility deleted"))
}
