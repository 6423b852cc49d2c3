//! Control catalogs of the user's own, as users meet them: `--catalog` and
//! plumb.toml's `catalogs` on the command line, the example of
//! docs/language.md ("Catalogs of your own") run as written, every kind of
//! bad catalog a clear error (exit 2, naming the file and the entry), the
//! format's schema against the documented sample, and CIS citations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn plumb_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run plumb")
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("catalogs")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, content: &str) {
    std::fs::write(dir.join(name), content).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The section "Catalogs of your own" of docs/language.md: its YAML catalog
/// and its rule (the first `yaml` and `text` blocks).
fn documented_example() -> (String, String) {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md"))
            .unwrap();
    let section = doc
        .split("### Catalogs of your own")
        .nth(1)
        .expect("the section")
        .split("\n## ")
        .next()
        .unwrap();
    let block = |tag: &str| {
        section
            .split(&format!("```{tag}\n"))
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap_or_else(|| panic!("no {tag} block"))
            .to_owned()
    };
    (block("yaml"), block("text"))
}

const RULE: &str = "rule r on aws_s3_bucket {\n  severity low\n  controls CONTROLS\n  require attributes.acl != \"public-read\"\n}\n";

fn rule(controls: &str) -> String {
    RULE.replace("CONTROLS", controls)
}

#[test]
fn the_documented_catalog_and_rule_lint_clean() {
    let dir = scratch("documented");
    let (catalog, rule) = documented_example();
    write(&dir, "acme.yaml", &catalog);
    write(&dir, "rule.plumb", &rule);
    let out = plumb_in(&dir, &["lint", "--catalog", "acme.yaml", "rule.plumb"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // Without the catalog, the framework is unknown.
    let out = plumb_in(&dir, &["lint", "rule.plumb"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("[E0402 unknown-framework]"));
}

#[test]
fn citations_of_a_user_catalog_are_checked_with_did_you_mean() {
    let dir = scratch("checked");
    let (catalog, _) = documented_example();
    write(&dir, "acme.yaml", &catalog);
    write(&dir, "ok.plumb", &rule("acme.sec-2, acme.NET-1.10"));
    write(&dir, "bad.plumb", &rule("acme.SEC-3"));
    write(&dir, "typo.plumb", &rule("acne.SEC-1"));
    let out = plumb_in(&dir, &["lint", "--catalog", "acme.yaml", "ok.plumb"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    let out = plumb_in(&dir, &["lint", "--catalog", "acme.yaml", "bad.plumb"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("[E0403 unknown-control]"), "{stdout}");
    assert!(
        stdout.contains("did you mean `acme.SEC-1`, `acme.SEC-2`?"),
        "{stdout}"
    );

    let out = plumb_in(&dir, &["lint", "--catalog", "acme.yaml", "typo.plumb"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("[E0402 unknown-framework]"), "{stdout}");
    assert!(stdout.contains("did you mean `acme`?"), "{stdout}");
}

#[test]
fn a_json_catalog_and_plumb_toml_catalogs_work_for_every_command() {
    let dir = scratch("json_and_toml");
    write(
        &dir,
        "corp.json",
        r#"{"framework": "corp", "controls": [{"id": "BASE-7", "title": "Baseline", "nist": ["CM-6"]}]}"#,
    );
    write(&dir, "plumb.toml", "catalogs = [\"corp.json\"]\n");
    write(&dir, "rule.plumb", &rule("corp.base-7"));
    write(&dir, "snapshot.json", r#"{"resources": []}"#);
    let out = plumb_in(&dir, &["lint", "rule.plumb"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = plumb_in(&dir, &["compile", "-p", "rule.plumb", "-o", "rule.plumbc"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = plumb_in(&dir, &["test", "rule.plumb"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = plumb_in(&dir, &["check", "-p", "rule.plumb", "snapshot.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The same file from plumb.toml and the flag is read once.
    let out = plumb_in(&dir, &["lint", "--catalog", "corp.json", "rule.plumb"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Each bad catalog stops the command with exit 2 and says what is wrong,
/// naming the file and, where there is one, the entry.
#[test]
fn bad_catalogs_are_clear_errors() {
    let dir = scratch("bad");
    write(&dir, "rule.plumb", &rule("nist.CM-6"));
    let cases: &[(&str, &str, &str)] = &[
        (
            "list.yaml",
            "- framework: acme\n",
            "control catalog `list.yaml`: expected an object of named fields (`framework: acme`), not a list",
        ),
        (
            "noframework.yaml",
            "controls:\n  - id: A-1\n    title: a\n",
            "control catalog `noframework.yaml`: `framework` is missing",
        ),
        (
            "builtin.yaml",
            "framework: pci_dss\ncontrols:\n  - id: A-1\n    title: a\n",
            "control catalog `builtin.yaml`: framework `pci_dss` is the name of a built-in framework; choose another prefix",
        ),
        (
            "keyword.yaml",
            "framework: rule\ncontrols:\n  - id: A-1\n    title: a\n",
            "control catalog `keyword.yaml`: framework `rule` is a keyword of the language",
        ),
        (
            "dup.yaml",
            "framework: acme\ncontrols:\n  - id: SEC-1\n    title: a\n  - id: sec-1\n    title: b\n",
            "control catalog `dup.yaml`, controls[1] (`sec-1`): id `sec-1` is listed twice (as `SEC-1` before; ids ignore case)",
        ),
        (
            "crosswalk.yaml",
            "framework: acme\ncontrols:\n  - id: SEC-1\n    title: a\n    nist: [SC-28, AC-13]\n",
            "control catalog `crosswalk.yaml`, controls[0] (`SEC-1`): crosswalk id `nist.AC-13` is not usable: `AC-13` was withdrawn",
        ),
        (
            "unknown_nist.json",
            r#"{"framework": "acme", "controls": [{"id": "SEC-1", "title": "a", "nist": ["ZZ-1"]}]}"#,
            "control catalog `unknown_nist.json`, controls[0] (`SEC-1`): crosswalk id `nist.ZZ-1` is not usable: unknown control `ZZ-1`",
        ),
        (
            "number.yaml",
            "framework: acme\ncontrols:\n  - id: 1.10\n    title: a\n",
            "control catalog `number.yaml`, controls[0]: `id` must be a string (quote numbers such as `\"1.10\"`), not a number",
        ),
        (
            "typo.yaml",
            "framework: acme\ncontrols:\n  - id: SEC-1\n    title: a\n    nsit: [SC-28]\n",
            "control catalog `typo.yaml`, controls[0] (`SEC-1`): unknown field `nsit`",
        ),
        (
            "empty.yaml",
            "framework: acme\ncontrols: []\n",
            "control catalog `empty.yaml`: `controls` lists no controls",
        ),
        ("syntax.json", "{\"framework\": ", "syntax.json"),
        (
            "two.yaml",
            "framework: a\n---\nframework: b\n",
            "control catalog `two.yaml`: a catalog is one document, and this file has 2",
        ),
        (
            "blank.yaml",
            "",
            "control catalog `blank.yaml`: a catalog is one document, and this file has 0",
        ),
    ];
    for (file, content, expected) in cases {
        write(&dir, file, content);
        let out = plumb_in(&dir, &["lint", "--catalog", file, "rule.plumb"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
    }
    let out = plumb_in(&dir, &["lint", "--catalog", "missing.yaml", "rule.plumb"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read `missing.yaml`"));

    // Two catalogs with one prefix.
    write(
        &dir,
        "a.yaml",
        "framework: acme\ncontrols:\n  - id: A-1\n    title: a\n",
    );
    write(
        &dir,
        "b.yaml",
        "framework: acme\ncontrols:\n  - id: B-1\n    title: b\n",
    );
    let out = plumb_in(
        &dir,
        &[
            "lint",
            "--catalog",
            "a.yaml",
            "--catalog",
            "b.yaml",
            "rule.plumb",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("control catalog `b.yaml`: framework `acme` is declared by `a.yaml` too"),
        "{}",
        text(&out.stderr)
    );
    // plumb.toml with a misspelt key is still refused.
    write(&dir, "plumb.toml", "catalog = [\"a.yaml\"]\n");
    let out = plumb_in(&dir, &["lint", "rule.plumb"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown field `catalog`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_schema_accepts_the_documented_sample_and_refuses_bad_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("docs/control-catalog.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::draft202012::meta::validate(&schema).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let (catalog, _) = documented_example();
    let docs =
        plumb_ingest::yaml::parse_documents(Path::new("acme.yaml"), catalog.as_bytes()).unwrap();
    let sample = &docs[0].value;
    let errors: Vec<String> = validator
        .iter_errors(sample)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    // What plumb accepts, the schema accepts: the sample loads too.
    plumb_stdlib::controls::UserCatalog::from_json("acme.yaml", sample).unwrap();
    for bad in [
        serde_json::json!({"controls": [{"id": "A", "title": "a"}]}),
        serde_json::json!({"framework": "Acme", "controls": [{"id": "A", "title": "a"}]}),
        serde_json::json!({"framework": "acme", "controls": []}),
        serde_json::json!({"framework": "acme", "controls": [{"id": "A"}]}),
        serde_json::json!({"framework": "acme", "controls": [{"id": 1.1, "title": "a"}]}),
        serde_json::json!({"framework": "acme", "controls": [{"id": "A", "title": "a", "nsit": []}]}),
        serde_json::json!({"framework": "acme", "version": 2026.1, "controls": [{"id": "A", "title": "a"}]}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
        assert!(
            plumb_stdlib::controls::UserCatalog::from_json("x", &bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn cis_citations_are_checked_against_their_benchmark_version() {
    let dir = scratch("cis");
    write(&dir, "ok.plumb", &rule("cis_aws.2.1.1, cis_aws_v1_4.1.10"));
    write(&dir, "bad.plumb", &rule("cis_aws_v3_0.2.1.9"));
    let out = plumb_in(&dir, &["lint", "ok.plumb"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = plumb_in(&dir, &["lint", "bad.plumb"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("[E0403 unknown-control]"), "{stdout}");
    assert!(
        stdout.contains("did you mean `cis_aws_v3_0.2.1.1`"),
        "{stdout}"
    );
}
