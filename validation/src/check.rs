//! The second pass: walks the module with its scopes and records every rule it hits.

use crate::policy::{Check, Policy};
use crate::resolve::Resolver;
use crate::survey::Survey;
use crate::walk::{
    Visit, walk_arguments, walk_body, walk_expr, walk_function_head, walk_pattern, walk_stmt,
};
use rustc_hash::FxHashSet;
use rustpython_parser::ast::{self, Expr, ExprContext, Pattern, Ranged, Stmt};
use rustpython_parser::text_size::TextRange;

/// A rule hit before it becomes a `Finding`: which rule, where, and what fills its templates.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) rule: usize,
    pub(crate) range: TextRange,
    pub(crate) name: String,
    pub(crate) detail: String,
    pub(crate) suggestion: String,
}

struct Scope<'a> {
    /// Names local to this function (or lambda, or comprehension): they never reach builtins.
    locals: FxHashSet<&'a str>,
}

pub(crate) struct Checker<'p, 's, 'a> {
    policy: &'p Policy,
    survey: &'s Survey<'a>,
    scopes: Vec<Scope<'a>>,
    pub(crate) hits: Vec<Hit>,
}

const GETATTR_LIKE: [&str; 3] = ["getattr", "setattr", "delattr"];
const DUNDER_ACCESSORS: [&str; 4] = [
    "__getattribute__",
    "__getattr__",
    "__setattr__",
    "__delattr__",
];
const NAME_GETTERS: [&str; 2] = ["operator.attrgetter", "operator.methodcaller"];
const IMPORTERS: [&str; 3] = [
    "importlib.import_module",
    "importlib.__import__",
    "builtins.__import__",
];

impl<'p, 's, 'a> Checker<'p, 's, 'a> {
    pub(crate) fn new(policy: &'p Policy, survey: &'s Survey<'a>) -> Self {
        Self {
            policy,
            survey,
            scopes: Vec::new(),
            hits: Vec::new(),
        }
    }

    pub(crate) fn run(&mut self, suite: &'a [Stmt]) {
        walk_body(self, suite);
    }

    fn resolver(&self) -> Resolver<'s, 'a> {
        Resolver {
            survey: self.survey,
        }
    }

    fn hit(&mut self, rule: usize, range: TextRange, name: &str) {
        self.hits.push(Hit {
            rule,
            range,
            name: name.to_owned(),
            detail: String::new(),
            suggestion: String::new(),
        });
    }

    fn hit_engine(&mut self, check: Check, range: TextRange, name: &str, detail: String) {
        if let Some(&rule) = self.policy.index.engine.get(&check) {
            self.hits.push(Hit {
                rule,
                range,
                name: name.to_owned(),
                detail,
                suggestion: String::new(),
            });
        }
    }

    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.locals.contains(name))
    }

    /// A global or builtin name (not shadowed by a function local).
    fn is_global_name(&self, e: &Expr, name: &str) -> bool {
        matches!(e, Expr::Name(n) if n.id.as_str() == name) && !self.is_local(name)
    }

    // ---- names and attributes ----

    fn check_name(&mut self, name: &str, range: TextRange) {
        if let Some(rules) = self.policy.index.names.get(name)
            && !self.is_local(name)
        {
            for &r in rules {
                self.hit(r, range, name);
            }
        }
    }

    fn check_attribute(&mut self, attr: &str, range: TextRange) {
        if let Some(rules) = self.policy.index.attributes.get(attr) {
            for &r in rules {
                self.hit(r, range, attr);
            }
        }
    }

    /// Checks `path` and its dotted prefixes longer than `skip` characters against module rules.
    fn check_module_path(&mut self, path: &str, skip: usize, range: TextRange) {
        let index = &self.policy.index;
        let root = path.split('.').next().unwrap_or(path);
        if !index.module_roots.contains(root) {
            return;
        }
        let mut matched = Vec::new();
        for (i, _) in path
            .match_indices('.')
            .chain(std::iter::once((path.len(), "")))
        {
            if i <= skip {
                continue;
            }
            if let Some(rules) = index.modules.get(&path[..i]) {
                matched.extend(rules.iter().map(|&r| (r, &path[..i])));
            }
        }
        let matched: Vec<(usize, String)> = matched
            .into_iter()
            .map(|(r, p)| (r, p.to_owned()))
            .collect();
        for (r, p) in matched {
            self.hit(r, range, &p);
        }
    }

    /// The dotted paths an expression stands for when it is a chain rooted at an imported name:
    /// `o.path` after `import os as o` is `os.path`. Returns (path, length of the import's part).
    fn dotted(&self, e: &Expr) -> Vec<(String, usize)> {
        match e {
            Expr::Name(n) => match self.survey.aliases.get(n.id.as_str()) {
                Some(paths) if !self.is_local(n.id.as_str()) => {
                    paths.iter().map(|p| (p.clone(), p.len())).collect()
                }
                _ => Vec::new(),
            },
            Expr::Attribute(a) => {
                let mut out = self.dotted(&a.value);
                for (p, _) in &mut out {
                    p.push('.');
                    p.push_str(a.attr.as_str());
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// Whether `e` is one of the dotted `targets` (`operator.attrgetter`), reached through an
    /// import. Cheap when it is not: only chains whose last name matches are spelled out.
    fn is_dotted(&self, e: &Expr, targets: &[&str]) -> bool {
        let last = match e {
            Expr::Attribute(a) => a.attr.as_str(),
            Expr::Name(n) => match self.survey.aliases.get(n.id.as_str()) {
                Some(paths) => {
                    return paths.iter().any(|p| targets.contains(&p.as_str()))
                        && !self.is_local(n.id.as_str());
                }
                None => return false,
            },
            _ => return false,
        };
        if !targets.iter().any(|t| t.rsplit('.').next() == Some(last)) {
            return false;
        }
        self.dotted(e)
            .iter()
            .any(|(p, _)| targets.contains(&p.as_str()))
    }

    // ---- calls ----

    fn check_call(&mut self, c: &'a ast::ExprCall) {
        let func = c.func.as_ref();
        let resolver = self.resolver();
        // getattr(obj, "name") and friends.
        if GETATTR_LIKE.iter().any(|f| self.is_global_name(func, f)) {
            let fname = match func {
                Expr::Name(n) => n.id.as_str(),
                _ => "getattr",
            };
            if c.args.iter().any(|a| matches!(a, Expr::Starred(_))) {
                self.hit_engine(
                    Check::DynamicAttribute,
                    c.range(),
                    fname,
                    format!("{fname}() is given its arguments by unpacking"),
                );
            } else if let (Some(obj), Some(arg)) = (c.args.first(), c.args.get(1)) {
                match resolver.string(arg) {
                    Some(name) => {
                        self.check_attribute(&name, arg.range());
                        for (path, _) in self.dotted(obj) {
                            let full = format!("{path}.{name}");
                            self.check_module_path(&full, path.len(), arg.range());
                        }
                    }
                    None => self.hit_engine(
                        Check::DynamicAttribute,
                        arg.range(),
                        fname,
                        format!("{fname}() is given an attribute name computed at run time"),
                    ),
                }
            }
            return;
        }
        // x.__getattribute__("name"), object.__setattr__(x, "name", v), ...
        if let Expr::Attribute(a) = func
            && DUNDER_ACCESSORS.contains(&a.attr.as_str())
        {
            self.check_names_in_args(c, a.attr.as_str(), false);
            return;
        }
        // operator.attrgetter("a.b"), operator.methodcaller("name")
        if self.is_dotted(func, &NAME_GETTERS) {
            self.check_names_in_args(c, "attrgetter", true);
            return;
        }
        // __import__("name"), importlib.import_module("name")
        let importer = self.is_global_name(func, "__import__")
            || matches!(func, Expr::Attribute(a) if a.attr.as_str() == "__import__")
            || self.is_dotted(func, &IMPORTERS);
        if importer {
            let arg = c.args.first().or_else(|| {
                c.keywords
                    .iter()
                    .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "name"))
                    .map(|k| &k.value)
            });
            match arg.map(|a| (a, resolver.string(a))) {
                Some((a, Some(module))) => self.check_module_path(&module, 0, a.range()),
                Some((a, None)) => self.hit_engine(
                    Check::DynamicImport,
                    a.range(),
                    "__import__",
                    "the module name given to the import function is computed at run time".into(),
                ),
                None => {}
            }
            return;
        }
        // "{0.__globals__}".format(f), str.format("{0.__class__}", x)
        if let Expr::Attribute(a) = func
            && matches!(a.attr.as_str(), "format" | "format_map")
        {
            // The receiver is the template ("{0.x}".format); string.Formatter().format and
            // str.format take it as the first argument.
            let template = [Some(a.value.as_ref()), c.args.first()]
                .into_iter()
                .flatten()
                .find_map(|t| resolver.string(t).map(|text| (t, text)));
            if let Some((t, text)) = template {
                for attr in format_field_names(&text) {
                    self.check_attribute(attr, t.range());
                }
            }
        }
    }

    /// For accessors that take attribute names as string arguments: check every name the AST
    /// can decide; if none can be decided, the access is dynamic.
    fn check_names_in_args(&mut self, c: &'a ast::ExprCall, what: &str, dotted: bool) {
        let resolver = self.resolver();
        let mut decided = false;
        for arg in &c.args {
            if let Some(s) = resolver.string(arg) {
                decided = true;
                let parts: Vec<&str> = if dotted {
                    s.split('.').collect()
                } else {
                    vec![&s]
                };
                for p in parts {
                    self.check_attribute(p, arg.range());
                }
            }
        }
        if !decided && !c.args.is_empty() {
            self.hit_engine(
                Check::DynamicAttribute,
                c.range(),
                what,
                format!("{what} is given an attribute name computed at run time"),
            );
        }
    }

    // ---- scopes ----

    fn with_scope(&mut self, locals: FxHashSet<&'a str>, f: impl FnOnce(&mut Self)) {
        self.scopes.push(Scope { locals });
        f(self);
        self.scopes.pop();
    }

    fn function(&mut self, args: &'a ast::Arguments, body: &'a [Stmt]) {
        let mut locals = local_names(body);
        for a in args
            .posonlyargs
            .iter()
            .chain(&args.args)
            .chain(&args.kwonlyargs)
        {
            locals.insert(a.def.arg.as_str());
        }
        for a in args.vararg.iter().chain(&args.kwarg) {
            locals.insert(a.arg.as_str());
        }
        self.with_scope(locals, |me| walk_body(me, body));
    }

    /// The first iterable is evaluated outside the comprehension; the rest inside its scope.
    fn comprehension(&mut self, gens: &'a [ast::Comprehension], elts: &[&'a Expr]) {
        let Some(first) = gens.first() else { return };
        self.expr(&first.iter);
        let mut locals = FxHashSet::default();
        for g in gens {
            target_names(&g.target, &mut locals);
        }
        self.with_scope(locals, |me| {
            for (i, g) in gens.iter().enumerate() {
                me.expr(&g.target);
                if i > 0 {
                    me.expr(&g.iter);
                }
                for cond in &g.ifs {
                    me.expr(cond);
                }
            }
            for e in elts {
                me.expr(e);
            }
        });
    }
}

impl<'a> Visit<'a> for Checker<'_, '_, 'a> {
    fn stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::Import(i) => {
                for alias in &i.names {
                    self.check_module_path(alias.name.as_str(), 0, alias.range());
                }
            }
            Stmt::ImportFrom(i) => {
                let relative = i.level.as_ref().is_some_and(|l| l.to_u32() > 0);
                if let (Some(m), false) = (&i.module, relative) {
                    self.check_module_path(m.as_str(), 0, s.range());
                    for alias in &i.names {
                        if alias.name.as_str() != "*" {
                            let full = format!("{}.{}", m.as_str(), alias.name.as_str());
                            self.check_module_path(&full, m.len(), alias.range());
                        }
                    }
                }
            }
            Stmt::FunctionDef(f) => {
                walk_function_head(self, &f.decorator_list, &f.args, &f.returns, &f.type_params);
                self.function(&f.args, &f.body);
            }
            Stmt::AsyncFunctionDef(f) => {
                walk_function_head(self, &f.decorator_list, &f.args, &f.returns, &f.type_params);
                self.function(&f.args, &f.body);
            }
            _ => walk_stmt(self, s),
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Name(n) => {
                if n.ctx == ExprContext::Load {
                    self.check_name(n.id.as_str(), n.range);
                }
            }
            Expr::Attribute(a) => {
                // Underline the attribute's name, not the whole chain before it.
                let len =
                    ast::text_size::TextSize::try_from(a.attr.as_str().len()).unwrap_or_default();
                let name_range = TextRange::new(
                    a.range
                        .end()
                        .checked_sub(len)
                        .unwrap_or(a.range.start())
                        .max(a.range.start()),
                    a.range.end(),
                );
                self.check_attribute(a.attr.as_str(), name_range);
                // Only chains rooted at an import whose module some rule names are worth
                // spelling out (`json.loads` is not).
                let roots = &self.policy.index.module_roots;
                if let Some(root) = chain_root(e)
                    && let Some(paths) = self.survey.aliases.get(root)
                    && paths
                        .iter()
                        .any(|p| roots.contains(p.split('.').next().unwrap_or(p)))
                {
                    for (path, skip) in self.dotted(e) {
                        self.check_module_path(&path, skip, a.range);
                    }
                }
                self.expr(&a.value);
            }
            Expr::Subscript(s) => {
                // type.__dict__["__subclasses__"] reaches the attribute without naming it.
                if let Some(key) = self.resolver().string(&s.slice) {
                    self.check_attribute(&key, s.slice.range());
                }
                walk_expr(self, e);
            }
            Expr::Call(c) => {
                self.check_call(c);
                walk_expr(self, e);
            }
            Expr::Lambda(l) => {
                walk_arguments(self, &l.args);
                let mut locals = FxHashSet::default();
                for a in l
                    .args
                    .posonlyargs
                    .iter()
                    .chain(&l.args.args)
                    .chain(&l.args.kwonlyargs)
                {
                    locals.insert(a.def.arg.as_str());
                }
                for a in l.args.vararg.iter().chain(&l.args.kwarg) {
                    locals.insert(a.arg.as_str());
                }
                self.with_scope(locals, |me| me.expr(&l.body));
            }
            Expr::ListComp(c) => self.comprehension(&c.generators, &[&c.elt]),
            Expr::SetComp(c) => self.comprehension(&c.generators, &[&c.elt]),
            Expr::GeneratorExp(c) => self.comprehension(&c.generators, &[&c.elt]),
            Expr::DictComp(c) => self.comprehension(&c.generators, &[&c.key, &c.value]),
            _ => walk_expr(self, e),
        }
    }

    fn pattern(&mut self, p: &'a Pattern) {
        walk_pattern(self, p);
    }
}

fn chain_root(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => chain_root(&a.value),
        _ => None,
    }
}

fn target_names<'a>(e: &'a Expr, out: &mut FxHashSet<&'a str>) {
    match e {
        Expr::Name(n) => {
            out.insert(n.id.as_str());
        }
        Expr::Tuple(t) => t.elts.iter().for_each(|x| target_names(x, out)),
        Expr::List(l) => l.elts.iter().for_each(|x| target_names(x, out)),
        Expr::Starred(s) => target_names(&s.value, out),
        _ => {}
    }
}

/// The names a function body binds, which Python makes local to it: they never fall through to
/// globals or builtins (an unbound one raises `UnboundLocalError`). Nested scopes are not
/// entered; `global` and `nonlocal` names are not local.
fn local_names(body: &[Stmt]) -> FxHashSet<&str> {
    let mut scan = LocalScan::default();
    walk_body(&mut scan, body);
    for n in &scan.not_local {
        scan.locals.remove(n);
    }
    scan.locals
}

#[derive(Default)]
struct LocalScan<'a> {
    locals: FxHashSet<&'a str>,
    not_local: Vec<&'a str>,
}

impl<'a> Visit<'a> for LocalScan<'a> {
    fn stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::FunctionDef(f) => {
                self.locals.insert(f.name.as_str());
            }
            Stmt::AsyncFunctionDef(f) => {
                self.locals.insert(f.name.as_str());
            }
            Stmt::ClassDef(c) => {
                self.locals.insert(c.name.as_str());
            }
            Stmt::Global(g) => self.not_local.extend(g.names.iter().map(|n| n.as_str())),
            Stmt::Nonlocal(g) => self.not_local.extend(g.names.iter().map(|n| n.as_str())),
            Stmt::Import(i) => {
                for a in &i.names {
                    let bound = match &a.asname {
                        Some(n) => n.as_str(),
                        None => a.name.as_str().split('.').next().unwrap_or_default(),
                    };
                    self.locals.insert(bound);
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    self.locals
                        .insert(a.asname.as_ref().unwrap_or(&a.name).as_str());
                }
            }
            Stmt::Try(t) => {
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    if let Some(n) = &h.name {
                        self.locals.insert(n.as_str());
                    }
                }
                walk_stmt(self, s);
            }
            Stmt::TryStar(t) => {
                for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                    if let Some(n) = &h.name {
                        self.locals.insert(n.as_str());
                    }
                }
                walk_stmt(self, s);
            }
            _ => walk_stmt(self, s),
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Name(n) if n.ctx != ExprContext::Load => {
                self.locals.insert(n.id.as_str());
            }
            // Their own scopes; a walrus inside a comprehension binds outside it, but leaving it
            // out only makes the check stricter.
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::GeneratorExp(_) => {}
            _ => walk_expr(self, e),
        }
    }

    fn pattern(&mut self, p: &'a Pattern) {
        match p {
            Pattern::MatchAs(m) => {
                if let Some(n) = &m.name {
                    self.locals.insert(n.as_str());
                }
            }
            Pattern::MatchStar(m) => {
                if let Some(n) = &m.name {
                    self.locals.insert(n.as_str());
                }
            }
            Pattern::MatchMapping(m) => {
                if let Some(n) = &m.rest {
                    self.locals.insert(n.as_str());
                }
            }
            _ => {}
        }
        walk_pattern(self, p);
    }
}

/// Attribute names and keys a format string's replacement fields reach: `{0.__globals__}`,
/// `{x[__builtins__]}`, including fields nested in format specs.
fn format_field_names(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let tail = &rest[open + 1..];
        if let Some(after) = tail.strip_prefix('{') {
            rest = after;
            continue;
        }
        let end = tail.find(['}', ':', '!']).unwrap_or(tail.len());
        let field = &tail[..end];
        for (i, part) in field.split(['.', '[']).enumerate() {
            if i > 0 {
                out.push(part.trim_end_matches(']'));
            }
        }
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_field_names;

    #[test]
    fn format_fields() {
        assert_eq!(format_field_names("{0.__globals__}"), vec!["__globals__"]);
        assert_eq!(
            format_field_names("{{0.x}} {a[__builtins__]!r}"),
            vec!["__builtins__"]
        );
        assert_eq!(format_field_names("{0:{1.__class__}}"), vec!["__class__"]);
        assert!(format_field_names("plain {} {0} {name:>10}").is_empty());
    }
}
