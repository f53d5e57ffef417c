//! The utility contract: the module defines a function named after the utility that accepts the
//! declared parameters by keyword (the runtime calls `name(**params)`).

use crate::check::Hit;
use crate::policy::{Check, Policy};
use rustpython_parser::ast::{self, Expr, Ranged, Stmt};
use rustpython_parser::text_size::{TextRange, TextSize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractParam {
    pub name: String,
    pub required: bool,
}

/// What the code must provide: the entry function and the parameters it will be called with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub entry: String,
    pub params: Vec<ContractParam>,
}

impl Contract {
    pub fn new(entry: impl Into<String>, params: impl IntoIterator<Item = (String, bool)>) -> Self {
        Self {
            entry: entry.into(),
            params: params
                .into_iter()
                .map(|(name, required)| ContractParam { name, required })
                .collect(),
        }
    }

    /// The design's default: `data` (required) and `filter` (optional).
    pub fn design_default(entry: impl Into<String>) -> Self {
        Self::new(
            entry,
            [("data".to_owned(), true), ("filter".to_owned(), false)],
        )
    }

    /// How the entry function should be declared, for hints.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                if p.required {
                    p.name.clone()
                } else {
                    format!("{}=None", p.name)
                }
            })
            .collect();
        format!("def {}({}):", self.entry, params.join(", "))
    }
}

enum Binding<'a> {
    Def(&'a ast::Arguments, bool, TextRange),
    Lambda(&'a ast::Arguments, TextRange),
    Other,
}

/// The last binding of `name` at module level, looking into `if`/`try`/`with`/loops but not
/// into functions or classes.
fn last_binding<'a>(body: &'a [Stmt], name: &str, found: &mut Option<Binding<'a>>) {
    for s in body {
        match s {
            Stmt::FunctionDef(f) if f.name.as_str() == name => {
                *found = Some(Binding::Def(&f.args, false, head(s)))
            }
            Stmt::AsyncFunctionDef(f) if f.name.as_str() == name => {
                *found = Some(Binding::Def(&f.args, true, head(s)))
            }
            Stmt::ClassDef(c) if c.name.as_str() == name => *found = Some(Binding::Other),
            Stmt::Assign(a)
                if a.targets
                    .iter()
                    .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == name)) =>
            {
                *found = Some(match a.value.as_ref() {
                    Expr::Lambda(l) => Binding::Lambda(&l.args, s.range()),
                    _ => Binding::Other,
                })
            }
            Stmt::Import(i)
                if i.names
                    .iter()
                    .any(|a| a.asname.as_ref().is_some_and(|n| n.as_str() == name)) =>
            {
                *found = Some(Binding::Other)
            }
            Stmt::ImportFrom(i)
                if i.names
                    .iter()
                    .any(|a| a.asname.as_ref().unwrap_or(&a.name).as_str() == name) =>
            {
                *found = Some(Binding::Other)
            }
            Stmt::If(i) => {
                last_binding(&i.body, name, found);
                last_binding(&i.orelse, name, found);
            }
            Stmt::Try(t) => {
                last_binding(&t.body, name, found);
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    last_binding(&h.body, name, found);
                }
                last_binding(&t.orelse, name, found);
                last_binding(&t.finalbody, name, found);
            }
            Stmt::With(w) => last_binding(&w.body, name, found),
            Stmt::For(f) => {
                last_binding(&f.body, name, found);
                last_binding(&f.orelse, name, found);
            }
            Stmt::While(w) => {
                last_binding(&w.body, name, found);
                last_binding(&w.orelse, name, found);
            }
            _ => {}
        }
    }
}

/// The `def name(...)` line rather than the whole function.
fn head(s: &Stmt) -> TextRange {
    let r = s.range();
    let body_start = match s {
        Stmt::FunctionDef(f) => f.body.first().map(|b| b.start()),
        Stmt::AsyncFunctionDef(f) => f.body.first().map(|b| b.start()),
        _ => None,
    };
    TextRange::new(r.start(), body_start.unwrap_or(r.end()).min(r.end()))
}

fn describe(args: &ast::Arguments) -> String {
    let mut parts = Vec::new();
    let show = |a: &ast::ArgWithDefault| {
        if a.default.is_some() {
            format!("{}=...", a.def.arg.as_str())
        } else {
            a.def.arg.as_str().to_owned()
        }
    };
    parts.extend(args.posonlyargs.iter().map(show));
    if !args.posonlyargs.is_empty() {
        parts.push("/".into());
    }
    parts.extend(args.args.iter().map(show));
    match &args.vararg {
        Some(v) => parts.push(format!("*{}", v.arg.as_str())),
        None if !args.kwonlyargs.is_empty() => parts.push("*".into()),
        None => {}
    }
    parts.extend(args.kwonlyargs.iter().map(show));
    if let Some(k) = &args.kwarg {
        parts.push(format!("**{}", k.arg.as_str()));
    }
    format!("({})", parts.join(", "))
}

/// What is wrong with `args` for a call `entry(**params)`, if anything.
fn mismatch(args: &ast::Arguments, contract: &Contract) -> Vec<String> {
    let mut problems = Vec::new();
    let by_keyword = || args.args.iter().chain(&args.kwonlyargs);
    for p in &contract.params {
        let accepted = by_keyword().any(|a| a.def.arg.as_str() == p.name) || args.kwarg.is_some();
        if args
            .posonlyargs
            .iter()
            .any(|a| a.def.arg.as_str() == p.name)
        {
            problems.push(format!(
                "{} is positional-only, but parameters are passed by name",
                p.name
            ));
        } else if !accepted {
            problems.push(format!(
                "it does not take the declared parameter {}",
                p.name
            ));
        }
    }
    for a in args
        .posonlyargs
        .iter()
        .chain(&args.args)
        .chain(&args.kwonlyargs)
    {
        let declared = contract.params.iter().any(|p| p.name == a.def.arg.as_str());
        if a.default.is_none() && !declared {
            problems.push(format!(
                "it requires {}, which is not a declared parameter",
                a.def.arg.as_str()
            ));
        }
    }
    problems
}

pub(crate) fn check(policy: &Policy, suite: &[Stmt], contract: &Contract) -> Option<Hit> {
    let mut found = None;
    last_binding(suite, &contract.entry, &mut found);
    let declared = format!(
        "({})",
        contract
            .params
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let hit = |check: Check, range: TextRange, detail: String| {
        policy.index.engine.get(&check).map(|&rule| Hit {
            rule,
            range,
            name: contract.entry.clone(),
            detail,
            suggestion: contract.signature(),
        })
    };
    match found {
        None => hit(
            Check::ContractEntry,
            TextRange::empty(TextSize::new(0)),
            format!("the code defines no function named {}", contract.entry),
        ),
        Some(Binding::Other) => None,
        Some(Binding::Def(_, true, range)) => hit(
            Check::ContractParams,
            range,
            format!(
                "{} is async; the runtime calls it without awaiting",
                contract.entry
            ),
        ),
        Some(Binding::Def(args, false, range)) | Some(Binding::Lambda(args, range)) => {
            let problems = mismatch(args, contract);
            (!problems.is_empty()).then(|| {
                hit(
                    Check::ContractParams,
                    range,
                    format!(
                        "{} takes {} but is called with the declared parameters {}: {}",
                        contract.entry,
                        describe(args),
                        declared,
                        problems.join("; ")
                    ),
                )
            })?
        }
    }
}
