//! Crash consistency (issue 25, item 2): `spor import` killed with SIGKILL at random moments
//! leaves a store that opens, passes its consistency check and holds the whole import or
//! none of it. `SPOR_CRASH_DECISIONS` and `SPOR_CRASH_RUNS` set the register's size and
//! the number of kills (defaults 20,000 and 50; `docs/reliability.md` has a run at
//! 100,000).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn spor(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.arg("--db").arg(db);
    c
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "spor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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
    ok(spor(&whole).arg("import").args(&files).output().unwrap());
    let took = start.elapsed();
    let check = ok(spor(&whole).args(["store", "check"]).output().unwrap());
    assert_eq!(rows(&check, "identifications"), decisions);

    let mut rng = fastrand::Rng::with_seed(2025);
    let (mut none, mut all) = (0, 0);
    for run in 0..runs {
        let db = tmp.path().join(format!("killed-{run}.db"));
        let mut child = spor(&db)
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
        let out = spor(&db).args(["store", "check"]).output().unwrap();
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
                let whole_check = ok(spor(&whole).args(["store", "check"]).output().unwrap());
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
