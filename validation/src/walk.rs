//! Visiting every child of a node, so the passes only write the cases they care about.

use rustpython_parser::ast::{self, Expr, Pattern, Stmt};

pub(crate) trait Visit<'a> {
    fn stmt(&mut self, s: &'a Stmt);
    fn expr(&mut self, e: &'a Expr);
    fn pattern(&mut self, p: &'a Pattern) {
        walk_pattern(self, p);
    }
}

pub(crate) fn walk_body<'a, V: Visit<'a> + ?Sized>(v: &mut V, body: &'a [Stmt]) {
    for s in body {
        v.stmt(s);
    }
}

fn opt<'a, V: Visit<'a> + ?Sized>(v: &mut V, e: &'a Option<Box<Expr>>) {
    if let Some(e) = e {
        v.expr(e);
    }
}

/// Defaults and annotations: evaluated where the function is defined, not inside it.
pub(crate) fn walk_arguments<'a, V: Visit<'a> + ?Sized>(v: &mut V, args: &'a ast::Arguments) {
    for a in args
        .posonlyargs
        .iter()
        .chain(&args.args)
        .chain(&args.kwonlyargs)
    {
        opt(v, &a.def.annotation);
        opt(v, &a.default);
    }
    for a in args.vararg.iter().chain(&args.kwarg) {
        opt(v, &a.annotation);
    }
}

pub(crate) fn walk_type_params<'a, V: Visit<'a> + ?Sized>(v: &mut V, params: &'a [ast::TypeParam]) {
    for p in params {
        if let ast::TypeParam::TypeVar(t) = p {
            opt(v, &t.bound);
        }
    }
}

/// What a `def` (or `async def`) evaluates where it stands: decorators, defaults and
/// annotations, type parameters. Its body runs later, in a scope of its own.
pub(crate) fn walk_function_head<'a, V: Visit<'a> + ?Sized>(
    v: &mut V,
    decorators: &'a [Expr],
    args: &'a ast::Arguments,
    returns: &'a Option<Box<Expr>>,
    type_params: &'a [ast::TypeParam],
) {
    for d in decorators {
        v.expr(d);
    }
    walk_arguments(v, args);
    opt(v, returns);
    walk_type_params(v, type_params);
}

pub(crate) fn walk_stmt<'a, V: Visit<'a> + ?Sized>(v: &mut V, s: &'a Stmt) {
    match s {
        Stmt::FunctionDef(f) => {
            walk_function_head(v, &f.decorator_list, &f.args, &f.returns, &f.type_params);
            walk_body(v, &f.body);
        }
        Stmt::AsyncFunctionDef(f) => {
            walk_function_head(v, &f.decorator_list, &f.args, &f.returns, &f.type_params);
            walk_body(v, &f.body);
        }
        Stmt::ClassDef(c) => {
            for d in &c.decorator_list {
                v.expr(d);
            }
            for b in &c.bases {
                v.expr(b);
            }
            for k in &c.keywords {
                v.expr(&k.value);
            }
            walk_type_params(v, &c.type_params);
            walk_body(v, &c.body);
        }
        Stmt::Return(r) => opt(v, &r.value),
        Stmt::Delete(d) => {
            for t in &d.targets {
                v.expr(t);
            }
        }
        Stmt::Assign(a) => {
            for t in &a.targets {
                v.expr(t);
            }
            v.expr(&a.value);
        }
        Stmt::TypeAlias(t) => {
            v.expr(&t.name);
            walk_type_params(v, &t.type_params);
            v.expr(&t.value);
        }
        Stmt::AugAssign(a) => {
            v.expr(&a.target);
            v.expr(&a.value);
        }
        Stmt::AnnAssign(a) => {
            v.expr(&a.target);
            v.expr(&a.annotation);
            opt(v, &a.value);
        }
        Stmt::For(f) => {
            v.expr(&f.target);
            v.expr(&f.iter);
            walk_body(v, &f.body);
            walk_body(v, &f.orelse);
        }
        Stmt::AsyncFor(f) => {
            v.expr(&f.target);
            v.expr(&f.iter);
            walk_body(v, &f.body);
            walk_body(v, &f.orelse);
        }
        Stmt::While(w) => {
            v.expr(&w.test);
            walk_body(v, &w.body);
            walk_body(v, &w.orelse);
        }
        Stmt::If(i) => {
            v.expr(&i.test);
            walk_body(v, &i.body);
            walk_body(v, &i.orelse);
        }
        Stmt::With(w) => {
            for item in &w.items {
                v.expr(&item.context_expr);
                opt(v, &item.optional_vars);
            }
            walk_body(v, &w.body);
        }
        Stmt::AsyncWith(w) => {
            for item in &w.items {
                v.expr(&item.context_expr);
                opt(v, &item.optional_vars);
            }
            walk_body(v, &w.body);
        }
        Stmt::Match(m) => {
            v.expr(&m.subject);
            for case in &m.cases {
                v.pattern(&case.pattern);
                opt(v, &case.guard);
                walk_body(v, &case.body);
            }
        }
        Stmt::Raise(r) => {
            opt(v, &r.exc);
            opt(v, &r.cause);
        }
        Stmt::Try(t) => {
            walk_body(v, &t.body);
            for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                opt(v, &h.type_);
                walk_body(v, &h.body);
            }
            walk_body(v, &t.orelse);
            walk_body(v, &t.finalbody);
        }
        Stmt::TryStar(t) => {
            walk_body(v, &t.body);
            for ast::ExceptHandler::ExceptHandler(h) in &t.handlers {
                opt(v, &h.type_);
                walk_body(v, &h.body);
            }
            walk_body(v, &t.orelse);
            walk_body(v, &t.finalbody);
        }
        Stmt::Assert(a) => {
            v.expr(&a.test);
            opt(v, &a.msg);
        }
        Stmt::Expr(e) => v.expr(&e.value),
        Stmt::Import(_)
        | Stmt::ImportFrom(_)
        | Stmt::Global(_)
        | Stmt::Nonlocal(_)
        | Stmt::Pass(_)
        | Stmt::Break(_)
        | Stmt::Continue(_) => {}
    }
}

pub(crate) fn walk_generators<'a, V: Visit<'a> + ?Sized>(
    v: &mut V,
    gens: &'a [ast::Comprehension],
) {
    for g in gens {
        v.expr(&g.target);
        v.expr(&g.iter);
        for cond in &g.ifs {
            v.expr(cond);
        }
    }
}

pub(crate) fn walk_expr<'a, V: Visit<'a> + ?Sized>(v: &mut V, e: &'a Expr) {
    match e {
        Expr::BoolOp(b) => {
            for x in &b.values {
                v.expr(x);
            }
        }
        Expr::NamedExpr(n) => {
            v.expr(&n.target);
            v.expr(&n.value);
        }
        Expr::BinOp(b) => {
            v.expr(&b.left);
            v.expr(&b.right);
        }
        Expr::UnaryOp(u) => v.expr(&u.operand),
        Expr::Lambda(l) => {
            walk_arguments(v, &l.args);
            v.expr(&l.body);
        }
        Expr::IfExp(i) => {
            v.expr(&i.test);
            v.expr(&i.body);
            v.expr(&i.orelse);
        }
        Expr::Dict(d) => {
            for k in d.keys.iter().flatten() {
                v.expr(k);
            }
            for x in &d.values {
                v.expr(x);
            }
        }
        Expr::Set(s) => {
            for x in &s.elts {
                v.expr(x);
            }
        }
        Expr::ListComp(c) => {
            walk_generators(v, &c.generators);
            v.expr(&c.elt);
        }
        Expr::SetComp(c) => {
            walk_generators(v, &c.generators);
            v.expr(&c.elt);
        }
        Expr::GeneratorExp(c) => {
            walk_generators(v, &c.generators);
            v.expr(&c.elt);
        }
        Expr::DictComp(c) => {
            walk_generators(v, &c.generators);
            v.expr(&c.key);
            v.expr(&c.value);
        }
        Expr::Await(a) => v.expr(&a.value),
        Expr::Yield(y) => opt(v, &y.value),
        Expr::YieldFrom(y) => v.expr(&y.value),
        Expr::Compare(c) => {
            v.expr(&c.left);
            for x in &c.comparators {
                v.expr(x);
            }
        }
        Expr::Call(c) => {
            v.expr(&c.func);
            for a in &c.args {
                v.expr(a);
            }
            for k in &c.keywords {
                v.expr(&k.value);
            }
        }
        Expr::FormattedValue(f) => {
            v.expr(&f.value);
            opt(v, &f.format_spec);
        }
        Expr::JoinedStr(j) => {
            for x in &j.values {
                v.expr(x);
            }
        }
        Expr::Attribute(a) => v.expr(&a.value),
        Expr::Subscript(s) => {
            v.expr(&s.value);
            v.expr(&s.slice);
        }
        Expr::Starred(s) => v.expr(&s.value),
        Expr::List(l) => {
            for x in &l.elts {
                v.expr(x);
            }
        }
        Expr::Tuple(t) => {
            for x in &t.elts {
                v.expr(x);
            }
        }
        Expr::Slice(s) => {
            opt(v, &s.lower);
            opt(v, &s.upper);
            opt(v, &s.step);
        }
        Expr::Constant(_) | Expr::Name(_) => {}
    }
}

pub(crate) fn walk_pattern<'a, V: Visit<'a> + ?Sized>(v: &mut V, p: &'a Pattern) {
    match p {
        Pattern::MatchValue(m) => v.expr(&m.value),
        Pattern::MatchSingleton(_) | Pattern::MatchStar(_) => {}
        Pattern::MatchSequence(m) => {
            for x in &m.patterns {
                v.pattern(x);
            }
        }
        Pattern::MatchMapping(m) => {
            for k in &m.keys {
                v.expr(k);
            }
            for x in &m.patterns {
                v.pattern(x);
            }
        }
        Pattern::MatchClass(m) => {
            v.expr(&m.cls);
            for x in m.patterns.iter().chain(&m.kwd_patterns) {
                v.pattern(x);
            }
        }
        Pattern::MatchAs(m) => {
            if let Some(x) = &m.pattern {
                v.pattern(x);
            }
        }
        Pattern::MatchOr(m) => {
            for x in &m.patterns {
                v.pattern(x);
            }
        }
    }
}
