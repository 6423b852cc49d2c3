//! Drift blocks compile into the program as classification rules: their
//! metadata, guards, templates and path patterns, in the one pattern type
//! the noise model uses, and they survive a `.plumbc` round trip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use plumb_compiler::{SourceMap, compile};
use plumb_runtime::bytecode::{Program, Response, Severity};
use plumb_runtime::pattern::PathPattern;

const POLICY: &str = r#"package net.classes

rule sg_named on aws_security_group {
  severity low
  require attributes.name != ""
}

/// Ingress changes need review.
drift ingress_changed on aws_security_group, aws_security_group_rule {
  paths ingress[*].cidr_blocks, ingress[0].from_port, tags.**, "odd key".*, cidr_blocks
  severity high
  controls nist.SC-7, nist.CM-3
  response alert
  let sg = attributes.name
  when sg != "scratch"
  message "network access of {sg} changed"
  remediation "re-apply {id}"
}

drift anything on * {
  paths **
  severity info
}
"#;

fn program() -> Program {
    let mut sources = SourceMap::new();
    sources.add("net.plumb", POLICY);
    let (analysis, compiled) = compile(&sources);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.level == plumb_compiler::Level::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    compiled.unwrap().program
}

#[test]
fn drift_blocks_are_lowered_with_their_metadata_and_paths() {
    let p = program();
    assert_eq!(p.rules.len(), 1);
    assert_eq!(p.drifts.len(), 2);
    let d = &p.drifts[0];
    assert_eq!(d.rule.meta.name, "ingress_changed");
    assert_eq!(d.rule.meta.package, "net.classes");
    assert_eq!(d.rule.meta.file, "net.plumb");
    assert_eq!(d.rule.meta.line, 9);
    assert_eq!(d.rule.meta.severity, Severity::High);
    assert_eq!(d.rule.meta.response, Response::Alert);
    assert_eq!(d.rule.meta.controls, ["nist.SC-7", "nist.CM-3"]);
    assert_eq!(d.rule.meta.selector.len(), 2);
    assert_eq!(d.rule.guards.len(), 1);
    assert_eq!(d.rule.lets.len(), 1);
    assert!(d.rule.requires.is_empty());
    assert!(d.rule.message.is_some() && d.rule.remediation.is_some());
    // What the parser built is what the runtime's parser reads from the
    // same text, and prints back as written.
    let written = [
        "ingress[*].cidr_blocks",
        "ingress[0].from_port",
        "tags.**",
        r#""odd key".*"#,
        "cidr_blocks",
    ];
    let parsed: Vec<PathPattern> = written
        .iter()
        .map(|t| PathPattern::parse(t).unwrap())
        .collect();
    assert_eq!(d.paths, parsed);
    let shown: Vec<String> = d.paths.iter().map(ToString::to_string).collect();
    assert_eq!(shown, written);
    assert_eq!(p.drifts[1].rule.meta.response, Response::Review);
    // A drift block adds nothing to what `check` loads.
    let kept = format!("{:?}", p.projection);
    assert!(!kept.contains("cidr_blocks"), "{kept}");
}

#[test]
fn drift_blocks_survive_an_artifact_and_verify_checks_them() {
    let p = program();
    let bytes = plumb_runtime::artifact::write(&p).unwrap();
    let back = plumb_runtime::artifact::read(&bytes).unwrap();
    assert_eq!(back, p);
    let mut bad = p.clone();
    bad.drifts[0].rule.guards[0] = 9999;
    assert!(matches!(
        plumb_runtime::artifact::verify(&bad),
        Err(plumb_runtime::artifact::VerifyError::Rule { rule, .. }) if rule == "ingress_changed"
    ));
    let mut bad = p.clone();
    bad.drifts[1].rule.lets.push((0, 0));
    assert!(plumb_runtime::artifact::verify(&bad).is_err());
    let mut bad = p;
    bad.drifts[1].rule.requires = bad.rules[0].requires.clone();
    assert!(matches!(
        plumb_runtime::artifact::verify(&bad),
        Err(plumb_runtime::artifact::VerifyError::DriftRequire { .. })
    ));
}
