//! Reliability (issue 25) end to end: `spor backup`, `spor restore` and `spor store check`
//! on the demo register (a restored backup gives identical exports and reports, and both
//! are in the audit trail), and crash consistency: `spor import` killed with SIGKILL at
//! random moments leaves a store that opens, passes its check and holds the whole import
//! or none of it. `SPOR_CRASH_DECISIONS` and `SPOR_CRASH_RUNS` set the register's size and
//! the number of kills (defaults 20,000 and 50; `docs/reliability.md` has a run at
//! 100,000).

use std::path::Path;
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
    let data = tmp.path().join("data");
    ok(Command::new(env!("CARGO_BIN_EXE_spor"))
        .args([
            "bench",
            "generate",
            "--decisions",
            &decisions.to_string(),
            "--out",
        ])
        .arg(&data)
        .output()
        .unwrap());
    let files: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();

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
    let generate = |n: &str, seed: &str| {
        let out = tmp.path().join(format!("data-{n}"));
        ok(Command::new(env!("CARGO_BIN_EXE_spor"))
            .args([
                "bench",
                "generate",
                "--decisions",
                n,
                "--seed",
                seed,
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap());
        std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect::<Vec<_>>()
    };
    let (small, big) = (generate("2000", "1"), generate("100000", "2"));
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
