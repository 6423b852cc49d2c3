//! Tests for the CIS AWS Foundations catalogs and for user catalogs.

use serde_json::json;

use super::*;

fn cis(version: CisAwsVersion) -> Framework {
    Framework::CisAws(version)
}

#[test]
fn cis_versions_match_the_file_and_its_counts() {
    let file = cis::parse_file(CIS_AWS_JSON).map_err(|e| e.to_string());
    let versions: Vec<String> = file
        .iter()
        .flat_map(|f| f.benchmarks.iter().map(|b| b.version.clone()))
        .collect();
    let ours: Vec<&str> = CisAwsVersion::ALL.iter().map(|v| v.number()).collect();
    assert_eq!(versions, ours);
    let counts = [58, 63, 64, 62, 64, 63, 63, 70];
    for (version, expected) in CisAwsVersion::ALL.iter().zip(counts) {
        assert_eq!(catalog(cis(*version)).map(<[_]>::len), Ok(expected));
        assert_eq!(
            Framework::from_name(version.alias()),
            Some(cis(*version)),
            "{}",
            version.alias()
        );
    }
    assert_eq!(
        Framework::from_name("CIS_AWS"),
        Some(cis(CisAwsVersion::LATEST))
    );
    assert_eq!(CisAwsVersion::ALL.last(), Some(&CisAwsVersion::LATEST));
}

#[test]
fn cis_ids_depend_on_the_version_and_keep_trailing_zeros() {
    use CisAwsVersion::*;
    let id = |v, raw| lookup(cis(v), raw).map(|c| c.id.as_str());
    assert_eq!(id(V3_0, "1.10"), Ok("1.10"));
    assert_eq!(id(V3_0, "1.1"), Ok("1.1"));
    assert_eq!(id(V3_0, "CIS 2.1.1"), Ok("2.1.1"));
    assert_eq!(id(V3_0, "1.01"), Ok("1.1"));
    assert_eq!(id(V5_0, "1.10"), Ok("1.10"));
    // v7.0 starts at section 2; 1.1 of v3.0 is not in it.
    assert!(matches!(id(V7_0, "1.1"), Err(LookupError::Unknown { .. })));
    assert_eq!(id(V7_0, "2.1.1"), Ok("2.1.1"));
    let titles: Vec<Option<&str>> = [V3_0, V7_0]
        .iter()
        .map(|v| title(cis(*v), "2.1.1"))
        .collect();
    assert!(titles.iter().all(Option::is_some));
    assert_ne!(
        titles.first(),
        titles.get(1),
        "2.1.1 differs between versions"
    );
    let control = find(cis(V3_0), "2.1.1");
    assert_eq!(control.map(|c| c.group.as_str()), Some("2"));
    assert_eq!(control.map(|c| c.group_title.as_str()), Some("Storage"));
    assert_eq!(
        control.map(Control::citation).as_deref(),
        Some("cis_aws_v3_0.2.1.1")
    );
    assert!(matches!(
        lookup(cis(V3_0), "2.1.9"),
        Err(LookupError::Unknown { suggestions, .. }) if suggestions.first().is_some_and(|s| s == "2.1.1")
    ));
    assert!(matches!(
        lookup(cis(V3_0), "1.x"),
        Err(LookupError::Malformed { .. })
    ));
}

fn acme() -> serde_json::Value {
    json!({
        "framework": "acme",
        "name": "ACME Security Standard",
        "version": "2026.1",
        "controls": [
            {"id": "SEC-1", "title": "Encrypt data at rest", "nist": ["sc-28", "SC-13"]},
            {"id": "SEC-2", "title": "Log administrative actions"},
            {"id": "NET-1.10", "title": "Restrict ingress"}
        ]
    })
}

/// The error `doc` gives; a catalog that loads gives an error no case expects.
fn error(doc: serde_json::Value) -> CatalogError {
    UserCatalog::from_json("acme.yaml", &doc)
        .err()
        .unwrap_or(CatalogError {
            source: String::new(),
            entry: None,
            kind: CatalogErrorKind::NoControls,
        })
}

#[test]
fn a_user_catalog_is_checked_and_looked_up_ignoring_case() -> Result<(), String> {
    let catalog = UserCatalog::from_json("acme.yaml", &acme()).map_err(|e| e.to_string())?;
    assert_eq!(catalog.framework(), "acme");
    assert_eq!(catalog.source(), "acme.yaml");
    let first = catalog.controls().first();
    assert_eq!(
        first.map(|c| c.nist.clone()),
        Some(vec!["SC-28".to_owned(), "SC-13".to_owned()])
    );
    let catalogs = Catalogs::new(vec![catalog]).map_err(|e| e.to_string())?;
    let cited = catalogs.framework("ACME").ok_or("acme not found")?;
    assert_eq!(cited.alias(), "acme");
    assert_eq!(cited.full_name(), "ACME Security Standard 2026.1");
    assert_eq!(cited.lookup("sec-1"), Ok("SEC-1"));
    assert_eq!(cited.lookup(" net-1.10 "), Ok("NET-1.10"));
    assert_eq!(cited.title("SEC-2"), Some("Log administrative actions"));
    assert_eq!(
        cited.lookup("SEC-3"),
        Err(LookupError::Unknown {
            normalized: "SEC-3".to_owned(),
            suggestions: vec!["SEC-1".to_owned(), "SEC-2".to_owned()],
        })
    );
    assert!(matches!(
        cited.lookup("SEC 1"),
        Err(LookupError::Malformed { .. })
    ));
    assert!(catalogs.names().contains(&"acme"));
    assert!(catalogs.names().contains(&"cis_aws"));
    assert!(matches!(
        catalogs.framework("nist"),
        Some(Cited::Builtin(Framework::Nist))
    ));
    assert!(catalogs.framework("acm").is_none());
    Ok(())
}

#[test]
fn bad_user_catalogs_name_the_file_the_entry_and_the_fault() {
    use CatalogErrorKind::*;
    let with = |field: &str, value: serde_json::Value| {
        let mut doc = acme();
        if let Some(object) = doc.as_object_mut() {
            object.insert(field.to_owned(), value);
        }
        error(doc)
    };
    let cases: Vec<(CatalogError, CatalogErrorKind, Option<&str>)> = vec![
        (error(json!([1])), NotAnObject { found: "a list" }, None),
        (
            error(json!({"controls": []})),
            Missing { field: "framework" },
            None,
        ),
        (
            with("framework", json!("nist")),
            BuiltinFramework {
                framework: "nist".into(),
            },
            None,
        ),
        (
            with("framework", json!("cis_aws_v3_0")),
            BuiltinFramework {
                framework: "cis_aws_v3_0".into(),
            },
            None,
        ),
        (
            with("framework", json!("rule")),
            ReservedFramework {
                framework: "rule".into(),
            },
            None,
        ),
        (
            with("framework", json!("Acme-Corp")),
            InvalidFramework {
                framework: "Acme-Corp".into(),
            },
            None,
        ),
        (
            with("framework", json!(7)),
            WrongType {
                field: "framework".into(),
                expected: "a string (quote numbers such as `\"1.10\"`)",
                found: "a number",
            },
            None,
        ),
        (with("controls", json!([])), NoControls, None),
        (
            with("frameworks", json!("x")),
            UnknownField {
                field: "frameworks".into(),
            },
            None,
        ),
        (
            with(
                "controls",
                json!([{"id": "A-1", "title": "a"}, {"id": "a-1", "title": "b"}]),
            ),
            DuplicateId {
                id: "a-1".into(),
                first: "A-1".into(),
            },
            Some("controls[1] (`a-1`)"),
        ),
        (
            with("controls", json!([{"id": "A 1", "title": "a"}])),
            InvalidId { id: "A 1".into() },
            Some("controls[0] (`A 1`)"),
        ),
        (
            with("controls", json!([{"id": "A-1"}])),
            Missing { field: "title" },
            Some("controls[0] (`A-1`)"),
        ),
        (
            with("controls", json!([{"title": "x"}])),
            Missing { field: "id" },
            Some("controls[0]"),
        ),
        (
            with("controls", json!([{"id": 1.1, "title": "x"}])),
            WrongType {
                field: "id".into(),
                expected: "a string (quote numbers such as `\"1.10\"`)",
                found: "a number",
            },
            Some("controls[0]"),
        ),
        (
            with("controls", json!(["A-1"])),
            NotAnObject { found: "a string" },
            Some("controls[0]"),
        ),
        (
            with("controls", json!([{"id": "A-1", "title": "a", "nsit": []}])),
            UnknownField {
                field: "nsit".into(),
            },
            Some("controls[0] (`A-1`)"),
        ),
    ];
    for (got, kind, entry) in cases {
        assert_eq!(got.kind, kind, "{got}");
        assert_eq!(got.entry.as_deref(), entry, "{got}");
        assert_eq!(got.source, "acme.yaml");
    }
    let crosswalk = with(
        "controls",
        json!([{"id": "A-1", "title": "a", "nist": ["SC-99"]}]),
    );
    assert!(matches!(crosswalk.kind, Crosswalk { .. }), "{crosswalk}");
    assert!(
        crosswalk.to_string().starts_with(
            "control catalog `acme.yaml`, controls[0] (`A-1`): crosswalk id `nist.SC-99` is not usable: unknown control `SC-99`"
        ),
        "{crosswalk}"
    );
    let withdrawn = with(
        "controls",
        json!([{"id": "A-1", "title": "a", "nist": ["AC-3(1)"]}]),
    );
    assert!(
        withdrawn.to_string().contains("`AC-3(1)` was withdrawn"),
        "{withdrawn}"
    );
}

#[test]
fn two_catalogs_with_one_prefix_are_refused() -> Result<(), CatalogError> {
    let one = UserCatalog::from_json("a.yaml", &acme())?;
    let two = UserCatalog::from_json("b.json", &acme())?;
    let error = Catalogs::new(vec![one, two]).err();
    assert_eq!(
        error.map(|e| e.to_string()).as_deref(),
        Some(
            "control catalog `b.json`: framework `acme` is declared by `a.yaml` too; each prefix names one catalog"
        )
    );
    Ok(())
}
