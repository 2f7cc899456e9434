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

/// `spor` with the audit key in `SPOR_AUDIT_KEY_FILE`.
fn spor_keyed(key: &std::path::Path, db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spor"))
        .env("SPOR_AUDIT_KEY_FILE", key)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run spor")
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

/// Runs `spor serve` on an empty register with `args`, reads `lines` lines of what it
/// says on standard error, sends `request` (with `{addr}` replaced) and gives both back.
fn serve_once(args: &[&str], lines: usize, request: &str) -> (Vec<String>, String) {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let key = dir.path().join("audit.key");
    let made = spor(
        &db,
        &["audit", "key", "generate", "--out", key.to_str().unwrap()],
        "",
    );
    assert!(made.status.success(), "{}", text(&made));
    let mut child = Command::new(env!("CARGO_BIN_EXE_spor"))
        .env("SPOR_AUDIT_KEY_FILE", &key)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spor serve");
    let mut out = BufReader::new(child.stderr.take().unwrap()).lines();
    let said: Vec<String> = (0..lines).map(|_| out.next().unwrap().unwrap()).collect();
    let addr = said[0]
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in `{}`", said[0]))
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(request.replace("{addr}", &addr).as_bytes())
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    (said, answer)
}

#[test]
fn spor_serve_answers_healthz_on_the_address_it_prints() {
    let (said, answer) = serve_once(
        &[],
        3,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        said[1].contains("user add"),
        "an empty register says how to add an account: {said:?}"
    );
    assert!(
        said[2].contains("--secure-cookies never"),
        "it says how to try it over plain HTTP: {said:?}"
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    // Secure by default: HSTS on every answer.
    assert!(
        answer.contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
}

/// `--secure-cookies never` (the README's way to try Spor over plain HTTP): cookies without
/// `Secure` or `__Host-`, no HSTS; `--trust-proxy HOPS` takes a number of proxies.
#[test]
fn spor_serve_with_secure_cookies_never_sets_plain_cookies_and_no_hsts() {
    let (_, answer) = serve_once(
        &["--secure-cookies", "never", "--trust-proxy", "2"],
        2,
        "GET /login HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 192.0.2.1, 10.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("set-cookie: spor_login_csrf="), "{answer}");
    assert!(!answer.contains("Secure"), "{answer}");
    assert!(!answer.contains("strict-transport-security"), "{answer}");
    // `--trust-proxy` alone means one proxy; a word is refused.
    let dir = tempfile::tempdir().unwrap();
    let bad = spor(
        &dir.path().join("spor.db"),
        &["serve", "--trust-proxy", "many"],
        "",
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("many"), "{}", text(&bad));
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
    // Reading the trail is an event itself, recorded before the list is read.
    let (reading, events) = events.split_first().unwrap();
    assert_eq!((reading[2], reading[3]), ("audit.view", "cli:birgitte"));
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
    assert!(run(&["audit", "verify"], "").contains("intact: 6 events"));
}

#[test]
fn spor_serve_refuses_to_start_without_the_audit_key_unless_told_it_is_a_trial() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let refused = spor(&db, &["serve", "--listen", "127.0.0.1:0"], "");
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("needs the audit key"),
        "{}",
        text(&refused)
    );
    // A keyed trail cannot go on unkeyed, not even as a trial.
    let key = dir.path().join("audit.key");
    let made = spor(
        &db,
        &["audit", "key", "generate", "--out", key.to_str().unwrap()],
        "",
    );
    assert!(made.status.success(), "{}", text(&made));
    let mut add = Command::new(env!("CARGO_BIN_EXE_spor"))
        .env("SPOR_AUDIT_KEY_FILE", &key)
        .arg("--db")
        .arg(&db)
        .args(["user", "add", "mette", "--role", "analyst"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a-long-enough-password\n")
        .unwrap();
    assert!(add.wait_with_output().unwrap().status.success());
    let trial = spor(
        &db,
        &["serve", "--listen", "127.0.0.1:0", "--without-audit-key"],
        "",
    );
    assert!(!trial.status.success());
    assert!(
        text(&trial).contains("this register is keyed"),
        "{}",
        text(&trial)
    );
}

/// The operator's round: a key made once, an anchor printed and kept elsewhere, and a
/// later check against it that finds the newest events removed even where the database's
/// own record of its newest event was moved back to hide it.
#[test]
fn an_anchor_kept_outside_the_database_finds_the_newest_events_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let key = dir.path().join("audit.key");
    let made = spor(
        &db,
        &["audit", "key", "generate", "--out", key.to_str().unwrap()],
        "",
    );
    assert!(made.status.success(), "{}", text(&made));
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(key_text.trim().len(), 64, "32 bytes as hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let again = spor(
        &db,
        &["audit", "key", "generate", "--out", key.to_str().unwrap()],
        "",
    );
    assert!(
        !again.status.success(),
        "an existing key is never overwritten"
    );
    assert_eq!(std::fs::read_to_string(&key).unwrap(), key_text);

    for name in ["a1", "a2", "a3"] {
        let o = spor_keyed(
            &key,
            &db,
            &[
                "codes",
                "add",
                "referral_actor",
                name,
                "--da",
                name,
                "--en",
                name,
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let anchor = spor_keyed(&key, &db, &["audit", "anchor"]);
    assert!(anchor.status.success(), "{}", text(&anchor));
    let anchor_file = dir.path().join("anchor.json");
    std::fs::write(&anchor_file, &anchor.stdout).unwrap();
    let anchor_arg = anchor_file.to_str().unwrap();
    assert!(
        String::from_utf8_lossy(&anchor.stdout).contains("\"seq\":3"),
        "{}",
        text(&anchor)
    );
    let o = spor_keyed(
        &key,
        &db,
        &[
            "codes",
            "add",
            "referral_actor",
            "a4",
            "--da",
            "a4",
            "--en",
            "a4",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("no audit key"), "{}", text(&o));
    let ok = spor_keyed(&key, &db, &["audit", "verify", "--anchor", anchor_arg]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("intact: 4 events"), "{}", text(&ok));

    // Without the key the keyed events can be neither checked nor added to.
    let keyless = spor(&db, &["audit", "verify"], "");
    assert!(!keyless.status.success());
    assert!(
        text(&keyless).contains("give the audit key"),
        "{}",
        text(&keyless)
    );
    let keyless = spor(&db, &["settings", "set", "microdata_from", "2021"], "");
    assert!(!keyless.status.success());
    assert!(
        text(&keyless).contains("kept under a key"),
        "{}",
        text(&keyless)
    );
    assert!(
        text(&keyless).contains("warning: no audit key"),
        "{}",
        text(&keyless)
    );
    // The change and its event go together: refused event, unchanged setting.
    let shown = spor_keyed(&key, &db, &["settings", "show"]);
    assert!(shown.status.success(), "{}", text(&shown));
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("microdata_from = (not set"),
        "{}",
        text(&shown)
    );

    // Someone who owns the tables removes the newest three events and moves the head back.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        for q in [
            "DROP TRIGGER audit_events_no_delete",
            "DELETE FROM audit_events WHERE seq >= 2",
            "UPDATE settings SET value = (SELECT seq || ':' || hash FROM audit_events WHERE seq = 1) WHERE key = 'audit_head'",
        ] {
            sqlx::query(q).execute(&pool).await.unwrap();
        }
        pool.close().await;
    });
    let fooled = spor_keyed(&key, &db, &["audit", "verify"]);
    assert!(
        fooled.status.success(),
        "without the anchor: {}",
        text(&fooled)
    );
    let caught = spor_keyed(&key, &db, &["audit", "verify", "--anchor", anchor_arg]);
    assert!(!caught.status.success());
    assert!(
        text(&caught).contains("broken at event 2")
            && text(&caught).contains("removed from the end"),
        "{}",
        text(&caught)
    );
}

/// Commands that read the register out (the overview, the risk report, a copy) are events under the operating-system user, recorded before anything is shown.
#[test]
fn reading_the_register_out_on_the_command_line_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let run = |args: &[&str]| {
        let out = spor_as(Some("birgitte"), &db, args, "");
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spor-import/tests/data/register/identifications.csv");
    run(&["import", data.to_str().unwrap()]);
    run(&["report", "--year", "2023", "--format", "json"]);
    run(&["release", "risk", "--year", "2023"]);
    let copy = dir.path().join("copy.db");
    run(&[
        "store",
        "copy",
        "--from",
        db.to_str().unwrap(),
        "--to",
        copy.to_str().unwrap(),
    ]);
    let list = run(&["audit", "list"]);
    let events: Vec<Vec<&str>> = list
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let seen: Vec<(&str, &str, &str)> = events.iter().map(|e| (e[2], e[4], e[6])).collect();
    let to = format!("to {}", copy.display());
    assert_eq!(
        seen,
        [
            ("audit.view", "", ""),
            ("register.copy", "", to.as_str()),
            ("report.view", "2023", "risk"),
            ("report.download", "2023", "json"),
            ("register.import", "", "inserted 10, updated 0, unchanged 0"),
        ],
        "{list}"
    );
    assert!(events.iter().all(|e| e[3] == "cli:birgitte"), "{list}");
    // The copy carries the trail, its own event included.
    let copied = spor(&copy, &["audit", "verify"], "");
    assert!(
        text(&copied).contains("intact: 4 events"),
        "{}",
        text(&copied)
    );
}

#[test]
fn teams_of_accounts_and_persons_are_set_on_the_command_line_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spor.db");
    let run = |args: &[&str], stdin: &str| {
        let out = spor_as(Some("birgitte"), &db, args, stdin);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(
        &["user", "add", "mette", "--role", "caseworker"],
        "a-long-enough-password\n",
    );
    assert!(
        run(&["user", "set-team", "mette", "north"], "").contains("mette is now in team north")
    );
    let list = run(&["user", "list"], "");
    assert!(
        list.lines()
            .any(|l| l.starts_with("mette") && l.contains("north")),
        "{list}"
    );
    assert!(run(&["user", "set-team", "mette"], "").contains("in no team"));
    let bad = spor(&db, &["user", "set-team", "mette", "no/such"], "");
    assert!(!bad.status.success());
    assert!(text(&bad).contains("not a team name"), "{}", text(&bad));
    assert!(
        run(&["persons", "assign-team", "P-1", "south"], "").contains("P-1 is now in team south")
    );
    assert!(run(&["persons", "assign-team", "P-1"], "").contains("P-1 is now in no team"));

    let list = run(&["audit", "list"], "");
    let events: Vec<Vec<&str>> = list
        .lines()
        .skip(2)
        .map(|l| l.split('\t').collect())
        .collect();
    let seen: Vec<(&str, &str, &str)> = events.iter().map(|e| (e[2], e[4], e[6])).collect();
    assert_eq!(
        seen,
        [
            ("person.team", "P-1", "no team"),
            ("person.team", "P-1", "team south"),
            ("user.update", "mette", "no team"),
            ("user.update", "mette", "team north"),
            ("user.create", "mette", "roles caseworker"),
        ],
        "{list}"
    );
}
