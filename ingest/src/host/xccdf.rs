//! XCCDF results (OpenSCAP and other SCAP scanners): XCCDF 1.1 and 1.2
//! (and 1.0) `TestResult` elements, standalone, inside a `Benchmark`, or
//! inside an ARF report (`asset-report-collection`), wherever they are in
//! the document.
//!
//! Each `rule-result` is one resource of type `xccdf_rule_result`, id and
//! address `<TestResult id>/<rule idref>`, name the idref, its line the
//! rule-result's line in the file. Attributes:
//!
//! - `idref`, `result` (`pass`, `fail`, `error`, `unknown`,
//!   `notapplicable`, `notchecked`, `notselected`, `informational`,
//!   `fixed`), `role`, `time`, `version`;
//! - `severity` (the rule-result's, else the Rule's, else `unknown`) and
//!   `weight` (a number; the rule-result's, else the Rule's, else 1);
//! - `idents` (`[{system, value}]`: the rule-result's, else the Rule's),
//!   `messages` (`[{severity, text}]`), `instances`, `checks` (`[{system,
//!   name, href}]`, the check-content-refs);
//! - from the Benchmark's `Rule` of that id when the file holds it:
//!   `title`, `fixtext`, `references` (`[{href, text}]`); null or empty
//!   otherwise; `fixes` (`[{id, system, text}]`: the Rule's fix scripts,
//!   then the rule-result's);
//! - `controls`: NIST SP 800-53 references as plumb citations
//!   (`nist.AC-6(1)`): the text of each Rule `reference` whose href names
//!   800-53 (or whose text is nothing but control ids, `AC-6, CM-7(a)`),
//!   and idents whose system names 800-53; see [`super::nist_citations`];
//! - `test_result`: `{id, benchmark, title, profile, start_time,
//!   end_time, test_system, identity, target, target_address (a list),
//!   target_facts ([{name, type, value}]), score (the default model's, a
//!   number), scores ([{system, maximum, value}])}`.
//!
//! The XML is parsed with roxmltree, which refuses DTDs, so entity
//! expansion tricks (billion laughs, external entities) stop at the
//! `<!DOCTYPE` with an error, before anything is expanded. The file must
//! be UTF-8.

use std::collections::HashMap;
use std::path::Path;

use plumb_runtime::Resource;
use plumb_runtime::bytecode::Severity;
use plumb_runtime::eval::Status;
use plumb_runtime::value::{Str, Value};
use roxmltree::{Document, Node, ParsingOptions};
use serde_json::{Value as Json, json};

use super::{FindingParts, Outcome, all_nist, finding, nist_citations, one_line, source, str_list};
use crate::ImportError;

const XCCDF_NS: &str = "http://checklists.nist.gov/xccdf/";

/// Elements a document may have; far more than any real report.
const NODES_LIMIT: u32 = 50_000_000;

fn is_xccdf(n: &Node<'_, '_>, name: &str) -> bool {
    n.is_element()
        && n.tag_name().name() == name
        && n.tag_name()
            .namespace()
            .is_some_and(|ns| ns.starts_with(XCCDF_NS))
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| is_xccdf(c, name))
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> Option<Node<'a, 'i>> {
    children(n, name).next()
}

/// All the text inside an element (XHTML markup dropped), whitespace
/// runs made one space.
fn text_of(n: Node<'_, '_>) -> String {
    let mut raw = String::new();
    for d in n.descendants().filter(Node::is_text) {
        if let Some(t) = d.text() {
            raw.push_str(t);
            raw.push(' ');
        }
    }
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text inside an element as written (scripts keep their lines),
/// trimmed.
fn raw_text(n: Node<'_, '_>) -> String {
    let mut raw = String::new();
    for d in n.descendants().filter(Node::is_text) {
        if let Some(t) = d.text() {
            raw.push_str(t);
        }
    }
    raw.trim().to_string()
}

fn opt_text(n: Option<Node<'_, '_>>) -> Json {
    n.map_or(Json::Null, |n| json!(text_of(n)))
}

/// `"10.000000"` → 10; text that is not a number stays text.
fn number(text: &str) -> Json {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map_or_else(|| json!(text), |f| json!(f))
}

/// The byte offset where each line starts, to tell a node's line by a
/// binary search (roxmltree's `text_pos_at` scans from the start of the
/// text, which is quadratic over every rule-result of a large report).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines(starts)
    }

    /// 1-based.
    fn line(&self, offset: usize) -> u32 {
        let index = self.0.partition_point(|&start| start <= offset);
        u32::try_from(index).unwrap_or(u32::MAX)
    }
}

pub fn import(file: &Path, bytes: &[u8]) -> Result<Vec<Resource>, ImportError> {
    let text = decode(file, bytes)?;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| xml_error(file, text, &e))?;
    let results: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| is_xccdf(n, "TestResult"))
        .collect();
    if results.is_empty() {
        let root = doc.root_element();
        let message = if is_xccdf(&root, "Benchmark") {
            "this XCCDF benchmark holds no TestResult: it has rules but no scan results (`oscap xccdf eval --results FILE` writes them)".to_string()
        } else {
            let ns = root.tag_name().namespace().unwrap_or("no namespace");
            format!(
                "not XCCDF results: no TestResult (namespace {XCCDF_NS}1.1 or 1.2) in this XML; its root element is `{}` ({ns})",
                root.tag_name().name()
            )
        };
        return Err(ImportError {
            kind: crate::ImportErrorKind::Invalid,
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            message,
        });
    }
    let mut rules: HashMap<&str, Vec<Node<'_, '_>>> = HashMap::new();
    for rule in doc.descendants().filter(|n| is_xccdf(n, "Rule")) {
        if let Some(id) = rule.attribute("id") {
            rules.entry(id).or_default().push(rule);
        }
    }
    let lines = Lines::new(text);
    let mut out = Vec::new();
    for tr in results {
        let at = |n: Node<'_, '_>, m: String| {
            let pos = doc.text_pos_at(n.range().start);
            ImportError {
                kind: crate::ImportErrorKind::Invalid,
                file: file.to_path_buf(),
                line: pos.row as usize,
                column: pos.col as usize,
                message: m,
            }
        };
        let Some(tr_id) = tr.attribute("id") else {
            return Err(at(tr, "the TestResult has no `id`".into()));
        };
        let enclosing = tr.ancestors().find(|a| is_xccdf(a, "Benchmark"));
        let benchmark_ref = child(tr, "benchmark");
        let benchmark_id = benchmark_ref
            .and_then(|b| b.attribute("id"))
            .or_else(|| enclosing.and_then(|b| b.attribute("id")));
        let test_result = test_result_json(tr, tr_id, benchmark_id, benchmark_ref);
        for rr in children(tr, "rule-result") {
            let Some(idref) = rr.attribute("idref") else {
                return Err(at(rr, "the rule-result has no `idref`".into()));
            };
            let Some(result) = child(rr, "result") else {
                return Err(at(rr, format!("the rule-result `{idref}` has no `result`")));
            };
            let rule = find_rule(&rules, idref, enclosing, benchmark_id);
            let mut r = rule_result(tr_id, idref, &text_of(result), rr, rule, &test_result);
            r.source = Some(source(file, "xccdf", Some(lines.line(rr.range().start))));
            out.push(r);
        }
    }
    Ok(out)
}

/// The Rule an idref names: in the TestResult's own Benchmark, else in the
/// benchmark it refers to, else anywhere.
fn find_rule<'a, 'i>(
    rules: &HashMap<&str, Vec<Node<'a, 'i>>>,
    idref: &str,
    enclosing: Option<Node<'a, 'i>>,
    benchmark_id: Option<&str>,
) -> Option<Node<'a, 'i>> {
    let candidates = rules.get(idref)?;
    let benchmark_of = |r: &Node<'a, 'i>| r.ancestors().find(|a| is_xccdf(a, "Benchmark"));
    candidates
        .iter()
        .find(|r| enclosing.is_some() && benchmark_of(r) == enclosing)
        .or_else(|| {
            candidates.iter().find(|r| {
                benchmark_id.is_some()
                    && benchmark_of(r).and_then(|b| b.attribute("id")) == benchmark_id
            })
        })
        .or_else(|| candidates.first())
        .copied()
}

fn test_result_json(
    tr: Node<'_, '_>,
    id: &str,
    benchmark_id: Option<&str>,
    benchmark_ref: Option<Node<'_, '_>>,
) -> Json {
    let scores: Vec<Json> = children(tr, "score")
        .map(|s| {
            json!({
                "system": s.attribute("system").unwrap_or("urn:xccdf:scoring:default"),
                "maximum": s.attribute("maximum").map_or(json!(100.0), number),
                "value": number(&text_of(s)),
            })
        })
        .collect();
    let score = scores
        .iter()
        .find(|s| s.get("system").and_then(Json::as_str) == Some("urn:xccdf:scoring:default"))
        .or_else(|| scores.first())
        .and_then(|s| s.get("value").cloned())
        .unwrap_or(Json::Null);
    let facts: Vec<Json> = child(tr, "target-facts")
        .map(|f| {
            children(f, "fact")
                .map(|fact| {
                    json!({
                        "name": fact.attribute("name"),
                        "type": fact.attribute("type").unwrap_or("boolean"),
                        "value": text_of(fact),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let identity = child(tr, "identity").map_or(Json::Null, |i| {
        json!({
            "value": text_of(i),
            "authenticated": i.attribute("authenticated").map(|v| v == "true" || v == "1"),
            "privileged": i.attribute("privileged").map(|v| v == "true" || v == "1"),
        })
    });
    json!({
        "id": id,
        "benchmark": {
            "id": benchmark_id,
            "href": benchmark_ref.and_then(|b| b.attribute("href")),
        },
        "title": opt_text(child(tr, "title")),
        "profile": child(tr, "profile").and_then(|p| p.attribute("idref")),
        "start_time": tr.attribute("start-time"),
        "end_time": tr.attribute("end-time"),
        "test_system": tr.attribute("test-system"),
        "identity": identity,
        "target": opt_text(child(tr, "target")),
        "target_address": children(tr, "target-address").map(text_of).collect::<Vec<_>>(),
        "target_facts": facts,
        "score": score,
        "scores": scores,
    })
}

fn idents(n: Node<'_, '_>) -> Vec<Json> {
    children(n, "ident")
        .map(|i| json!({"system": i.attribute("system"), "value": text_of(i)}))
        .collect()
}

fn rule_result(
    tr_id: &str,
    idref: &str,
    result: &str,
    rr: Node<'_, '_>,
    rule: Option<Node<'_, '_>>,
    test_result: &Json,
) -> Resource {
    let attr = |k: &str| {
        rr.attribute(k)
            .or_else(|| rule.and_then(|r| r.attribute(k)))
    };
    let mut ids = idents(rr);
    if ids.is_empty()
        && let Some(rule) = rule
    {
        ids = idents(rule);
    }
    let references: Vec<(Option<&str>, String)> = rule
        .map(|r| {
            children(r, "reference")
                .map(|f| (f.attribute("href"), text_of(f)))
                .collect()
        })
        .unwrap_or_default();
    let mut controls = Vec::new();
    for (href, text) in &references {
        let names_800_53 = href.is_some_and(|h| h.contains("800-53"));
        if names_800_53 || all_nist(text) {
            nist_citations(text, &mut controls);
        }
    }
    for ident in &ids {
        let system = ident.get("system").and_then(Json::as_str).unwrap_or("");
        if system.contains("800-53")
            && let Some(v) = ident.get("value").and_then(Json::as_str)
        {
            nist_citations(v, &mut controls);
        }
    }
    let checks: Vec<Json> = children(rr, "check")
        .flat_map(|c| {
            let system = c.attribute("system");
            children(c, "check-content-ref")
                .map(move |r| {
                    json!({"system": system, "name": r.attribute("name"), "href": r.attribute("href")})
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let messages: Vec<Json> = children(rr, "message")
        .map(|m| json!({"severity": m.attribute("severity"), "text": text_of(m)}))
        .collect();
    let instances: Vec<Json> = children(rr, "instance")
        .map(|i| json!(text_of(i)))
        .collect();
    let fixes: Vec<Json> = rule
        .into_iter()
        .flat_map(|r| children(r, "fix"))
        .chain(children(rr, "fix"))
        .map(|f| {
            json!({"id": f.attribute("id"), "system": f.attribute("system"), "text": raw_text(f)})
        })
        .collect();
    let attrs = json!({
        "idref": idref,
        "result": result,
        "role": attr("role").unwrap_or("full"),
        "time": rr.attribute("time"),
        "version": rr.attribute("version"),
        "severity": attr("severity").unwrap_or("unknown"),
        "weight": attr("weight").map_or(json!(1.0), number),
        "idents": ids,
        "messages": messages,
        "instances": instances,
        "checks": checks,
        "title": opt_text(rule.and_then(|r| child(r, "title"))),
        "fixtext": opt_text(rule.and_then(|r| child(r, "fixtext"))),
        "fixes": fixes,
        "references": references
            .iter()
            .map(|(href, text)| json!({"href": href, "text": text}))
            .collect::<Vec<_>>(),
        "controls": controls,
        "test_result": test_result,
    });
    let id = format!("{tr_id}/{idref}");
    let mut r = Resource::new("xccdf_rule_result", &id, Value::from_json(&attrs));
    r.name = Some(Str::from(idref));
    r.address = Some(Str::from(id.as_str()));
    r.provider = Some(Str::from("xccdf"));
    r
}

/// The text as UTF-8 (a UTF-8 byte-order mark skipped).
fn decode<'a>(file: &Path, bytes: &'a [u8]) -> Result<&'a str, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(ImportError::at(
            file,
            "the XML is UTF-16: plumb reads UTF-8 XML (convert it, e.g. `iconv -f UTF-16 -t UTF-8`)",
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(good.get(start..).unwrap_or_default())
            .chars()
            .count()
            + 1;
        ImportError {
            kind: crate::ImportErrorKind::Invalid,
            file: file.to_path_buf(),
            line,
            column,
            message: "invalid UTF-8: plumb reads UTF-8 XML".into(),
        }
    })
}

/// Where a byte offset is, 1-based, columns in characters.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before, |i| before.get(i + 1..).unwrap_or_default())
        .chars()
        .count()
        + 1;
    (line, column)
}

fn xml_error(file: &Path, text: &str, e: &roxmltree::Error) -> ImportError {
    use roxmltree::Error as E;
    let pos = e.pos();
    let (line, column, message) = match e {
        E::DtdDetected => {
            let at = text.find("<!DOCTYPE").unwrap_or(0);
            let (l, c) = position(text, at);
            (
                l,
                c,
                "refused: the XML has a DTD (`<!DOCTYPE`); plumb reads no DTDs, so entities (billion laughs, external files) are never expanded, and XCCDF results need none".to_string(),
            )
        }
        E::EntityReferenceLoop(_) => (
            pos.row as usize,
            pos.col as usize,
            "an entity reference loop".to_string(),
        ),
        E::UnexpectedEndOfStream | E::UnclosedRootNode => {
            let (l, c) = position(text, text.len());
            (
                l,
                c,
                "the XML ends before its root element is closed".to_string(),
            )
        }
        E::NoRootNode => (1, 1, "the XML has no root element".to_string()),
        E::NodesLimitReached => (0, 0, format!("the XML has more than {NODES_LIMIT} nodes")),
        other => {
            let full = other.to_string();
            let message = full.replace(&format!(" at {pos}"), "");
            (pos.row as usize, pos.col as usize, message)
        }
    };
    ImportError {
        kind: crate::ImportErrorKind::Invalid,
        file: file.to_path_buf(),
        line,
        column,
        message: if matches!(e, E::DtdDetected) {
            message
        } else {
            format!("malformed XML: {message}")
        },
    }
}

// ---------------------------------------------------------------------------
// Findings.
// ---------------------------------------------------------------------------

/// XCCDF's severities; `unknown` (the default) is medium, the middle.
fn severity(word: &str) -> Severity {
    match word.trim().to_ascii_lowercase().as_str() {
        "info" => Severity::Info,
        "low" => Severity::Low,
        "high" => Severity::High,
        _ => Severity::Medium,
    }
}

pub(crate) fn outcome(r: &Resource) -> Option<Outcome> {
    let a = r.attributes.to_json();
    let result = a.get("result").and_then(Json::as_str)?;
    let status = match result.trim() {
        "pass" | "fixed" => return Some(Outcome::Passed),
        "notapplicable" | "notchecked" | "notselected" | "informational" => {
            return Some(Outcome::Skipped);
        }
        "fail" => Status::Fail,
        "error" => Status::Error,
        // `unknown`, and any word XCCDF does not define.
        _ => Status::Indeterminate,
    };
    let idref = a
        .get("idref")
        .and_then(Json::as_str)
        .unwrap_or(r.id.as_str());
    let title = a
        .get("title")
        .and_then(Json::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or(idref);
    let first_message = a
        .get("messages")
        .and_then(Json::as_array)
        .and_then(|m| m.first())
        .and_then(|m| m.get("text"))
        .and_then(Json::as_str)
        .filter(|m| !m.is_empty())
        .map(|m| one_line(m, 300));
    let mut message = one_line(title, 300);
    if let Some(m) = &first_message {
        message.push_str(": ");
        message.push_str(m);
    }
    let package = a
        .pointer("/test_result/benchmark/id")
        .and_then(Json::as_str)
        .unwrap_or("xccdf")
        .to_string();
    let error = (status == Status::Error).then(|| {
        first_message
            .clone()
            .unwrap_or_else(|| "the checking engine reported an error".to_string())
    });
    Some(finding(
        r,
        FindingParts {
            rule: format!("xccdf.{idref}"),
            package,
            status,
            severity: severity(a.get("severity").and_then(Json::as_str).unwrap_or("")),
            controls: str_list(&a, "controls"),
            message,
            // The fix text, else the first fix script.
            remediation: a
                .get("fixtext")
                .and_then(Json::as_str)
                .filter(|t| !t.is_empty())
                .or_else(|| {
                    a.pointer("/fixes/0/text")
                        .and_then(Json::as_str)
                        .filter(|t| !t.is_empty())
                })
                .map(str::to_string),
            evidence: vec![("result".to_string(), json!(result))],
            error,
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    fn import_str(text: &str) -> Result<Vec<Resource>, ImportError> {
        import(Path::new("r.xml"), text.as_bytes())
    }

    #[test]
    fn billion_laughs_is_refused_at_the_doctype() {
        let mut bomb =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            bomb.push_str(&format!(
                " <!ENTITY lol{i} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
        }
        bomb.push_str("]>\n<lolz>&lol9;</lolz>\n");
        let start = std::time::Instant::now();
        let e = import_str(&bomb).unwrap_err();
        assert!(start.elapsed().as_secs() < 2);
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("DTD"), "{e}");
    }

    #[test]
    fn malformed_xml_has_a_position() {
        let e = import_str("<a>\n  <b></c>\n</a>").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.starts_with("malformed XML"), "{e}");
        let e = import_str("<a>\n<b>").unwrap_err();
        assert!(e.message.contains("ends before"), "{e}");
        assert_eq!(e.line, 2, "{e}");
        let e = import(Path::new("r.xml"), b"<a>\n\xff</a>").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1), "{e}");
    }

    #[test]
    fn other_xml_is_not_results() {
        let e = import_str("<html><body/></html>").unwrap_err();
        assert!(e.message.contains("not XCCDF results"), "{e}");
        let e = import_str("<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"b\"/>")
            .unwrap_err();
        assert!(e.message.contains("no TestResult"), "{e}");
    }

    #[test]
    fn rule_results_read_their_rule() {
        let xml = r#"<?xml version="1.0"?>
<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_b_benchmark_x">
  <Group id="g"><Rule id="xccdf_b_rule_r" severity="high" weight="2">
    <title>Root <em>cannot</em> log in</title>
    <reference href="http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf">AC-6(2),IA-2 (5),AC-17(a)</reference>
    <reference href="https://www.cisecurity.org/">5.2.8</reference>
    <ident system="http://cce.mitre.org">CCE-1-1</ident>
  </Rule></Group>
  <TestResult id="t">
    <rule-result idref="xccdf_b_rule_r"><result>fail</result></rule-result>
    <score>40</score>
  </TestResult>
</Benchmark>"#;
        let r = import_str(xml).unwrap();
        assert_eq!(r.len(), 1);
        let a = r[0].attributes.to_json();
        assert_eq!(r[0].id.as_str(), "t/xccdf_b_rule_r");
        assert_eq!(a["title"], "Root cannot log in");
        assert_eq!(a["severity"], "high");
        assert_eq!(a["weight"], 2.0);
        assert_eq!(
            a["controls"],
            json!(["nist.AC-6(2)", "nist.IA-2(5)", "nist.AC-17"])
        );
        assert_eq!(a["idents"][0]["value"], "CCE-1-1");
        assert_eq!(a["test_result"]["score"], 40.0);
        assert_eq!(a["test_result"]["benchmark"]["id"], "xccdf_b_benchmark_x");
        assert_eq!(r[0].source.as_ref().unwrap().line, Some(10));
    }

    #[test]
    fn missing_parts_are_errors_with_lines() {
        let xml = "<TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.1\" id=\"t\">\n<rule-result/>\n</TestResult>";
        let e = import_str(xml).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("idref"), "{e}");
    }
}
