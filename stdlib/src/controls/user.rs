//! Control catalogs users bring (docs/language.md, "Catalogs of your own";
//! the format's schema is `docs/control-catalog.schema.json`), and
//! [`Catalogs`], the set of frameworks one compilation can cite: the
//! built-in ones and the user's.
//!
//! This module owns the checks a catalog must pass before a rule may cite
//! it: the shape, a framework prefix rules can write and that names no
//! built-in framework, ids that can be cited and are unique, and a NIST
//! crosswalk whose every id is an active NIST control. It is handed a JSON
//! value (the caller reads and parses the file, JSON or YAML) and never
//! panics; every error names the file and the entry.
//!
//! Ids are compared ignoring ASCII case (`acme.sec-1` cites `SEC-1`), and
//! the spelling in the file is the canonical one that citations become.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value as Json};

use super::{Framework, LookupError, lookup};

/// The language's keywords. A framework prefix is read as a name, so it
/// cannot be one of them (a test in the compiler keeps the list in step
/// with the lexer).
pub const RESERVED_WORDS: [&str; 22] = [
    "package",
    "import",
    "as",
    "rule",
    "drift",
    "test",
    "let",
    "fn",
    "when",
    "require",
    "and",
    "or",
    "not",
    "in",
    "if",
    "then",
    "else",
    "for",
    "true",
    "false",
    "null",
    "resources",
];

/// Longest framework prefix or control id a catalog may declare.
const MAX_NAME_LEN: usize = 64;

/// What a user catalog's id looks like, for [`LookupError::Malformed`].
const ID_HINT: &str =
    "a control id of the catalog: letters, digits, `.`, `-`, `_`, `(`, `)` and `:`";

/// One entry of a user catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserControl {
    /// As the file spells it; what citations become.
    pub id: String,
    pub title: String,
    /// The crosswalk: canonical NIST SP 800-53 ids, each an active control.
    pub nist: Vec<String>,
}

/// A checked user catalog.
#[derive(Debug, Clone)]
pub struct UserCatalog {
    framework: String,
    name: String,
    version: Option<String>,
    source: String,
    controls: Vec<UserControl>,
    /// Upper-cased id → position in `controls`.
    index: HashMap<String, usize>,
}

/// Why a user catalog cannot be used; names the file and, where there is
/// one, the entry (`controls[2]`, with its id when it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pub source: String,
    pub entry: Option<String>,
    pub kind: CatalogErrorKind,
}

/// What is wrong with a user catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogErrorKind {
    /// The top level (or an entry) is not an object.
    NotAnObject { found: &'static str },
    /// A required field is absent.
    Missing { field: &'static str },
    /// A field holds the wrong kind of value.
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    /// A field the format does not have (a misspelling is never ignored).
    UnknownField { field: String },
    /// The framework prefix is not a lower-case name rules can write.
    InvalidFramework { framework: String },
    /// The framework prefix is a language keyword.
    ReservedFramework { framework: String },
    /// The framework prefix is a built-in framework's name.
    BuiltinFramework { framework: String },
    /// Two catalogs declare the same framework prefix.
    DuplicateFramework { framework: String, other: String },
    /// The catalog lists no controls.
    NoControls,
    /// An id rules could not cite.
    InvalidId { id: String },
    /// Two entries with the same id (ignoring case).
    DuplicateId { id: String, first: String },
    /// A crosswalk id that is not an active NIST SP 800-53 control.
    Crosswalk { id: String, why: String },
}

impl fmt::Display for CatalogErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogErrorKind::NotAnObject { found } => write!(
                f,
                "expected an object of named fields (`framework: acme`), not {found}"
            ),
            CatalogErrorKind::Missing { field } => write!(f, "`{field}` is missing"),
            CatalogErrorKind::WrongType {
                field,
                expected,
                found,
            } => write!(f, "`{field}` must be {expected}, not {found}"),
            CatalogErrorKind::UnknownField { field } => write!(
                f,
                "unknown field `{field}`; a catalog has `framework`, `name`, `version` and `controls`, an entry `id`, `title` and `nist`"
            ),
            CatalogErrorKind::InvalidFramework { framework } => write!(
                f,
                "framework `{framework}` is not a name rules can cite: use lower-case letters, digits and `_`, starting with a letter"
            ),
            CatalogErrorKind::ReservedFramework { framework } => {
                write!(f, "framework `{framework}` is a keyword of the language")
            }
            CatalogErrorKind::BuiltinFramework { framework } => write!(
                f,
                "framework `{framework}` is the name of a built-in framework; choose another prefix"
            ),
            CatalogErrorKind::DuplicateFramework { framework, other } => write!(
                f,
                "framework `{framework}` is declared by `{other}` too; each prefix names one catalog"
            ),
            CatalogErrorKind::NoControls => write!(f, "`controls` lists no controls"),
            CatalogErrorKind::InvalidId { id } => write!(
                f,
                "id `{id}` cannot be cited: use letters, digits, `.`, `-`, `_`, `(`, `)` and `:`, starting with a letter or digit, at most {MAX_NAME_LEN} characters"
            ),
            CatalogErrorKind::DuplicateId { id, first } => {
                if id == first {
                    write!(f, "id `{id}` is listed twice")
                } else {
                    write!(
                        f,
                        "id `{id}` is listed twice (as `{first}` before; ids ignore case)"
                    )
                }
            }
            CatalogErrorKind::Crosswalk { id, why } => {
                write!(f, "crosswalk id `nist.{id}` is not usable: {why}")
            }
        }
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "control catalog `{}`", self.source)?;
        if let Some(entry) = &self.entry {
            write!(f, ", {entry}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for CatalogError {}

/// The kind of a JSON value, for messages.
fn describe(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "true or false",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// Builds errors that name one file and, once known, one entry.
struct Place<'a> {
    source: &'a str,
    entry: Option<String>,
}

impl Place<'_> {
    fn error(&self, kind: CatalogErrorKind) -> CatalogError {
        CatalogError {
            source: self.source.to_owned(),
            entry: self.entry.clone(),
            kind,
        }
    }

    fn object<'j>(&self, value: &'j Json) -> Result<&'j Map<String, Json>, CatalogError> {
        value.as_object().ok_or_else(|| {
            self.error(CatalogErrorKind::NotAnObject {
                found: describe(value),
            })
        })
    }

    /// Refuses any field not in `known`.
    fn only(&self, object: &Map<String, Json>, known: &[&str]) -> Result<(), CatalogError> {
        match object.keys().find(|key| !known.contains(&key.as_str())) {
            Some(field) => Err(self.error(CatalogErrorKind::UnknownField {
                field: field.clone(),
            })),
            None => Ok(()),
        }
    }

    fn string<'j>(
        &self,
        object: &'j Map<String, Json>,
        field: &'static str,
    ) -> Result<Option<&'j str>, CatalogError> {
        match object.get(field) {
            None => Ok(None),
            Some(Json::String(text)) => Ok(Some(text.as_str())),
            Some(other) => Err(self.error(CatalogErrorKind::WrongType {
                field: field.to_owned(),
                expected: "a string (quote numbers such as `\"1.10\"`)",
                found: describe(other),
            })),
        }
    }

    /// A required string that is not empty once trimmed.
    fn required<'j>(
        &self,
        object: &'j Map<String, Json>,
        field: &'static str,
    ) -> Result<&'j str, CatalogError> {
        match self.string(object, field)?.map(str::trim) {
            Some(text) if !text.is_empty() => Ok(text),
            _ => Err(self.error(CatalogErrorKind::Missing { field })),
        }
    }
}

impl UserCatalog {
    /// Checks the catalog `doc` read from `source` (a file name, used in
    /// errors). The crosswalk is checked against the embedded NIST catalog.
    pub fn from_json(source: &str, doc: &Json) -> Result<UserCatalog, CatalogError> {
        let top = Place {
            source,
            entry: None,
        };
        let object = top.object(doc)?;
        top.only(object, &["framework", "name", "version", "controls"])?;
        let framework = top.required(object, "framework")?;
        check_framework(framework).map_err(|kind| top.error(kind))?;
        let name = top.string(object, "name")?.map(str::trim);
        let version = top.string(object, "version")?.map(str::trim);
        let list = match object.get("controls") {
            None => return Err(top.error(CatalogErrorKind::Missing { field: "controls" })),
            Some(Json::Array(list)) => list,
            Some(other) => {
                return Err(top.error(CatalogErrorKind::WrongType {
                    field: "controls".to_owned(),
                    expected: "a list of controls",
                    found: describe(other),
                }));
            }
        };
        if list.is_empty() {
            return Err(top.error(CatalogErrorKind::NoControls));
        }
        let mut controls = Vec::with_capacity(list.len());
        let mut index = HashMap::with_capacity(list.len());
        for (position, value) in list.iter().enumerate() {
            let mut place = Place {
                source,
                entry: Some(format!("controls[{position}]")),
            };
            let control = entry(&mut place, value)?;
            let key = control.id.to_ascii_uppercase();
            if let Some(first) = index.get(&key).and_then(|&i: &usize| controls.get(i)) {
                let first: &UserControl = first;
                return Err(place.error(CatalogErrorKind::DuplicateId {
                    id: control.id.clone(),
                    first: first.id.clone(),
                }));
            }
            index.insert(key, controls.len());
            controls.push(control);
        }
        Ok(UserCatalog {
            framework: framework.to_owned(),
            name: name
                .filter(|name| !name.is_empty())
                .unwrap_or(framework)
                .to_owned(),
            version: version.filter(|v| !v.is_empty()).map(str::to_owned),
            source: source.to_owned(),
            controls,
            index,
        })
    }

    /// The prefix rules cite: `acme` in `acme.SEC-1`.
    pub fn framework(&self) -> &str {
        &self.framework
    }

    /// The catalog's name (the prefix when the file gives none).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Where the catalog was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every entry, in file order.
    pub fn controls(&self) -> &[UserControl] {
        &self.controls
    }

    /// The entry `raw` names, ignoring case.
    pub fn find(&self, raw: &str) -> Option<&UserControl> {
        self.index
            .get(&raw.trim().to_ascii_uppercase())
            .and_then(|&position| self.controls.get(position))
    }

    /// The entry `raw` names, or why there is none (with did-you-mean).
    pub fn lookup(&self, raw: &str) -> Result<&UserControl, LookupError> {
        let wanted = raw.trim();
        if !citable_id(wanted) {
            return Err(LookupError::Malformed { hint: ID_HINT });
        }
        self.find(wanted).ok_or_else(|| {
            let key = wanted.to_ascii_uppercase();
            let keys: Vec<(String, &str)> = self
                .controls
                .iter()
                .map(|control| (control.id.to_ascii_uppercase(), control.id.as_str()))
                .collect();
            LookupError::Unknown {
                normalized: wanted.to_owned(),
                suggestions: super::suggest_among(
                    &key,
                    keys.iter().map(|(key, id)| (key.as_str(), *id)),
                ),
            }
        })
    }
}

/// One entry of `controls`; `place` gains the id once it is known.
fn entry(place: &mut Place<'_>, value: &Json) -> Result<UserControl, CatalogError> {
    let object = place.object(value)?;
    let id = place.required(object, "id")?;
    place.entry = place.entry.take().map(|at| format!("{at} (`{id}`)"));
    place.only(object, &["id", "title", "nist"])?;
    if !citable_id(id) {
        return Err(place.error(CatalogErrorKind::InvalidId { id: id.to_owned() }));
    }
    let title = place.required(object, "title")?;
    let nist = match object.get("nist") {
        None => Vec::new(),
        Some(Json::Array(ids)) => ids
            .iter()
            .map(|value| match value {
                Json::String(raw) => lookup(Framework::Nist, raw)
                    .map(|control| control.id.clone())
                    .map_err(|why| {
                        place.error(CatalogErrorKind::Crosswalk {
                            id: raw.clone(),
                            why: why.to_string(),
                        })
                    }),
                other => Err(place.error(CatalogErrorKind::WrongType {
                    field: "nist".to_owned(),
                    expected: "a list of NIST SP 800-53 ids such as `SC-28`",
                    found: describe(other),
                })),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(place.error(CatalogErrorKind::WrongType {
                field: "nist".to_owned(),
                expected: "a list of NIST SP 800-53 ids such as `SC-28`",
                found: describe(other),
            }));
        }
    };
    Ok(UserControl {
        id: id.to_owned(),
        title: title.to_owned(),
        nist,
    })
}

/// A prefix the parser reads as one name and no built-in framework owns.
fn check_framework(framework: &str) -> Result<(), CatalogErrorKind> {
    let mut chars = framework.chars();
    let shaped = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && framework.len() <= MAX_NAME_LEN;
    if !shaped {
        return Err(CatalogErrorKind::InvalidFramework {
            framework: framework.to_owned(),
        });
    }
    if RESERVED_WORDS.contains(&framework) {
        return Err(CatalogErrorKind::ReservedFramework {
            framework: framework.to_owned(),
        });
    }
    if Framework::from_name(framework).is_some() {
        return Err(CatalogErrorKind::BuiltinFramework {
            framework: framework.to_owned(),
        });
    }
    Ok(())
}

/// An id the parser reads whole after `framework.`: it stops at the first
/// character outside letters, digits and `.-_():`.
fn citable_id(id: &str) -> bool {
    id.len() <= MAX_NAME_LEN
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')' | ':'))
}

/// The frameworks one compilation can cite: every built-in one, and the
/// user catalogs it was given. The default has no user catalogs.
#[derive(Debug, Clone, Default)]
pub struct Catalogs {
    user: Vec<UserCatalog>,
}

/// A framework a citation names.
#[derive(Debug, Clone, Copy)]
pub enum Cited<'a> {
    Builtin(Framework),
    User(&'a UserCatalog),
}

impl Catalogs {
    /// The built-in frameworks and `user`; two catalogs with one prefix are
    /// an error naming both files.
    pub fn new(user: Vec<UserCatalog>) -> Result<Catalogs, CatalogError> {
        for (position, catalog) in user.iter().enumerate() {
            let earlier = user.get(..position).unwrap_or_default();
            if let Some(other) = earlier.iter().find(|o| o.framework == catalog.framework) {
                return Err(CatalogError {
                    source: catalog.source.clone(),
                    entry: None,
                    kind: CatalogErrorKind::DuplicateFramework {
                        framework: catalog.framework.clone(),
                        other: other.source.clone(),
                    },
                });
            }
        }
        Ok(Catalogs { user })
    }

    /// The user catalogs, in the order given.
    pub fn user(&self) -> &[UserCatalog] {
        &self.user
    }

    /// The framework a citation's prefix names (case-insensitive).
    pub fn framework(&self, name: &str) -> Option<Cited<'_>> {
        Framework::from_name(name).map(Cited::Builtin).or_else(|| {
            self.user
                .iter()
                .find(|catalog| catalog.framework.eq_ignore_ascii_case(name))
                .map(Cited::User)
        })
    }

    /// Every framework name a citation may use, for "did you mean".
    pub fn names(&self) -> Vec<&str> {
        Framework::all_names()
            .iter()
            .copied()
            .chain(self.user.iter().map(|catalog| catalog.framework.as_str()))
            .collect()
    }
}

impl<'a> Cited<'a> {
    /// The prefix of normalised citations: `nist`, `cis_aws_v7_0`, `acme`.
    pub fn alias(self) -> &'a str {
        match self {
            Cited::Builtin(framework) => framework.alias(),
            Cited::User(catalog) => &catalog.framework,
        }
    }

    /// The name to show: `NIST SP 800-53 rev5`, `ACME Standard 2026.1`.
    pub fn full_name(self) -> String {
        match self {
            Cited::Builtin(framework) => framework.full_name().to_owned(),
            Cited::User(catalog) => match &catalog.version {
                Some(version) => format!("{} {version}", catalog.name),
                None => catalog.name.clone(),
            },
        }
    }

    /// The canonical id of the active entry `raw` names, or why there is none.
    pub fn lookup(self, raw: &str) -> Result<&'a str, LookupError> {
        match self {
            Cited::Builtin(framework) => lookup(framework, raw).map(|c| c.id.as_str()),
            Cited::User(catalog) => catalog.lookup(raw).map(|c| c.id.as_str()),
        }
    }

    /// The title of the entry `raw` names (withdrawn NIST entries included).
    pub fn title(self, raw: &str) -> Option<&'a str> {
        match self {
            Cited::Builtin(framework) => super::title(framework, raw),
            Cited::User(catalog) => catalog.find(raw).map(|c| c.title.as_str()),
        }
    }

    /// Where a reader finds the catalog's ids.
    pub fn listed_in(self) -> String {
        match self {
            Cited::Builtin(framework) => {
                format!(
                    "stdlib/catalogs/ holds the {} catalog (docs/language.md, `controls`)",
                    framework.full_name()
                )
            }
            Cited::User(catalog) => format!(
                "see `{}` for the ids of {}",
                catalog.source,
                self.full_name()
            ),
        }
    }
}
