//! Tenant overlays: what they may change, what they may not, and the errors naming the key.

use std::path::PathBuf;
use zona_validation::{Action, Policy, PolicyError, PolicySet, Severity, Validator};

fn policies_dir() -> PathBuf {
    // At run time (cargo sets it), not `env!`: a binary built in another checkout that shares
    // the target directory would otherwise read that checkout's files.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("../policies")
}

fn default_policy() -> Policy {
    Policy::from_file(&policies_dir().join("default.toml")).expect("the default policy loads")
}

fn overlay(text: &str) -> Result<Policy, PolicyError> {
    default_policy().overlay(text, "tenants/t.toml")
}

fn not_relaxable(text: &str, key: &str) {
    match overlay(text) {
        Err(PolicyError::NotRelaxable { origin, key: k }) => {
            assert_eq!(k, key, "{text}");
            assert_eq!(origin, "tenants/t.toml");
        }
        other => panic!("{text}: expected NotRelaxable {key}, got {other:?}"),
    }
}

fn invalid(text: &str, key: &str) {
    match overlay(text) {
        Err(e @ PolicyError::Invalid { .. }) => {
            assert_eq!(e.key(), Some(key), "{text}");
            assert!(
                e.to_string().contains("tenants/t.toml") && e.to_string().contains(key),
                "{e}"
            );
        }
        other => panic!("{text}: expected Invalid {key}, got {other:?}"),
    }
}

#[test]
fn the_example_tenant_overlay_changes_outcomes_for_that_tenant_only() {
    let set = PolicySet::load(&policies_dir()).expect("the policies load");
    assert!(set.tenants().any(|t| t == "globex"));
    let globex = set.for_tenant("globex");
    let other = set.for_tenant("initech");
    let valid = |v: &Validator, code: &str| v.validate(code, None).unwrap().valid;
    // Relaxed for globex: an HTTP client.
    assert!(valid(globex, "import requests\n"));
    assert!(!valid(other, "import requests\n"));
    // The rest of the relaxable rule still holds for globex.
    assert!(!valid(globex, "import socket\n"));
    // Tightened for globex: medium findings block.
    let dynamic = "def f(o, n):\n    return getattr(o, n)\n";
    assert!(!valid(globex, dynamic));
    assert!(valid(other, dynamic));
    // Extended: more builtins, and a rule of globex's own.
    assert!(!valid(globex, "exit()\n") && valid(other, "exit()\n"));
    let r = globex.validate("import random\n", None).unwrap();
    assert_eq!(r.findings[0].rule_id, "globex-no-randomness");
    assert!(valid(other, "import random\n"));
    assert_eq!(globex.policy().limits().ast_max_nodes, 50_000);
    // What the default marks not relaxable stays.
    assert!(!valid(globex, "eval('1')\n"));
}

#[test]
fn tenants_may_tighten_anything() {
    let p = overlay(
        r#"
[actions]
low = "block"
[limits]
code_max_bytes = 1000
ast_max_depth = 50
[rules.forbidden-builtin]
severity = "high"
add = ["print"]
message = "no {name} here"
[rules.dynamic-attribute]
severity = "high"
"#,
    )
    .unwrap();
    assert_eq!(p.action(Severity::Low), Action::Block);
    assert_eq!(p.limits().code_max_bytes, 1000);
    let v = Validator::new(p);
    let r = v.validate("print('x')\n", None).unwrap();
    assert!(!r.valid);
    assert_eq!(r.findings[0].message, "no print here");
    let r = v
        .validate("def f(o, n):\n    return getattr(o, n)\n", None)
        .unwrap();
    assert!(!r.valid);
}

#[test]
fn tenants_may_relax_what_is_relaxable() {
    let p = overlay(
        r#"
[rules.forbidden-import-network]
severity = "low"
[rules.dynamic-import]
enabled = false
"#,
    )
    .unwrap();
    let v = Validator::new(p);
    let r = v.validate("import socket\n", None).unwrap();
    assert!(r.valid);
    assert_eq!(r.findings[0].action, Action::Warn);
    let r = v
        .validate("import importlib\nimportlib.import_module(x)\n", None)
        .unwrap();
    assert!(r.findings.iter().all(|f| f.rule_id != "dynamic-import"));
    let p = overlay("[rules.forbidden-import-network]\nenabled = false\n").unwrap();
    assert!(
        Validator::new(p)
            .validate("import socket\n", None)
            .unwrap()
            .findings
            .is_empty()
    );
}

#[test]
fn tenants_may_not_relax_what_is_not_relaxable() {
    not_relaxable(
        "[rules.forbidden-builtin]\nseverity = \"medium\"\n",
        "rules.forbidden-builtin.severity",
    );
    not_relaxable(
        "[rules.forbidden-builtin]\nenabled = false\n",
        "rules.forbidden-builtin.enabled",
    );
    not_relaxable(
        "[rules.forbidden-builtin]\nallow = [\"eval\"]\n",
        "rules.forbidden-builtin.allow",
    );
    not_relaxable(
        "[rules.forbidden-attribute]\nallow = [\"__globals__\"]\n",
        "rules.forbidden-attribute.allow",
    );
    not_relaxable(
        "[rules.forbidden-import-process]\nallow = [\"os\"]\n",
        "rules.forbidden-import-process.allow",
    );
    not_relaxable("[rules.syntax]\nenabled = false\n", "rules.syntax.enabled");
    not_relaxable(
        "[rules.contract-entry]\nseverity = \"low\"\n",
        "rules.contract-entry.severity",
    );
    not_relaxable("[actions]\nhigh = \"warn\"\n", "actions.high");
    not_relaxable(
        "[actions]\nmedium = \"block\"\nhigh = \"warn\"\n",
        "actions.high",
    );
    not_relaxable(
        "[limits]\ncode_max_bytes = 10000000\n",
        "limits.code_max_bytes",
    );
    not_relaxable("[limits]\nast_max_depth = 100000\n", "limits.ast_max_depth");
    // Rewriting a rule's definition would relax it too.
    invalid(
        "[rules.forbidden-builtin]\nnames = [\"print\"]\n",
        "rules.forbidden-builtin.names",
    );
    invalid(
        "[rules.forbidden-builtin]\nrelaxable = true\n",
        "rules.forbidden-builtin.relaxable",
    );
    invalid(
        "[rules.forbidden-builtin]\ncheck = \"attribute\"\n",
        "rules.forbidden-builtin.check",
    );
    invalid("[actions]\nrelaxable = true\n", "actions.relaxable");
    invalid("[limits]\nrelaxable = true\n", "limits.relaxable");
}

#[test]
fn invalid_overlays_are_errors_naming_the_key() {
    invalid(
        "[rules.mine]\ncheck = \"module\"\nseverity = \"high\"\nmessage = \"m\"\nnames = [\"x\"]\n",
        "rules.mine.hint",
    );
    invalid(
        "[rules.mine]\ncheck = \"module\"\nseverity = \"high\"\nmessage = \"m\"\nhint = \"h\"\n",
        "rules.mine.names",
    );
    invalid(
        "[rules.mine]\ncheck = \"syntax\"\nseverity = \"high\"\nmessage = \"m\"\nhint = \"h\"\n",
        "rules.mine.check",
    );
    invalid(
        "[rules.mine]\ncheck = \"name\"\nseverity = \"high\"\nmessage = \"m\"\nhint = \"h\"\nnames = [\"not a name\"]\n",
        "rules.mine.names",
    );
    invalid(
        "[rules.forbidden-import-network]\nallow = [\"numpy\"]\n",
        "rules.forbidden-import-network.allow",
    );
    invalid(
        "[rules.nonexistent]\nadd = [\"x\"]\n",
        "rules.nonexistent.add",
    );
    invalid("[limits]\nast_max_nodes = 0\n", "limits.ast_max_nodes");
    // Unknown keys and wrong values: the TOML error names the key and the line.
    for (text, needle) in [
        (
            "[rules.forbidden-builtin]\nseverity = \"critical\"\n",
            "critical",
        ),
        (
            "[rules.forbidden-builtin]\nadd_names = [\"x\"]\n",
            "add_names",
        ),
        ("[limitz]\nx = 1\n", "limitz"),
    ] {
        match overlay(text) {
            Err(e @ PolicyError::Parse { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("tenants/t.toml") && msg.contains(needle),
                    "{msg}"
                );
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn the_default_policy_must_define_the_engine_rules() {
    let text = std::fs::read_to_string(policies_dir().join("default.toml")).unwrap();
    let without_syntax = text.replace("check = \"syntax\"", "check = \"name\"\nnames = [\"x\"]");
    match Policy::from_toml(&without_syntax, "default.toml") {
        Err(PolicyError::Invalid { key, reason, .. }) => {
            assert_eq!(key, "rules");
            assert!(reason.contains("Syntax"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let too_deep = text.replace("ast_max_depth = 400", "ast_max_depth = 5000");
    assert!(matches!(
        Policy::from_toml(&too_deep, "default.toml"),
        Err(PolicyError::Invalid { key, .. }) if key == "limits.ast_max_depth"
    ));
    let relaxable_syntax = text.replacen(
        "relaxable = false\nmessage = \"syntax error",
        "relaxable = true\nmessage = \"syntax error",
        1,
    );
    assert!(matches!(
        Policy::from_toml(&relaxable_syntax, "default.toml"),
        Err(PolicyError::Invalid { key, .. }) if key == "rules.syntax.relaxable"
    ));
}

#[test]
fn a_bad_tenant_file_fails_the_whole_load_naming_the_file() {
    let dir = tempdir();
    std::fs::copy(
        policies_dir().join("default.toml"),
        dir.join("default.toml"),
    )
    .unwrap();
    std::fs::create_dir(dir.join("tenants")).unwrap();
    std::fs::write(
        dir.join("tenants/good.toml"),
        "[actions]\nlow = \"block\"\n",
    )
    .unwrap();
    assert!(PolicySet::load(&dir).is_ok());
    std::fs::write(dir.join("tenants/bad.toml"), "[actions]\nhigh = \"warn\"\n").unwrap();
    let e = PolicySet::load(&dir).unwrap_err();
    assert!(
        e.to_string().contains("bad.toml") && e.to_string().contains("actions.high"),
        "{e}"
    );
    std::fs::remove_file(dir.join("default.toml")).unwrap();
    let e = PolicySet::load(&dir).unwrap_err();
    assert!(
        matches!(e, PolicyError::Read { .. }) && e.to_string().contains("default.toml"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zona-validation-policy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
