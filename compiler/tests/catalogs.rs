//! Citations of the CIS AWS Foundations catalogs and of user catalogs are
//! checked like those of the other built-in frameworks, and become
//! normalised `framework.ID` strings in the compiled program.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use plumb_compiler::{Catalogs, Code, Diagnostic, SourceMap, analyze_with, compile_with};
use plumb_stdlib::controls::{RESERVED_WORDS, UserCatalog};
use serde_json::json;

fn rule(controls: &str) -> String {
    format!(
        "rule r on t {{\n  severity low\n  controls {controls}\n  require attributes.x == 1\n}}\n"
    )
}

fn sources(src: &str) -> SourceMap {
    let mut sources = SourceMap::new();
    sources.add("test.plumb", src);
    sources.add("types.plumb", "type *\n");
    sources
}

fn acme() -> Catalogs {
    let doc = json!({
        "framework": "acme",
        "name": "ACME Security Standard",
        "version": "2026.1",
        "controls": [
            {"id": "SEC-1", "title": "Encrypt data at rest", "nist": ["SC-28"]},
            {"id": "SEC-2", "title": "Log administrative actions"}
        ]
    });
    Catalogs::new(vec![UserCatalog::from_json("acme.yaml", &doc).unwrap()]).unwrap()
}

fn diagnostics(controls: &str, catalogs: &Catalogs) -> Vec<Diagnostic> {
    analyze_with(&sources(&rule(controls)), catalogs).diagnostics
}

fn codes(controls: &str, catalogs: &Catalogs) -> Vec<Code> {
    diagnostics(controls, catalogs)
        .iter()
        .map(|d| d.code)
        .collect()
}

fn cited(controls: &str, catalogs: &Catalogs) -> Vec<String> {
    let (analysis, compiled) = compile_with(&sources(&rule(controls)), catalogs);
    assert_eq!(analysis.diagnostics, []);
    compiled.unwrap().program.rules[0].meta.controls.clone()
}

#[test]
fn cis_citations_name_a_benchmark_version() {
    let builtin = Catalogs::default();
    for ok in [
        "cis_aws.2.1.1",
        "cis_aws_v3_0.1.10",
        "cis_aws_v1_4.1.10",
        "CIS_AWS_V4_0_1.2.1.1",
        "cis_aws_v7_0.6.1.2",
    ] {
        assert_eq!(codes(ok, &builtin), [], "{ok}");
    }
    assert_eq!(
        cited("cis_aws.2.1.1, cis_aws_v3_0.1.10, nist.CM-6", &builtin),
        ["cis_aws_v7_0.2.1.1", "cis_aws_v3_0.1.10", "nist.CM-6"]
    );
    // The same recommendation twice: `cis_aws` is the newest version.
    assert_eq!(
        codes("cis_aws.2.1.1, cis_aws_v7_0.2.1.1", &builtin),
        [Code::DuplicateControl]
    );
    // 1.1 is not in v7.0 (which starts at section 2), but is in v3.0.
    let d = diagnostics("cis_aws.1.10", &builtin);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::UnknownControl);
    let d = diagnostics("cis_aws_v3_0.2.1.9", &builtin);
    assert_eq!(d[0].code, Code::UnknownControl);
    assert_eq!(
        d[0].help.as_deref(),
        Some("did you mean `cis_aws_v3_0.2.1.1`, `cis_aws_v3_0.2.1.2`, `cis_aws_v3_0.2.1.3`?")
    );
    let d = diagnostics("cis_aws_v3.1.1", &builtin);
    assert_eq!(d[0].code, Code::UnknownFramework);
    assert!(d[0].help.as_deref().unwrap().contains("cis_aws"), "{d:?}");
}

#[test]
fn user_catalog_citations_are_checked_like_built_in_ones() {
    let catalogs = acme();
    assert_eq!(codes("acme.SEC-1, acme.sec-2, nist.SC-28", &catalogs), []);
    assert_eq!(
        cited("acme.sec-1, nist.SC-28", &catalogs),
        ["acme.SEC-1", "nist.SC-28"]
    );
    let d = diagnostics("acme.SEC-3", &catalogs);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::UnknownControl);
    assert_eq!(
        d[0].help.as_deref(),
        Some("did you mean `acme.SEC-1`, `acme.SEC-2`?")
    );
    let d = diagnostics("acme.XYZ-99", &catalogs);
    assert_eq!(
        d[0].help.as_deref(),
        Some("see `acme.yaml` for the ids of ACME Security Standard 2026.1")
    );
    assert_eq!(
        codes("acme.SEC-1, acme.sec-1", &catalogs),
        [Code::DuplicateControl]
    );
    // Without the catalog the framework is unknown; with it, a misspelling
    // is offered the user framework.
    assert_eq!(
        codes("acme.SEC-1", &Catalogs::default()),
        [Code::UnknownFramework]
    );
    let d = diagnostics("acne.SEC-1", &catalogs);
    assert_eq!(d[0].code, Code::UnknownFramework);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `acme`?"));
    let d = diagnostics("zzz.SEC-1", &catalogs);
    assert!(
        d[0].help
            .as_deref()
            .unwrap()
            .ends_with(" and `acme` (from `acme.yaml`)"),
        "{d:?}"
    );
}

/// A framework prefix is read as a name: a catalog cannot take a keyword.
#[test]
fn reserved_words_are_the_lexers_keywords() {
    let lexer = include_str!("../src/lexer.rs");
    let keywords: Vec<&str> = lexer
        .split("#[token(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|word| word.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    assert!(keywords.len() > 10, "{keywords:?}");
    let mut ours: Vec<&str> = RESERVED_WORDS.to_vec();
    let mut theirs = keywords.clone();
    ours.sort_unstable();
    theirs.sort_unstable();
    assert_eq!(ours, theirs);
}
