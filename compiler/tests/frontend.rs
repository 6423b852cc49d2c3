//! Front-end behaviour that the language's users rely on: recovery gives one
//! error per mistake at the right place, control IDs resolve against the
//! catalogs, and the checker's main diagnostics fire where they should.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use plumb_compiler::{Code, Diagnostic, SourceMap, analyze};

/// The tests here are about other diagnostics than the type catalog's, and
/// use placeholder types (`t`) and attributes: a second file declares every
/// type the user's own (`type *`), which keeps W0012 and W0013 out of them.
fn lint(src: &str) -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    sources.add("test.plumb", src);
    sources.add("types.plumb", "type *\n");
    let analysis = analyze(&sources);
    (sources, analysis.diagnostics)
}

fn lint_alone(src: &str) -> Vec<Code> {
    let mut sources = SourceMap::new();
    sources.add("test.plumb", src);
    analyze(&sources)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn unknown_types_and_attributes_are_warnings_unless_declared() {
    let rule = |on: &str, path: &str| {
        format!(
            "rule r on {on} {{\n  severity high\n  controls nist.CM-6\n  require attributes.{path} == true\n}}\n"
        )
    };
    assert_eq!(
        lint_alone(&rule("aws_s3_buckets", "acl")),
        [Code::UnknownResourceType]
    );
    assert_eq!(lint_alone(&rule("aws_s3_*, k8s_*, cfn_*", "x")), []);
    assert_eq!(
        lint_alone(&rule("aws_s3_bucket", "versioning[0].enabeld")),
        [Code::UnknownAttribute]
    );
    assert_eq!(
        lint_alone(&rule("aws_s3_bucket", "versioning[0].enabled")),
        []
    );
    assert_eq!(lint_alone(&rule("aws_s3_bucket", "tags.anything")), []);
    // What importers keep of a source's own fields, on any type.
    assert_eq!(
        lint_alone(&rule("aws_s3_bucket", "aws_config.configuration.name")),
        []
    );
    assert_eq!(lint_alone(&rule("azurerm_storage_account", "arm.kind")), []);
    // Unknown in one selected type is fine if another has it.
    assert_eq!(
        lint_alone(&rule(
            "aws_security_group, aws_security_group_rule",
            "from_port"
        )),
        []
    );
    // Declared types are known, and their attributes unchecked.
    let declared = format!(
        "type acme_widget\ntype aws_s3_bucket\n{}{}",
        rule("acme_widget", "x"),
        rule("aws_s3_bucket", "x").replace("rule r", "rule r2")
    );
    assert_eq!(lint_alone(&declared), []);
    // A shadowed `attributes` is not the resource's.
    assert_eq!(
        lint_alone(&rule(
            "aws_s3_bucket",
            "acl and all([{}], attributes => attributes.x)"
        )),
        [Code::ShadowedName]
    );
}

/// `(code, line, column)` of every diagnostic.
fn positions(src: &str) -> Vec<(Code, usize, usize)> {
    let (sources, diags) = lint(src);
    diags
        .iter()
        .map(|d| {
            let (line, col) = sources.line_col(d.file, d.primary.span.start);
            (d.code, line, col)
        })
        .collect()
}

fn codes(src: &str) -> Vec<Code> {
    lint(src).1.iter().map(|d| d.code).collect()
}

const HEADER: &str = "rule r on aws_s3_bucket {\n  severity high\n  controls nist.CM-6\n";

#[test]
fn three_unrelated_syntax_errors_give_exactly_three_errors() {
    let src = "\
rule a on aws_s3_bucket {
  severity high
  controls nist.CM-6
  require attributes.acl == )
}

rule b on aws_ebs_volume {
  severity high
  controls nist.CM-6
  require attributes.encrypted = true
}

rule c on aws_instance {
  severity high
  controls nist.CM-6
  require all(attributes.tags[*], t => t != null
  message \"instance {id}\"
}
";
    assert_eq!(
        positions(src),
        vec![
            (Code::UnexpectedToken, 4, 29),
            (Code::UnexpectedToken, 10, 32),
            (Code::UnclosedDelimiter, 16, 14),
        ]
    );
}

#[test]
fn errors_come_in_source_order_across_kinds() {
    let src = "\
rule a on x {
  severity hgh
  controls nist.CM-6
  require 1 @ 2
}
rule b on y { severity low controls nist.CM-66 require true == attributes.z }
";
    let got: Vec<Code> = codes(src);
    assert_eq!(
        got,
        vec![
            Code::UnknownSeverity,
            Code::InvalidCharacter,
            Code::UnknownControl
        ]
    );
}

#[test]
fn a_syntax_error_does_not_cascade_into_missing_clause_errors() {
    // The broken `require` must not also produce "rule has no require".
    let src = format!("{HEADER}  require (attributes.x ==\n}}\n");
    assert_eq!(codes(&src), vec![Code::UnexpectedToken]);
}

#[test]
fn unclosed_rule_is_one_error_and_the_next_rule_is_still_checked() {
    let src = "\
rule a on x {
  severity high
  controls nist.CM-6
  require true == attributes.x

rule b on y {
  severity nope
  controls nist.CM-6
  require attributes.y == 1
}
";
    assert_eq!(
        positions(src),
        vec![
            (Code::UnclosedDelimiter, 1, 13),
            (Code::UnknownSeverity, 7, 12)
        ]
    );
}

#[test]
fn unknown_control_suggests_the_closest_one() {
    let (_, diags) = lint(&format!(
        "{HEADER}  controls nist.CM-66\n  require attributes.x == 1\n}}\n"
    ));
    let d = diags
        .iter()
        .find(|d| d.code == Code::UnknownControl)
        .expect("an unknown-control error");
    let help = d.help.as_deref().unwrap_or("");
    assert!(
        help.starts_with("did you mean `nist.CM-6`"),
        "help was {help:?}"
    );
}

#[test]
fn documented_control_spellings_are_accepted() {
    for controls in [
        "nist.CM-6",
        "nist.AC-2(1)",
        "soc2.CC7.1",
        "pci.2.2.1",
        "nist.cm-6.1",
        "nist.AC-02(01)",
        "pci.A3.2.5.1",
        "nist_800_53.SC-28",
        "pci_dss.10.2.1.2",
        "soc2_tsc.CC6.1",
    ] {
        let src = format!(
            "rule r on t {{\n  severity low\n  controls {controls}\n  require attributes.x == 1\n}}\n"
        );
        assert_eq!(codes(&src), vec![], "{controls} should be accepted");
    }
}

#[test]
fn withdrawn_and_statement_part_controls_are_specific_errors() {
    let src = |c: &str| {
        format!("rule r on t {{\n  severity low\n  controls {c}\n  require attributes.x == 1\n}}\n")
    };
    assert_eq!(codes(&src("nist.AC-3(1)")), vec![Code::WithdrawnControl]);
    assert_eq!(
        codes(&src("nist.AC-2(3)(a)")),
        vec![Code::ControlStatementPart]
    );
    assert_eq!(
        codes(&src("nist.CM-6, nist.cm-6")),
        vec![Code::DuplicateControl]
    );
    assert_eq!(codes(&src("nst.CM-6")), vec![Code::UnknownFramework]);
}

#[test]
fn names_functions_and_arity() {
    let src = |req: &str| format!("{HEADER}  require {req}\n}}\n");
    assert_eq!(codes(&src("atributes.x == 1")), vec![Code::UnknownName]);
    assert_eq!(
        codes(&src("lowr(name) == \"x\"")),
        vec![Code::UnknownFunction]
    );
    assert_eq!(
        codes(&src("lower(name, 1) == \"x\"")),
        vec![Code::WrongArity]
    );
    assert_eq!(
        codes(&src("all(attributes.x, 1)")),
        vec![Code::ExpectedLambda]
    );
    assert_eq!(
        codes(&src("all(attributes.x, (a, b) => a == b)")),
        vec![Code::WrongArity]
    );
    assert_eq!(codes(&src("(x => x) == 1")), vec![Code::MisplacedLambda]);
    assert_eq!(codes(&src("lower == 1")), vec![Code::FunctionAsValue]);
    assert_eq!(codes(&src("attributes.f(1)")), vec![Code::NotAFunction]);
}

#[test]
fn literal_type_errors() {
    let src = |req: &str| format!("{HEADER}  require {req}\n}}\n");
    assert_eq!(codes(&src("1 + \"a\" == 2")), vec![Code::TypeMismatch]);
    assert_eq!(codes(&src("attributes.x and 3")), vec![Code::TypeMismatch]);
    assert_eq!(codes(&src("\"a\" < 3")), vec![Code::TypeMismatch]);
    assert_eq!(codes(&src("attributes.x in 5")), vec![Code::TypeMismatch]);
    assert_eq!(codes(&src("length(5) > 1")), vec![Code::InvalidArgument]);
    // Unknown types are never reported.
    assert_eq!(codes(&src("attributes.x + attributes.y > 1")), vec![]);
}

#[test]
fn cycles_between_lets_and_fns() {
    let src = "\
let a = b + 1
let b = f(a)
fn f(x) = x + a
rule r on t {
  severity low
  controls nist.CM-6
  require attributes.x == a
}
";
    assert_eq!(codes(src), vec![Code::DefinitionCycle]);
    let recursive =
        "fn f(x) = f(x)\nrule r on t {\n severity low\n controls nist.CM-6\n require f(1)\n}\n";
    assert_eq!(codes(recursive), vec![Code::DefinitionCycle]);
}

#[test]
fn metadata_clauses() {
    assert_eq!(
        codes("rule r on t {\n  controls nist.CM-6\n  require attributes.x == 1\n}\n"),
        vec![Code::MissingSeverity]
    );
    assert_eq!(
        codes("rule r on t {\n  severity low\n  controls nist.CM-6\n}\n"),
        vec![Code::MissingRequire]
    );
    assert_eq!(
        codes(
            "rule r on t {\n  severity low\n  severity high\n  controls nist.CM-6\n  require attributes.x == 1\n}\n"
        ),
        vec![Code::DuplicateClause]
    );
    assert_eq!(
        codes("drift d on t {\n  severity low\n  controls nist.CM-6\n}\n"),
        vec![Code::MissingPaths]
    );
    assert_eq!(
        codes(
            "drift d on t {\n  severity low\n  controls nist.CM-6\n  paths encrypted\n  response sometimes\n}\n"
        ),
        vec![Code::UnknownResponse]
    );
    assert_eq!(
        codes("rule r on t {\n  severity low\n  require attributes.x == 1\n}\n"),
        vec![Code::MissingControls]
    );
}

#[test]
fn warnings() {
    let src = |body: &str| format!("{HEADER}{body}\n}}\n");
    assert_eq!(
        codes(&src("  let unused = 1\n  require attributes.x == 1")),
        vec![Code::UnusedLet]
    );
    assert_eq!(
        codes(&src(
            "  when type == \"aws_instance\"\n  require attributes.x == 1"
        )),
        vec![Code::GuardNeverHolds]
    );
    assert_eq!(
        codes(&src("  when 1 > 2\n  require attributes.x == 1")),
        vec![Code::GuardNeverHolds]
    );
    assert_eq!(
        codes(&src("  require 1 < 2")),
        vec![Code::RequireAlwaysHolds]
    );
    assert_eq!(
        codes(&src("  require any(attributes.x, id => id == 1)")),
        vec![Code::ShadowedName]
    );
}

#[test]
fn imports_resolve_across_files() {
    let mut sources = SourceMap::new();
    sources.add(
        "common.plumb",
        "package aws.common\nlet world = \"0.0.0.0/0\"\nfn open(r) = world in r.cidr_blocks\n",
    );
    sources.add(
        "net.plumb",
        "package aws.net\nimport aws.common\nimport aws.missing\nimport aws.common as c\n\
         rule r on aws_security_group {\n  severity high\n  controls nist.SC-7\n  \
         require none(attributes.ingress[*], i => common.open(i)) and c.world != \"\"\n  \
         message \"{common.nope}\"\n}\n",
    );
    let analysis = analyze(&sources);
    let got: Vec<(String, Code)> = analysis
        .diagnostics
        .iter()
        .map(|d| (sources.name(d.file).to_string(), d.code))
        .collect();
    assert_eq!(
        got,
        vec![
            ("net.plumb".to_string(), Code::UnresolvedImport),
            ("net.plumb".to_string(), Code::UnknownName),
        ]
    );
}

#[test]
fn fixtures_expect_any_outcome_and_mark_unknown_and_sensitive_values() {
    let rule = "rule r on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}\n";
    let test = |fixtures: &str| codes(&format!("{rule}test r {{\n{fixtures}\n}}\n"));
    assert_eq!(
        test(
            "  resource aws_s3_bucket \"a\" { x: 1 } expect error\n  resource aws_s3_bucket \"b\" { x: 1 } expect indeterminate"
        ),
        vec![]
    );
    assert_eq!(
        test("  resource aws_instance \"a\" { x: 1 } expect indeterminate"),
        vec![Code::FixtureNotSelected]
    );
    assert_eq!(
        test(
            "  resource aws_s3_bucket \"a\" { x: unknown(), y: [sensitive({z: [unknown()]})] } expect indeterminate"
        ),
        vec![]
    );
    assert_eq!(
        test("  resource aws_s3_bucket \"a\" { x: [unknown()][0] }"),
        vec![Code::MisplacedFixtureMarker]
    );
    assert_eq!(
        test("  resource aws_s3_bucket \"a\" { x: sensitive(1, 2) }"),
        vec![Code::WrongArity]
    );
    assert_eq!(
        codes(
            "rule r on t {\n  severity low\n  controls nist.CM-6\n  require attributes.x != unknown()\n}\n"
        ),
        vec![Code::MisplacedFixtureMarker]
    );
}

#[test]
fn tests_name_real_rules_and_valid_expectations() {
    let rule = "rule r on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}\n";
    assert_eq!(
        codes(&format!(
            "{rule}test r {{\n  resource aws_s3_bucket \"a\" {{ x: 1 }} expect pass\n}}\n"
        )),
        vec![]
    );
    assert_eq!(
        codes(&format!(
            "{rule}test q {{\n  resource aws_s3_bucket \"a\" {{ x: 1 }} expect pass\n}}\n"
        )),
        vec![Code::UnknownRule]
    );
    assert_eq!(
        codes(&format!(
            "{rule}test r {{\n  resource aws_s3_bucket \"a\" {{ x: 1 }} expect passes\n}}\n"
        )),
        vec![Code::InvalidExpectation]
    );
    assert_eq!(
        codes(&format!(
            "{rule}test r {{\n  resource aws_instance \"a\" {{ x: 1 }} expect fail\n}}\n"
        )),
        vec![Code::FixtureNotSelected]
    );
}

#[test]
fn doc_comments_attach_to_rules() {
    let mut sources = SourceMap::new();
    sources.add(
        "d.plumb",
        "/// First line.\n/// Second line.\nrule r on t {\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}\n",
    );
    let analysis = analyze(&sources);
    let Some(plumb_compiler::ast::Item::Rule(rule)) = analysis.modules[0].items.first() else {
        panic!("expected a rule");
    };
    assert_eq!(rule.doc.as_deref(), Some("First line.\nSecond line."));
}

#[test]
fn unicode_escapes_take_hex_digits_only() {
    // `u32::from_str_radix` accepts a leading `+`; an escape must not
    // (found by tests/grammar_differential.rs).
    let with = |escape: &str| format!("{HEADER}  require attributes.x == \"{escape}\"\n}}\n");
    assert_eq!(codes(&with("\\u{+41}")), vec![Code::InvalidEscape]);
    assert_eq!(codes(&with("\\u{41}")), vec![]);
    assert_eq!(
        positions(&with("a\\u{+41}")),
        vec![(Code::InvalidEscape, 4, 29)]
    );
}

#[test]
fn fixture_attributes_are_an_object_literal() {
    // The parser used to read a whole expression that merely starts with
    // `{` (found by tests/grammar_differential.rs).
    let rule = "rule r on aws_s3_bucket {\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}\n";
    let src = format!(
        "{rule}test r {{\n  resource aws_s3_bucket \"a\" {{ x: 1 }}.x == 1 expect pass\n}}\n"
    );
    assert_eq!(positions(&src), vec![(Code::UnexpectedToken, 7, 38)]);
}

#[test]
fn a_byte_order_mark_before_a_rule_file_is_not_an_error() {
    let mut sources = plumb_compiler::SourceMap::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        b"package p\n\nrule r on host {\n  severity low\n  controls nist.CM-6\n  require attributes.x == 1\n}\n",
    );
    sources.add_bytes("bom.plumb", bytes);
    let analysis = plumb_compiler::analyze(&sources);
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
}
