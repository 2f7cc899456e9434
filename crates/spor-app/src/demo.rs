//! The synthetic demo register: built into a fresh SQLite file, summarised, and its
//! overview written in every edition.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Datelike;
use spor_core::{Outcome, Register, copenhagen_year};
use spor_store::Store;
use spor_store::sqlite::SqliteStore;

use crate::edition::{Edition, Format, Profile, PublicOptions};

/// The database file's name inside the demo folder.
pub const DB_FILE: &str = "spor-demo.db";

/// Creates `dir` if needed and builds a fresh demo register in `dir/spor-demo.db`
/// (an old one there is removed first). Returns the database path and the open store.
pub async fn build_db(dir: &Path) -> anyhow::Result<(PathBuf, SqliteStore)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let db = dir.join(DB_FILE);
    // SQLite keeps WAL-mode state beside the file; a fresh register needs all three gone.
    for suffix in ["", "-wal", "-shm"] {
        let f = PathBuf::from(format!("{}{suffix}", db.display()));
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot replace the old demo database {}", f.display())
                });
            }
        }
    }
    let store = SqliteStore::open_path(&db)
        .await
        .with_context(|| format!("cannot create the demo register {}", db.display()))?;
    store
        .apply_import(&spor_demo::build())
        .await
        .context("cannot write the demo data")?;
    store
        .set_microdata_from(Some(spor_demo::MICRODATA_FROM))
        .await
        .context("cannot set microdata_from in the demo register")?;
    Ok((db, store))
}

/// Writes the overview of the demo year into `dir` in every edition, internal
/// (`overview-2023.json`, `.html`, `.xlsx`, `.pdf`) and public (`overview-2023-public.*`
/// with the release manifest `manifest-2023.json`). Returns the paths written.
pub async fn write_overview(store: &dyn Store, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let (register, columns) = crate::statistics::load(store).await?;
    let year = spor_demo::YEAR;
    let now = chrono::Utc::now();
    let internal = Edition::compute(&register, &columns, year, &Profile::Internal)?;
    let public = Edition::of_report(
        internal.report.clone(),
        register.last_change,
        register.microdata_from,
        &Profile::Public(PublicOptions::default()),
    )?;
    let formats = [Format::Json, Format::Html, Format::Xlsx, Format::Pdf];
    let mut written = Vec::new();
    for edition in [&internal, &public] {
        let mut files = Vec::new();
        for f in formats {
            let path = dir.join(edition.file_name(f));
            std::fs::write(&path, edition.render(f, now)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            files.push(path);
        }
        if edition.is_public() {
            let manifest = edition.write_manifest(&files, dir)?;
            files.push(manifest);
        }
        written.extend(files);
    }
    Ok(written)
}

/// Danish thousands separator: 1.233.
fn n(x: usize) -> String {
    spor_import::format_count(x as u64)
}

/// The summary printed and written to README.txt: what the register holds, counted from
/// what the store returned.
pub fn summary(reg: &Register, db: &Path) -> String {
    let y = spor_demo::YEAR;
    let not_identified = reg
        .identifications
        .iter()
        .filter(|d| d.outcome == Outcome::NotIdentified && d.decision_date.year() == y)
        .count();
    let victims: BTreeSet<_> = reg
        .identifications
        .iter()
        .filter(|d| d.outcome == Outcome::Identified && d.decision_date.year() == y)
        .map(|d| &d.person_ref)
        .collect();
    let persons: BTreeSet<_> = reg
        .identifications
        .iter()
        .map(|d| &d.person_ref)
        .chain(reg.assessments.iter().map(|a| &a.person_ref))
        .collect();
    let assessed: BTreeSet<_> = reg
        .assessments
        .iter()
        .filter(|a| a.interview_date.year() == y)
        .map(|a| &a.person_ref)
        .collect();
    let calls = reg
        .hotline_calls
        .iter()
        .filter(|c| copenhagen_year(&c.received_at) == y)
        .count();
    let history_years: BTreeSet<i32> = reg.history.iter().map(|h| h.year).collect();
    let span = match (history_years.first(), history_years.last()) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => "ingen".into(),
    };
    let microdata_from = reg
        .microdata_from
        .map_or_else(|| "(ikke sat)".to_string(), |v| v.to_string());
    format!(
        "Spor – demoregister (syntetiske data, ingen rigtige personer)\n\
         \n\
         Database: {db}\n\
         \n\
         Indhold:\n\
         \x20 personer i registret:  {persons}\n\
         \x20 afgørelser:            {decisions} ({victims} personer vurderet udsat for menneskehandel i {y}; \
         {not_identified} afgørelser om ikke udsat i {y})\n\
         \x20 udredende samtaler:    {interviews} ({assessed} personer udredt i {y})\n\
         \x20 opkald til hotline:    {all_calls} ({calls} modtaget i {y})\n\
         \x20 historiske tal:        {history} rækker ({span})\n\
         \x20 microdata_from:        {microdata_from} (årene før kommer fra de historiske tal)\n\
         \n\
         Årsoversigten for {y}:\n\
         \x20 spor --db {db} report --year {y} --format html\n\
         Registret i udvekslingsformatet:\n\
         \x20 spor --db {db} export --format csv --out eksport\n\
         \n\
         Tallene for {y} svarer til Center mod Menneskehandels oversigt for {y}; årene før\n\
         kommer fra de offentliggjorte tidsserier. Se docs/seed-discrepancies.md for de steder,\n\
         hvor oversigten modsiger sig selv.\n",
        db = db.display(),
        persons = n(persons.len()),
        decisions = n(reg.identifications.len()),
        victims = n(victims.len()),
        interviews = n(reg.assessments.len()),
        assessed = n(assessed.len()),
        all_calls = n(reg.hotline_calls.len()),
        calls = n(calls),
        history = n(reg.history.len()),
        not_identified = n(not_identified),
    )
}

#[cfg(test)]
mod tests {
    use super::n;

    #[test]
    fn counts_use_the_danish_thousands_separator() {
        assert_eq!(n(7), "7");
        assert_eq!(n(503), "503");
        assert_eq!(n(1233), "1.233");
        assert_eq!(n(1234567), "1.234.567");
    }
}
