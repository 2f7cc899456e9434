//! `spor release` end to end on the demo register: the risk report, the public edition with
//! its manifest, and a policy below the floor refused.

use std::path::Path;
use std::process::{Command, Output};

use spor_core::ListId;

fn spor(args: &[&str], db: Option<&Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    if let Some(db) = db {
        c.arg("--db").arg(db);
    }
    c.args(args).output().expect("the spor binary runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "spor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn demo(dir: &Path) -> std::path::PathBuf {
    let out = Command::new(env!("CARGO_BIN_EXE_spor"))
        .args(["demo", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    ok(&out);
    dir.join("spor-demo.db")
}

#[test]
fn release_risk_and_public_edition_on_the_demo_register() {
    let tmp = tempfile::tempdir().unwrap();
    let db = demo(&tmp.path().join("demo"));

    let risk: serde_json::Value = serde_json::from_str(&ok(&spor(
        &["release", "risk", "--year", "2023", "--json"],
        Some(&db),
    )))
    .unwrap();
    let r = &risk["risk"];
    assert_eq!(r["victims"], 112);
    let unique = r["unique"].as_u64().unwrap();
    let groups = r["groups"].as_u64().unwrap();
    let below = r["groups_below_threshold"].as_u64().unwrap();
    assert!(unique > 0 && unique <= 112, "{r}");
    assert!(below > 0 && below <= groups, "{r}");
    assert!(
        risk["public_profile"]["victims_by_nationality_gender_age_form"]["hidden_by_rule"]
            .as_u64()
            .unwrap()
            > 0
    );

    // The text report names the homogeneous groups in Danish, not by their codes.
    let text = ok(&spor(&["release", "risk", "--year", "2023"], Some(&db)));
    let codes = spor_core::CodeBook::builtin();
    let homogeneous = r["homogeneous"].as_array().unwrap();
    assert!(!homogeneous.is_empty(), "{r}");
    for g in homogeneous {
        let field = |k: &str| g[k].as_str().unwrap().to_owned();
        let gender = field("gender");
        let gender_da = codes.label_da(ListId::Gender, &gender);
        assert_ne!(gender_da, gender, "the demo's genders have Danish labels");
        let form = field("homogeneous_form");
        let line = format!(
            "{} / {gender_da} / {}: {} personer, alle: {}",
            codes.label_da(ListId::Country, &field("nationality")),
            field("age_band"),
            g["size"],
            codes
                .label_da(ListId::ExploitationForm, &form)
                .to_lowercase()
        );
        assert!(text.contains(&line), "{line:?} not in\n{text}");
        assert!(!text.contains(&format!("alle {form}")), "{text}");
    }

    let out = tmp.path().join("public");
    ok(&spor(
        &[
            "release",
            "public",
            "--year",
            "2023",
            "--out",
            out.to_str().unwrap(),
        ],
        Some(&db),
    ));
    let edition_path = out.join("overview-2023-public.json");
    let edition: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&edition_path).unwrap()).unwrap();
    // Every cell listed as suppressed is null in the edition.
    let nested = &edition["tables"]["victims_by_nationality_gender_age_form"];
    let suppressed = nested["suppressed"]
        .as_array()
        .expect("suppressed cells listed");
    assert!(!suppressed.is_empty());
    let mut flat: Vec<&serde_json::Value> = Vec::new();
    fn walk<'a>(rows: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
        for r in rows.as_array().unwrap() {
            out.push(r);
            if let Some(c) = r.get("children") {
                walk(c, out);
            }
        }
    }
    walk(&nested["rows"], &mut flat);
    for cell in suppressed {
        let (row, col) = (
            cell[0].as_u64().unwrap() as usize,
            cell[1].as_u64().unwrap() as usize,
        );
        let value = if row == flat.len() {
            &nested["total"][col]
        } else {
            &flat[row]["values"][col]
        };
        assert!(value.is_null(), "suppressed cell {row},{col} = {value}");
    }
    // The one-dimensional nationality table publishes no count of 1 or 2.
    for row in edition["tables"]["victims_by_nationality"]["rows"]
        .as_array()
        .unwrap()
    {
        let v = &row["values"][0];
        assert!(
            v.is_null() || v.as_u64().unwrap() == 0 || v.as_u64().unwrap() >= 3,
            "{row}"
        );
    }

    // The manifest names the policy, each cell's status, and the edition's SHA-256.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest-2023.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["policy"]["min_count_one_dim"], 3);
    let statuses: std::collections::BTreeSet<&str> = manifest["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    for s in ["published", "hidden_by_rule", "hidden_to_protect"] {
        assert!(statuses.contains(s), "{s} missing from {statuses:?}");
    }
    let digest = manifest["files"][0]["sha256"].as_str().unwrap();
    let bytes = std::fs::read(&edition_path).unwrap();
    let sha = Command::new("sha256sum").arg(&edition_path).output();
    if let Ok(sha) = sha {
        let text = String::from_utf8_lossy(&sha.stdout);
        assert_eq!(text.split_whitespace().next(), Some(digest));
    }
    assert!(!bytes.is_empty());
}

#[test]
fn a_policy_below_the_floor_is_refused_naming_the_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "min_count_multi_dim = 2\n").unwrap();
    let out = spor(
        &[
            "release",
            "risk",
            "--year",
            "2023",
            "--policy",
            policy.to_str().unwrap(),
        ],
        Some(&tmp.path().join("none.db")),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("min_count_multi_dim"), "{err}");
    assert!(err.contains("floor of 3"), "{err}");
}

#[test]
fn a_published_release_is_shown_byte_for_byte_after_a_late_decision() {
    let tmp = tempfile::tempdir().unwrap();
    let db = demo(&tmp.path().join("demo"));
    let out = spor(&["release", "list"], Some(&db));
    assert_eq!(ok(&out), "", "no releases yet");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no releases yet"));

    // The id is the last line, for scripts.
    let stdout = ok(&spor(
        &[
            "release",
            "publish",
            "--year",
            "2023",
            "--profile",
            "internal",
        ],
        Some(&db),
    ));
    assert_eq!(stdout.lines().last(), Some("1"), "{stdout}");
    let show = |id: &str, format: &str, out: &Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
        c.arg("--db").arg(&db);
        c.args(["release", "show", id, "--format", format, "--out"])
            .arg(out);
        ok(&c.output().unwrap());
        std::fs::read(out).unwrap()
    };
    let pdf = show("1", "pdf", &tmp.path().join("a.pdf"));
    let xlsx = show("1", "xlsx", &tmp.path().join("a.xlsx"));
    let json = ok(&spor(&["release", "show", "1"], Some(&db)));
    assert!(pdf.starts_with(b"%PDF"));

    // A late decision for 2023 changes the register's figures...
    let late = tmp.path().join("identifications.csv");
    std::fs::write(
        &late,
        "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country\n\
         LATE-1,LATE-P1,2023-12-30,cmm,identified,police,sexual,,female,30,NG,,\n",
    )
    .unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.arg("--db").arg(&db).arg("import").arg(&late);
    ok(&c.output().unwrap());
    let now: serde_json::Value =
        serde_json::from_str(&ok(&spor(&["report", "--year", "2023"], Some(&db)))).unwrap();
    let then: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        now["facts"]["victims"].as_u64().unwrap(),
        then["facts"]["victims"].as_u64().unwrap() + 1
    );

    // The diff names the revised figures and the record behind them.
    let diff = ok(&spor(&["release", "diff", "1"], Some(&db)));
    let was = then["facts"]["victims"].as_u64().unwrap();
    assert!(
        diff.contains(&format!(
            "victims_by_year[victims, 2023]: {was} -> {}",
            was + 1
        )),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("facts.victims: {was} -> {}", was + 1)),
        "{diff}"
    );
    assert!(
        diff.contains("added identification LATE-1 (2023-12-30"),
        "{diff}"
    );
    let rev: serde_json::Value =
        serde_json::from_str(&ok(&spor(&["release", "diff", "1", "--json"], Some(&db)))).unwrap();
    assert_eq!(rev["records"][0]["ref"], "LATE-1", "{rev}");
    assert!(
        rev["figures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["figure"] == "facts.victims")
    );

    // ... and release 1 is still what was published, in every format.
    assert_eq!(show("1", "pdf", &tmp.path().join("b.pdf")), pdf);
    assert_eq!(show("1", "xlsx", &tmp.path().join("b.xlsx")), xlsx);
    assert_eq!(ok(&spor(&["release", "show", "1"], Some(&db))), json);
    let csv_dir = tmp.path().join("csv");
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.arg("--db").arg(&db);
    c.args(["release", "show", "1", "--format", "csv", "--out"])
        .arg(&csv_dir);
    ok(&c.output().unwrap());
    let tables = then["tables"].as_object().unwrap();
    assert_eq!(std::fs::read_dir(&csv_dir).unwrap().count(), tables.len());

    // A public release comes with its manifest; the list shows both.
    let stdout = ok(&spor(
        &[
            "release",
            "publish",
            "--year",
            "2023",
            "--profile",
            "public",
        ],
        Some(&db),
    ));
    assert_eq!(stdout.lines().last(), Some("2"), "{stdout}");
    std::fs::create_dir_all(tmp.path().join("pub")).unwrap();
    show("2", "html", &tmp.path().join("pub/overview.html"));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("pub/manifest-2023.json")).unwrap(),
    )
    .unwrap();
    assert!(manifest["cells"].as_array().is_some_and(|c| !c.is_empty()));
    let list = ok(&spor(&["release", "list"], Some(&db)));
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(
        rows.iter().map(|r| (r[0], r[1], r[2])).collect::<Vec<_>>(),
        [("2", "2023", "public"), ("1", "2023", "internal")],
        "{list}"
    );

    // An unknown release, and a format that needs a file, are clear errors.
    let out = spor(&["release", "show", "9"], Some(&db));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("there is no release 9"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = spor(&["release", "show", "1", "--format", "pdf"], Some(&db));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format pdf needs --out"));
}

/// Synthetic decisions as the exchange format's CSV, one per (case, date, nationality):
/// identified victims of three forms and both genders.
fn decisions(rows: &[(&str, &str, &str)]) -> String {
    let mut csv = String::from(
        "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country\n",
    );
    for (i, (case, date, nationality)) in rows.iter().enumerate() {
        let form = ["sexual", "forced_labour", "forced_criminality"][i % 3];
        let gender = ["female", "male"][i % 2];
        csv += &format!(
            "{case},P-{case},{date},cmm,identified,police,{form},,{gender},{},{nationality},,\n",
            20 + i
        );
    }
    csv
}

/// Imports `csv` as the identifications file of folder `dir`.
fn import(db: &Path, dir: &Path, csv: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("identifications.csv");
    std::fs::write(&file, csv).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.arg("--db").arg(db).arg("import").arg(&file);
    ok(&c.output().unwrap());
}

#[test]
fn a_late_decision_for_a_published_year_is_a_revision_in_the_next_years_edition() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("spor.db");
    let first: Vec<(String, String, &str)> = (1..=5)
        .map(|i| (format!("A22-{i}"), format!("2022-0{i}-10"), "NG"))
        .chain((1..=7).map(|i| (format!("A23-{i}"), format!("2023-0{i}-12"), "RO")))
        .collect();
    let rows: Vec<(&str, &str, &str)> = first
        .iter()
        .map(|(c, d, n)| (c.as_str(), d.as_str(), *n))
        .collect();
    import(&db, &tmp.path().join("first"), &decisions(&rows));

    // 2022 is published with 5 victims; the 2023 edition before any change revises nothing.
    let stdout = ok(&spor(
        &[
            "release",
            "publish",
            "--year",
            "2022",
            "--profile",
            "internal",
        ],
        Some(&db),
    ));
    assert_eq!(stdout.lines().last(), Some("1"), "{stdout}");
    let before: serde_json::Value =
        serde_json::from_str(&ok(&spor(&["report", "--year", "2023"], Some(&db)))).unwrap();
    assert!(
        before.get("revisions").is_none(),
        "nothing is revised yet: {}",
        before["revisions"]
    );
    assert_eq!(before["facts"]["victims_previous_year"], 5);

    // A late decision for 2022, registered after the release.
    import(
        &db,
        &tmp.path().join("late"),
        &decisions(&[("LATE-22", "2022-11-30", "NG")]),
    );

    // The diff of the 2022 release shows the revised figure with its record.
    let diff = ok(&spor(&["release", "diff", "1"], Some(&db)));
    assert!(
        diff.contains("victims_by_year[victims, 2022]: 5 -> 6"),
        "{diff}"
    );
    assert!(diff.contains("facts.victims: 5 -> 6"), "{diff}");
    assert!(
        diff.contains("added identification LATE-22 (2022-11-30"),
        "{diff}"
    );

    // The 2023 edition states the revision: JSON ...
    let json: serde_json::Value =
        serde_json::from_str(&ok(&spor(&["report", "--year", "2023"], Some(&db)))).unwrap();
    assert_eq!(json["facts"]["victims_previous_year"], 6);
    let revisions = json["revisions"].as_array().expect("a revisions array");
    let fact = revisions
        .iter()
        .find(|r| r["fact"] == "victims_previous_year")
        .unwrap_or_else(|| panic!("the headline figure is revised: {revisions:?}"));
    assert_eq!(
        (
            &fact["year"],
            &fact["release"],
            &fact["published"],
            &fact["revised"]
        ),
        (
            &serde_json::json!(2022),
            &serde_json::json!(1),
            &serde_json::json!(5),
            &serde_json::json!(6)
        )
    );
    let sentence =
        "Tallet for 2022 er revideret fra 5 til 6 (personer vurderet udsat for menneskehandel).";
    assert_eq!(fact["note"], sentence);
    let cell = revisions
        .iter()
        .find(|r| r["table"] == "victims_by_year" && r["column"] == "2022")
        .unwrap_or_else(|| panic!("the series cell is revised: {revisions:?}"));
    assert_eq!(
        (&cell["published"], &cell["revised"]),
        (&5.into(), &6.into())
    );
    // Only 2022 was published: 2023's own figures and unpublished years are not revisions.
    assert!(revisions.iter().all(|r| r["year"] == 2022), "{revisions:?}");
    // The nationality of the late decision is in a one-year table of 2022 only: the 2023
    // edition's revisions are of what it shows.
    assert!(
        revisions
            .iter()
            .all(|r| r["table"].is_null() || r["column"] == "2022"),
        "{revisions:?}"
    );

    // ... HTML: the sentence, the marked cell and the note under its table ...
    let html = ok(&spor(
        &["report", "--year", "2023", "--format", "html"],
        Some(&db),
    ));
    assert!(html.contains(sentence), "the sentence in the HTML");
    assert!(html.contains("<td>6*</td>"), "the revised cell is marked");
    assert!(
        html.contains("* Revideret siden den tidligere udgivelse: ")
            && html.contains(", 2022: revideret fra 5 til 6"),
        "the note under the table"
    );

    // ... and the PDF's text.
    let pdf = tmp.path().join("overview-2023.pdf");
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.arg("--db").arg(&db);
    c.args(["report", "--year", "2023", "--format", "pdf", "--out"])
        .arg(&pdf);
    ok(&c.output().unwrap());
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed");
    assert!(text.status.success());
    // Letters only, whatever the line breaks and hyphenation of the extraction.
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '\u{ad}')
            .collect()
    };
    let text = letters(&String::from_utf8_lossy(&text.stdout));
    assert!(
        text.contains(&letters(sentence)),
        "the sentence in the PDF: {text}"
    );
    assert!(
        text.contains(&letters("2022: revideret fra 5 til 6")),
        "the cell's note in the PDF"
    );

    // The CSV edition says it beside its tables.
    let dir = tmp.path().join("csv");
    let mut c = Command::new(env!("CARGO_BIN_EXE_spor"));
    c.arg("--db").arg(&db);
    c.args(["report", "--year", "2023", "--format", "csv", "--out"])
        .arg(&dir);
    ok(&c.output().unwrap());
    let notes = std::fs::read_to_string(dir.join("noter.txt")).unwrap();
    assert!(notes.contains(sentence), "{notes}");
    assert!(
        notes.contains("victims_by_year.csv: * Revideret"),
        "{notes}"
    );
}
