//! `spor user` and `spor audit` from the outside: passwords come from standard input, the
//! audit trail verifies and `spor audit verify` names the first broken link.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn spor(db: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    spor_as(None, db, args, stdin)
}

/// `spor` run by the operating-system user `user` (the `USER` variable), when given.
fn spor_as(user: Option<&str>, db: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spor"));
    if let Some(user) = user {
        command.env("USER", user);
    }
    let mut child = command
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spor");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn users_are_added_with_a_password_from_stdin_and_listed_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let add = spor(
        &db,
        &["user", "add", "mette", "--role", "caseworker,admin"],
        "a-long-enough-password\n",
    );
    assert!(add.status.success(), "{}", text(&add));
    let short = spor(&db, &["user", "add", "ole", "--role", "analyst"], "short\n");
    assert!(!short.status.success());
    assert!(
        text(&short).contains("at least 10 characters"),
        "{}",
        text(&short)
    );
    let bad_role = spor(
        &db,
        &["user", "add", "ole", "--role", "boss"],
        "a-long-enough-password\n",
    );
    assert!(
        text(&bad_role).contains("unknown role `boss`"),
        "{}",
        text(&bad_role)
    );
    let list = spor(&db, &["user", "list"], "");
    let out = text(&list);
    assert!(
        out.contains("mette") && out.contains("caseworker,admin") && out.contains("active"),
        "{out}"
    );
    assert!(
        !out.contains("a-long-enough-password") && !out.contains("argon2"),
        "{out}"
    );
    // The last administrator can be neither disabled nor lose the role.
    let last = spor(&db, &["user", "disable", "mette"], "");
    assert!(!last.status.success());
    assert!(
        text(&last).contains("the last administrator"),
        "{}",
        text(&last)
    );
    let last = spor(
        &db,
        &["user", "set-roles", "mette", "--role", "caseworker"],
        "",
    );
    assert!(!last.status.success(), "{}", text(&last));
    let anna = spor(
        &db,
        &["user", "add", "anna", "--role", "admin"],
        "a-long-enough-password\n",
    );
    assert!(anna.status.success(), "{}", text(&anna));
    let dis = spor(&db, &["user", "disable", "mette"], "");
    assert!(dis.status.success(), "{}", text(&dis));
    assert!(text(&spor(&db, &["user", "list"], "")).contains("disabled"));
    assert!(
        !spor(&db, &["user", "disable", "nobody"], "")
            .status
            .success()
    );
}

#[test]
fn passwords_are_checked_and_a_second_factor_is_reset_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    for (pw, why) in [
        ("password123\n", "most common"),
        ("mette-2026-spring\n", "contains the user name"),
    ] {
        let o = spor(&db, &["user", "add", "mette", "--role", "caseworker"], pw);
        assert!(!o.status.success(), "{pw}");
        assert!(text(&o).contains(why), "{pw}: {}", text(&o));
    }
    let add = spor(
        &db,
        &["user", "add", "mette", "--role", "caseworker"],
        "a-long-enough-password\n",
    );
    assert!(add.status.success(), "{}", text(&add));
    let reset = spor_as(
        Some("birgitte"),
        &db,
        &["user", "reset-second-factor", "mette"],
        "",
    );
    assert!(reset.status.success(), "{}", text(&reset));
    assert!(text(&reset).contains("second factor of mette removed"));
    let list = text(&spor(&db, &["audit", "list"], ""));
    let line = list
        .lines()
        .find(|l| l.contains("user.second_factor_reset"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(
        line.contains("cli:birgitte") && line.contains("mette"),
        "{line}"
    );
    assert!(
        !spor(&db, &["user", "reset-second-factor", "nobody"], "")
            .status
            .success()
    );
    let exempt = spor(
        &db,
        &["settings", "set", "second_factor_exempt", "analyst"],
        "",
    );
    assert!(exempt.status.success(), "{}", text(&exempt));
    let shown = text(&spor(&db, &["settings", "show"], ""));
    assert!(shown.contains("second_factor_exempt = analyst"), "{shown}");
}

#[test]
fn audit_verify_reports_the_first_altered_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    for name in ["a1", "a2", "a3"] {
        let o = spor(
            &db,
            &["user", "add", name, "--role", "analyst"],
            "a-long-enough-password\n",
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let ok = spor(&db, &["audit", "verify"], "");
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("intact: 3 events"), "{}", text(&ok));

    // Tamper with the second event behind the application's back.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        sqlx::query("DROP TRIGGER audit_events_no_update")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_events SET target = 'someone' WHERE seq = 2")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let broken = spor(&db, &["audit", "verify"], "");
    assert!(!broken.status.success());
    assert!(
        text(&broken).contains("broken at event 2"),
        "{}",
        text(&broken)
    );
}

#[test]
fn spor_serve_answers_healthz_on_the_address_it_prints() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_spor"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spor serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in `{first}`"))
        .to_string();
    let second = lines.next().unwrap().unwrap();
    assert!(
        second.contains("user add"),
        "an empty register says how to add an account: {second}"
    );
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
}

/// Changes made on the command line are audited like the web's, under the operating-system
/// user who ran it: a setting, a code, an account.
#[test]
fn settings_codes_and_accounts_changed_on_the_command_line_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let run = |args: &[&str], stdin: &str| {
        let out = spor_as(Some("birgitte"), &db, args, stdin);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["settings", "set", "microdata_from", "2021"], "");
    run(
        &[
            "codes",
            "add",
            "referral_actor",
            "union",
            "--da",
            "Fagforening",
            "--en",
            "Trade union",
        ],
        "",
    );
    run(
        &["user", "add", "mette", "--role", "analyst"],
        "a-long-enough-password\n",
    );
    // A refused value changes nothing and leaves no event.
    let bad = spor(&db, &["settings", "set", "microdata_from", "20x1"], "");
    assert!(!bad.status.success());
    assert!(text(&bad).contains("not `20x1`"), "{}", text(&bad));

    // An import and an export (the register's records in and out) are events too; a dry
    // run writes nothing and is not.
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let history = data.join("history.csv");
    std::fs::write(&history, "series,year,category,count\nvictims,2010,,42\n").unwrap();
    let history = history.to_str().unwrap();
    run(&["import", history, "--dry-run"], "");
    run(&["import", history], "");
    let out = dir.path().join("out");
    run(
        &["export", "--format", "csv", "--out", out.to_str().unwrap()],
        "",
    );

    let list = run(&["audit", "list"], "");
    let events: Vec<Vec<&str>> = list
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let codes: Vec<&str> = events.iter().map(|e| e[2]).collect();
    assert_eq!(
        codes,
        [
            "register.export",
            "register.import",
            "user.create",
            "code.add",
            "settings.update"
        ],
        "{list}"
    );
    assert_eq!(events[1][6], "inserted 1, updated 0, unchanged 0", "{list}");
    assert_eq!(events[0][6], "csv", "{list}");
    assert_eq!(
        (events[0][3], events[1][3]),
        ("cli:birgitte", "cli:birgitte")
    );
    let events = &events[2..];
    for e in events {
        assert_eq!((e[3], e[5]), ("cli:birgitte", "local"), "{list}");
    }
    assert_eq!(events[1][4], "referral_actor/union");
    assert_eq!((events[2][4], events[2][6]), ("microdata_from", "2021"));
    assert!(run(&["audit", "verify"], "").contains("intact: 5 events"));
}
