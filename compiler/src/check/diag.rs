//! Constructors for every diagnostic the checker reports.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// "did you mean `x`?" from a list of candidates, if one is close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == name || c.is_empty() {
            continue;
        }
        let score = strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase());
        let close = strsim::levenshtein(name, c) <= (name.len().max(3) / 3).max(1);
        if (score >= 0.85 || close) && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

fn with_help(d: Diagnostic, help: Option<String>) -> Diagnostic {
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

pub fn resource_in_snapshot_rule(file: FileId, span: Span, name: &str, header: Span) -> Diagnostic {
    Diagnostic::new(
        Code::ResourceInSnapshotRule,
        file,
        span,
        format!("`{name}` names the resource under evaluation, and a rule `on snapshot` has none"),
    )
    .label("read in a rule about the whole snapshot")
    .secondary(header, "the rule is decided once per snapshot here")
    .help(
        "read resources with a query, such as `any(resources(aws_cloudtrail), t => t.attributes.is_multi_region_trail)`, or select a type with `on TYPE` to check each resource",
    )
}

pub fn snapshot_drift(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidTypePattern,
        file,
        span,
        "a drift block classifies changes to resources of a type, not to the snapshot",
    )
    .label("`on snapshot` is for rules")
    .help("name the resource types whose drift this block classifies: `on aws_security_group`")
}

pub fn keyword_import_name(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnexpectedToken,
        file,
        span,
        format!("the import would be named `{name}`, a keyword"),
    )
    .label("an import is named after its last segment")
    .help(format!("name it with `as`: `import ... as {name}s`"))
}

pub fn unknown_name(
    file: FileId,
    span: Span,
    name: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownName,
        file,
        span,
        format!("unknown name `{name}`"),
    )
    .label("not defined here or in any enclosing scope");
    // Other languages' spellings of plumb's literals.
    let literal = match name {
        "True" | "TRUE" => Some("true"),
        "False" | "FALSE" => Some("false"),
        "None" | "nil" | "Null" | "NULL" | "undefined" => Some("null"),
        _ => None,
    };
    if let Some(word) = literal {
        return with_help(d, Some(format!("plumb writes it `{word}`, in lower case")));
    }
    with_help(
        d,
        suggestion.or_else(|| {
            Some("define it with `let`, or read a resource attribute as `attributes.NAME`".into())
        }),
    )
}

pub fn unknown_member(
    file: FileId,
    span: Span,
    package: &str,
    name: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownName,
        file,
        span,
        format!("package `{package}` has no `{name}`"),
    )
    .label("not defined in that package");
    with_help(d, suggestion)
}

pub fn unknown_function(
    file: FileId,
    span: Span,
    name: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownFunction,
        file,
        span,
        format!("unknown function `{name}`"),
    )
    .label("no built-in or `fn` has this name");
    with_help(
        d,
        suggestion.or_else(|| Some("docs/builtins.md lists the built-in functions".into())),
    )
}

pub fn duplicate(
    file: FileId,
    span: Span,
    what: &str,
    name: &str,
    first_file: FileId,
    first: Span,
    same_file: bool,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::DuplicateDefinition,
        file,
        span,
        format!("{what} `{name}` is defined twice"),
    )
    .label("second definition");
    let d = if same_file {
        d.secondary(first, "first defined here")
    } else {
        d.secondary_in(first_file, first, "first defined here")
    };
    d.help("rename one of them")
}

pub fn builtin_redefined(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDefinition,
        file,
        span,
        format!("`{name}` is already a built-in function"),
    )
    .label("redefines a built-in")
    .help("choose another name")
}

pub fn unresolved_import(
    file: FileId,
    span: Span,
    package: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnresolvedImport,
        file,
        span,
        format!("cannot find package `{package}`"),
    )
    .label("no loaded file declares this package");
    with_help(
        d,
        suggestion.or_else(|| {
            Some("pass the file or directory that declares it to the same command".into())
        }),
    )
}

pub fn cycle(file: FileId, span: Span, chain: &str, others: &[(Span, String)]) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::DefinitionCycle,
        file,
        span,
        format!("definitions depend on themselves: {chain}"),
    )
    .label("this definition is part of the cycle");
    for (s, name) in others {
        d = d.secondary(*s, format!("`{name}` is part of the cycle"));
    }
    d.help("plumb evaluation always terminates: constants and functions cannot refer back to themselves")
}

pub fn wrong_arity(
    file: FileId,
    span: Span,
    name: &str,
    expected: &str,
    found: usize,
) -> Diagnostic {
    Diagnostic::new(
        Code::WrongArity,
        file,
        span,
        format!(
            "`{name}` takes {expected}, but {found} {} given",
            if found == 1 { "was" } else { "were" }
        ),
    )
    .label(format!(
        "{found} argument{}",
        if found == 1 { "" } else { "s" }
    ))
}

pub fn lambda_arity(file: FileId, span: Span, expected: usize, found: usize) -> Diagnostic {
    Diagnostic::new(
        Code::WrongArity,
        file,
        span,
        format!(
            "this lambda takes {found} parameter{}, but {expected} {} expected",
            if found == 1 { "" } else { "s" },
            if expected == 1 { "is" } else { "are" }
        ),
    )
    .label("lambda defined here")
    .help("write `x => ...` with one parameter per element")
}

pub fn unknown_rule(
    file: FileId,
    span: Span,
    name: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownRule,
        file,
        span,
        format!("test names rule `{name}`, which does not exist"),
    )
    .label("no rule with this name in the package");
    with_help(
        d,
        suggestion.or_else(|| Some("a test block is named after the rule it tests".into())),
    )
}

pub fn misplaced_lambda(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MisplacedLambda,
        file,
        span,
        "a lambda can only be an argument of a quantifier",
    )
    .label("lambda not allowed here")
    .help("lambdas go in `all`, `any`, `none`, `one` and `count`; use a `fn` for a reusable helper")
}

pub fn expected_lambda(file: FileId, span: Span, function: &str, param: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ExpectedLambda,
        file,
        span,
        format!("`{function}` expects a lambda for `{param}`"),
    )
    .label("not a lambda")
    .help(format!("write `{function}(items, x => condition on x)`"))
}

pub fn duplicate_parameter(file: FileId, span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateParameter,
        file,
        span,
        format!("parameter `{name}` is declared twice"),
    )
    .label("second declaration")
    .secondary(first, "first declared here")
}

pub fn not_a_function(file: FileId, span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::NotAFunction,
        file,
        span,
        format!("{what} is not a function"),
    )
    .label("cannot be called")
    .help("only built-ins and `fn` helpers can be called")
}

pub fn function_as_value(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::FunctionAsValue,
        file,
        span,
        format!("`{name}` is a function and cannot be used as a value"),
    )
    .label("used as a value")
    .help(format!("call it: `{name}(...)`"))
}

pub fn package_as_value(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::FunctionAsValue,
        file,
        span,
        format!("`{name}` is an imported package and cannot be used as a value"),
    )
    .label("a package, not a value")
    .help(format!("refer to one of its definitions: `{name}.NAME`"))
}

pub fn type_mismatch(file: FileId, span: Span, message: String, label: String) -> Diagnostic {
    Diagnostic::new(Code::TypeMismatch, file, span, message).label(label)
}

pub fn invalid_argument(
    file: FileId,
    span: Span,
    function: &str,
    param: &str,
    expected: &str,
    found: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidArgument,
        file,
        span,
        format!("`{function}` expects a {expected} for `{param}`, found a {found}"),
    )
    .label(format!("this is a {found}"))
}

pub fn unknown_severity(
    file: FileId,
    span: Span,
    value: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownSeverity,
        file,
        span,
        format!("unknown severity `{value}`"),
    )
    .label("not a severity");
    with_help(
        d,
        suggestion.or_else(|| {
            Some("severity is one of `critical`, `high`, `medium`, `low`, `info`".into())
        }),
    )
}

pub fn unknown_response(
    file: FileId,
    span: Span,
    value: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownResponse,
        file,
        span,
        format!("unknown response `{value}`"),
    )
    .label("not a response tier");
    with_help(
        d,
        suggestion.or_else(|| Some("response is one of `auto`, `review`, `alert`".into())),
    )
}

pub fn unknown_framework(
    file: FileId,
    span: Span,
    name: &str,
    suggestion: Option<String>,
    catalogs: &plumb_stdlib::controls::Catalogs,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownFramework,
        file,
        span,
        format!("unknown control framework `{name}`"),
    )
    .label("not a known framework");
    let mut known = vec![
        "`nist` (NIST SP 800-53 rev5)".to_owned(),
        "`soc2` (SOC 2 TSC)".to_owned(),
        "`pci` (PCI DSS v4.0)".to_owned(),
        format!(
            "`cis_aws` (CIS AWS Foundations Benchmark v{}; `cis_aws_v3_0` and the like for older versions)",
            plumb_stdlib::controls::CisAwsVersion::LATEST.number()
        ),
    ];
    known.extend(
        catalogs
            .user()
            .iter()
            .map(|catalog| format!("`{}` (from `{}`)", catalog.framework(), catalog.source())),
    );
    let list = match known.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => known.join(""),
    };
    with_help(
        d,
        suggestion.or_else(|| Some(format!("frameworks are {list}"))),
    )
}

pub fn unknown_control(
    file: FileId,
    span: Span,
    framework: &str,
    id: &str,
    help: String,
) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownControl,
        file,
        span,
        format!("`{framework}.{id}` is not in the {framework} catalog"),
    )
    .label("unknown control")
    .help(help)
}

pub fn withdrawn_control(
    file: FileId,
    span: Span,
    framework: &str,
    id: &str,
    help: String,
) -> Diagnostic {
    Diagnostic::new(
        Code::WithdrawnControl,
        file,
        span,
        format!("`{framework}.{id}` was withdrawn from the catalog"),
    )
    .label("withdrawn control")
    .help(help)
}

pub fn statement_part(
    file: FileId,
    span: Span,
    framework: &str,
    id: &str,
    control: Option<&str>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::ControlStatementPart,
        file,
        span,
        format!("`{framework}.{id}` is a statement part, not a control"),
    )
    .label("cite the control itself");
    match control {
        Some(c) => d.help(format!("cite `{framework}.{c}`")),
        None => d.help("cite the enclosing control"),
    }
}

pub fn missing_clause(
    file: FileId,
    code: Code,
    span: Span,
    block: &str,
    name: &str,
    clause: &str,
    help: &str,
) -> Diagnostic {
    Diagnostic::new(
        code,
        file,
        span,
        format!("{block} `{name}` has no `{clause}`"),
    )
    .label(format!("this {block} needs a `{clause}` clause"))
    .help(help.to_string())
}

pub fn duplicate_clause(file: FileId, span: Span, clause: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateClause,
        file,
        span,
        format!("`{clause}` is given twice"),
    )
    .label("second one")
    .secondary(first, "first one")
    .help(format!("keep one `{clause}` clause"))
}

pub fn clause_not_allowed(
    file: FileId,
    span: Span,
    clause: &str,
    block: &str,
    help: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::ClauseNotAllowed,
        file,
        span,
        format!("`{clause}` is not allowed in a {block} block"),
    )
    .label("not allowed here")
    .help(help.to_string())
}

/// An expectation where the rule cannot meet it: on a fixture of a rule
/// `on snapshot` (`on_fixture`), or on its own line for a rule of types.
pub fn misplaced_expectation(file: FileId, span: Span, on_fixture: bool) -> Diagnostic {
    let (message, help) = if on_fixture {
        (
            "a rule `on snapshot` decides once for the test's snapshot, not per fixture",
            "write the expectation on a line of its own in the test block (`expect pass`), and leave the fixtures without one",
        )
    } else {
        (
            "an expectation on its own line is for a rule `on snapshot`",
            "write it after the fixture it is about: `resource TYPE \"ID\" { ... } expect pass`",
        )
    };
    Diagnostic::new(Code::InvalidExpectation, file, span, message)
        .label("the rule cannot meet this expectation")
        .help(help)
}

pub fn invalid_expectation(
    file: FileId,
    span: Span,
    value: &str,
    suggestion: Option<String>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::InvalidExpectation,
        file,
        span,
        format!("unknown test expectation `{value}`"),
    )
    .label("not an expectation");
    with_help(
        d,
        suggestion.or_else(|| {
            Some("expect one of `pass`, `fail`, `skip`, `error`, `indeterminate`".into())
        }),
    )
}

pub fn unused_let(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedLet,
        file,
        span,
        format!("`{name}` is never used"),
    )
    .label("defined here")
    .help(format!("remove it, or rename it to `_{name}` to keep it"))
}

pub fn guard_never_holds(file: FileId, span: Span, why: &str) -> Diagnostic {
    Diagnostic::new(
        Code::GuardNeverHolds,
        file,
        span,
        "this guard can never hold, so the rule never applies",
    )
    .label(why.to_string())
}

pub fn require_always_holds(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RequireAlwaysHolds,
        file,
        span,
        "this requirement always holds, so the rule can never fail",
    )
    .label("always true")
}

pub fn missing_controls(file: FileId, span: Span, block: &str, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MissingControls,
        file,
        span,
        format!("{block} `{name}` cites no control"),
    )
    .label("no `controls` clause")
    .help("auditors read findings by control: add `controls nist.CM-6, ...`")
}

pub fn unused_import(file: FileId, span: Span, package: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnusedImport,
        file,
        span,
        format!("import of `{package}` is never used"),
    )
    .label("unused import")
    .help("remove the import")
}

pub fn shadowed(
    file: FileId,
    span: Span,
    name: &str,
    what: &str,
    other: Option<Span>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::ShadowedName,
        file,
        span,
        format!("`{name}` hides {what}"),
    )
    .label("this name hides the other one")
    .help("rename it so both stay readable");
    match other {
        Some(s) => d.secondary(s, "hidden definition"),
        None => d,
    }
}

pub fn duplicate_control(file: FileId, span: Span, canonical: &str, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateControl,
        file,
        span,
        format!("control `{canonical}` is cited twice"),
    )
    .label("second citation")
    .secondary(first, "first citation")
    .help("remove one of them")
}

pub fn fixture_not_selected(
    file: FileId,
    span: Span,
    ty: &str,
    rule: &str,
    selector: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::FixtureNotSelected,
        file,
        span,
        format!("rule `{rule}` never applies to a `{ty}`, so this expectation cannot hold"),
    )
    .label("fixture type outside the rule's selector")
    .secondary(selector, "the rule selects these types")
    .help("remove the `expect`, or change the fixture's type")
}

pub fn invalid_pattern(file: FileId, span: Span, function: &str, reason: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidPattern,
        file,
        span,
        format!("this pattern for `{function}` does not compile: {reason}"),
    )
    .label("invalid pattern")
    .help(if function == "glob_match" {
        "globs use `*`, `?` and `[a-z]`; every `[` needs its `]`"
    } else {
        "patterns use Rust regex syntax; escape special characters with `\\`"
    })
}

pub fn mixed_comparison(file: FileId, span: Span, op: &str, left: &str, right: &str) -> Diagnostic {
    let (verdict, outcome) = if op == "==" {
        ("never equal", "false")
    } else {
        ("always different", "true")
    };
    Diagnostic::new(
        Code::MixedComparison,
        file,
        span,
        format!("`{op}` compares a {left} and a {right}: they are {verdict}, so this is always {outcome}"),
    )
    .label(format!("a {left} `{op}` a {right}"))
    .help("compare like with like: write the number without quotes (`== 0`), or convert with `to_number` or `to_string`")
}

pub fn dollar_before_hole(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DollarBeforeHole,
        file,
        span,
        "a `$` before a hole is printed as it is: holes are written `{expr}`",
    )
    .label("this hole follows a `$`")
    .help("remove the `$`: write `{id}`, not `${id}`")
}

pub fn key_read_as_arithmetic(
    file: FileId,
    span: Span,
    field: &str,
    op: &str,
    name: &str,
) -> Diagnostic {
    let key = format!("{field}{op}{name}");
    let verb = if op == "-" { "subtracts" } else { "divides by" };
    Diagnostic::new(
        Code::KeyReadAsArithmetic,
        file,
        span,
        format!("`{key}` reads as arithmetic: it {verb} `{name}`, not the key `{key}`"),
    )
    .label(format!("`{field}` {op} `{name}`"))
    .help(format!(
        "a key with `-` or `/` is quoted: write `[\"{key}\"]` in place of `.{key}` (keys with dots too: `labels[\"app.kubernetes.io/name\"]`)"
    ))
}

pub fn misplaced_fixture_marker(file: FileId, span: Span, marker: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MisplacedFixtureMarker,
        file,
        span,
        format!("`{marker}` marks a value of a test fixture and is allowed nowhere else"),
    )
    .label("not a value of a fixture's attributes")
    .help(
        "mark a whole attribute value or list element of a fixture; a rule reads unknown and sensitive values from its input",
    )
}

pub fn unknown_resource_type(
    file: FileId,
    span: Span,
    name: &str,
    prefix: bool,
    suggestion: Option<String>,
) -> Diagnostic {
    let (message, label) = if prefix {
        (
            format!("`{name}*` matches no known resource type"),
            "no importer or provider produces a type starting with this",
        )
    } else {
        (
            format!("unknown resource type `{name}`"),
            "no importer or provider produces this type",
        )
    };
    let declare = if prefix {
        format!("`type {name}*`")
    } else {
        format!("`type {name}`")
    };
    let help = match suggestion {
        Some(s) => format!("{s} (a type of your own is declared with {declare})"),
        None => format!("a type of your own is declared with {declare}"),
    };
    Diagnostic::new(Code::UnknownResourceType, file, span, message)
        .label(label)
        .help(help)
}

pub fn unknown_attribute(
    file: FileId,
    span: Span,
    key: &str,
    parent: &str,
    types: &[&str],
    suggestion: Option<String>,
) -> Diagnostic {
    let types = types
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let place = if parent.is_empty() {
        types
    } else {
        format!("`{parent}` of {types}")
    };
    let d = Diagnostic::new(
        Code::UnknownAttribute,
        file,
        span,
        format!("no attribute `{key}` in {place}"),
    )
    .label("not in the published schema of the type");
    with_help(d, suggestion)
}
