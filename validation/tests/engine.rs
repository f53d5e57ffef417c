//! The engine's behaviour on focused snippets: what it must flag, what it must not, positions,
//! limits and the contract.

use std::path::PathBuf;
use zona_validation::{Action, Contract, Policy, Report, ValidationError, Validator};

fn default_policy_path() -> PathBuf {
    // At run time (cargo sets it), not `env!`: a binary built in another checkout that shares
    // the target directory would otherwise read that checkout's files.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("../policies/default.toml")
}

fn default_policy() -> Policy {
    Policy::from_file(&default_policy_path()).expect("the default policy loads")
}

fn validate(code: &str) -> Report {
    Validator::new(default_policy())
        .validate(code, None)
        .expect("validates")
}

fn rules(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn words_in_strings_comments_docstrings_and_longer_names_are_not_flagged() {
    let code = r#"
"""Module docstring: import os; eval(x); open('/etc/passwd'); __import__('sys')."""
# import subprocess; exec(code); os.system('rm -rf /')
import re

PATTERN = re.compile(r"eval\(|open\(")   # re.compile is not the builtin compile


def opener(evaluation, compiled=None, input_text=""):
    """Uses names that merely contain eval, open, compile and input."""
    message = "never call eval() or open() here; import os is forbidden"
    reopen = evaluation.replace("exec", "run")
    return {"msg": message, "reopen": reopen, "os": "os", "globals": compiled, "len": len(input_text)}
"#;
    let r = validate(code);
    assert!(r.findings.is_empty(), "{r:#?}");
}

#[test]
fn function_locals_shadow_builtins_but_module_bindings_do_not() {
    let local = "def f(data, filter=None):\n    input = data.strip()\n    vars = input.split()\n    return vars\n";
    assert!(validate(local).findings.is_empty());
    let param = "def f(data, open=None):\n    return open\n";
    assert!(validate(param).findings.is_empty());
    // At module level a binding can be deleted or skipped, and the builtin is back.
    let module = "input = 'x'\nprint(input)\n";
    assert_eq!(rules(&validate(module)), ["forbidden-builtin"]);
    let lambda = "f = lambda eval: eval + 1\n";
    assert!(validate(lambda).findings.is_empty());
    let comp = "xs = [open for open in range(3)]\n";
    assert!(validate(comp).findings.is_empty());
}

#[test]
fn positions_are_one_based_and_span_the_name() {
    let r = validate("x = 1\ny = eval('2')\n");
    let f = &r.findings[0];
    assert_eq!((f.line, f.column, f.end_line, f.end_column), (2, 5, 2, 9));
    assert_eq!(f.source_line, "y = eval('2')");
    assert_eq!(f.action, Action::Block);
    assert!(f.message.contains("eval") && !f.hint.is_empty());
    // An attribute finding underlines the attribute, not the chain before it.
    let r = validate("z = ().__class__.__bases__\n");
    let f = &r.findings[0];
    assert_eq!(
        (f.rule_id.as_str(), f.column, f.end_column),
        ("forbidden-attribute", 18, 27)
    );
}

#[test]
fn syntax_errors_come_back_as_one_finding_with_the_parser_message() {
    let r = validate("def f(data):\n    return data +\n");
    assert!(!r.valid);
    assert_eq!(rules(&r), ["syntax"]);
    let f = &r.findings[0];
    assert_eq!(f.line, 2);
    assert_eq!((f.column, f.end_line, f.end_column), (18, 2, 19), "{f:?}");
    assert!(f.message.starts_with("syntax error: "), "{f:?}");
}

#[test]
fn dynamic_lookups_are_medium_warnings_not_guesses() {
    let r = validate("def f(obj, name):\n    return getattr(obj, name)\n");
    assert!(r.valid, "{r:#?}");
    assert_eq!(rules(&r), ["dynamic-attribute"]);
    assert_eq!(r.findings[0].action, Action::Warn);
    let r = validate("def f(obj, name):\n    return getattr(obj, name + '_x', None)\n");
    assert_eq!(rules(&r), ["dynamic-attribute"]);
    // A name the AST can decide is checked, not warned about.
    assert!(
        validate("def f(o):\n    return getattr(o, 'upper')()\n")
            .findings
            .is_empty()
    );
    // A name bound twice is no longer a constant.
    let r = validate("n = 'a'\nn = n + 'b'\ndef f(o):\n    return getattr(o, n)\n");
    assert_eq!(rules(&r), ["dynamic-attribute"]);
}

#[test]
fn contract_accepts_keyword_compatible_signatures() {
    let v = Validator::new(default_policy());
    let c = Contract::design_default("util");
    for ok in [
        "def util(data, filter=None):\n    return data\n",
        "def util(data, filter):\n    return data\n",
        "def util(filter=None, data=None):\n    return data\n",
        "def util(data, filter=None, limit=10):\n    return data\n",
        "def util(**params):\n    return params\n",
        "def util(data, *, filter=None):\n    return data\n",
        "util = lambda data, filter=None: data\n",
        "import functools\n@functools.lru_cache\ndef util(data, filter=None):\n    return data\n",
        "if True:\n    def util(data, filter=None):\n        return data\n",
    ] {
        let r = v.validate(ok, Some(&c)).unwrap();
        assert!(r.findings.is_empty(), "{ok}\n{r:#?}");
    }
    for (bad, rule) in [
        (
            "def other(data, filter=None):\n    return data\n",
            "contract-entry",
        ),
        (
            "class X:\n    def util(self, data, filter=None):\n        return data\n",
            "contract-entry",
        ),
        ("def util(data):\n    return data\n", "contract-params"),
        (
            "def util(data, filter, extra):\n    return data\n",
            "contract-params",
        ),
        (
            "def util(data, filter=None, /):\n    return data\n",
            "contract-params",
        ),
        (
            "async def util(data, filter=None):\n    return data\n",
            "contract-params",
        ),
    ] {
        let r = v.validate(bad, Some(&c)).unwrap();
        assert_eq!(rules(&r), [rule], "{bad}\n{r:#?}");
        assert!(!r.valid);
        assert!(
            r.findings[0].hint.contains("def util(data, filter=None):"),
            "{:?}",
            r.findings[0]
        );
    }
    // Declared parameters other than the default ones.
    let custom = Contract::new(
        "util",
        [("text".to_owned(), true), ("limit".to_owned(), false)],
    );
    let r = v
        .validate(
            "def util(text, limit=None):\n    return text\n",
            Some(&custom),
        )
        .unwrap();
    assert!(r.findings.is_empty());
    let r = v
        .validate(
            "def util(data, filter=None):\n    return data\n",
            Some(&custom),
        )
        .unwrap();
    assert_eq!(rules(&r), ["contract-params"]);
    assert!(
        r.findings[0].message.contains("(text, limit)"),
        "{:?}",
        r.findings[0]
    );
}

#[test]
fn code_size_limit_pair() {
    let policy = default_policy();
    let limit = policy.limits().code_max_bytes;
    let v = Validator::new(policy);
    let within = format!("x = '{}'\n", "a".repeat(limit - 7));
    assert_eq!(within.len(), limit);
    assert!(v.validate(&within, None).unwrap().valid);
    let beyond = format!("{within}#");
    assert_eq!(
        v.validate(&beyond, None),
        Err(ValidationError::CodeTooLarge {
            size: limit + 1,
            limit
        })
    );
}

#[test]
fn depth_limit_pair_and_deep_code_does_not_crash() {
    let policy = default_policy();
    let limit = policy.limits().ast_max_depth;
    let v = Validator::new(policy);
    // Module > Assign statement > limit - 2 unary operators > constant: exactly the limit.
    let within = format!("x = {}1\n", "-".repeat(limit - 2));
    assert!(v.validate(&within, None).unwrap().valid);
    let beyond = format!("x = {}1\n", "-".repeat(limit - 1));
    match v.validate(&beyond, None) {
        Err(ValidationError::TooDeep {
            limit: l, line: 1, ..
        }) => assert_eq!(l, limit),
        other => panic!("{other:?}"),
    }
    // Far deeper than any thread stack takes recursively: parsed and dropped safely.
    for deep in [
        format!("x = {}1\n", "-".repeat(200_000)),
        format!("x = {}1{}\n", "f(".repeat(60_000), ")".repeat(60_000)),
        format!("x = a{}\n", ".b".repeat(100_000)),
        // The parser itself recurses over nested assignment targets.
        format!("{}a{} = 1\n", "[".repeat(100_000), "]".repeat(100_000)),
        format!("{}a{} = 1\n", "[*".repeat(80_000), "]".repeat(80_000)),
        format!("del {}a{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    ] {
        assert!(matches!(
            v.validate(&deep, None),
            Err(ValidationError::TooDeep { .. })
        ));
    }
}

#[test]
fn node_limit_pair() {
    let text = std::fs::read_to_string(default_policy_path()).unwrap();
    let limit = 100;
    let policy = Policy::from_toml(
        &text.replace(
            "ast_max_nodes = 100000",
            &format!("ast_max_nodes = {limit}"),
        ),
        "test",
    )
    .unwrap();
    let v = Validator::new(policy);
    // Each `x = 1` line is three nodes: the statement, the name and the constant.
    let within = "x = 1\n".repeat(limit / 3);
    assert!(v.validate(&within, None).unwrap().valid);
    let beyond = "x = 1\n".repeat(limit / 3 + 1);
    match v.validate(&beyond, None) {
        Err(e @ ValidationError::TooManyNodes { .. }) => {
            assert!(e.to_string().contains(&limit.to_string()));
            assert_eq!(e.finding().rule_id, "limit-ast-nodes");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn reports_are_capped_with_blocking_findings_kept() {
    let mut code = String::new();
    for i in 0..150 {
        code.push_str(&format!("def f{i}(o, n):\n    return getattr(o, n)\n"));
    }
    code.push_str("eval('1')\n");
    let r = validate(&code);
    assert_eq!(r.findings.len(), zona_validation::MAX_FINDINGS);
    assert_eq!(r.findings_omitted, 51);
    assert!(!r.valid);
    assert!(r.findings.iter().any(|f| f.rule_id == "forbidden-builtin"));
}
