//! Shared by the integration tests.

/// The generated registers of `spor bench generate`, built in memory.
pub use spor_demo::generated as generator;
