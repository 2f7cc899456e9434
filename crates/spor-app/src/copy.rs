//! A whole register moved between stores (SQLite → PostgreSQL when a centre grows,
//! PostgreSQL → SQLite for an offline copy), then both loaded and compared.

use anyhow::{Context, bail};
use spor_store::CopyOutcome;

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// How a store is named in messages: PostgreSQL URLs without their password.
pub fn shown(url: &str) -> String {
    if is_postgres(url) {
        spor_store::postgres::redact(url)
    } else {
        url.to_string()
    }
}

/// Copies and verifies; differences after the copy are an error.
pub async fn copy(from: &str, to: &str) -> anyhow::Result<CopyOutcome> {
    if from == to {
        bail!("--from and --to name the same register ({})", shown(from));
    }
    // Opening an SQLite file creates it: a mistyped source would be copied as an empty
    // register. A source must exist.
    if !is_postgres(from) {
        let path = spor_store::sqlite::parse_path(from)?;
        if !path.is_file() {
            bail!(
                "there is no register at {} (--from): name an existing SQLite file or a postgres:// URL",
                path.display()
            );
        }
    }
    let source = spor_store::open(from)
        .await
        .with_context(|| format!("cannot open the source register {} (--from)", shown(from)))?;
    let target = spor_store::open(to)
        .await
        .with_context(|| format!("cannot open the target register {} (--to)", shown(to)))?;
    let outcome = spor_store::copy_register(source.as_ref(), target.as_ref())
        .await
        .with_context(|| format!("cannot copy into {}", shown(to)))?;
    if !outcome.differences.is_empty() {
        bail!(
            "the copy in {} is not identical to the source: {}. If the source was changed during the copy, empty the target (or make a new one) and copy again",
            shown(to),
            outcome.differences.join("; ")
        );
    }
    Ok(outcome)
}

fn n(x: usize) -> String {
    spor_import::format_count(x as u64)
}

/// What a copy did, in Danish, a line a table.
pub fn summary(from: &str, to: &str, o: &CopyOutcome) -> String {
    let label = |table: &str| match table {
        "identifications" => "Afgørelser",
        "assessments" => "Vurderingssamtaler",
        "hotline_calls" => "Hotlineopkald",
        "history" => "Historiske tal",
        "settings" => "Indstillinger",
        "code_additions" => "Tilføjede koder",
        "users" => "Brugere",
        "audit_events" => "Audit-hændelser",
        "record_changes" => "Ændringshistorik",
        "releases" => "Udgivelser",
        "release_files" => "Udgivne filer",
        "person_teams" => "Personers teams",
        _ => "Andet",
    };
    let mut s = format!("Kopieret fra {} til {}:\n", shown(from), shown(to));
    for (table, count) in &o.rows {
        s.push_str(&format!("  {:<20}{:>12}\n", label(table), n(*count)));
    }
    s.push_str(
        "Kontrolleret: de to registre er ens (registret er indlæst fra begge og sammenlignet, \
         og alle tabeller er læst igen og sammenlignet række for række).\n\
         Sessioner kopieres ikke: brugerne logger ind igen på den nye server.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    use spor_core::{Authority, Country, Gender, Identification, ImportBatch, Outcome, Ref};

    fn batch() -> ImportBatch {
        let ident = |case: &str| Identification {
            case_ref: Ref::parse(case).unwrap(),
            person_ref: Ref::parse("P-1").unwrap(),
            decision_date: chrono::NaiveDate::from_ymd_opt(2023, 4, 17).unwrap(),
            authority: Authority::Cmm,
            outcome: Outcome::NotIdentified,
            referral_actor: None,
            exploitation_form: None,
            exploitation_subtype: None,
            gender: Gender::Unknown,
            age: None,
            nationality: Country::new_unchecked("UNKNOWN"),
            return_date: None,
            return_country: None,
        };
        ImportBatch {
            identifications: vec![ident("K-1"), ident("K-2")],
            ..ImportBatch::default()
        }
    }

    #[tokio::test]
    async fn copy_fills_a_new_file_verifies_it_and_refuses_to_copy_twice() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("a.db").display().to_string();
        let to = dir.path().join("b.db").display().to_string();
        let source = spor_store::open(&from).await.unwrap();
        source.apply_import(&batch()).await.unwrap();
        source.set_microdata_from(Some(2023)).await.unwrap();

        let outcome = copy(&from, &to).await.unwrap();
        assert_eq!(outcome.rows("identifications"), 2);
        assert_eq!(
            outcome.rows("settings"),
            2,
            "microdata_from and last_change"
        );
        let text = summary(&from, &to, &outcome);
        assert!(
            text.contains("Kontrolleret: de to registre er ens"),
            "{text}"
        );
        let copied = spor_store::open(&to).await.unwrap();
        assert_eq!(
            copied.load_register().await.unwrap().identifications.len(),
            2
        );
        assert_eq!(copied.microdata_from().await.unwrap(), Some(2023));

        let err = copy(&from, &to).await.unwrap_err();
        assert!(
            format!("{err:#}").contains(
                "the target register is not empty (it holds 2 identifications, 2 settings)"
            ),
            "{err:#}"
        );
    }

    #[tokio::test]
    async fn copy_refuses_a_source_that_does_not_exist_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("typo.db").display().to_string();
        let to = dir.path().join("new.db").display().to_string();
        let err = copy(&from, &to).await.unwrap_err();
        assert!(err.to_string().contains("there is no register at"), "{err}");
        assert!(!dir.path().join("typo.db").exists());
        assert!(!dir.path().join("new.db").exists());
        let err = copy(&to, &to).await.unwrap_err();
        assert!(err.to_string().contains("name the same register"), "{err}");
    }

    #[tokio::test]
    async fn a_failed_connection_names_the_server_but_never_the_password() {
        // Nothing listens on port 1 of this machine.
        let err = crate::open_store("postgres://spor:Hemmelig-77@127.0.0.1:1/reg")
            .await
            .unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("postgres://spor:***@127.0.0.1:1/reg"),
            "{text}"
        );
        assert!(
            text.contains("`reg` on host 127.0.0.1, port 1 (PostgreSQL, user spor)"),
            "{text}"
        );
        assert!(!text.contains("Hemmelig"), "{text}");
        let err = copy(
            "postgres://spor:Hemmelig-77@127.0.0.1:1/reg",
            "/nonexistent/x.db",
        )
        .await
        .unwrap_err();
        assert!(!format!("{err:#}").contains("Hemmelig"), "{err:#}");
    }

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        assert_eq!(
            shown("postgres://spor:Hemmelig@db:5432/spor"),
            "postgres://spor:***@db:5432/spor"
        );
        assert_eq!(n(1_233), "1.233");
        assert_eq!(n(12), "12");
    }
}
