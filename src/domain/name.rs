use std::fmt;

/// A utility name: `^[A-Za-z0-9_]+$`, 1 to `max_len` characters, not a reserved word.
///
/// It is also the Python entry function's name, so it must be a valid identifier too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtilityName(String);

/// Words the original design reserves; compared case-insensitively.
const RESERVED: [&str; 4] = ["main", "init", "test", "admin"];

/// The design's ceiling; a deployment may configure a lower one but never a higher one.
pub const NAME_MAX_LEN: usize = 50;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("utility name is required")]
    Empty,
    #[error("utility name is too long: {len} characters, the limit is {max}")]
    TooLong { len: usize, max: usize },
    #[error(
        "utility name may contain only letters A-Z, a-z, digits and underscores (found {found:?})"
    )]
    InvalidChar { found: char },
    #[error("utility name must not start with a digit: it is also the Python function's name")]
    LeadingDigit,
    #[error("utility name {0:?} is reserved; choose another")]
    Reserved(String),
}

impl UtilityName {
    pub fn parse(raw: &str, max_len: usize) -> Result<Self, NameError> {
        let max = max_len.min(NAME_MAX_LEN);
        if raw.is_empty() {
            return Err(NameError::Empty);
        }
        if let Some(found) = raw
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
        {
            return Err(NameError::InvalidChar { found });
        }
        // Only ASCII is left, so bytes are characters.
        if raw.len() > max {
            return Err(NameError::TooLong {
                len: raw.len(),
                max,
            });
        }
        if raw.as_bytes()[0].is_ascii_digit() {
            return Err(NameError::LeadingDigit);
        }
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(raw)) {
            return Err(NameError::Reserved(raw.to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The design's `displayname`: "data_transformer" -> "Data Transformer".
    pub fn display_name(&self) -> String {
        self.0
            .split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut cs = w.chars();
                match cs.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + cs.as_str(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for UtilityName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_design_alphabet() {
        assert!(UtilityName::parse("data_transformer_2", 50).is_ok());
        assert!(UtilityName::parse("_private", 50).is_ok());
    }

    #[test]
    fn length_pair() {
        assert!(UtilityName::parse(&"a".repeat(50), 50).is_ok());
        assert_eq!(
            UtilityName::parse(&"a".repeat(51), 50),
            Err(NameError::TooLong { len: 51, max: 50 })
        );
        // A configured limit above the design's ceiling is capped.
        assert!(UtilityName::parse(&"a".repeat(51), 80).is_err());
    }

    #[test]
    fn rejects_bad_names() {
        assert_eq!(UtilityName::parse("", 50), Err(NameError::Empty));
        assert_eq!(
            UtilityName::parse("a-b", 50),
            Err(NameError::InvalidChar { found: '-' })
        );
        assert_eq!(
            UtilityName::parse("héllo", 50),
            Err(NameError::InvalidChar { found: 'é' })
        );
        assert_eq!(UtilityName::parse("1abc", 50), Err(NameError::LeadingDigit));
        for reserved in ["main", "INIT", "Test", "admin"] {
            assert!(matches!(
                UtilityName::parse(reserved, 50),
                Err(NameError::Reserved(_))
            ));
        }
    }

    #[test]
    fn display_name() {
        let n = UtilityName::parse("data_transformer", 50).unwrap();
        assert_eq!(n.display_name(), "Data Transformer");
    }
}
