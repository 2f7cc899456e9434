//! Spor's application layer: every use case once, called by both front ends. The command
//! line (`spor`) parses arguments and prints; the web application (`spor-web`) speaks HTTP
//! and keeps sessions; what they do is here.
//!
//! | use case | here |
//! |---|---|
//! | import files (or check them: dry run) | [`import::import`] |
//! | export the register in the exchange format | [`export::export`] |
//! | the overview of a year in a profile, and its renderings | [`edition::Edition`] |
//! | the public edition as a release, the risk report | [`release`] |
//! | international exchanges (Eurostat, UNODC, TIP, GRETA) and their mappings | [`exchange`] |
//! | releases kept as records: publish, list, show as published | [`published`] |
//! | statistics kept per state of the register (web), the dashboard | [`statistics::Statistics`] |
//! | copy a register between stores | [`copy::copy`] |
//! | back up, restore and check a register | [`backup`] |
//! | the synthetic demo | [`demo`] |
//! | a synthetic register of any size (benchmarks) | [`generate`] |
//! | accounts of the web application | [`accounts`] |
//! | the second factor: TOTP enrolment and check, recovery codes | [`second_factor`] |
//! | the register's settings, by an administrator | [`settings`] |
//! | the centre's own codes: add, rename, retire | [`codes`] |
//! | the audit trail's events and who acted | [`audit`] |
//! | access to persons by team, and "break glass" with a reason | [`teams`] |
//! | who a person is: sealed identity, master key, blind index, duplicates | [`identity`] |
//! | retention of identity: the policy, erasure when due, legal holds | [`retention`] |

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod codes;
pub mod copy;
pub mod demo;
pub mod edition;
pub mod exchange;
pub mod export;
pub mod generate;
pub mod identity;
pub mod import;
pub mod microdata;
pub mod published;
pub mod records;
pub mod release;
pub mod retention;
pub mod second_factor;
pub mod settings;
pub mod statistics;
pub mod teams;
pub mod trace;

pub use edition::{Edition, Format, Profile, PublicOptions};
pub use statistics::{EditionKey, Statistics};

use anyhow::Context;

/// Opens the store named by `url` (a file path, `sqlite:PATH` or `postgres://…`); the
/// error names it without a password.
pub async fn open_store(url: &str) -> anyhow::Result<Box<dyn spor_store::Store>> {
    spor_store::open(url).await.with_context(|| {
        let shown = spor_store::postgres::redact(url);
        format!("cannot open the register at {shown}")
    })
}

/// Opens the store named by `url` with the web application's tables (accounts, the audit
/// trail): what the use cases that audit who acted need.
/// The process's audit key, if one was given ([`audit::use_key`]), keys its audit trail.
pub async fn open_web_store(url: &str) -> anyhow::Result<Box<dyn spor_store::WebStore>> {
    let store = spor_store::open_web(url).await.with_context(|| {
        let shown = spor_store::postgres::redact(url);
        format!("cannot open the register at {shown}")
    })?;
    if let Some(key) = audit::key() {
        store.set_audit_key(key.clone());
    }
    Ok(store)
}
