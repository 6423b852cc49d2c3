//! plumb's standard library: built-in functions and the compliance control
//! catalogs that rules cite.
#![forbid(unsafe_code)]

pub mod builtins;
pub mod controls;
pub mod eval;

pub use eval::StdBuiltins;
