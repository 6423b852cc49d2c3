//! docs/vm.md has one row per VM instruction: its instruction table lists
//! exactly the variants of `Op` in runtime/src/bytecode.rs, in the same
//! order, each once. The tables of `BinOp`, `IterKind` and `ResourceField`
//! are held to the same rule. The variants are read from the source text,
//! so a new instruction cannot be added without its row.
#![allow(clippy::panic, reason = "tests")]

const DOC: &str = include_str!("../../docs/vm.md");
const BYTECODE: &str = include_str!("../src/bytecode.rs");

/// `src` with comments blanked out (string literals do not occur inside
/// the enums read here, but comments with any text do).
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

fn identifier(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(s.len(), |(i, _)| i);
    s.get(..end).unwrap_or_default()
}

/// The variant names of `pub enum NAME { ... }` in `src`, in order.
fn variants(src: &str, name: &str) -> Vec<String> {
    let src = strip_comments(src);
    let header = format!("pub enum {name} {{");
    let Some(start) = src.find(&header) else {
        panic!("runtime/src/bytecode.rs has no `{header}`");
    };
    let body = src.get(start + header.len()..).unwrap_or_default();
    // Split the body at top-level commas until its closing brace.
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in body.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    pieces
        .iter()
        .filter_map(|piece| {
            // Drop attributes (`#[...]`) in front of the variant.
            let mut rest = piece.trim();
            while let Some(attr) = rest.strip_prefix("#[") {
                let mut depth = 1usize;
                let end = attr
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '[' => depth += 1,
                            ']' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(attr.len(), |(i, _)| i + 1);
                rest = attr.get(end..).unwrap_or_default().trim();
            }
            let id = identifier(rest);
            (!id.is_empty()).then(|| id.to_string())
        })
        .collect()
}

/// The first column of the first table under the heading `heading`, as
/// identifiers: `` `Const(k)` `` gives `Const`.
fn table(doc: &str, heading: &str) -> Vec<String> {
    let Some(at) = doc.lines().position(|l| l.trim() == heading) else {
        panic!("docs/vm.md has no heading `{heading}`");
    };
    let rows: Vec<&str> = doc
        .lines()
        .skip(at + 1)
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'))
        .collect();
    assert!(
        rows.len() > 2,
        "the table under `{heading}` in docs/vm.md has no rows"
    );
    rows.iter()
        .skip(2) // the header and the `| --- |` line
        .map(|row| {
            let cell = row
                .trim_start()
                .trim_start_matches('|')
                .split('|')
                .next()
                .unwrap_or_default();
            let id = identifier(cell.trim().trim_start_matches('`'));
            assert!(
                !id.is_empty(),
                "a row of `{heading}` in docs/vm.md does not start with a name: {row}"
            );
            id.to_string()
        })
        .collect()
}

fn same_list(what: &str, heading: &str, code: &[String], doc: &[String]) {
    let missing: Vec<&String> = code.iter().filter(|v| !doc.contains(v)).collect();
    let extra: Vec<&String> = doc.iter().filter(|v| !code.contains(v)).collect();
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<&String> = doc.iter().filter(|v| !seen.insert(*v)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && repeated.is_empty(),
        "docs/vm.md `{heading}` must have one row per `{what}` variant.\n\
         missing: {missing:?}\nnot in the code: {extra:?}\nrepeated: {repeated:?}"
    );
    assert_eq!(
        doc, code,
        "docs/vm.md `{heading}`: rows in the order of `{what}` in runtime/src/bytecode.rs"
    );
}

#[test]
fn every_instruction_has_one_row() {
    let ops = variants(BYTECODE, "Op");
    assert!(
        ops.len() > 30,
        "read only {} variants of `Op`: {ops:?}",
        ops.len()
    );
    same_list(
        "Op",
        "## Instructions",
        &ops,
        &table(DOC, "## Instructions"),
    );
}

#[test]
fn operand_enums_have_one_row_each() {
    for (name, heading) in [
        ("BinOp", "### `BinOp`"),
        ("IterKind", "### `IterKind`"),
        ("ResourceField", "### `ResourceField`"),
    ] {
        let code = variants(BYTECODE, name);
        assert!(!code.is_empty(), "no variants of `{name}`");
        same_list(name, heading, &code, &table(DOC, heading));
    }
}

#[test]
fn the_parsers_read_what_they_should() {
    let src = "pub enum E {\n    /// A, (b), {c}\n    #[serde(rename = \"x,y\")]\n    A(u32, u8),\n    B { x: u32, y: u8 },\n    // C,\n    D,\n}\n";
    assert_eq!(variants(src, "E"), ["A", "B", "D"]);
    let doc =
        "## T\n\ntext\n\n| op | x |\n| --- | --- |\n| `A(n)` | a, b |\n| B | c |\n\n| Z | |\n";
    assert_eq!(table(doc, "## T"), ["A", "B"]);
}
