//! The annual overview's statistics: declarative table definitions and one engine.

pub mod output;

pub use output::{Report, Row, Table};
