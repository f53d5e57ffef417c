//! What the engine reports: findings with the place in the source a code editor can underline.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// What a finding does to the code: `Block` rejects it, `Warn` lets it be saved with the warning.
/// Ordered so that `Block > Warn`: a tenant may move an action up, and down only where relaxable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Warn,
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Warn => "warn",
            Action::Block => "block",
        }
    }
}

/// One finding. Lines and columns are 1-based; columns count characters (Unicode scalar values);
/// `end_column` is exclusive, so `[column, end_column)` on `line` is what to underline when the
/// finding spans one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub action: Action,
    pub message: String,
    pub hint: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The source line the finding starts on, cut to a readable length.
    pub source_line: String,
}

impl Finding {
    pub fn blocks(&self) -> bool {
        self.action == Action::Block
    }
}

/// The outcome of validating one piece of code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// False if any finding blocks.
    pub valid: bool,
    /// In source order.
    pub findings: Vec<Finding>,
    /// Findings beyond the report's cap that were counted but not listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub findings_omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report {
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.blocks())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.blocks())
    }
}

/// Byte offsets to 1-based (line, character column), built once per report that has findings.
pub(crate) struct Positions<'a> {
    code: &'a str,
    line_starts: Vec<usize>,
}

/// Longest source line kept in a finding, in characters.
const SOURCE_LINE_MAX: usize = 240;

impl<'a> Positions<'a> {
    pub(crate) fn new(code: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            code.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { code, line_starts }
    }

    /// 1-based line and column of a byte offset (clamped to the code).
    pub(crate) fn at(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.code, offset.min(self.code.len()));
        let line = self.line_starts.partition_point(|s| *s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.code[start..offset].chars().count() + 1;
        (line + 1, column)
    }

    pub(crate) fn source_line(&self, line: usize) -> String {
        let start = self
            .line_starts
            .get(line - 1)
            .copied()
            .unwrap_or(self.code.len());
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.code.len());
        let text = self.code[start..end].trim_end_matches(['\n', '\r']);
        if text.chars().count() > SOURCE_LINE_MAX {
            let mut cut: String = text.chars().take(SOURCE_LINE_MAX).collect();
            cut.push('…');
            cut
        } else {
            text.to_owned()
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let code = "ab\nçé = 1\n";
        let p = Positions::new(code);
        assert_eq!(p.at(0), (1, 1));
        assert_eq!(p.at(3), (2, 1));
        // 'ç' and 'é' are two bytes each: byte 7 is the space after them, the third character.
        assert_eq!(p.at(7), (2, 3));
        assert_eq!(p.source_line(2), "çé = 1");
        assert_eq!(p.at(code.len()), (3, 1));
    }
}
