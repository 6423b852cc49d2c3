//! plumb runtime: the value model, snapshots, projection, the bytecode VM
//! and the parallel evaluator.
//!
//! **Architecture Invariant:** the runtime never depends on the compiler;
//! compiled policies cross the boundary as data ([`bytecode::Program`]).
#![forbid(unsafe_code)]

pub mod artifact;
pub mod bytecode;
pub mod eval;
pub mod finding;
pub mod glob;
pub mod meta;
pub mod pattern;
pub mod projection;
pub mod snapshot;
pub mod value;
pub mod vm;

pub use finding::{Finding, Report, Status};
pub use projection::{PathTree, Projection, TypePattern};
pub use snapshot::{LoadOptions, Resource, Snapshot, SnapshotError, Source};
pub use value::{Object, Value};
