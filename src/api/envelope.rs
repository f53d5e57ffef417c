//! The design's `ResponseModel` envelope, for every response.

use crate::domain::now_millis;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ResponseModel<T: Serialize> {
    pub success: bool,
    pub data: Option<T>,
    pub error: String,
    pub time: i64,
    pub displaymessage: String,
    pub status: String,
    pub errorpath: String,
    pub sessionexpired: bool,
    pub field: Vec<String>,
    pub count: u64,
    /// Cursor of the next page of a list, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T: Serialize> ResponseModel<T> {
    pub fn ok(data: T, message: impl Into<String>) -> Self {
        Self {
            success: true,
            data: Some(data),
            error: String::new(),
            time: now_millis(),
            displaymessage: message.into(),
            status: "success".into(),
            errorpath: String::new(),
            sessionexpired: false,
            field: vec![],
            count: 0,
            next_cursor: None,
        }
    }

    pub fn with_count(mut self, count: u64, next_cursor: Option<String>) -> Self {
        self.count = count;
        self.next_cursor = next_cursor;
        self
    }
}

impl ResponseModel<serde_json::Value> {
    pub fn failure(error: &str, message: String) -> Self {
        Self {
            success: false,
            data: None,
            error: error.into(),
            time: now_millis(),
            displaymessage: message,
            status: "failed".into(),
            errorpath: String::new(),
            sessionexpired: false,
            field: vec![],
            count: 0,
            next_cursor: None,
        }
    }
}

/// `Json(ResponseModel::ok(..))` with status 200.
pub type Reply<T> = axum::Json<ResponseModel<T>>;

pub fn reply<T: Serialize>(data: T, message: impl Into<String>) -> Reply<T> {
    axum::Json(ResponseModel::ok(data, message))
}
