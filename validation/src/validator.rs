//! Validating one piece of code under one policy.

use crate::check::{Checker, Hit};
use crate::contract::{self, Contract};
use crate::finding::{Action, Finding, Positions, Report, Severity};
use crate::policy::{Check, Policy};
use crate::survey::{Exceeded, Survey};
use rustpython_parser::text_size::{TextRange, TextSize};

/// A report lists at most this many findings; the rest are counted.
pub const MAX_FINDINGS: usize = 100;

/// Code up to this size is validated on the caller's thread. Larger code may nest deeper than a
/// small thread stack can take: the parser recurses over nested assignment targets
/// (`[[[a]]] = x`, about 175 bytes of stack per byte of code), and dropping its tree recurses
/// over every nesting level (up to one per byte). So it is validated on a stack of its own that
/// grows with the code (on the same thread: a thread of its own would start with cold allocator
/// caches, which cost more than the validation); only address space is reserved, pages are
/// touched as used.
const INLINE_MAX_BYTES: usize = 2 * 1024;
const STACK_BASE_BYTES: usize = 1024 * 1024;
const STACK_PER_CODE_BYTE: usize = 512;

/// Why code could not be validated at all. Each limit error carries its limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the code is {size} bytes; the limit is {limit} bytes")]
    CodeTooLarge { size: usize, limit: usize },
    #[error("the code nests deeper than {limit} levels (at line {line}, column {column})")]
    TooDeep {
        limit: usize,
        line: usize,
        column: usize,
        source_line: String,
    },
    #[error("the code has more than {limit} syntax nodes (the limit is reached at line {line})")]
    TooManyNodes {
        limit: usize,
        line: usize,
        column: usize,
        source_line: String,
    },
}

impl ValidationError {
    /// The error as a blocking finding, for callers that report findings rather than errors.
    pub fn finding(&self) -> Finding {
        let (rule_id, hint, line, column, source_line) = match self {
            ValidationError::CodeTooLarge { .. } => (
                "limit-code-size",
                "split the utility or remove unused code",
                1,
                1,
                String::new(),
            ),
            ValidationError::TooDeep {
                line,
                column,
                source_line,
                ..
            } => (
                "limit-ast-depth",
                "flatten the nesting: use intermediate variables, helper functions or a lookup table instead of long chains",
                *line,
                *column,
                source_line.clone(),
            ),
            ValidationError::TooManyNodes {
                line,
                column,
                source_line,
                ..
            } => (
                "limit-ast-nodes",
                "split the utility; generated data belongs in the input, not the code",
                *line,
                *column,
                source_line.clone(),
            ),
        };
        Finding {
            rule_id: rule_id.into(),
            severity: Severity::High,
            action: Action::Block,
            message: self.to_string(),
            hint: hint.into(),
            line,
            column,
            end_line: line,
            end_column: column + 1,
            source_line,
        }
    }
}

/// Validates code under one effective policy. Cheap to share; holds no per-call state.
#[derive(Debug, Clone)]
pub struct Validator {
    policy: Policy,
}

impl Validator {
    pub fn new(policy: Policy) -> Self {
        Self { policy }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Validates `code`; with a contract, also checks the entry function and its parameters.
    pub fn validate(
        &self,
        code: &str,
        contract: Option<&Contract>,
    ) -> Result<Report, ValidationError> {
        let limit = self.policy.limits().code_max_bytes;
        if code.len() > limit {
            return Err(ValidationError::CodeTooLarge {
                size: code.len(),
                limit,
            });
        }
        if code.len() <= INLINE_MAX_BYTES {
            return self.run(code, contract);
        }
        let stack = STACK_BASE_BYTES + STACK_PER_CODE_BYTE * code.len();
        stacker::grow(stack, || self.run(code, contract))
    }

    fn run(&self, code: &str, contract: Option<&Contract>) -> Result<Report, ValidationError> {
        let suite =
            match rustpython_parser::parse(code, rustpython_parser::Mode::Module, "<utility>") {
                Ok(rustpython_parser::ast::Mod::Module(m)) => m.body,
                Ok(_) => Vec::new(),
                Err(e) => {
                    let rule = self.policy.index.engine[&Check::Syntax];
                    let start = e.offset;
                    let end = next_char(code, start);
                    let hit = Hit {
                        rule,
                        range: TextRange::new(start, end),
                        name: String::new(),
                        detail: e.error.to_string(),
                        suggestion: String::new(),
                    };
                    return Ok(self.report(code, vec![hit]));
                }
            };
        let limits = self.policy.limits();
        let mut survey = Survey::new(limits.ast_max_depth, limits.ast_max_nodes);
        survey.run(&suite);
        if let Some(exceeded) = survey.exceeded {
            let positions = Positions::new(code);
            let at = |offset: u32| {
                let (line, column) = positions.at(offset as usize);
                (line, column, positions.source_line(line))
            };
            return Err(match exceeded {
                Exceeded::Depth(o) => {
                    let (line, column, source_line) = at(o);
                    ValidationError::TooDeep {
                        limit: limits.ast_max_depth,
                        line,
                        column,
                        source_line,
                    }
                }
                Exceeded::Nodes(o) => {
                    let (line, column, source_line) = at(o);
                    ValidationError::TooManyNodes {
                        limit: limits.ast_max_nodes,
                        line,
                        column,
                        source_line,
                    }
                }
            });
        }
        let mut checker = Checker::new(&self.policy, &survey);
        checker.run(&suite);
        let mut hits = checker.hits;
        if let Some(c) = contract
            && let Some(hit) = contract::check(&self.policy, &suite, c)
        {
            hits.push(hit);
        }
        Ok(self.report(code, hits))
    }

    fn report(&self, code: &str, mut hits: Vec<Hit>) -> Report {
        hits.sort_by(|a, b| {
            (a.range.start(), a.rule, &a.name).cmp(&(b.range.start(), b.rule, &b.name))
        });
        hits.dedup_by(|a, b| {
            a.range.start() == b.range.start() && a.rule == b.rule && a.name == b.name
        });
        let valid = !hits
            .iter()
            .any(|h| self.policy.action(self.policy.rules()[h.rule].severity) == Action::Block);
        let omitted = hits.len().saturating_sub(MAX_FINDINGS);
        // Blocking findings first when cutting, so the reason for a rejection is always listed.
        if omitted > 0 {
            hits.sort_by_key(|h| {
                std::cmp::Reverse(self.policy.action(self.policy.rules()[h.rule].severity))
            });
            hits.truncate(MAX_FINDINGS);
            hits.sort_by_key(|h| (h.range.start(), h.rule));
        }
        if hits.is_empty() {
            return Report {
                valid,
                findings: Vec::new(),
                findings_omitted: 0,
            };
        }
        let positions = Positions::new(code);
        let findings = hits
            .into_iter()
            .map(|h| {
                let rule = &self.policy.rules()[h.rule];
                let (line, column) = positions.at(usize::from(h.range.start()));
                let (end_line, end_column) = if h.range.is_empty() {
                    (line, column + 1)
                } else {
                    positions.at(usize::from(h.range.end()))
                };
                let fill = |t: &str| {
                    t.replace("{name}", &h.name)
                        .replace("{detail}", &h.detail)
                        .replace("{suggestion}", &h.suggestion)
                };
                Finding {
                    rule_id: rule.id.clone(),
                    severity: rule.severity,
                    action: self.policy.action(rule.severity),
                    message: fill(&rule.message),
                    hint: fill(&rule.hint),
                    line,
                    column,
                    end_line,
                    end_column,
                    source_line: positions.source_line(line),
                }
            })
            .collect();
        Report {
            valid,
            findings,
            findings_omitted: omitted,
        }
    }
}

fn next_char(code: &str, at: TextSize) -> TextSize {
    let i = usize::from(at).min(code.len());
    // A newline is underlined as the position before it, on its own line.
    let len = match code[i..].chars().next() {
        Some('\n' | '\r') | None => 0,
        Some(c) => c.len_utf8(),
    };
    at + TextSize::from(len as u32)
}
