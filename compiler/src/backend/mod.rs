//! Code generation from the IR.

pub mod bytecode;
