//! The registry of diagnostic codes. A code, once published, never changes
//! meaning; retired codes stay reserved. `docs/diagnostics.md` holds the long
//! explanation of every code (shown by `plumb explain`), and a test fails if
//! a code here has no section there.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $level:ident, $title:literal;)*) => {
        /// A stable diagnostic code such as `E0403 unknown-control`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// `E0403`
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// `unknown-control`
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            pub fn level(self) -> Level {
                match self { $(Code::$variant => Level::$level,)* }
            }

            /// A short title, as listed in `docs/diagnostics.md`.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

codes! {
    // Lexical structure.
    InvalidCharacter = "E0001", "invalid-character", Error, "a character that starts no token";
    UnterminatedString = "E0002", "unterminated-string", Error, "a string literal without its closing quote";
    InvalidEscape = "E0003", "invalid-escape", Error, "an unknown escape sequence in a string";
    InvalidUtf8 = "E0004", "invalid-utf8", Error, "a source file that is not UTF-8";
    NumberOutOfRange = "E0005", "number-out-of-range", Error, "a number literal too large to represent";
    // Syntax.
    UnexpectedToken = "E0100", "unexpected-token", Error, "a token where the grammar allows something else";
    UnclosedDelimiter = "E0101", "unclosed-delimiter", Error, "a `{`, `(` or `[` that is never closed";
    NestingTooDeep = "E0102", "nesting-too-deep", Error, "an expression nested deeper than the parser allows";
    ChainedComparison = "E0103", "chained-comparison", Error, "comparisons such as `a < b < c` without parentheses";
    InvalidControlRef = "E0104", "invalid-control-ref", Error, "a control reference that is not `framework.ID`";
    InvalidTemplate = "E0105", "invalid-template", Error, "a message template with a broken `{...}` hole";
    MisplacedPackage = "E0106", "misplaced-package", Error, "a `package` or `import` declaration after other items";
    InvalidTypePattern = "E0107", "invalid-type-pattern", Error, "a resource selector that is not a type name or prefix pattern";
    InvalidPathPattern = "E0108", "invalid-path-pattern", Error, "a drift path pattern that is not a dotted attribute path";
    // Names.
    UnknownName = "E0200", "unknown-name", Error, "a name that is not defined";
    UnknownFunction = "E0201", "unknown-function", Error, "a call to a function that is not defined";
    DuplicateDefinition = "E0202", "duplicate-definition", Error, "two definitions with the same name";
    UnresolvedImport = "E0203", "unresolved-import", Error, "an import of a package that is not loaded";
    DefinitionCycle = "E0204", "definition-cycle", Error, "`let` constants or functions that depend on themselves";
    WrongArity = "E0205", "wrong-arity", Error, "a call with the wrong number of arguments";
    UnknownRule = "E0206", "unknown-rule", Error, "a test for a rule that does not exist";
    MisplacedLambda = "E0207", "misplaced-lambda", Error, "a lambda outside a quantifier or query argument";
    ExpectedLambda = "E0208", "expected-lambda", Error, "a quantifier argument that must be a lambda";
    DuplicateParameter = "E0209", "duplicate-parameter", Error, "a parameter name used twice";
    NotAFunction = "E0210", "not-a-function", Error, "a call of something that is not a function";
    FunctionAsValue = "E0211", "function-as-value", Error, "a function or package used where a value is expected";
    ResourceInSnapshotRule = "E0212", "resource-in-snapshot-rule", Error, "a rule `on snapshot` that reads the resource under evaluation";
    // Types.
    TypeMismatch = "E0300", "type-mismatch", Error, "an operator applied to values of the wrong type";
    InvalidArgument = "E0301", "invalid-argument", Error, "a built-in called with an argument of the wrong type";
    InvalidPattern = "E0302", "invalid-pattern", Error, "a regular expression or glob literal that does not compile";
    // Rule metadata and controls.
    UnknownSeverity = "E0400", "unknown-severity", Error, "a severity other than critical, high, medium, low or info";
    UnknownResponse = "E0401", "unknown-response", Error, "a response tier other than auto, review or alert";
    UnknownFramework = "E0402", "unknown-framework", Error, "a control reference to an unknown framework";
    UnknownControl = "E0403", "unknown-control", Error, "a control ID that is not in the framework's catalog";
    WithdrawnControl = "E0404", "withdrawn-control", Error, "a NIST control that was withdrawn";
    ControlStatementPart = "E0405", "control-statement-part", Error, "a statement part (`AC-2a`) cited instead of a control";
    MissingSeverity = "E0406", "missing-severity", Error, "a rule or drift block without `severity`";
    MissingRequire = "E0407", "missing-require", Error, "a rule without any `require`";
    DuplicateClause = "E0408", "duplicate-clause", Error, "a metadata clause given twice";
    ClauseNotAllowed = "E0409", "clause-not-allowed", Error, "a clause that does not belong in this kind of block";
    MissingPaths = "E0410", "missing-paths", Error, "a drift block without `paths`";
    InvalidExpectation = "E0411", "invalid-expectation", Error, "a test expectation other than pass, fail, skip, error or indeterminate";
    MisplacedFixtureMarker = "E0412", "misplaced-fixture-marker", Error, "`unknown()` or `sensitive(...)` outside a test fixture's attribute values";
    // Warnings.
    UnusedLet = "W0001", "unused-let", Warning, "a `let` that nothing reads";
    GuardNeverHolds = "W0002", "guard-never-holds", Warning, "a `when` guard that is always false";
    MissingControls = "W0003", "missing-controls", Warning, "a rule that cites no control";
    UnusedImport = "W0004", "unused-import", Warning, "an import that nothing uses";
    ShadowedName = "W0005", "shadowed-name", Warning, "a name that hides another one";
    DuplicateControl = "W0006", "duplicate-control", Warning, "the same control cited twice";
    RequireAlwaysHolds = "W0007", "require-always-holds", Warning, "a `require` that can never fail";
    FixtureNotSelected = "W0008", "fixture-not-selected", Warning, "a test fixture the rule's selector never matches";
    MixedComparison = "W0009", "mixed-comparison", Warning, "`==` or `!=` between a number and a string";
    DollarBeforeHole = "W0010", "dollar-before-hole", Warning, "a `$` before a template hole";
    KeyReadAsArithmetic = "W0011", "key-read-as-arithmetic", Warning, "a key with `-` or `/` written as a path";
    UnknownResourceType = "W0012", "unknown-resource-type", Warning, "a selector naming a type no source produces";
    UnknownAttribute = "W0013", "unknown-attribute", Warning, "a path into an attribute the selected types do not have";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Code {
    /// Parses `E0403` or `e0403` or `unknown-control`.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.name() == text)
    }
}
