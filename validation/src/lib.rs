//! The Python AST policy engine: parses a tenant's utility code with `rustpython-parser` and
//! checks it against a policy kept as data (TOML): forbidden modules, builtins and attributes,
//! the limits, and the utility contract. Pure: no I/O except reading policy files.
//!
//! ```
//! use zona_validation::{Contract, Policy, Validator};
//! let policy = Policy::from_toml(include_str!("../../policies/default.toml"), "default.toml").unwrap();
//! let v = Validator::new(policy);
//! let report = v.validate("import os\n", None).unwrap();
//! assert!(!report.valid);
//! assert_eq!(report.findings[0].rule_id, "forbidden-import-process");
//! let ok = v.validate("def f(data, filter=None):\n    return data\n", Some(&Contract::design_default("f"))).unwrap();
//! assert!(ok.valid && ok.findings.is_empty());
//! ```

mod check;
mod contract;
mod finding;
mod policy;
mod policy_set;
mod resolve;
mod survey;
mod validator;
mod walk;

pub use contract::{Contract, ContractParam};
pub use finding::{Action, Finding, Report, Severity};
pub use policy::{Check, Limits, Policy, PolicyError, Rule};
pub use policy_set::PolicySet;
pub use validator::{MAX_FINDINGS, ValidationError, Validator};
