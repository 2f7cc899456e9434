//! The story suites' harness: a fresh store per backend and test, and synthetic records
//! (made up: no real person is in them).
#![allow(dead_code)]

use chrono::NaiveDate;
use spor_core::{
    Assessment, Authority, CallerType, Code, Country, Form, Gender, HistoryRow, HotlineCall,
    Identification, ImportBatch, Outcome, Ref, Register, Series, Topic, parse_timestamp,
};
use spor_store::postgres::PgStore;
use spor_store::sqlite::SqliteStore;
use spor_store::{Counts, Store};
use sqlx::Connection as _;

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

pub const PG_VAR: &str = "SPOR_TEST_POSTGRES_URL";

pub fn pg_admin_url() -> Option<String> {
    std::env::var(PG_VAR).ok().filter(|u| !u.is_empty())
}

pub fn say_postgres_not_run(test: &str) {
    use std::io::Write as _;
    static ONCE: std::sync::Once = std::sync::Once::new();
    // Straight to stderr, past the test harness's capture: a passing run must still show
    // that PostgreSQL was not tested.
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: {PG_VAR} is not set: the PostgreSQL part of the storage story suite was NOT run \
             (SQLite only). Set it, e.g. {PG_VAR}=postgres://postgres@127.0.0.1:5432/postgres, to run it."
        );
    });
    eprintln!("PostgreSQL part of `{test}` not run");
}

/// The server's URL with another database name.
pub fn with_database(admin_url: &str, db: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[after_scheme..]
        .find('/')
        .map(|i| i + after_scheme)
        .unwrap_or(base.len());
    let mut url = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// A database created for one test and dropped when the test ends, pass or fail.
pub struct TempDatabase {
    admin_url: String,
    pub name: String,
}

impl TempDatabase {
    pub async fn create(admin_url: &str) -> TempDatabase {
        let name = format!("spor_test_{:016x}", fastrand::u64(..));
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("{PG_VAR} is set but PostgreSQL is not reachable: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        TempDatabase {
            admin_url: admin_url.to_string(),
            name,
        }
    }

    pub fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop cannot await; a thread with its own runtime can, even inside a test runtime.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
                Ok::<_, String>(())
            })
        })
        .join();
        if !matches!(done, Ok(Ok(()))) {
            eprintln!("warning: could not drop the test database {}", self.name);
        }
    }
}

pub enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// One backend's store for one test, with what keeps its database alive.
pub struct Backend {
    pub name: &'static str,
    pub url: String,
    pub store: Box<dyn Store>,
    pub raw: Raw,
    _dir: Option<tempfile::TempDir>,
    _db: Option<TempDatabase>,
}

impl Backend {
    pub async fn sqlite() -> Backend {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("spor.db").display().to_string();
        let store = SqliteStore::open(&url).await.expect("open SQLite");
        Backend {
            name: "sqlite",
            url,
            raw: Raw::Sqlite(store.pool().clone()),
            store: Box::new(store),
            _dir: Some(dir),
            _db: None,
        }
    }

    pub async fn postgres(admin_url: &str) -> Backend {
        let db = TempDatabase::create(admin_url).await;
        let url = db.url();
        let store = PgStore::open(&url).await.expect("open PostgreSQL");
        Backend {
            name: "postgres",
            url,
            raw: Raw::Postgres(store.pool().clone()),
            store: Box::new(store),
            _dir: None,
            _db: Some(db),
        }
    }

    /// A second, independent handle on the same database (as another process would have).
    pub async fn reopen(&self) -> Box<dyn Store> {
        spor_store::open(&self.url).await.expect("reopen the store")
    }

    /// Runs `sql` on the database directly, past the store (as someone with access to the
    /// database would); the rows it changed, or the database's refusal.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        Ok(match &self.raw {
            Raw::Sqlite(p) => sqlx::query(sql).execute(p).await?.rows_affected(),
            Raw::Postgres(p) => sqlx::query(sql).execute(p).await?.rows_affected(),
        })
    }

    /// Makes the database refuse history rows in the category `refuse-me`, so an import
    /// can be made to fail after it has written its other rows.
    pub async fn refuse_marked_history_rows(&self) {
        match &self.raw {
            Raw::Sqlite(p) => {
                sqlx::query(
                    "CREATE TRIGGER refuse_history BEFORE INSERT ON history WHEN NEW.category = 'refuse-me' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
                )
                .execute(p)
                .await
                .expect("SQLite trigger");
            }
            Raw::Postgres(p) => {
                sqlx::query(
                    "CREATE FUNCTION refuse_history() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.category = 'refuse-me' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
                )
                .execute(p)
                .await
                .expect("PostgreSQL trigger function");
                sqlx::query(
                    "CREATE TRIGGER refuse_history BEFORE INSERT ON history FOR EACH ROW EXECUTE FUNCTION refuse_history()",
                )
                .execute(p)
                .await
                .expect("PostgreSQL trigger");
            }
        }
    }
}

/// SQLite, and PostgreSQL when its URL is set; each a fresh, empty register.
pub async fn backends(test: &str) -> Vec<Backend> {
    let mut out = vec![Backend::sqlite().await];
    match pg_admin_url() {
        Some(url) => out.push(Backend::postgres(&url).await),
        None => say_postgres_not_run(test),
    }
    out
}

// ---------------------------------------------------------------------------------------
// Synthetic records (made up: no real person is in them)
// ---------------------------------------------------------------------------------------

pub fn r(s: &str) -> Ref {
    Ref::parse(s).expect("test ref")
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

pub fn identification(case: &str, person: &str, day: &str, form: Option<Form>) -> Identification {
    Identification {
        case_ref: r(case),
        person_ref: r(person),
        decision_date: date(day),
        authority: Authority::Cmm,
        outcome: if form.is_some() {
            Outcome::Identified
        } else {
            Outcome::NotIdentified
        },
        referral_actor: Some(Code::new_unchecked("police")),
        exploitation_form: form,
        exploitation_subtype: None,
        gender: Gender::Female,
        age: Some(27),
        nationality: Country::new_unchecked("NG"),
        return_date: None,
        return_country: None,
    }
}

pub fn assessment(aref: &str, person: &str, day: &str) -> Assessment {
    Assessment {
        assessment_ref: r(aref),
        person_ref: r(person),
        interview_date: date(day),
        gender: Gender::Male,
        age: None,
        nationality: Country::new_unchecked("STATELESS"),
    }
}

pub fn call(cref: &str, at: &str, topic: Option<Topic>) -> HotlineCall {
    HotlineCall {
        call_ref: r(cref),
        received_at: parse_timestamp(at).expect("test timestamp"),
        caller_type: CallerType::Organisation,
        concerns_possible_victim: topic == Some(Topic::Suspicion),
        topic,
    }
}

pub fn history(
    series: Series,
    year: i32,
    category: Option<&str>,
    count: Option<u64>,
) -> HistoryRow {
    HistoryRow {
        series,
        year,
        category: category.map(str::to_string),
        count,
    }
}

/// A small register touching every column: refs whose byte order differs from a
/// locale's order (upper/lower case, punctuation, æøå), optional fields both set and
/// empty, a call in summer time and one in winter time, history with and without
/// category and count.
pub fn sample() -> ImportBatch {
    let mut full = identification("b-10", "P-7", "2023-02-28", Some(Form::ForcedLabour));
    full.exploitation_subtype = Some(Code::new_unchecked("agriculture"));
    full.gender = Gender::TransMale;
    full.age = None;
    full.return_date = Some(date("2023-12-31"));
    full.return_country = Some(Country::new_unchecked("RO"));
    full.referral_actor = None;
    ImportBatch {
        identifications: vec![
            identification("a10", "P-1", "2023-01-05", Some(Form::Sexual)),
            identification("A-9", "P-2", "2023-03-17", None),
            full,
            identification("Ø-1", "P-8", "2023-06-01", Some(Form::Unresolved)),
            identification("B2", "P-1", "2022-11-30", Some(Form::Sexual)),
        ],
        assessments: vec![
            assessment("as-2", "P-1", "2023-01-02"),
            assessment("AS-1", "P-9", "2023-07-14"),
        ],
        hotline_calls: vec![
            call("c-1", "2023-07-01T09:30:00+02:00", Some(Topic::Suspicion)),
            call("C-2", "2023-12-24T23:59:59+01:00", None),
            call("c-3", "2023-03-26T03:15:00+02:00", Some(Topic::Knowledge)),
        ],
        history: vec![
            history(Series::Victims, 2015, None, Some(76)),
            history(Series::VictimsByForm, 2015, Some("sexual"), Some(55)),
            history(Series::VictimsByForm, 2015, Some("forced_labour"), None),
            history(Series::VictimsByNationality, 2016, Some("NG"), Some(12)),
        ],
    }
}

/// What a store should give back for `batch`: sorted by byte order of the refs (and
/// history by series, year, category), as both backends must.
pub fn sorted(batch: &ImportBatch) -> ImportBatch {
    let mut b = batch.clone();
    b.identifications
        .sort_by(|x, y| x.case_ref.as_str().cmp(y.case_ref.as_str()));
    b.assessments
        .sort_by(|x, y| x.assessment_ref.as_str().cmp(y.assessment_ref.as_str()));
    b.hotline_calls
        .sort_by(|x, y| x.call_ref.as_str().cmp(y.call_ref.as_str()));
    b.history.sort_by(|x, y| {
        let (s1, y1, c1) = x.key();
        let (s2, y2, c2) = y.key();
        (s1.code(), y1, c1).cmp(&(s2.code(), y2, c2))
    });
    b
}

pub fn assert_holds(name: &str, reg: &Register, expected: &ImportBatch) {
    let e = sorted(expected);
    assert!(
        reg.identifications == e.identifications,
        "{name}: identifications differ from what was imported"
    );
    assert!(
        reg.assessments == e.assessments,
        "{name}: assessments differ from what was imported"
    );
    assert_eq!(reg.hotline_calls, e.hotline_calls, "{name}: hotline calls");
    assert_eq!(reg.history, e.history, "{name}: history");
}

pub fn counts(inserted: u64, updated: u64, unchanged: u64) -> Counts {
    Counts {
        inserted,
        updated,
        unchanged,
    }
}

pub fn many_identifications(prefix: &str, n: usize, age: u8, country: &str) -> Vec<Identification> {
    (0..n)
        .map(|i| {
            let mut x = identification(
                &format!("{prefix}-{i:05}"),
                &format!("P-{prefix}-{i}"),
                "2023-05-05",
                Some(Form::Sexual),
            );
            x.age = Some(age);
            x.nationality = Country::new_unchecked(country);
            x
        })
        .collect()
}
