//! Policies as data: the default policy and tenant overlays, parsed from TOML and merged.
//!
//! A tenant overlay may extend the default (new rules, more names, higher severities, stricter
//! actions, lower limits) and may relax only what the default marks `relaxable = true`.

use crate::finding::{Action, Severity};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What a rule looks for. List checks (`module`, `name`, `attribute`) match the rule's `names`;
/// the others are built into the engine and exist once in the default policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The code does not parse.
    Syntax,
    /// Importing, or reaching through an imported module, a dotted name (`os`, `io.open`).
    Module,
    /// Using a global or builtin name as a value (`eval`, `__builtins__`) where no local shadows it.
    Name,
    /// Reaching an attribute by name: `x.attr`, `getattr(x, "attr")`, `"{0.attr}".format(x)`.
    Attribute,
    /// `__import__`/`importlib.import_module` with a module name built at run time.
    DynamicImport,
    /// `getattr`/`setattr`/`delattr` with an attribute name built at run time.
    DynamicAttribute,
    /// The utility's entry function is missing.
    ContractEntry,
    /// The entry function's parameters do not match the declared ones.
    ContractParams,
}

impl Check {
    fn is_list(self) -> bool {
        matches!(self, Check::Module | Check::Name | Check::Attribute)
    }

    const ENGINE: [Check; 5] = [
        Check::Syntax,
        Check::DynamicImport,
        Check::DynamicAttribute,
        Check::ContractEntry,
        Check::ContractParams,
    ];
}

/// Highest `ast_max_depth` a policy may set.
pub const AST_MAX_DEPTH_CEILING: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub code_max_bytes: usize,
    pub ast_max_depth: usize,
    pub ast_max_nodes: usize,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub check: Check,
    pub severity: Severity,
    pub message: String,
    pub hint: String,
    pub relaxable: bool,
    pub enabled: bool,
    pub names: BTreeSet<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("reading policy file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("policy {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("policy {origin}, key {key}: {reason}")]
    Invalid {
        origin: String,
        key: String,
        reason: String,
    },
    #[error(
        "policy {origin}, key {key}: the default policy marks this not relaxable; a tenant policy may tighten it, never relax it"
    )]
    NotRelaxable { origin: String, key: String },
}

impl PolicyError {
    /// The dotted key the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            PolicyError::Invalid { key, .. } | PolicyError::NotRelaxable { key, .. } => Some(key),
            _ => None,
        }
    }
}

// ---- the TOML form ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    description: Option<String>,
    actions: Option<ActionsSpec>,
    limits: Option<LimitsSpec>,
    #[serde(default)]
    rules: BTreeMap<String, RuleSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionsSpec {
    high: Option<Action>,
    medium: Option<Action>,
    low: Option<Action>,
    relaxable: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSpec {
    code_max_bytes: Option<usize>,
    ast_max_depth: Option<usize>,
    ast_max_nodes: Option<usize>,
    relaxable: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    check: Option<Check>,
    severity: Option<Severity>,
    message: Option<String>,
    hint: Option<String>,
    relaxable: Option<bool>,
    enabled: Option<bool>,
    names: Option<Vec<String>>,
    add: Option<Vec<String>>,
    allow: Option<Vec<String>>,
}

// ---- the effective policy ----

/// An effective policy: the default, or the default with one tenant's overlay applied.
#[derive(Debug, Clone)]
pub struct Policy {
    origin: String,
    description: String,
    actions: [Action; 3],
    actions_relaxable: bool,
    limits: Limits,
    limits_relaxable: bool,
    rules: Vec<Rule>,
    pub(crate) index: Index,
}

/// Lookups the checker needs, rebuilt whenever the rules change. Rule numbers index `rules`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    pub(crate) modules: FxHashMap<String, Vec<usize>>,
    /// First components of every module name, to skip chains that cannot match cheaply.
    pub(crate) module_roots: FxHashSet<String>,
    pub(crate) names: FxHashMap<String, Vec<usize>>,
    pub(crate) attributes: FxHashMap<String, Vec<usize>>,
    pub(crate) engine: FxHashMap<Check, usize>,
}

fn invalid(origin: &str, key: impl Into<String>, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        origin: origin.to_owned(),
        key: key.into(),
        reason: reason.into(),
    }
}

fn parse_file(text: &str, origin: &str) -> Result<PolicyFile, PolicyError> {
    toml::from_str(text).map_err(|e| PolicyError::Parse {
        origin: origin.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })
}

fn check_names(origin: &str, key: &str, check: Check, names: &[String]) -> Result<(), PolicyError> {
    for n in names {
        let ok = !n.is_empty()
            && n.split('.').all(|part| {
                part.chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
            && (check == Check::Module || !n.contains('.'));
        if !ok {
            return Err(invalid(
                origin,
                key,
                format!(
                    "{n:?} is not a Python {}",
                    if check == Check::Module {
                        "dotted module name"
                    } else {
                        "identifier"
                    }
                ),
            ));
        }
    }
    Ok(())
}

impl Policy {
    /// Parses the default policy. `origin` names it in errors (usually the file's path).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, PolicyError> {
        let file = parse_file(text, origin)?;
        let actions_spec = file.actions.unwrap_or_default();
        let mut actions = [Action::Warn; 3];
        for sev in Severity::ALL {
            let given = match sev {
                Severity::High => actions_spec.high,
                Severity::Medium => actions_spec.medium,
                Severity::Low => actions_spec.low,
            };
            actions[sev.index()] = given.ok_or_else(|| {
                invalid(
                    origin,
                    format!("actions.{}", sev.as_str()),
                    "the default policy must map every severity to block or warn",
                )
            })?;
        }
        let limits_spec = file
            .limits
            .ok_or_else(|| invalid(origin, "limits", "the default policy must set the limits"))?;
        let limit = |v: Option<usize>, key: &str| -> Result<usize, PolicyError> {
            match v {
                Some(n) if n > 0 => Ok(n),
                Some(_) => Err(invalid(
                    origin,
                    format!("limits.{key}"),
                    "must be greater than 0",
                )),
                None => Err(invalid(
                    origin,
                    format!("limits.{key}"),
                    "the default policy must set it",
                )),
            }
        };
        let limits = Limits {
            code_max_bytes: limit(limits_spec.code_max_bytes, "code_max_bytes")?,
            ast_max_depth: limit(limits_spec.ast_max_depth, "ast_max_depth")?,
            ast_max_nodes: limit(limits_spec.ast_max_nodes, "ast_max_nodes")?,
        };
        // The checker recurses once per level it accepts: keep that well inside a thread's stack.
        if limits.ast_max_depth > AST_MAX_DEPTH_CEILING {
            return Err(invalid(
                origin,
                "limits.ast_max_depth",
                format!("at most {AST_MAX_DEPTH_CEILING}"),
            ));
        }
        let mut rules = Vec::with_capacity(file.rules.len());
        for (id, spec) in file.rules {
            let key = format!("rules.{id}");
            if spec.add.is_some() || spec.allow.is_some() {
                return Err(invalid(
                    origin,
                    format!("{key}.add"),
                    "add and allow belong in tenant policies; list the names in `names`",
                ));
            }
            rules.push(new_rule(origin, &id, spec, false)?);
        }
        for check in Check::ENGINE {
            let n = rules.iter().filter(|r| r.check == check).count();
            if n != 1 {
                return Err(invalid(
                    origin,
                    "rules",
                    format!(
                        "the default policy must have exactly one rule with check = {check:?} (it has {n})"
                    ),
                ));
            }
        }
        if let Some(r) = rules
            .iter()
            .find(|r| r.check == Check::Syntax && r.relaxable)
        {
            return Err(invalid(
                origin,
                format!("rules.{}.relaxable", r.id),
                "code that does not parse cannot be checked: the syntax rule cannot be relaxable",
            ));
        }
        let mut policy = Policy {
            origin: origin.to_owned(),
            description: file.description.unwrap_or_default(),
            actions,
            actions_relaxable: actions_spec.relaxable.unwrap_or(false),
            limits,
            limits_relaxable: limits_spec.relaxable.unwrap_or(false),
            rules,
            index: Index::default(),
        };
        policy.reindex();
        Ok(policy)
    }

    /// Reads and parses the default policy file.
    pub fn from_file(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// This policy with a tenant overlay applied. Errors name the overlay (`origin`) and the key.
    pub fn overlay(&self, text: &str, origin: &str) -> Result<Self, PolicyError> {
        let file = parse_file(text, origin)?;
        let mut out = self.clone();
        out.origin = origin.to_owned();
        if let Some(d) = file.description {
            out.description = d;
        }
        if let Some(a) = file.actions {
            if a.relaxable.is_some() {
                return Err(invalid(
                    origin,
                    "actions.relaxable",
                    "only the default policy says what is relaxable",
                ));
            }
            for (sev, given) in [
                (Severity::High, a.high),
                (Severity::Medium, a.medium),
                (Severity::Low, a.low),
            ] {
                let Some(action) = given else { continue };
                if action < self.actions[sev.index()] && !self.actions_relaxable {
                    return Err(PolicyError::NotRelaxable {
                        origin: origin.to_owned(),
                        key: format!("actions.{}", sev.as_str()),
                    });
                }
                out.actions[sev.index()] = action;
            }
        }
        if let Some(l) = file.limits {
            if l.relaxable.is_some() {
                return Err(invalid(
                    origin,
                    "limits.relaxable",
                    "only the default policy says what is relaxable",
                ));
            }
            for (key, given, slot) in [
                (
                    "code_max_bytes",
                    l.code_max_bytes,
                    &mut out.limits.code_max_bytes,
                ),
                (
                    "ast_max_depth",
                    l.ast_max_depth,
                    &mut out.limits.ast_max_depth,
                ),
                (
                    "ast_max_nodes",
                    l.ast_max_nodes,
                    &mut out.limits.ast_max_nodes,
                ),
            ] {
                let Some(v) = given else { continue };
                if v == 0 {
                    return Err(invalid(
                        origin,
                        format!("limits.{key}"),
                        "must be greater than 0",
                    ));
                }
                if v > *slot && !self.limits_relaxable {
                    return Err(PolicyError::NotRelaxable {
                        origin: origin.to_owned(),
                        key: format!("limits.{key}"),
                    });
                }
                *slot = v;
            }
        }
        for (id, spec) in file.rules {
            let key = format!("rules.{id}");
            let Some(pos) = out.rules.iter().position(|r| r.id == id) else {
                if spec.relaxable.is_some() {
                    return Err(invalid(
                        origin,
                        format!("{key}.relaxable"),
                        "only the default policy says what is relaxable",
                    ));
                }
                if spec.add.is_some() || spec.allow.is_some() {
                    return Err(invalid(
                        origin,
                        format!("{key}.add"),
                        format!(
                            "the default policy has no rule {id:?} to add to or allow from; a new rule lists its names in `names`"
                        ),
                    ));
                }
                let rule = new_rule(origin, &id, spec, true)?;
                if !rule.check.is_list() {
                    return Err(invalid(
                        origin,
                        format!("{key}.check"),
                        "a tenant policy may add module, name or attribute rules only",
                    ));
                }
                out.rules.push(rule);
                continue;
            };
            let base = &self.rules[pos];
            let rule = &mut out.rules[pos];
            let not_relaxable = |what: &str| PolicyError::NotRelaxable {
                origin: origin.to_owned(),
                key: format!("{key}.{what}"),
            };
            if spec.check.is_some() || spec.relaxable.is_some() || spec.names.is_some() {
                let what = if spec.check.is_some() {
                    "check"
                } else if spec.relaxable.is_some() {
                    "relaxable"
                } else {
                    "names"
                };
                return Err(invalid(
                    origin,
                    format!("{key}.{what}"),
                    "a tenant policy cannot redefine a default rule: change severity, enabled, message or hint, or use add/allow for its names",
                ));
            }
            if let Some(sev) = spec.severity {
                if sev < base.severity && !base.relaxable {
                    return Err(not_relaxable("severity"));
                }
                rule.severity = sev;
            }
            if let Some(enabled) = spec.enabled {
                if !enabled && !base.relaxable {
                    return Err(not_relaxable("enabled"));
                }
                rule.enabled = enabled;
            }
            if let Some(m) = spec.message {
                rule.message = m;
            }
            if let Some(h) = spec.hint {
                rule.hint = h;
            }
            if let Some(add) = spec.add {
                if !base.check.is_list() {
                    return Err(invalid(
                        origin,
                        format!("{key}.add"),
                        "this rule has no names",
                    ));
                }
                check_names(origin, &format!("{key}.add"), base.check, &add)?;
                rule.names.extend(add);
            }
            if let Some(allow) = spec.allow {
                if !base.check.is_list() {
                    return Err(invalid(
                        origin,
                        format!("{key}.allow"),
                        "this rule has no names",
                    ));
                }
                if !allow.is_empty() && !base.relaxable {
                    return Err(not_relaxable("allow"));
                }
                for name in allow {
                    if !rule.names.remove(&name) {
                        return Err(invalid(
                            origin,
                            format!("{key}.allow"),
                            format!("{name:?} is not among the rule's names"),
                        ));
                    }
                }
            }
        }
        out.reindex();
        Ok(out)
    }

    fn reindex(&mut self) {
        let mut index = Index::default();
        for (i, rule) in self.rules.iter().enumerate() {
            if !rule.enabled {
                continue;
            }
            let map = match rule.check {
                Check::Module => &mut index.modules,
                Check::Name => &mut index.names,
                Check::Attribute => &mut index.attributes,
                other => {
                    index.engine.entry(other).or_insert(i);
                    continue;
                }
            };
            for name in &rule.names {
                map.entry(name.clone()).or_default().push(i);
                if rule.check == Check::Module {
                    let root = name.split('.').next().unwrap_or(name);
                    index.module_roots.insert(root.to_owned());
                }
            }
        }
        self.index = index;
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn action(&self, severity: Severity) -> Action {
        self.actions[severity.index()]
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn new_rule(
    origin: &str,
    id: &str,
    spec: RuleSpec,
    from_tenant: bool,
) -> Result<Rule, PolicyError> {
    let key = format!("rules.{id}");
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(
            origin,
            &key,
            "rule ids are letters, digits, '-' and '_'",
        ));
    }
    let required = |what: &str| invalid(origin, format!("{key}.{what}"), "a new rule must set it");
    let check = spec.check.ok_or_else(|| required("check"))?;
    let names = match (check.is_list(), spec.names) {
        (true, Some(n)) => {
            check_names(origin, &format!("{key}.names"), check, &n)?;
            n.into_iter().collect()
        }
        (true, None) => return Err(required("names")),
        (false, Some(_)) => {
            return Err(invalid(
                origin,
                format!("{key}.names"),
                "this check has no names",
            ));
        }
        (false, None) => BTreeSet::new(),
    };
    Ok(Rule {
        id: id.to_owned(),
        check,
        severity: spec.severity.ok_or_else(|| required("severity"))?,
        message: spec.message.ok_or_else(|| required("message"))?,
        hint: spec.hint.ok_or_else(|| required("hint"))?,
        relaxable: from_tenant || spec.relaxable.unwrap_or(false),
        enabled: spec.enabled.unwrap_or(true),
        names,
    })
}
