//! Spelling rules: turn what people write after `nist.`, `soc2.` or `pci.` into
//! the catalogs' canonical ids (the table "Canonical IDs and accepted spellings"
//! in `shared/catalogs/README.md`).
//!
//! This part knows nothing about which ids exist, so it can be tested on its own
//! and the catalogs can be checked against it (every catalog id must already be
//! canonical). It must never panic, whatever the input: it walks bytes with
//! `get`, and rejects anything longer than [`MAX_INPUT_LEN`].

use std::borrow::Cow;
use std::fmt::Write as _;

use super::Framework;

/// Longest input (after trimming) that can be an id. The longest accepted
/// spelling, `PCI-DSS Requirement 9.5.1.2.1`, is about 30 bytes; the cap keeps the
/// edit-distance work behind "did you mean" small whatever a rule file contains.
pub(super) const MAX_INPUT_LEN: usize = 64;

/// Most significant digits in one number of an id. No catalog number has more
/// than two; three still lets typos such as `SC-288` reach "did you mean".
const MAX_DIGITS: usize = 3;

/// What a spelling is, before looking anything up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Parsed {
    /// Has the shape of a catalog id; this is its canonical spelling.
    Id(String),
    /// A NIST statement part (`AC-2(3)(a)`, `AC-2a.`); this is the canonical id
    /// of the enclosing control or enhancement.
    StatementPart(String),
    /// Cannot be an id of the framework.
    Malformed,
}

pub(super) fn parse(framework: Framework, raw: &str) -> Parsed {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.len() > MAX_INPUT_LEN {
        return Parsed::Malformed;
    }
    let Some(text) = ascii_form(trimmed) else {
        return Parsed::Malformed;
    };
    let parsed = match framework {
        Framework::Nist => nist(&text),
        Framework::Soc2 => soc2(&text),
        Framework::Pci => pci(&text),
        Framework::CisAws(_) => cis(&text),
    };
    parsed.unwrap_or(Parsed::Malformed)
}

/// Text pasted from PDFs and web pages carries typographic dashes and
/// non-breaking spaces (`AC–2`); fold those to ASCII. Any other non-ASCII
/// character means the text is not an id.
fn ascii_form(text: &str) -> Option<Cow<'_, str>> {
    if text.is_ascii() {
        return Some(Cow::Borrowed(text));
    }
    text.chars()
        .map(|ch| match ch {
            ch if ch.is_ascii() => Some(ch),
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}' => Some('-'),
            '\u{a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
            _ => None,
        })
        .collect::<Option<String>>()
        .map(Cow::Owned)
}

/// NIST: `AC-2`, `AC-2(1)`, and the spellings that fold onto them (`ac-02`,
/// `AC-2 (01)`, `ac-2.1`, prowler's `ac_2_1`), or a statement part.
fn nist(text: &str) -> Option<Parsed> {
    let mut c = Cursor::new(text);
    c.strip_prefix(&["nist"]);
    let family = c.letters();
    if family.len() != 2 {
        return None;
    }
    c.skip_while(|b| matches!(b, b'-' | b'_' | b' ' | b'\t'));
    let number = c.number()?;
    let mut id = format!("{}-{number}", family.to_ascii_uppercase());
    if let Some(enhancement) = nist_enhancement(&mut c) {
        // Writing to a String cannot fail.
        let _ = write!(id, "({enhancement})");
    }
    c.skip_spaces();
    if c.at_end() {
        Some(Parsed::Id(id))
    } else if nist_statement_part(&mut c) {
        Some(Parsed::StatementPart(id))
    } else {
        None
    }
}

/// `(1)`, ` ( 01 )`, `.1` (OSCAL ids) or `_1` (prowler ids). Leaves the cursor
/// where it was when there is none, so the rest can be read as a statement part.
fn nist_enhancement(c: &mut Cursor<'_>) -> Option<u32> {
    let start = *c;
    c.skip_spaces();
    let found = match c.peek() {
        Some(b'(') => {
            c.bump();
            c.skip_spaces();
            let number = c.number();
            c.skip_spaces();
            number.filter(|_| c.eat(b')'))
        }
        Some(b'.') => {
            c.bump();
            c.skip_spaces();
            c.number()
        }
        Some(b'_') => {
            c.bump();
            c.number()
        }
        _ => None,
    };
    if found.is_none() {
        *c = start;
    }
    found
}

/// The rest of a statement-part citation: `(a)`, `a.`, `a.1`, `(a)(1)`, OSCAL's
/// `_smt.a`, prowler's `_a_2`. NIST numbers the parts a, 1, (a), (1), so tokens
/// are single letters or numbers, bare or in parentheses. The first bare token
/// must be a letter: `AC-2 1` is more likely a typo than a part.
fn nist_statement_part(c: &mut Cursor<'_>) -> bool {
    let marker = c.eat_keyword("_smt");
    let mut tokens = 0_usize;
    loop {
        c.skip_while(|b| matches!(b, b'.' | b'_' | b' ' | b'\t'));
        match c.peek() {
            None => break,
            Some(b'(') => {
                c.bump();
                c.skip_spaces();
                let token = if c.letters().len() == 1 {
                    true
                } else {
                    c.number().is_some()
                };
                c.skip_spaces();
                if !token || !c.eat(b')') {
                    return false;
                }
            }
            Some(b) if b.is_ascii_alphabetic() => {
                if c.letters().len() != 1 {
                    return false;
                }
            }
            Some(b) if b.is_ascii_digit() && (tokens > 0 || marker) => {
                if c.number().is_none() {
                    return false;
                }
            }
            Some(_) => return false,
        }
        tokens = tokens.saturating_add(1);
    }
    tokens > 0 || marker
}

/// prowler's SOC 2 requirement ids for the additional criteria carry a `cc_`
/// prefix, and `cc_a_1_1` names A1.2 (its Name says so), so read literally it
/// would resolve to the wrong criterion. These are the only such ids prowler
/// has; each maps to the id in its Name (README, SOC 2 row).
const PROWLER_SOC2_IDS: [(&str, &str); 3] = [
    ("cc_a_1_1", "A1.2"),
    ("cc_c_1_1", "C1.1"),
    ("cc_c_1_2", "C1.2"),
];

/// SOC 2: `CC7.1`, `A1.2`, `PI1.5`, from `cc7.1`, `CC 7.1`, `CC7.01`, `cc_7_1`.
/// A bare series (`CC7`) is well formed but names no criterion.
fn soc2(text: &str) -> Option<Parsed> {
    if let Some(&(_, id)) = PROWLER_SOC2_IDS
        .iter()
        .find(|(prowler, _)| prowler.eq_ignore_ascii_case(text))
    {
        return Some(Parsed::Id(id.to_owned()));
    }
    let mut c = Cursor::new(text);
    c.strip_prefix(&["soc2", "soc 2", "soc-2", "soc_2"]);
    let letters = c.letters();
    if !(1..=2).contains(&letters.len()) {
        return None;
    }
    c.skip_while(|b| matches!(b, b'_' | b'-' | b' ' | b'\t'));
    let series = c.number()?;
    let mut id = format!("{}{series}", letters.to_ascii_uppercase());
    c.skip_spaces();
    if matches!(c.peek(), Some(b'.' | b'_' | b'-')) {
        c.bump();
        c.skip_spaces();
        let criterion = c.number()?;
        let _ = write!(id, ".{criterion}");
    }
    c.skip_spaces();
    c.at_end().then_some(Parsed::Id(id))
}

/// PCI DSS: `2.2.1`, `A3.2.5.1`, from `Req 2.2.1`, `Requirement 2.2.1`,
/// `PCI DSS 2.2.1`, `PCI-DSS Req. 2.2.1`, `a3.2.5.1`.
fn pci(text: &str) -> Option<Parsed> {
    let mut c = Cursor::new(text);
    if c.eat_keyword("pci") {
        let before_dss = c;
        if matches!(c.peek(), Some(b' ' | b'.' | b'_' | b'-')) {
            c.bump();
        }
        if !c.eat_keyword("dss") {
            c = before_dss;
        }
        c.skip_while(|b| matches!(b, b'.' | b':' | b' ' | b'\t'));
    }
    // "requirement" first: "req" is its prefix.
    if c.eat_keyword("requirement") || c.eat_keyword("req") {
        c.eat(b'.');
        c.skip_spaces();
    }
    let appendix = c.eat(b'A') || c.eat(b'a');
    let principal = c.number()?;
    let mut id = if appendix {
        format!("A{principal}")
    } else {
        principal.to_string()
    };
    while c.peek() == Some(b'.') {
        c.bump();
        let part = c.number()?;
        let _ = write!(id, ".{part}");
    }
    c.skip_spaces();
    c.at_end().then_some(Parsed::Id(id))
}

/// CIS AWS Foundations: `1.10`, `2.1.1`, from `CIS 2.1.1`. Every part is a
/// number read as text, so `1.10` never becomes `1.1`; leading zeros go
/// (`1.01` is `1.1`, as in the benchmark's own numbering).
fn cis(text: &str) -> Option<Parsed> {
    let mut c = Cursor::new(text);
    c.strip_prefix(&["cis"]);
    let mut id = c.number()?.to_string();
    while c.peek() == Some(b'.') {
        c.bump();
        let part = c.number()?;
        let _ = write!(id, ".{part}");
    }
    c.skip_spaces();
    c.at_end().then_some(Parsed::Id(id))
}

/// A position in ASCII text. Every read goes through `get`, so running off the
/// end is an ordinary `None`.
#[derive(Debug, Clone, Copy)]
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.bump();
        }
        found
    }

    /// Consumes bytes while `keep` holds; returns what it consumed.
    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        self.text.get(start..self.pos).unwrap_or_default()
    }

    fn skip_spaces(&mut self) {
        self.skip_while(|b| b == b' ' || b == b'\t');
    }

    fn letters(&mut self) -> &'a str {
        self.skip_while(|b| b.is_ascii_alphabetic())
    }

    /// Case-insensitive keyword.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let end = self.pos.saturating_add(keyword.len());
        let found = self
            .text
            .get(self.pos..end)
            .is_some_and(|s| s.eq_ignore_ascii_case(keyword));
        if found {
            self.pos = end;
        }
        found
    }

    /// A framework name in front of the id (`nist.AC-2`, `SOC 2 CC7.1`), which
    /// must be followed by `.`, `:` or white space so that it cannot swallow
    /// the start of an id.
    fn strip_prefix(&mut self, names: &[&str]) {
        for name in names {
            let start = *self;
            if self.eat_keyword(name)
                && !self
                    .skip_while(|b| matches!(b, b'.' | b':' | b' ' | b'\t'))
                    .is_empty()
            {
                return;
            }
            *self = start;
        }
    }

    /// A decimal number without its leading zeros (`02` is 2, the OSCAL label
    /// form). `None` if there is no digit or more than [`MAX_DIGITS`]
    /// significant ones.
    fn number(&mut self) -> Option<u32> {
        let digits = self.skip_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return None;
        }
        let significant = digits.trim_start_matches('0');
        if significant.len() > MAX_DIGITS {
            return None;
        }
        if significant.is_empty() {
            return Some(0);
        }
        significant.parse().ok()
    }
}
