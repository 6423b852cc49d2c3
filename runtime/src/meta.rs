//! Rule metadata: what a rule (or drift block) says about itself, apart
//! from the code that decides it. One backend-neutral type that the IR,
//! the bytecode [`Program`](crate::bytecode::Program) and any later
//! backend carry, and that reports, the evidence store and auditors'
//! control matrices read.

use serde::{Deserialize, Serialize};

use crate::bytecode::{Response, Severity};
use crate::finding::Location;
use crate::projection::TypePattern;
use crate::value::Str;

/// A rule's or drift block's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMeta {
    pub name: String,
    pub package: String,
    /// The `///` doc comment above it.
    pub doc: Option<String>,
    /// The rule file as it was named to the compiler.
    pub file: String,
    /// 1-based line of the `rule` or `drift` keyword.
    pub line: u32,
    /// The resource types it selects (`on aws_s3_bucket, aws_*`); empty
    /// for a rule `on snapshot`.
    pub selector: Vec<TypePattern>,
    /// `on snapshot`: decided once per snapshot, with the snapshot as its
    /// subject, instead of once per selected resource.
    #[serde(default)]
    pub snapshot: bool,
    pub severity: Severity,
    /// Normalised, framework-qualified: `nist.CM-6`, `soc2.CC7.1`.
    pub controls: Vec<String>,
    pub response: Response,
}

impl RuleMeta {
    /// Where the rule is written.
    pub fn location(&self) -> Location {
        Location {
            file: Str::from(self.file.as_str()),
            line: self.line,
        }
    }

    /// Whether the rule selects resources of type `ty`.
    pub fn selects(&self, ty: &str) -> bool {
        self.selector.iter().any(|p| p.matches(ty))
    }
}
