//! Reliability (issue 25) end to end: `spor backup`, `spor restore` and `spor store check`
//! on the demo register (a restored backup gives identical exports and reports, and both
//! are in the audit trail), and crash consistency: `spor import` killed with SIGKILL at
//! random moments leaves a store that opens, passes its check and holds the whole import
//! or none of it; on PostgreSQL (when `SPOR_TEST_POSTGRES_URL` names a server, in databases
//! of the test's own) the same with the connection cut, from the server's side
//! (`pg_terminate_backend`) or by killing the client. `SPOR_CRASH_DECISIONS` and
//! `SPOR_CRASH_RUNS` set the register's size and the number of kills (defaults 20,000 and
//! 50; `docs/reliability.md` has runs at 100,000).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// `spor --db DB`, to be given its arguments.
fn cmd(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.arg("--db").arg(db);
    c
}

fn spor(db: &Path, args: &[&str]) -> Output {
    cmd(db).args(args).output().expect("the spor binary runs")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "spor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_restored_backup_gives_identical_exports_and_reports_and_both_are_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = Command::new(env!("CARGO_BIN_EXE_spor"))
        .args(["demo", "--out"])
        .arg(tmp.path().join("demo"))
        .output()
        .unwrap();
    ok(demo);
    let db = tmp.path().join("demo/spor-demo.db");
    let backup = tmp.path().join("backup.db");
    let restored = tmp.path().join("restored.db");

    ok(spor(&db, &["backup", "--out", backup.to_str().unwrap()]));
    // A backup never overwrites a file.
    let again = spor(&db, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    ok(spor(&restored, &["restore", backup.to_str().unwrap()]));
    // A restore goes into an empty store only.
    let twice = spor(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("not empty"));

    for (which, register) in [("original", &db), ("restored", &restored)] {
        let out = tmp.path().join(format!("export-{which}"));
        ok(spor(
            register,
            &["export", "--format", "csv", "--out", out.to_str().unwrap()],
        ));
    }
    assert_eq!(
        files_of(&tmp.path().join("export-original")),
        files_of(&tmp.path().join("export-restored")),
        "the restored register exports the same files"
    );
    let report = |register: &Path| -> serde_json::Value {
        serde_json::from_str(&ok(spor(register, &["report", "--year", "2023"]))).unwrap()
    };
    assert_eq!(
        report(&db),
        report(&restored),
        "and gives the same overview"
    );

    let check = ok(spor(&restored, &["store", "check"]));
    assert!(check.contains("database: consistent"), "{check}");
    assert!(check.contains("audit trail: intact"), "{check}");
    assert!(check.contains("identifications: "), "{check}");

    // The backup is in the original's trail (and carried into the backup); the restore in
    // the restored register's.
    let trail = |register: &Path| ok(spor(register, &["audit", "list"]));
    assert!(trail(&db).contains("register.backup"));
    let restored_trail = trail(&restored);
    assert!(
        restored_trail.contains("register.backup"),
        "{restored_trail}"
    );
    assert!(
        restored_trail.contains("register.restore"),
        "{restored_trail}"
    );
}

#[test]
fn a_damaged_audit_trail_fails_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("spor.db");
    let codes = "codes add referral_actor union --da Fagforening --en Trade-union";
    ok(spor(&db, &codes.split(' ').collect::<Vec<_>>()));
    ok(spor(&db, &["store", "check"]));
    let conn = rusqlite::Connection::open(&db).unwrap();
    // Past the triggers that keep the trail append-only, as someone with the file could.
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_events_no_update; UPDATE audit_events SET detail = 'changed';",
    )
    .unwrap();
    drop(conn);
    let out = spor(&db, &["store", "check"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit trail: broken"));
}

/// The files of a register of `decisions` decisions made by `spor bench generate` into
/// `out` (with `seed`, else its default).
fn generated(out: &Path, decisions: u64, seed: Option<u64>) -> Vec<PathBuf> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.args(["bench", "generate", "--decisions", &decisions.to_string()]);
    if let Some(seed) = seed {
        c.args(["--seed", &seed.to_string()]);
    }
    ok(c.arg("--out").arg(out).output().unwrap());
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The rows `spor store check` reports for `table`.
fn rows(check: &str, table: &str) -> u64 {
    check
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{table}: ")))
        .and_then(|l| l.strip_suffix(" rows"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no row count of {table} in:\n{check}"))
}

#[test]
fn an_import_killed_at_any_moment_leaves_all_of_it_or_none() {
    let decisions = setting("SPOR_CRASH_DECISIONS", 20_000);
    let runs = setting("SPOR_CRASH_RUNS", 50);
    let tmp = tempfile::tempdir().unwrap();
    let files = generated(&tmp.path().join("data"), decisions, None);

    // How long a whole import takes here: the kills fall within it.
    let whole = tmp.path().join("whole.db");
    let start = Instant::now();
    ok(cmd(&whole).arg("import").args(&files).output().unwrap());
    let took = start.elapsed();
    let check = ok(cmd(&whole).args(["store", "check"]).output().unwrap());
    assert_eq!(rows(&check, "identifications"), decisions);

    let mut rng = fastrand::Rng::with_seed(2025);
    let (mut none, mut all) = (0, 0);
    for run in 0..runs {
        let db = tmp.path().join(format!("killed-{run}.db"));
        let mut child = cmd(&db)
            .arg("import")
            .args(&files)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Anywhere from the start to a little past the usual end.
        let at = took.mul_f64(rng.f64() * 1.2);
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let out = cmd(&db).args(["store", "check"]).output().unwrap();
        let check = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "run {run}, killed after {at:?}: the store does not pass its check:\n{check}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        match rows(&check, "identifications") {
            0 => {
                none += 1;
                for t in ["assessments", "hotline_calls", "history"] {
                    assert_eq!(rows(&check, t), 0, "run {run}: {t} without the decisions");
                }
            }
            n if n == decisions => {
                all += 1;
                let whole_check = ok(cmd(&whole).args(["store", "check"]).output().unwrap());
                for t in ["assessments", "hotline_calls", "history"] {
                    assert_eq!(
                        rows(&check, t),
                        rows(&whole_check, t),
                        "run {run}: {t} of a whole import"
                    );
                }
            }
            n => panic!("run {run}, killed after {at:?}: {n} of {decisions} decisions written"),
        }
        let _ = std::fs::remove_file(&db);
        // Keep the machine's load out of the next run's timing.
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "{runs} kills: {none} left nothing, {all} the whole import (a whole import took {took:?})"
    );
    assert_eq!(none + all, runs);
}

/// A small file system of its own (tmpfs), unmounted when dropped.
struct SmallFs {
    dir: tempfile::TempDir,
}

impl SmallFs {
    /// `None` where this user may not mount one (mounting needs root).
    fn mount(size: &str) -> Option<SmallFs> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .ok()?;
        mounted.status.success().then_some(SmallFs { dir })
    }

    fn remount(&self, mode: &str) {
        let done = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.dir.path())
            .status()
            .unwrap();
        assert!(done.success(), "remount {mode}");
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn an_import_onto_a_full_or_read_only_file_system_fails_clearly_and_changes_nothing() {
    let Some(fs) = SmallFs::mount("6m") else {
        eprintln!("not run: mounting a small tmpfs needs root (CI runs as root)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (small, big) = (
        generated(&tmp.path().join("data-2000"), 2000, Some(1)),
        generated(&tmp.path().join("data-100000"), 100_000, Some(2)),
    );
    let db = fs.dir.path().join("spor.db");
    ok(cmd(&db).arg("import").args(&small).output().unwrap());
    let before = ok(spor(&db, &["store", "check"]));
    assert_eq!(rows(&before, "identifications"), 2000);

    // Full: the larger import does not fit in 6 MB.
    let full = cmd(&db).arg("import").args(&big).output().unwrap();
    assert!(!full.status.success());
    let said = String::from_utf8_lossy(&full.stderr);
    assert!(
        said.contains("the disk that holds the register is full: nothing was written"),
        "{said}"
    );
    assert_eq!(
        ok(spor(&db, &["store", "check"])),
        before,
        "the store is as it was"
    );

    // Read-only: refused before anything is written, saying why.
    fs.remount("ro");
    let read_only = cmd(&db).arg("import").args(&small).output().unwrap();
    fs.remount("rw");
    assert!(!read_only.status.success());
    let said = String::from_utf8_lossy(&read_only.stderr);
    assert!(said.contains("read-only file system"), "{said}");
    assert_eq!(
        ok(spor(&db, &["store", "check"])),
        before,
        "the store is as it was"
    );
}

/// The PostgreSQL server the tests may use (`SPOR_TEST_POSTGRES_URL`), when set.
fn postgres_url() -> Option<String> {
    std::env::var("SPOR_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// `url` (`postgres://…/db?…`) naming the database `db` instead.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[start..].find('/').map_or(base.len(), |i| start + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Databases this test made on the server, dropped when it ends, pass or fail.
struct PgDatabases {
    admin: String,
    rt: tokio::runtime::Runtime,
    names: Vec<String>,
}

impl PgDatabases {
    fn new(admin: String) -> PgDatabases {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        PgDatabases {
            admin,
            rt,
            names: Vec::new(),
        }
    }

    fn sql(&self, db: Option<&str>, sql: String) -> Vec<sqlx::postgres::PgRow> {
        use sqlx::Connection;
        let url = db.map_or(self.admin.clone(), |d| with_database(&self.admin, d));
        self.rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap_or_else(|e| {
                panic!("SPOR_TEST_POSTGRES_URL is set but {url} is not reachable: {e}")
            });
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let _ = conn.close().await;
            rows
        })
    }

    /// A new empty database; its URL.
    fn create(&mut self, name: String) -> String {
        self.sql(None, format!("CREATE DATABASE \"{name}\""));
        let url = with_database(&self.admin, &name);
        self.names.push(name);
        url
    }

    fn drop_database(&mut self, name: &str) {
        self.sql(
            None,
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        );
        self.names.retain(|n| n != name);
    }

    /// Cuts every connection to `name` from the server's side; how many there were.
    fn cut_connections(&self, name: &str) -> usize {
        self.sql(
            None,
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
        )
        .len()
    }

    /// What the database's structure is: every index and constraint of its tables (an
    /// import drops the keys of an empty table and builds them after the COPY, all in its
    /// transaction), and what PostgreSQL's own B-tree check (amcheck, with every heap
    /// tuple looked up in every index) finds wrong.
    fn structure_and_damage(&self, name: &str) -> (Vec<String>, Vec<String>) {
        use sqlx::Row;
        let structure = self
            .sql(
                Some(name),
                "SELECT tablename || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
                 UNION ALL SELECT conrelid::regclass::text || ': ' || pg_get_constraintdef(oid) \
                 FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
                    .to_string(),
            )
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        self.sql(
            Some(name),
            "CREATE EXTENSION IF NOT EXISTS amcheck".to_string(),
        );
        let indexes: Vec<String> = self
            .sql(
                Some(name),
                "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' \
                 AND c.relnamespace = 'public'::regnamespace"
                    .to_string(),
            )
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        let mut damage = Vec::new();
        for index in indexes {
            use sqlx::Connection;
            let url = with_database(&self.admin, name);
            let found = self.rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT bt_index_check('{index}'::regclass, true)"
                )))
                .execute(&mut conn)
                .await
                .err()
            });
            if let Some(e) = found {
                damage.push(format!("{index}: {e}"));
            }
        }
        (structure, damage)
    }
}

impl Drop for PgDatabases {
    fn drop(&mut self) {
        for name in std::mem::take(&mut self.names) {
            self.drop_database(&name);
        }
    }
}

#[test]
fn an_import_into_postgresql_cut_off_at_any_moment_leaves_all_of_it_or_none() {
    let Some(admin) = postgres_url() else {
        eprintln!(
            "NOTE: SPOR_TEST_POSTGRES_URL is not set: the PostgreSQL crash test was NOT run \
             (set it, e.g. to postgres://postgres@127.0.0.1:5432/postgres)"
        );
        return;
    };
    let decisions = setting("SPOR_CRASH_DECISIONS", 20_000);
    let runs = setting("SPOR_CRASH_RUNS", 50);
    let tmp = tempfile::tempdir().unwrap();
    let files = generated(&tmp.path().join("data"), decisions, None);
    let pg = |url: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
        c.arg("--db").arg(url);
        c
    };
    let mut dbs = PgDatabases::new(admin);
    let tag = format!("{:08x}", fastrand::u32(..));

    // A whole import into an empty database (migrations and all): its time, its rows and
    // its structure are what a run must match or not have begun.
    let whole_name = format!("spor_crash_{tag}_whole");
    let whole = dbs.create(whole_name.clone());
    let start = Instant::now();
    ok(pg(&whole).arg("import").args(&files).output().unwrap());
    let took = start.elapsed();
    let whole_check = ok(pg(&whole).args(["store", "check"]).output().unwrap());
    assert_eq!(rows(&whole_check, "identifications"), decisions);
    let (whole_structure, damage) = dbs.structure_and_damage(&whole_name);
    assert!(damage.is_empty(), "{damage:?}");

    let mut rng = fastrand::Rng::with_seed(2026);
    let (mut none, mut all, mut told_failed_but_whole) = (0, 0, 0);
    for run in 0..runs {
        let name = format!("spor_crash_{tag}_{run}");
        let url = dbs.create(name.clone());
        let mut child = pg(&url)
            .arg("import")
            .args(&files)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let at = took.mul_f64(rng.f64() * 1.2);
        std::thread::sleep(at);
        // Half the runs cut the connection from the server's side while the client lives
        // (a network cut, a server restart: the client must see its error and say so);
        // the other half kill the client (SIGKILL: its socket closes mid-transaction).
        let how = if run % 2 == 0 {
            "server cut"
        } else {
            "SIGKILL"
        };
        if run % 2 == 0 {
            dbs.cut_connections(&name);
        } else {
            let _ = child.kill();
        }
        let out = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        // A client whose connection was cut under it lives on to say so.
        let failed = run % 2 == 0 && !out.status.success();
        if failed {
            assert!(
                said.contains("error: "),
                "run {run}: failed without saying why: {said}"
            );
        }

        let out = pg(&url).args(["store", "check"]).output().unwrap();
        let check = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "run {run} ({how} after {at:?}): the store does not pass its check:\n{check}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (structure, damage) = dbs.structure_and_damage(&name);
        assert!(
            damage.is_empty(),
            "run {run} ({how} after {at:?}): {damage:?}"
        );
        assert_eq!(
            structure, whole_structure,
            "run {run} ({how} after {at:?}): every key and index as after a whole import"
        );
        match rows(&check, "identifications") {
            0 => {
                none += 1;
                for t in ["assessments", "hotline_calls", "history"] {
                    assert_eq!(rows(&check, t), 0, "run {run}: {t} without the decisions");
                }
            }
            n if n == decisions => {
                all += 1;
                for t in ["assessments", "hotline_calls", "history"] {
                    assert_eq!(
                        rows(&check, t),
                        rows(&whole_check, t),
                        "run {run}: {t} of a whole import"
                    );
                }
                if failed {
                    told_failed_but_whole += 1;
                    eprintln!("run {run}: the whole import is in, and the client said: {said}");
                }
            }
            n => panic!("run {run} ({how} after {at:?}): {n} of {decisions} decisions written"),
        }
        dbs.drop_database(&name);
    }
    eprintln!(
        "PostgreSQL, {runs} cuts (half from the server, half SIGKILL): {none} left nothing, \
         {all} the whole import ({told_failed_but_whole} of them with an error reported after \
         the commit); a whole import took {took:?}"
    );
    assert_eq!(none + all, runs);
}

/// A served register for the form-save test: `spor serve` on `db`, and its address.
struct Served {
    child: std::process::Child,
    addr: String,
}

impl Served {
    fn start(db: &Path, key: &Path) -> Served {
        use std::io::{BufRead, BufReader};
        let mut child = cmd(db)
            .env("SPOR_AUDIT_KEY_FILE", key)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--secure-cookies",
                "never",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run spor serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        // The rest of what the server says is read as it comes: a closed pipe would end
        // the server at its next line (the master key's notice comes after the address).
        std::thread::spawn(move || lines.for_each(drop));
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in `{first}`"))
            .to_string();
        Served { child, addr }
    }

    /// SIGKILL, and wait for it.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request; the status, the head and the body of the answer.
fn try_http(
    addr: &str,
    method: &str,
    path: &str,
    cookie: &str,
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes())?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, head.to_string(), body.to_string()))
}

fn http(addr: &str, method: &str, path: &str, cookie: &str, body: &str) -> (u16, String, String) {
    try_http(addr, method, path, cookie, body).unwrap()
}

/// `name=value` of the cookie `name` the answer sets.
fn set_cookie(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no cookie {name} in:\n{head}"))
        .to_string()
}

fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no hidden {name}"))
        + needle.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A caseworker's session cookie (changing the password the command line set, as the
/// first login must).
fn web_login(addr: &str, name: &str, password: &str, new_password: &str) -> String {
    let (_, head, body) = http(addr, "GET", "/login", "", "");
    let csrf = set_cookie(&head, "spor_login_csrf");
    let login = |password: &str| {
        let body = form(&[
            ("csrf", &hidden(&body, "csrf")),
            ("next", "/"),
            ("name", name),
            ("password", password),
        ]);
        let (status, head, _) = http(addr, "POST", "/login", &csrf, &body);
        assert_eq!(status, 303, "login as {name}:\n{head}");
        (set_cookie(&head, "spor_session"), head)
    };
    let (session, head) = login(password);
    if !head.contains("location: /account/password") {
        return session;
    }
    let (_, _, page) = http(addr, "GET", "/account/password", &session, "");
    let body = form(&[
        ("csrf", &hidden(&page, "csrf")),
        ("current", password),
        ("new", new_password),
        ("repeat", new_password),
    ]);
    let (status, head, _) = http(addr, "POST", "/account/password", &session, &body);
    assert_eq!(status, 303, "password change:\n{head}");
    web_login(addr, name, new_password, new_password)
}

/// The decision C-1 as its edit form shows it: (version, age, csrf token).
fn edit_form_of(addr: &str, session: &str) -> (i64, String, String) {
    let (status, _, page) = http(addr, "GET", "/cases/C-1/edit", session, "");
    assert_eq!(status, 200, "{page}");
    let age_at = page.find("name=\"age\"").expect("the age field");
    let value_at = age_at + page[age_at..].find("value=\"").unwrap() + 7;
    let age = page[value_at..value_at + page[value_at..].find('"').unwrap()].to_string();
    (
        hidden(&page, "version").parse().unwrap(),
        age,
        hidden(&page, "csrf"),
    )
}

#[test]
fn a_form_save_killed_at_any_moment_leaves_the_record_as_it_was_or_as_saved() {
    let runs = setting("SPOR_CRASH_RUNS", 50);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("spor.db");
    let key = tmp.path().join("audit.key");
    ok(spor(
        &db,
        &["audit", "key", "generate", "--out", key.to_str().unwrap()],
    ));
    let csv = tmp.path().join("identifications.csv");
    std::fs::write(
        &csv,
        "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country\n\
         C-1,P-1,2023-04-17,cmm,identified,police,sexual,,female,30,NG,,\n",
    )
    .unwrap();
    let keyed = |args: &[&str]| {
        let mut c = cmd(&db);
        c.env("SPOR_AUDIT_KEY_FILE", &key).args(args);
        c
    };
    ok(keyed(&["import", csv.to_str().unwrap()]).output().unwrap());
    let mut add = keyed(&["user", "add", "cw", "--role", "caseworker"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        add.stdin
            .take()
            .unwrap()
            .write_all(b"set-by-the-command-line-7\n")
            .unwrap();
    }
    ok(add.wait_with_output().unwrap());
    ok(
        keyed(&["settings", "set", "second_factor_exempt", "caseworker"])
            .output()
            .unwrap(),
    );

    let mut server = Served::start(&db, &key);
    let session = web_login(
        &server.addr,
        "cw",
        "set-by-the-command-line-7",
        "a-caseworker-password-25",
    );
    let save = |addr: &str, version: i64, age: &str, csrf: &str| {
        let body = form(&[
            ("csrf", csrf),
            ("version", &version.to_string()),
            ("case_ref", "C-1"),
            ("person_ref", "P-1"),
            ("decision_date", "17-04-2023"),
            ("authority", "cmm"),
            ("outcome", "identified"),
            ("referral_actor", "police"),
            ("exploitation_form", "sexual"),
            ("exploitation_subtype", ""),
            ("gender", "female"),
            ("age", age),
            ("nationality", "NG"),
            ("return_date", ""),
            ("return_country", ""),
        ]);
        try_http(addr, "POST", "/cases/C-1/edit", &session, &body)
    };
    // One save, timed: the kills fall within a few of its lengths.
    let (version, _, csrf) = edit_form_of(&server.addr, &session);
    let start = Instant::now();
    let (status, head, _) = save(&server.addr, version, "31", &csrf).unwrap();
    let took = start.elapsed();
    assert_eq!(status, 303, "{head}");
    let history = |db: &Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM record_changes WHERE record_ref = 'C-1'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };

    let mut rng = fastrand::Rng::with_seed(25);
    let (mut kept, mut saved) = (0, 0);
    for run in 0..runs {
        let (version, age, csrf) = edit_form_of(&server.addr, &session);
        let changes = history(&db);
        let new_age = (40 + run % 60).to_string();
        assert_ne!(age, new_age);
        let addr = server.addr.clone();
        let at = took.mul_f64(rng.f64() * 1.2);
        let saving = std::thread::scope(|scope| {
            // The answer may never come: the server is killed under it.
            let request = scope.spawn(|| save(&addr, version, &new_age, &csrf).ok());
            std::thread::sleep(at);
            server.kill();
            request.join().unwrap()
        });
        server = Served::start(&db, &key);
        let check = ok(keyed(&["store", "check"]).output().unwrap());
        assert!(check.contains("audit trail: intact"), "run {run}: {check}");
        let (after_version, after_age, _) = edit_form_of(&server.addr, &session);
        let after_changes = history(&db);
        if after_age == new_age {
            saved += 1;
            assert_eq!(
                after_version,
                version + 1,
                "run {run}: saved as the next version"
            );
            assert_eq!(
                after_changes,
                changes + 1,
                "run {run}: with its history entry"
            );
        } else {
            kept += 1;
            assert_eq!(after_age, age, "run {run}: neither the old nor the new age");
            assert_eq!(after_version, version, "run {run}: the version moved alone");
            assert_eq!(after_changes, changes, "run {run}: a history entry alone");
            if let Some((status, _, _)) = saving {
                assert_ne!(
                    status, 303,
                    "run {run}: the save was said to be done but is lost"
                );
            }
        }
    }
    server.kill();
    eprintln!(
        "{runs} form saves killed: {kept} left the record as it was, {saved} as saved (a save took {took:?})"
    );
    assert_eq!(kept + saved, runs);
}
