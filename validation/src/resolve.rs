//! Folding the string expressions the AST can decide: constants, concatenations, `%` and
//! f-strings of constants, `join`, slicing, a few `str` methods, and names bound once to such an
//! expression. Anything else is undecidable, and the caller reports it as such.

use crate::survey::Survey;
use rustpython_parser::ast::{self, Constant, Expr, ExprContext, Operator};
use std::borrow::Cow;

/// Longer strings cannot be a module or attribute name worth matching.
const MAX_LEN: usize = 256;
/// Names bound to names bound to ...: a chain this long is not a constant worth following.
const MAX_HOPS: usize = 16;

pub(crate) struct Resolver<'s, 'a> {
    pub(crate) survey: &'s Survey<'a>,
}

fn small(s: String) -> Option<String> {
    (s.len() <= MAX_LEN).then_some(s)
}

fn const_int(e: &Expr) -> Option<i64> {
    match e {
        Expr::Constant(c) => match &c.value {
            Constant::Int(i) => i.try_into().ok(),
            Constant::Bool(b) => Some(*b as i64),
            _ => None,
        },
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOp::USub) => const_int(&u.operand).map(|n| -n),
        _ => None,
    }
}

/// Python's slice of a sequence of characters.
fn slice_chars(s: &str, lower: Option<i64>, upper: Option<i64>, step: i64) -> Option<String> {
    if step == 0 {
        return None;
    }
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
    let norm = |v: i64| if v < 0 { v + len } else { v };
    let mut out = String::new();
    if step > 0 {
        let start = clamp(lower.map_or(0, norm), 0, len);
        let stop = clamp(upper.map_or(len, norm), 0, len);
        let mut i = start;
        while i < stop {
            out.push(chars[i as usize]);
            i += step;
        }
    } else {
        let start = clamp(lower.map_or(len - 1, norm), -1, len - 1);
        let stop = clamp(upper.map_or(-1, norm), -1, len - 1);
        let mut i = start;
        while i > stop {
            out.push(chars[i as usize]);
            i += step;
        }
    }
    Some(out)
}

/// `%s` substitution, the only conversion a name is built with in practice.
fn percent(template: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'r' => out.push_str(args.next()?),
            _ => return None,
        }
    }
    args.next().is_none().then_some(out)
}

/// `str.format` with `{}` and `{N}` fields only.
fn format_simple(template: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return None;
        }
        let close = tail.find('}')?;
        let field = &tail[1..close];
        let index = if field.is_empty() {
            auto += 1;
            auto - 1
        } else {
            field.parse().ok()?
        };
        out.push_str(args.get(index)?);
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

impl<'a> Resolver<'_, 'a> {
    pub(crate) fn string(&self, e: &'a Expr) -> Option<Cow<'a, str>> {
        self.resolve(e, 0)
    }

    fn owned(&self, e: &'a Expr, hops: usize) -> Option<String> {
        self.resolve(e, hops).map(Cow::into_owned)
    }

    fn all(&self, es: &'a [Expr], hops: usize) -> Option<Vec<String>> {
        es.iter().map(|x| self.owned(x, hops)).collect()
    }

    fn resolve(&self, e: &'a Expr, hops: usize) -> Option<Cow<'a, str>> {
        if hops > MAX_HOPS {
            return None;
        }
        let hops = hops + 1;
        match e {
            Expr::Constant(c) => match &c.value {
                Constant::Str(s) if s.len() <= MAX_LEN => Some(Cow::Borrowed(s.as_str())),
                _ => None,
            },
            Expr::Name(n) if n.ctx == ExprContext::Load => {
                let name = n.id.as_str();
                if self.survey.bindings.get(name) != Some(&1) {
                    return None;
                }
                let value = self.survey.assigned.get(name)?;
                self.resolve(value, hops)
            }
            Expr::BinOp(b) => {
                let left = self.owned(&b.left, hops);
                match b.op {
                    Operator::Add => small(left? + &self.owned(&b.right, hops)?).map(Cow::Owned),
                    Operator::Mult => {
                        let (s, n) = match left {
                            Some(s) => (s, const_int(&b.right)?),
                            None => (self.owned(&b.right, hops)?, const_int(&b.left)?),
                        };
                        let n = usize::try_from(n).unwrap_or(0);
                        if s.len().saturating_mul(n) > MAX_LEN {
                            return None;
                        }
                        Some(Cow::Owned(s.repeat(n)))
                    }
                    Operator::Mod => {
                        let args = match b.right.as_ref() {
                            Expr::Tuple(t) => self.all(&t.elts, hops)?,
                            other => vec![self.owned(other, hops)?],
                        };
                        small(percent(&left?, &args)?).map(Cow::Owned)
                    }
                    _ => None,
                }
            }
            Expr::JoinedStr(j) => {
                let mut out = String::new();
                for part in &j.values {
                    match part {
                        Expr::FormattedValue(f) if f.format_spec.is_none() => {
                            out.push_str(&self.resolve(&f.value, hops)?)
                        }
                        other => out.push_str(&self.resolve(other, hops)?),
                    }
                }
                small(out).map(Cow::Owned)
            }
            Expr::Subscript(s) => {
                let base = self.owned(&s.value, hops)?;
                match s.slice.as_ref() {
                    Expr::Slice(sl) => {
                        let bound = |b: &Option<Box<Expr>>| match b {
                            None => Some(None),
                            Some(x) => const_int(x).map(Some),
                        };
                        let step = bound(&sl.step)?.unwrap_or(1);
                        slice_chars(&base, bound(&sl.lower)?, bound(&sl.upper)?, step)
                            .map(Cow::Owned)
                    }
                    index => {
                        let i = const_int(index)?;
                        slice_chars(
                            &base,
                            Some(i),
                            Some(if i == -1 { i64::MAX } else { i + 1 }),
                            1,
                        )
                        .filter(|s| !s.is_empty())
                        .map(Cow::Owned)
                    }
                }
            }
            Expr::Call(c) => self.call(c, hops).and_then(small).map(Cow::Owned),
            _ => None,
        }
    }

    fn call(&self, c: &'a ast::ExprCall, hops: usize) -> Option<String> {
        if !c.keywords.is_empty() {
            return None;
        }
        match c.func.as_ref() {
            Expr::Name(f) => match (f.id.as_str(), c.args.as_slice()) {
                ("str", [x]) => self.owned(x, hops),
                ("chr", [x]) => {
                    char::from_u32(u32::try_from(const_int(x)?).ok()?).map(String::from)
                }
                _ => None,
            },
            Expr::Attribute(a) => {
                if let Expr::Constant(k) = a.value.as_ref()
                    && let Constant::Bytes(b) = &k.value
                    && a.attr.as_str() == "decode"
                {
                    return String::from_utf8(b.clone()).ok();
                }
                let recv = self.owned(&a.value, hops)?;
                match (a.attr.as_str(), c.args.as_slice()) {
                    ("join", [items]) => {
                        let parts: Vec<String> = match items {
                            Expr::List(l) => self.all(&l.elts, hops)?,
                            Expr::Tuple(t) => self.all(&t.elts, hops)?,
                            Expr::Call(r)
                                if matches!(r.func.as_ref(), Expr::Name(n) if n.id.as_str() == "reversed")
                                    && r.args.len() == 1 =>
                            {
                                self.owned(&r.args[0], hops)?
                                    .chars()
                                    .rev()
                                    .map(String::from)
                                    .collect()
                            }
                            other => self.owned(other, hops)?.chars().map(String::from).collect(),
                        };
                        Some(parts.join(&recv))
                    }
                    ("lower", []) => Some(recv.to_lowercase()),
                    ("upper", []) => Some(recv.to_uppercase()),
                    ("casefold", []) => Some(recv.to_lowercase()),
                    ("strip", []) => Some(recv.trim().to_owned()),
                    ("lstrip", []) => Some(recv.trim_start().to_owned()),
                    ("rstrip", []) => Some(recv.trim_end().to_owned()),
                    ("replace", [from, to]) => {
                        let (from, to) = (self.owned(from, hops)?, self.owned(to, hops)?);
                        (!from.is_empty()).then(|| recv.replace(&from, &to))
                    }
                    ("format", args) => format_simple(&recv, &self.all(args, hops)?),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_like_python() {
        assert_eq!(slice_chars("so", None, None, -1).as_deref(), Some("os"));
        assert_eq!(
            slice_chars("xosx", Some(1), Some(-1), 1).as_deref(),
            Some("os")
        );
        assert_eq!(slice_chars("oxsx", None, None, 2).as_deref(), Some("os"));
        assert_eq!(
            percent("%s%s", &["o".into(), "s".into()]).as_deref(),
            Some("os")
        );
        assert_eq!(percent("%d", &["1".into()]), None);
        assert_eq!(
            format_simple("{}{}", &["o".into(), "s".into()]).as_deref(),
            Some("os")
        );
        assert_eq!(
            format_simple("{1}{0}", &["s".into(), "o".into()]).as_deref(),
            Some("os")
        );
    }
}
