//! Compliance control catalogs embedded in plumb: NIST SP 800-53 rev5, SOC 2
//! Trust Services Criteria (2017), PCI DSS v4.0 and the CIS AWS Foundations
//! Benchmark (every version in the catalog); and the catalogs users bring
//! (`user.rs`, read from JSON values the caller parsed).
//!
//! This module owns three things: the catalog data (copies of
//! `shared/catalogs`, compiled in with `include_str!`, see
//! `stdlib/catalogs/README.md`), the spelling rules that turn a cited id into
//! its canonical form (`cm-6.1` → `CM-6(1)`), and the ranking behind "did you
//! mean". The compiler checks `controls nist.CM-6, soc2.CC7.1, pci.2.2.1` with
//! [`lookup`]; reports take titles from [`Control`].
//!
//! It never reads files at run time and never panics. Each catalog is parsed
//! once, on first use; if the embedded JSON could not be parsed, every call
//! says so with [`LookupError::Corrupt`] (and [`controls`] yields nothing).

#[cfg(test)]
mod catalog_tests;
mod cis;
mod normalize;
#[cfg(test)]
mod tests;
mod user;

pub use cis::CisAwsVersion;
pub use user::{
    CatalogError, CatalogErrorKind, Catalogs, Cited, RESERVED_WORDS, UserCatalog, UserControl,
};

use std::cmp::Reverse;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;

use normalize::Parsed;

/// A compliance framework whose controls rules can cite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    /// NIST SP 800-53 rev5, cited as `nist.AC-2(1)`.
    Nist,
    /// SOC 2 Trust Services Criteria (2017), cited as `soc2.CC7.1`.
    Soc2,
    /// PCI DSS v4.0, cited as `pci.2.2.1`.
    Pci,
    /// One version of the CIS AWS Foundations Benchmark, cited as
    /// `cis_aws_v3_0.2.1.1` (or `cis_aws.2.1.1` for the newest version).
    CisAws(CisAwsVersion),
}

/// Every accepted framework spelling with its framework; [`Framework::all_names`]
/// lists the same names in the same order (a test keeps them in step).
const FRAMEWORK_NAMES: [(&str, Framework); 17] = [
    ("nist", Framework::Nist),
    ("nist_800_53", Framework::Nist),
    ("nist_800_53_rev5", Framework::Nist),
    ("soc2", Framework::Soc2),
    ("soc2_tsc", Framework::Soc2),
    ("pci", Framework::Pci),
    ("pci_dss", Framework::Pci),
    ("pci_dss_v4", Framework::Pci),
    ("cis_aws", Framework::CisAws(CisAwsVersion::LATEST)),
    ("cis_aws_v1_4", Framework::CisAws(CisAwsVersion::V1_4)),
    ("cis_aws_v1_5", Framework::CisAws(CisAwsVersion::V1_5)),
    ("cis_aws_v2_0", Framework::CisAws(CisAwsVersion::V2_0)),
    ("cis_aws_v3_0", Framework::CisAws(CisAwsVersion::V3_0)),
    ("cis_aws_v4_0_1", Framework::CisAws(CisAwsVersion::V4_0_1)),
    ("cis_aws_v5_0", Framework::CisAws(CisAwsVersion::V5_0)),
    ("cis_aws_v6_0", Framework::CisAws(CisAwsVersion::V6_0)),
    ("cis_aws_v7_0", Framework::CisAws(CisAwsVersion::V7_0)),
];

impl Framework {
    /// Resolve a framework name as written in a rule: aliases `nist`, `soc2`,
    /// `pci`, `cis_aws` (the newest CIS version), full names `nist_800_53`,
    /// `nist_800_53_rev5`, `soc2_tsc`, `pci_dss`, `pci_dss_v4`, and the CIS
    /// versions `cis_aws_v1_4` … `cis_aws_v7_0` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Framework> {
        FRAMEWORK_NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, framework)| framework)
    }

    /// The name normalised citations use: `nist`, `soc2`, `pci`, or a
    /// versioned CIS name such as `cis_aws_v7_0` (never the bare `cis_aws`,
    /// whose meaning moves with the catalog).
    pub fn alias(self) -> &'static str {
        match self {
            Framework::Nist => "nist",
            Framework::Soc2 => "soc2",
            Framework::Pci => "pci",
            Framework::CisAws(version) => version.alias(),
        }
    }

    /// The name to show auditors.
    pub fn full_name(self) -> &'static str {
        match self {
            Framework::Nist => "NIST SP 800-53 rev5",
            Framework::Soc2 => "SOC 2 Trust Services Criteria (2017)",
            Framework::Pci => "PCI DSS v4.0",
            Framework::CisAws(version) => version.full_name(),
        }
    }

    /// Every framework, in a fixed order (CIS versions oldest first).
    pub fn all() -> [Framework; 11] {
        use CisAwsVersion::*;
        [
            Framework::Nist,
            Framework::Soc2,
            Framework::Pci,
            Framework::CisAws(V1_4),
            Framework::CisAws(V1_5),
            Framework::CisAws(V2_0),
            Framework::CisAws(V3_0),
            Framework::CisAws(V4_0_1),
            Framework::CisAws(V5_0),
            Framework::CisAws(V6_0),
            Framework::CisAws(V7_0),
        ]
    }

    /// Every accepted framework spelling (lower case), for "did you mean".
    pub fn all_names() -> &'static [&'static str] {
        &[
            "nist",
            "nist_800_53",
            "nist_800_53_rev5",
            "soc2",
            "soc2_tsc",
            "pci",
            "pci_dss",
            "pci_dss_v4",
            "cis_aws",
            "cis_aws_v1_4",
            "cis_aws_v1_5",
            "cis_aws_v2_0",
            "cis_aws_v3_0",
            "cis_aws_v4_0_1",
            "cis_aws_v5_0",
            "cis_aws_v6_0",
            "cis_aws_v7_0",
        ]
    }

    /// What an id of this framework looks like, for [`LookupError::Malformed`].
    fn id_hint(self) -> &'static str {
        match self {
            Framework::Nist => {
                "a NIST SP 800-53 control such as `AC-2` or enhancement such as `AC-2(1)`"
            }
            Framework::Soc2 => "a SOC 2 criterion such as `CC7.1`, `A1.2` or `PI1.5`",
            Framework::Pci => {
                "a PCI DSS requirement number such as `2.2.1`, `10.2.1.2` or `A3.2.5.1`"
            }
            Framework::CisAws(_) => {
                "a CIS AWS Foundations recommendation number such as `1.10` or `2.1.1`"
            }
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.alias())
    }
}

/// What kind of catalog entry a [`Control`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlKind {
    /// NIST base control, `AC-2`.
    Control,
    /// NIST control enhancement, `AC-2(1)`.
    Enhancement,
    /// SOC 2 criterion, `CC7.1`.
    Criterion,
    /// PCI DSS principal requirement, `2` or `A3` (a coarse citation).
    Principal,
    /// PCI DSS section, `2.2` (a coarse citation).
    Section,
    /// PCI DSS requirement, `2.2.1` and deeper.
    Requirement,
    /// CIS AWS Foundations recommendation, `2.1.1`.
    Recommendation,
}

/// A NIST SP 800-53 baseline that selects a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Baseline {
    Low,
    Moderate,
    High,
    Privacy,
}

impl Baseline {
    fn from_name(name: &str) -> Option<Baseline> {
        match name {
            "low" => Some(Baseline::Low),
            "moderate" => Some(Baseline::Moderate),
            "high" => Some(Baseline::High),
            "privacy" => Some(Baseline::Privacy),
            _ => None,
        }
    }
}

/// The Trust Services category of a SOC 2 criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Soc2Category {
    Security,
    Availability,
    Confidentiality,
    ProcessingIntegrity,
    Privacy,
}

impl Soc2Category {
    fn from_name(name: &str) -> Option<Soc2Category> {
        match name {
            "security" => Some(Soc2Category::Security),
            "availability" => Some(Soc2Category::Availability),
            "confidentiality" => Some(Soc2Category::Confidentiality),
            "processing_integrity" => Some(Soc2Category::ProcessingIntegrity),
            "privacy" => Some(Soc2Category::Privacy),
            _ => None,
        }
    }
}

/// One catalog entry. Entries live for the whole program, so `&control.id`
/// and `&control.title` are `&'static str` when reached through [`lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Control {
    pub framework: Framework,
    /// Canonical id: `AC-2(1)`, `CC7.1`, `A3.2.5.1`.
    pub id: String,
    /// Title for reports (see the catalog README for where each comes from).
    pub title: String,
    pub kind: ControlKind,
    /// NIST only: the control no longer exists in rev5.
    pub withdrawn: bool,
    /// Enclosing entry: `AC-2` for `AC-2(1)`, `2.2` for `2.2.1`; `None` for
    /// NIST base controls, SOC 2 criteria and PCI principal requirements.
    pub parent: Option<String>,
    /// NIST family (`AC`), SOC 2 series (`CC7`), PCI principal requirement
    /// (`2`) or CIS section (`2`).
    pub group: String,
    /// Title of [`Control::group`]: `Access Control`, `System Operations`, ….
    pub group_title: String,
    /// NIST withdrawn only: where the control went, as control ids (or, for
    /// `SA-12`, the family `SR`). Empty when the source names no target.
    pub withdrawn_to: Vec<String>,
    /// NIST withdrawn only: `incorporated-into`, `moved-to`, or both joined by `/`.
    pub withdrawn_relation: Option<String>,
    /// NIST only: the baselines that select this control.
    pub baselines: Vec<Baseline>,
    /// SOC 2 only.
    pub category: Option<Soc2Category>,
    /// NIST only: the release that added an entry newer than the base catalog
    /// (`5.1.1`, `5.2.0`); those entries were entered by hand.
    pub added_in: Option<String>,
}

impl Control {
    /// The id as cited in a rule: `nist.AC-2(1)`.
    pub fn citation(&self) -> String {
        format!("{}.{}", self.framework.alias(), self.id)
    }
}

/// Why a cited id does not name an active catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The text cannot be an id of this framework at all (e.g. `CM_6x!`).
    Malformed {
        /// What the spelling should look like.
        hint: &'static str,
    },
    /// Well formed but not in the catalog. `suggestions` are canonical ids of
    /// active entries, best first, at most three.
    Unknown {
        normalized: String,
        suggestions: Vec<String>,
    },
    /// A NIST control that was withdrawn. `relation` reads "incorporated
    /// into", "moved to" or "incorporated into or moved to", and is empty when
    /// the source names no target (then `to` is empty too).
    Withdrawn {
        id: String,
        relation: String,
        to: Vec<String>,
    },
    /// A NIST statement part such as `AC-2(3)(a)` or `AC-2a`, which is not a
    /// catalog entry. `control` is the enclosing control if it exists.
    StatementPart { control: Option<String> },
    /// The embedded catalog data could not be parsed (a build defect).
    Corrupt(String),
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::Malformed { hint } => write!(f, "not a control id; expected {hint}"),
            LookupError::Unknown {
                normalized,
                suggestions,
            } => {
                write!(f, "unknown control `{normalized}`")?;
                if !suggestions.is_empty() {
                    write!(f, "; did you mean {}", or_list(suggestions))?;
                }
                Ok(())
            }
            LookupError::Withdrawn { id, relation, to } => {
                write!(f, "`{id}` was withdrawn")?;
                if !to.is_empty() {
                    // A target without a number is a whole family (SA-12 → SR).
                    let families = to.iter().all(|target| !target.contains('-'));
                    let the = if families { "the " } else { "" };
                    write!(f, "; {relation} {the}{}", and_list(to))?;
                    if families {
                        f.write_str(if to.len() == 1 {
                            " family"
                        } else {
                            " families"
                        })?;
                    }
                }
                Ok(())
            }
            LookupError::StatementPart { control } => {
                write!(f, "a statement part is not a catalog entry")?;
                if let Some(control) = control {
                    write!(f, "; cite `{control}`")?;
                }
                Ok(())
            }
            LookupError::Corrupt(detail) => {
                write!(f, "the embedded control catalog is corrupt: {detail}")
            }
        }
    }
}

impl std::error::Error for LookupError {}

/// `` `A`, `B` or `C` ``
fn or_list(ids: &[String]) -> String {
    join_quoted(ids, "or")
}

/// `` `A`, `B` and `C` ``
fn and_list(ids: &[String]) -> String {
    join_quoted(ids, "and")
}

fn join_quoted(ids: &[String], conjunction: &str) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

/// Normalise and look up `raw` (the part after `nist.`/`soc2.`/`pci.`) in a
/// framework's catalog. Ok returns the canonical, active entry; e.g.
/// `lookup(Nist, "cm-6.1")` → `CM-6(1)`, `lookup(Nist, "AC-02(01)")` → `AC-2(1)`,
/// `lookup(Soc2, "cc7.01")` → `CC7.1`, `lookup(Pci, "a3.2.5.1")` → `A3.2.5.1`,
/// `lookup(Pci, "Req 2.2.1")` → `2.2.1`.
pub fn lookup(framework: Framework, raw: &str) -> Result<&'static Control, LookupError> {
    catalog_for(framework)?.lookup(raw)
}

/// The canonical spelling of `raw`, whether or not the catalog has it
/// (`cm-6.1` → `CM-6(1)`). `None` if `raw` cannot be an id of the framework,
/// and for NIST statement parts, which are not ids.
pub fn normalize(framework: Framework, raw: &str) -> Option<String> {
    match normalize::parse(framework, raw) {
        Parsed::Id(id) => Some(id),
        Parsed::StatementPart(_) | Parsed::Malformed => None,
    }
}

/// The catalog entry `raw` names, withdrawn entries included (reports still
/// need their titles). `None` if there is none or the catalog is corrupt.
pub fn find(framework: Framework, raw: &str) -> Option<&'static Control> {
    let id = normalize(framework, raw)?;
    catalog_for(framework).ok()?.get(&id)
}

/// The title of the entry `raw` names, withdrawn entries included.
pub fn title(framework: Framework, raw: &str) -> Option<&'static str> {
    find(framework, raw).map(|control| control.title.as_str())
}

/// Every entry of a framework, withdrawn ones included, in catalog order.
/// Yields nothing if the embedded catalog is corrupt; use [`catalog`] to tell.
pub fn controls(framework: Framework) -> impl Iterator<Item = &'static Control> {
    catalog(framework).unwrap_or_default().iter()
}

/// Every entry of a framework in catalog order, or why the embedded data
/// could not be read.
pub fn catalog(framework: Framework) -> Result<&'static [Control], LookupError> {
    catalog_for(framework).map(|catalog| catalog.entries.as_slice())
}

/// Suggestions are capped here; more is noise in a diagnostic.
const MAX_SUGGESTIONS: usize = 3;

/// One framework's entries in catalog order, with an index by canonical id.
#[derive(Debug)]
struct Catalog {
    framework: Framework,
    entries: Vec<Control>,
    index: HashMap<String, usize>,
}

impl Catalog {
    fn new(framework: Framework, entries: Vec<Control>) -> Result<Catalog, String> {
        let mut index = HashMap::with_capacity(entries.len());
        for (position, control) in entries.iter().enumerate() {
            if index.insert(control.id.clone(), position).is_some() {
                return Err(format!("duplicate id `{}`", control.id));
            }
        }
        Ok(Catalog {
            framework,
            entries,
            index,
        })
    }

    fn get(&self, id: &str) -> Option<&Control> {
        self.index
            .get(id)
            .and_then(|&position| self.entries.get(position))
    }

    fn lookup(&self, raw: &str) -> Result<&Control, LookupError> {
        let framework = self.framework;
        match normalize::parse(framework, raw) {
            Parsed::Malformed => Err(LookupError::Malformed {
                hint: framework.id_hint(),
            }),
            Parsed::StatementPart(enclosing) => Err(LookupError::StatementPart {
                control: self.get(&enclosing).map(|control| control.id.clone()),
            }),
            Parsed::Id(id) => match self.get(&id) {
                Some(control) if control.withdrawn => Err(LookupError::Withdrawn {
                    id: control.id.clone(),
                    relation: if control.withdrawn_to.is_empty() {
                        String::new()
                    } else {
                        relation_words(control.withdrawn_relation.as_deref())
                    },
                    to: control.withdrawn_to.clone(),
                }),
                Some(control) => Ok(control),
                None => Err(LookupError::Unknown {
                    suggestions: self.suggest(&id),
                    normalized: id,
                }),
            },
        }
    }

    /// "Did you mean" for a canonical id that is not in the catalog.
    ///
    /// Ranking, best first:
    /// 1. more leading components in common with `id` (NIST family, then
    ///    control number; SOC 2 series; PCI principal requirement, then
    ///    section, …), so `CM-66` stays in CM and `2.2.99` stays in 2.2;
    /// 2. smaller edit distance between the canonical forms, so `CM-66`
    ///    offers `CM-6` before `CM-5`, and `SC-288` offers `SC-28`;
    /// 3. catalog order, which keeps ties deterministic.
    ///
    /// An entry that shares no leading component is offered only when it is
    /// within a third of the id's length in edits (`CN-6` → `CM-6`), so a
    /// wild guess gets no suggestions. Withdrawn entries are never offered.
    fn suggest(&self, id: &str) -> Vec<String> {
        suggest_among(
            id,
            self.entries
                .iter()
                .filter(|control| !control.withdrawn)
                .map(|control| (control.id.as_str(), control.id.as_str())),
        )
    }
}

/// The ranking of [`Catalog::suggest`] over `candidates`, each the form to
/// compare with `id` and the id to offer, in catalog order.
fn suggest_among<'a>(
    id: &str,
    candidates: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    let wanted: Vec<&str> = components(id).collect();
    let max_distance = (id.len() / 3).max(1);
    let mut ranked: Vec<(Reverse<usize>, usize, usize, &str)> = candidates
        .enumerate()
        .filter_map(|(position, (compared, offered))| {
            let shared = components(compared)
                .zip(&wanted)
                .take_while(|(have, want)| have == *want)
                .count();
            let distance = strsim::levenshtein(id, compared);
            (shared > 0 || distance <= max_distance).then_some((
                Reverse(shared),
                distance,
                position,
                offered,
            ))
        })
        .collect();
    ranked.sort_unstable();
    ranked
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, _, _, id)| id.to_owned())
        .collect()
}

/// The parts of a canonical id that form its hierarchy: `AC-2(1)` → AC, 2, 1;
/// `CC7.1` → CC7, 1; `A3.2.5.1` → A3, 2, 5, 1.
fn components(id: &str) -> impl Iterator<Item = &str> {
    id.split(['-', '(', ')', '.'])
        .filter(|part| !part.is_empty())
}

/// The catalog's `incorporated-into` / `moved-to` in words for a diagnostic.
fn relation_words(relation: Option<&str>) -> String {
    let Some(relation) = relation else {
        return String::new();
    };
    let words: Vec<&str> = relation
        .split('/')
        .map(|part| match part {
            "incorporated-into" => "incorporated into",
            "moved-to" => "moved to",
            other => other,
        })
        .collect();
    words.join(" or ")
}

// ---------------------------------------------------------------------------
// Embedded data, parsed once on first use.
// ---------------------------------------------------------------------------

const NIST_JSON: &str = include_str!("../catalogs/nist-800-53-rev5.json");
const SOC2_JSON: &str = include_str!("../catalogs/soc2-tsc-2017.json");
const PCI_JSON: &str = include_str!("../catalogs/pci-dss-v4.0.json");
const CIS_AWS_JSON: &str = include_str!("../catalogs/cis-aws-foundations.json");

/// The embedded file name and text of each framework's catalog.
fn embedded(framework: Framework) -> (&'static str, &'static str) {
    match framework {
        Framework::Nist => ("nist-800-53-rev5.json", NIST_JSON),
        Framework::Soc2 => ("soc2-tsc-2017.json", SOC2_JSON),
        Framework::Pci => ("pci-dss-v4.0.json", PCI_JSON),
        Framework::CisAws(_) => ("cis-aws-foundations.json", CIS_AWS_JSON),
    }
}

// One lazy cell per framework, so a SOC 2 lookup never pays for parsing NIST.
static NIST: LazyLock<Result<Catalog, String>> = LazyLock::new(|| load(Framework::Nist));
static SOC2: LazyLock<Result<Catalog, String>> = LazyLock::new(|| load(Framework::Soc2));
static PCI: LazyLock<Result<Catalog, String>> = LazyLock::new(|| load(Framework::Pci));
// The CIS file holds every version; it is parsed once for all of them.
static CIS_AWS: LazyLock<Vec<Result<Catalog, String>>> = LazyLock::new(load_cis);

fn catalog_for(framework: Framework) -> Result<&'static Catalog, LookupError> {
    let cell = match framework {
        Framework::Nist => &NIST,
        Framework::Soc2 => &SOC2,
        Framework::Pci => &PCI,
        Framework::CisAws(version) => {
            let position = CisAwsVersion::ALL.iter().position(|v| *v == version);
            return match position.and_then(|i| CIS_AWS.get(i)) {
                Some(result) => loaded(result),
                None => Err(LookupError::Corrupt(format!(
                    "no catalog for {}",
                    version.full_name()
                ))),
            };
        }
    };
    loaded(LazyLock::force(cell))
}

/// One catalog per CIS version, in [`CisAwsVersion::ALL`] order.
fn load_cis() -> Vec<Result<Catalog, String>> {
    let (file, json) = embedded(Framework::CisAws(CisAwsVersion::LATEST));
    let parsed = cis::parse_file(json);
    CisAwsVersion::ALL
        .iter()
        .map(|&version| {
            let framework = Framework::CisAws(version);
            parsed
                .as_ref()
                .map_err(String::clone)
                .and_then(|data| cis::entries(data, version))
                .and_then(|entries| Catalog::new(framework, entries))
                .map_err(|detail| format!("{file}: {detail}"))
        })
        .collect()
}

/// A loaded catalog, or its load error as [`LookupError::Corrupt`].
fn loaded(result: &Result<Catalog, String>) -> Result<&Catalog, LookupError> {
    result
        .as_ref()
        .map_err(|detail| LookupError::Corrupt(detail.clone()))
}

fn load(framework: Framework) -> Result<Catalog, String> {
    let (file, json) = embedded(framework);
    parse_catalog(framework, json).map_err(|detail| format!("{file}: {detail}"))
}

fn parse_catalog(framework: Framework, json: &str) -> Result<Catalog, String> {
    let entries = match framework {
        Framework::Nist => nist_entries(json)?,
        Framework::Soc2 => soc2_entries(json)?,
        Framework::Pci => pci_entries(json)?,
        Framework::CisAws(version) => cis::entries(&cis::parse_file(json)?, version)?,
    };
    Catalog::new(framework, entries)
}

// The file shapes are documented in shared/catalogs/README.md ("Schemas").
// Fields not listed here (the headers) are ignored.

#[derive(Deserialize)]
struct NistFile {
    families: Vec<NistFamily>,
    controls: Vec<NistEntry>,
}

#[derive(Deserialize)]
struct NistFamily {
    id: String,
    title: String,
}

#[derive(Deserialize)]
struct NistEntry {
    id: String,
    family: String,
    title: String,
    withdrawn: bool,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    withdrawn_to: Vec<String>,
    #[serde(default)]
    withdrawn_relation: Option<String>,
    baselines: Vec<String>,
    #[serde(default)]
    added_in: Option<String>,
}

fn nist_entries(json: &str) -> Result<Vec<Control>, String> {
    let file: NistFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let families: HashMap<&str, &str> = file
        .families
        .iter()
        .map(|family| (family.id.as_str(), family.title.as_str()))
        .collect();
    file.controls
        .into_iter()
        .map(|entry| {
            let group_title = families
                .get(entry.family.as_str())
                .ok_or_else(|| format!("`{}` has unknown family `{}`", entry.id, entry.family))?;
            let baselines = entry
                .baselines
                .iter()
                .map(|name| {
                    Baseline::from_name(name)
                        .ok_or_else(|| format!("`{}` has unknown baseline `{name}`", entry.id))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Control {
                framework: Framework::Nist,
                kind: if entry.parent.is_some() {
                    ControlKind::Enhancement
                } else {
                    ControlKind::Control
                },
                group_title: (*group_title).to_owned(),
                group: entry.family,
                id: entry.id,
                title: entry.title,
                withdrawn: entry.withdrawn,
                parent: entry.parent,
                withdrawn_to: entry.withdrawn_to,
                withdrawn_relation: entry.withdrawn_relation,
                baselines,
                category: None,
                added_in: entry.added_in,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct Soc2File {
    criteria: Vec<Soc2Entry>,
}

#[derive(Deserialize)]
struct Soc2Entry {
    id: String,
    category: String,
    series: String,
    series_title: String,
    title: String,
}

fn soc2_entries(json: &str) -> Result<Vec<Control>, String> {
    let file: Soc2File = serde_json::from_str(json).map_err(|e| e.to_string())?;
    file.criteria
        .into_iter()
        .map(|entry| {
            let category = Soc2Category::from_name(&entry.category).ok_or_else(|| {
                format!("`{}` has unknown category `{}`", entry.id, entry.category)
            })?;
            Ok(Control {
                framework: Framework::Soc2,
                id: entry.id,
                title: entry.title,
                kind: ControlKind::Criterion,
                withdrawn: false,
                parent: None,
                group: entry.series,
                group_title: entry.series_title,
                withdrawn_to: Vec::new(),
                withdrawn_relation: None,
                baselines: Vec::new(),
                category: Some(category),
                added_in: None,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct PciFile {
    requirements: Vec<PciEntry>,
}

#[derive(Deserialize)]
struct PciEntry {
    id: String,
    title: String,
    parent: Option<String>,
    level: String,
}

fn pci_entries(json: &str) -> Result<Vec<Control>, String> {
    let file: PciFile = serde_json::from_str(json).map_err(|e| e.to_string())?;
    // The group of `10.2.1.2` is its principal requirement `10`. The file
    // lists the appendices' principal entries after the numbered ones, so
    // collect all principal titles before building any entry.
    let principal_titles: HashMap<&str, &str> = file
        .requirements
        .iter()
        .filter(|entry| entry.level == "principal")
        .map(|entry| (entry.id.as_str(), entry.title.as_str()))
        .collect();
    file.requirements
        .iter()
        .map(|entry| {
            let kind = match entry.level.as_str() {
                "principal" => ControlKind::Principal,
                "section" => ControlKind::Section,
                "requirement" => ControlKind::Requirement,
                other => return Err(format!("`{}` has unknown level `{other}`", entry.id)),
            };
            let group = entry.id.split('.').next().unwrap_or_default();
            let group_title = principal_titles
                .get(group)
                .ok_or_else(|| format!("`{}` has no principal requirement `{group}`", entry.id))?;
            Ok(Control {
                framework: Framework::Pci,
                id: entry.id.clone(),
                title: entry.title.clone(),
                kind,
                withdrawn: false,
                parent: entry.parent.clone(),
                group: group.to_owned(),
                group_title: (*group_title).to_owned(),
                withdrawn_to: Vec::new(),
                withdrawn_relation: None,
                baselines: Vec::new(),
                category: None,
                added_in: None,
            })
        })
        .collect()
}
