//! One module per subcommand: each turns parsed arguments into calls of
//! the library crates and a report on standard output.

pub mod check;
pub mod compile;
pub mod drift;
pub mod explain;
pub mod import;
pub mod lint;
pub mod test;
