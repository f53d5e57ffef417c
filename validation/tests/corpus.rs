//! The corpus under ../tests/corpus: every hostile snippet is blocked by the rules its header
//! names; every benign utility passes with no blocking finding.

use std::path::PathBuf;
use zona_validation::{Contract, Policy, Report, Validator};

fn repo() -> PathBuf {
    // At run time (cargo sets it), not `env!`: a binary built in another checkout that shares
    // the target directory would otherwise read that checkout's files.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("..")
}

fn validator() -> Validator {
    let path = repo().join("policies/default.toml");
    Validator::new(Policy::from_file(&path).expect("the default policy loads"))
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/corpus").join(dir))
        .unwrap_or_else(|e| panic!("reading tests/corpus/{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    out.sort();
    out
}

fn header<'a>(code: &'a str, key: &str) -> Vec<&'a str> {
    code.lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix(&format!("# {key}:")))
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn describe(report: &Report) -> String {
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "  {}:{} {} ({:?}) {}",
                f.line, f.column, f.rule_id, f.action, f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_hostile_snippet_is_blocked_by_its_rule() {
    let v = validator();
    let hostile = files("hostile");
    assert!(
        hostile.len() >= 60,
        "the corpus has {} hostile snippets",
        hostile.len()
    );
    let mut failures = Vec::new();
    for path in &hostile {
        let name = path.file_stem().unwrap().to_string_lossy();
        let code = std::fs::read_to_string(path).unwrap();
        let expect = header(&code, "expect");
        assert!(!expect.is_empty(), "{name}: no '# expect:' header");
        let contract = header(&code, "contract")
            .first()
            .map(|c| Contract::design_default(*c));
        let report = v.validate(&code, contract.as_ref()).expect("validates");
        if report.valid {
            failures.push(format!("{name}: accepted\n{}", describe(&report)));
            continue;
        }
        for rule in &expect {
            if !report.blocking().any(|f| f.rule_id == *rule) {
                failures.push(format!("{name}: no blocking {rule}\n{}", describe(&report)));
            }
        }
        for rule in header(&code, "also") {
            if !report.findings.iter().any(|f| f.rule_id == rule) {
                failures.push(format!("{name}: no {rule}\n{}", describe(&report)));
            }
        }
        for f in &report.findings {
            assert!(f.line >= 1 && f.column >= 1, "{name}: {f:?}");
            assert!(
                (f.end_line, f.end_column) > (f.line, f.column),
                "{name}: empty span {f:?}"
            );
            assert!(
                !f.message.contains('{') || f.message.contains("format"),
                "{name}: unfilled template {f:?}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile snippets failed:\n{}",
        failures.len(),
        hostile.len(),
        failures.join("\n")
    );
}

#[test]
fn every_benign_utility_passes() {
    let v = validator();
    let benign = files("benign");
    assert!(
        benign.len() >= 30,
        "the corpus has {} benign utilities",
        benign.len()
    );
    let mut failures = Vec::new();
    for path in &benign {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let code = std::fs::read_to_string(path).unwrap();
        let report = v
            .validate(&code, Some(&Contract::design_default(name.clone())))
            .expect("validates");
        if !report.valid {
            failures.push(format!("{name}:\n{}", describe(&report)));
        }
    }
    assert!(
        failures.is_empty(),
        "benign utilities rejected:\n{}",
        failures.join("\n")
    );
}
