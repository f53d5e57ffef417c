//! The first pass: counts nodes and depth against the limits (stopping as soon as one is
//! passed), and records what the second pass needs to know about the whole module: how often
//! each name is bound, the value of names bound once by a plain assignment, and the modules that
//! imports bind to names.

use crate::walk::{Visit, walk_expr, walk_pattern, walk_stmt};
use rustc_hash::FxHashMap;
use rustpython_parser::ast::{self, Expr, ExprContext, Pattern, Ranged, Stmt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// The node at this byte offset is nested deeper than the limit.
    Depth(u32),
    /// The node at this byte offset is one more than the limit allows.
    Nodes(u32),
}

pub(crate) struct Survey<'a> {
    max_depth: usize,
    max_nodes: usize,
    depth: usize,
    pub(crate) nodes: usize,
    pub(crate) exceeded: Option<Exceeded>,
    /// How many times each name is bound anywhere in the module (any scope).
    pub(crate) bindings: FxHashMap<&'a str, u32>,
    /// `name = value` assignments; meaningful only for names bound once.
    pub(crate) assigned: FxHashMap<&'a str, &'a Expr>,
    /// Names bound by imports, to the dotted path they stand for (`import a.b as x`: x -> a.b).
    pub(crate) aliases: FxHashMap<&'a str, Vec<String>>,
}

impl<'a> Survey<'a> {
    pub(crate) fn new(max_depth: usize, max_nodes: usize) -> Self {
        Self {
            max_depth,
            max_nodes,
            depth: 0,
            nodes: 0,
            exceeded: None,
            bindings: FxHashMap::default(),
            assigned: FxHashMap::default(),
            aliases: FxHashMap::default(),
        }
    }

    pub(crate) fn run(&mut self, suite: &'a [Stmt]) {
        for s in suite {
            self.stmt(s);
            if self.exceeded.is_some() {
                return;
            }
        }
    }

    /// Counts one node; false once a limit is passed (the caller then stops descending).
    fn enter(&mut self, offset: ast::text_size::TextSize) -> bool {
        if self.exceeded.is_some() {
            return false;
        }
        self.nodes += 1;
        self.depth += 1;
        if self.depth > self.max_depth {
            self.exceeded = Some(Exceeded::Depth(offset.into()));
            return false;
        }
        if self.nodes > self.max_nodes {
            self.exceeded = Some(Exceeded::Nodes(offset.into()));
            return false;
        }
        true
    }

    fn bind(&mut self, name: &'a str) {
        *self.bindings.entry(name).or_insert(0) += 1;
    }

    fn bind_args(&mut self, args: &'a ast::Arguments) {
        for a in args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .chain(&args.kwonlyargs)
        {
            self.bind(a.def.arg.as_str());
        }
        for a in args.vararg.iter().chain(&args.kwarg) {
            self.bind(a.arg.as_str());
        }
    }

    fn alias(&mut self, name: &'a str, path: String) {
        self.bind(name);
        self.aliases.entry(name).or_default().push(path);
    }
}

impl<'a> Visit<'a> for Survey<'a> {
    fn stmt(&mut self, s: &'a Stmt) {
        if !self.enter(s.start()) {
            return;
        }
        match s {
            Stmt::FunctionDef(f) => {
                self.bind(f.name.as_str());
                self.bind_args(&f.args);
            }
            Stmt::AsyncFunctionDef(f) => {
                self.bind(f.name.as_str());
                self.bind_args(&f.args);
            }
            Stmt::ClassDef(c) => self.bind(c.name.as_str()),
            Stmt::Assign(a) => {
                if let [Expr::Name(n)] = a.targets.as_slice() {
                    self.assigned.insert(n.id.as_str(), &a.value);
                }
            }
            Stmt::AnnAssign(a) => {
                if let (Expr::Name(n), Some(v)) = (a.target.as_ref(), &a.value) {
                    self.assigned.insert(n.id.as_str(), v);
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let path = alias.name.as_str();
                    match &alias.asname {
                        Some(as_name) => self.alias(as_name.as_str(), path.to_owned()),
                        None => {
                            let root = path.split('.').next().unwrap_or(path);
                            self.alias(root, root.to_owned());
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let relative = i.level.as_ref().is_some_and(|l| l.to_u32() > 0);
                for alias in &i.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    match (&i.module, relative) {
                        (Some(m), false) if alias.name.as_str() != "*" => {
                            self.alias(bound, format!("{}.{}", m.as_str(), alias.name.as_str()))
                        }
                        _ => self.bind(bound),
                    }
                }
            }
            Stmt::Try(t) => {
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    if let Some(n) = &h.name {
                        self.bind(n.as_str());
                    }
                }
            }
            Stmt::TryStar(t) => {
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    if let Some(n) = &h.name {
                        self.bind(n.as_str());
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, s);
        self.depth -= 1;
    }

    fn expr(&mut self, e: &'a Expr) {
        if !self.enter(e.start()) {
            return;
        }
        match e {
            Expr::Name(n) if n.ctx != ExprContext::Load => self.bind(n.id.as_str()),
            Expr::Lambda(l) => self.bind_args(&l.args),
            _ => {}
        }
        walk_expr(self, e);
        self.depth -= 1;
    }

    fn pattern(&mut self, p: &'a Pattern) {
        if !self.enter(p.start()) {
            return;
        }
        match p {
            Pattern::MatchAs(m) => {
                if let Some(n) = &m.name {
                    self.bind(n.as_str());
                }
            }
            Pattern::MatchStar(m) => {
                if let Some(n) = &m.name {
                    self.bind(n.as_str());
                }
            }
            Pattern::MatchMapping(m) => {
                if let Some(n) = &m.rest {
                    self.bind(n.as_str());
                }
            }
            _ => {}
        }
        walk_pattern(self, p);
        self.depth -= 1;
    }
}
