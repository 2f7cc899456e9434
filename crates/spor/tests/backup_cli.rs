//! `spor backup`, `spor restore` and `spor store check` end to end on the demo register:
//! a restored backup gives identical exports and reports, and both are in the audit trail.

use std::path::Path;
use std::process::{Command, Output};

fn spor(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spor"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the spor binary runs")
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
