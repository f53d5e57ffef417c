use std::fmt;

/// A tenant code. It names a database file (embedded store) or a database (MongoDB), so the
/// alphabet is kept to what is safe in both: lowercase letters, digits, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct TenantCode(String);

pub const TENANT_MAX_LEN: usize = 48;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TenantError {
    #[error("tenant code is required")]
    Empty,
    #[error("tenant code is too long: {len} characters, the limit is {max}")]
    TooLong { len: usize, max: usize },
    #[error(
        "tenant code may contain only lowercase letters, digits, '_' and '-', and must start with a letter or digit (found {found:?})"
    )]
    InvalidChar { found: char },
}

impl TenantCode {
    pub fn parse(raw: &str) -> Result<Self, TenantError> {
        if raw.is_empty() {
            return Err(TenantError::Empty);
        }
        if let Some(found) = raw
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
        {
            return Err(TenantError::InvalidChar { found });
        }
        if raw.starts_with(['_', '-']) {
            return Err(TenantError::InvalidChar {
                found: raw.chars().next().unwrap_or('-'),
            });
        }
        if raw.len() > TENANT_MAX_LEN {
            return Err(TenantError::TooLong {
                len: raw.len(),
                max: TENANT_MAX_LEN,
            });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_safe_codes_only() {
        assert!(TenantCode::parse("tenant001").is_ok());
        assert!(TenantCode::parse("acme-eu_2").is_ok());
        assert!(TenantCode::parse("").is_err());
        assert!(TenantCode::parse("../etc").is_err());
        assert!(TenantCode::parse("Acme").is_err());
        assert!(TenantCode::parse("-x").is_err());
        assert!(TenantCode::parse(&"a".repeat(48)).is_ok());
        assert!(TenantCode::parse(&"a".repeat(49)).is_err());
    }
}
