//! The validation engine on a realistic 1,000-line module (benches/data/utilities_1000.py, the
//! benign corpus concatenated), next to what it is made of: parsing alone, and a small utility.
//! Run: `cargo bench --bench validation`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use zona_validation::{Contract, Policy, Validator};

fn repo(rel: &str) -> PathBuf {
    // At run time (cargo sets it), not `env!`: a binary built in another checkout that shares
    // the target directory would otherwise read that checkout's files.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join(rel)
}

fn bench(c: &mut Criterion) {
    let policy = Policy::from_file(&repo("policies/default.toml")).expect("default policy");
    let validator = Validator::new(policy);
    let module =
        std::fs::read_to_string(repo("benches/data/utilities_1000.py")).expect("bench data");
    assert_eq!(module.lines().count(), 1000);
    let small = std::fs::read_to_string(repo("tests/corpus/benign/word_count.py")).unwrap();
    let contract = Contract::design_default("word_count");
    // The benchmark is meaningless if the module does not pass.
    let report = validator.validate(&module, Some(&contract)).unwrap();
    assert!(report.valid && report.findings.is_empty(), "{report:?}");

    let mut g = c.benchmark_group("validation");
    g.bench_function("validate_1000_lines", |b| {
        b.iter(|| {
            validator
                .validate(black_box(&module), Some(&contract))
                .unwrap()
        })
    });
    g.bench_function("parse_only_1000_lines", |b| {
        b.iter(|| {
            rustpython_parser::parse(black_box(&module), rustpython_parser::Mode::Module, "<u>")
                .unwrap()
        })
    });
    g.bench_function("lex_only_1000_lines", |b| {
        b.iter(|| {
            rustpython_parser::lexer::lex(black_box(&module), rustpython_parser::Mode::Module)
                .count()
        })
    });
    g.bench_function("validate_word_count_22_lines", |b| {
        b.iter(|| {
            validator
                .validate(black_box(&small), Some(&contract))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
