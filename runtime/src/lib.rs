//! plumb runtime: the value model, snapshots and the evaluator.
//!
//! Empty until the evaluation issue lands; the crate exists so the workspace
//! already has the shape ARCHITECTURE.md describes. It must never depend on
//! `plumb-compiler`.
#![forbid(unsafe_code)]
