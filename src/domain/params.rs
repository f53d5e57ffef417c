//! The utility's declared input parameters (the design's `input_params`), and the check of a
//! call's arguments against them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Any,
}

impl ParamType {
    fn admits(self, v: &Value) -> bool {
        match self {
            ParamType::String => v.is_string(),
            ParamType::Number => v.is_number(),
            ParamType::Integer => v.is_i64() || v.is_u64(),
            ParamType::Boolean => v.is_boolean(),
            ParamType::Object => v.is_object(),
            ParamType::Array => v.is_array(),
            ParamType::Any => true,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Number => "number",
            ParamType::Integer => "integer",
            ParamType::Boolean => "boolean",
            ParamType::Object => "object",
            ParamType::Array => "array",
            ParamType::Any => "any",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub order: u32,
    #[serde(rename = "type")]
    pub ty: ParamType,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// `{"params": [...]}`, as the design stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputParams {
    pub params: Vec<Param>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParamsError {
    #[error("input_params is not valid: {0}")]
    Malformed(String),
    #[error("input_params declares {0:?} twice")]
    Duplicate(String),
    #[error("input_params name {0:?} is not a Python identifier")]
    BadName(String),
    #[error("missing required parameter {0:?}")]
    Missing(String),
    #[error("unknown parameter {name:?}; this utility takes: {expected}")]
    Unknown { name: String, expected: String },
    #[error("parameter {name:?} must be of type {expected}")]
    WrongType {
        name: String,
        expected: &'static str,
    },
    #[error("parameters must be a JSON object of name -> value")]
    NotAnObject,
}

impl InputParams {
    /// The design's default: `data` (required) and `filter` (required only if asked), strings.
    pub fn design_default(filter_required: bool) -> Self {
        Self {
            params: vec![
                Param {
                    name: "data".into(),
                    order: 1,
                    ty: ParamType::String,
                    required: true,
                },
                Param {
                    name: "filter".into(),
                    order: 2,
                    ty: ParamType::String,
                    required: filter_required,
                },
            ],
        }
    }

    /// Parse a declaration given either as JSON text (the design stores a string) or a value.
    pub fn from_value(v: &Value) -> Result<Self, ParamsError> {
        let parsed: InputParams = match v {
            Value::String(s) => serde_json::from_str(s),
            other => serde_json::from_value(other.clone()),
        }
        .map_err(|e| ParamsError::Malformed(e.to_string()))?;
        parsed.checked()
    }

    fn checked(mut self) -> Result<Self, ParamsError> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.params {
            let ident = p
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ident {
                return Err(ParamsError::BadName(p.name.clone()));
            }
            if !seen.insert(p.name.as_str()) {
                return Err(ParamsError::Duplicate(p.name.clone()));
            }
        }
        self.params.sort_by_key(|p| p.order);
        Ok(self)
    }

    pub fn names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }

    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Check a call's arguments: every required one present, none unknown, types as declared.
    /// Optional parameters that are absent are passed as `None` so the function's signature holds.
    pub fn check_call(&self, args: &Value) -> Result<Map<String, Value>, ParamsError> {
        let Value::Object(args) = args else {
            return Err(ParamsError::NotAnObject);
        };
        if let Some(name) = args
            .keys()
            .find(|k| !self.params.iter().any(|p| &p.name == *k))
        {
            return Err(ParamsError::Unknown {
                name: name.clone(),
                expected: self.names().join(", "),
            });
        }
        let mut out = Map::new();
        for p in &self.params {
            match args.get(&p.name) {
                None | Some(Value::Null) if p.required => {
                    return Err(ParamsError::Missing(p.name.clone()));
                }
                None | Some(Value::Null) => {
                    out.insert(p.name.clone(), Value::Null);
                }
                Some(v) if !p.ty.admits(v) => {
                    return Err(ParamsError::WrongType {
                        name: p.name.clone(),
                        expected: p.ty.as_str(),
                    });
                }
                Some(v) => {
                    out.insert(p.name.clone(), v.clone());
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_design_string_form() {
        let p = InputParams::from_value(&json!(
            r#"{"params":[{"name":"filter", "order":2,"type":"string"},{"name":"data", "order":1,"type":"string"}]}"#
        ))
        .unwrap();
        assert_eq!(p.names(), vec!["data", "filter"]);
        assert!(p.params.iter().all(|p| p.required));
    }

    #[test]
    fn checks_calls() {
        let p = InputParams::design_default(false);
        assert!(p.check_call(&json!({"data": "x"})).unwrap()["filter"].is_null());
        assert_eq!(
            p.check_call(&json!({"filter": "x"})),
            Err(ParamsError::Missing("data".into()))
        );
        assert!(matches!(
            p.check_call(&json!({"data": "x", "extra": 1})),
            Err(ParamsError::Unknown { .. })
        ));
        assert!(matches!(
            p.check_call(&json!({"data": 5})),
            Err(ParamsError::WrongType { .. })
        ));
        assert_eq!(p.check_call(&json!([1])), Err(ParamsError::NotAnObject));
    }

    #[test]
    fn rejects_bad_declarations() {
        assert!(matches!(
            InputParams::from_value(&json!({"params":[{"name":"a b","order":1,"type":"string"}]})),
            Err(ParamsError::BadName(_))
        ));
        assert!(matches!(
            InputParams::from_value(
                &json!({"params":[{"name":"a","order":1,"type":"string"},{"name":"a","order":2,"type":"any"}]})
            ),
            Err(ParamsError::Duplicate(_))
        ));
        assert!(matches!(
            InputParams::from_value(&json!({"params":[{"name":"a","order":1,"type":"blob"}]})),
            Err(ParamsError::Malformed(_))
        ));
    }
}
