//! Backups a centre can restore (issue 25, item 4): `spor backup --out FILE` writes the
//! whole register into a new SQLite file through the same path as `spor store copy` (one
//! read transaction on the source, so it is consistent while the web application writes;
//! the copy is read back and compared), `spor restore FILE` copies a backup into an empty
//! store the same way, and `spor store check` runs the database's consistency check, the
//! audit trail's verification and counts the rows. Backup and restore are audit events:
//! the backup's in the source before it is read (so the backup carries it), the
//! restore's in the restored register.

use std::path::Path;

use anyhow::{Context, bail};
use spor_store::CopyOutcome;
use spor_store::web::ChainStatus;

use crate::audit::{Event, record_command_line};

/// Backs up the register at `db` into the new SQLite file `out`.
pub async fn backup(db: &str, out: &Path) -> anyhow::Result<CopyOutcome> {
    if out.exists() {
        bail!(
            "{} exists: a backup is written into a new file (name another, or move the old one away)",
            out.display()
        );
    }
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!(
            "the folder {} does not exist: create it first",
            dir.display()
        );
    }
    let target = out.display().to_string();
    record_command_line(
        db,
        Event::RegisterBackup,
        None,
        Some(format!("to {target}")),
    )
    .await?;
    let outcome = crate::copy::copy(db, &target).await;
    if outcome.is_err() {
        // Nothing half-written is left to be taken for a backup.
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{target}{suffix}"));
        }
    }
    outcome.with_context(|| format!("the backup into {target} failed"))
}

/// Restores the backup `file` into the empty store at `db`.
pub async fn restore(file: &Path, db: &str) -> anyhow::Result<CopyOutcome> {
    if !file.is_file() {
        bail!("there is no backup at {}", file.display());
    }
    let source = file.display().to_string();
    let outcome = crate::copy::copy(&source, db).await?;
    record_command_line(
        db,
        Event::RegisterRestore,
        None,
        Some(format!("from {source}")),
    )
    .await?;
    Ok(outcome)
}

/// What `spor store check` found.
#[derive(Debug, Clone)]
pub struct Check {
    /// The database's own consistency check: what it finds wrong.
    pub integrity: Vec<String>,
    pub chain: ChainStatus,
    /// Rows per table.
    pub rows: Vec<(&'static str, u64)>,
}

impl Check {
    pub fn is_ok(&self) -> bool {
        self.integrity.is_empty() && matches!(self.chain, ChainStatus::Intact { .. })
    }
}

/// Checks the register at `db`: the database's consistency, the audit trail, the rows.
pub async fn check(db: &str) -> anyhow::Result<Check> {
    let store = crate::open_web_store(db).await?;
    let integrity = store
        .integrity_check()
        .await
        .context("cannot run the database's consistency check")?;
    let chain = store
        .verify_audit()
        .await
        .context("cannot verify the audit trail")?;
    let rows = store
        .row_counts()
        .await
        .context("cannot count the register's rows")?;
    Ok(Check {
        integrity,
        chain,
        rows,
    })
}
