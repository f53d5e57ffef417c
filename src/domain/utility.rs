use serde::{Deserialize, Serialize};

/// The design's utility status. Deleting is soft: it sets `Inactive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Draft,
    Inactive,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown status {0:?}: expected active, draft or inactive")]
pub struct StatusError(pub String);

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Draft => "draft",
            Status::Inactive => "inactive",
        }
    }

    pub fn parse(s: &str) -> Result<Self, StatusError> {
        match s {
            "active" => Ok(Status::Active),
            "draft" => Ok(Status::Draft),
            "inactive" => Ok(Status::Inactive),
            other => Err(StatusError(other.to_owned())),
        }
    }
}
