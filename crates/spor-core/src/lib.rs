//! Spor's domain layer: the records of the register, the code lists and the rules that
//! turn outside text into typed values. Nothing here does I/O.

pub mod codes;
pub mod exchange;
pub mod identity;
pub mod labels;
pub mod model;
pub mod register;
pub mod spreadsheet;

pub use codes::{CodeBook, CodeEntry, ListId};
pub use exchange::Mappings;
pub use identity::PersonIdentity;
pub use model::*;
pub use register::{ImportBatch, Register};
