//! `spor report --profile public`: the protected editions of the demo register, re-audited.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use spor_sdc::{Policy, audit_status};

fn spor(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spor"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the spor binary runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "spor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn demo(dir: &Path) -> PathBuf {
    let out = Command::new(env!("CARGO_BIN_EXE_spor"))
        .args(["demo", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    ok(&out);
    dir.join("spor-demo.db")
}

/// Every published count of the rows (and their children) with its depth, leaving out the
/// columns in `skip` (history years: published long ago, and published again unchanged).
fn counts(rows: &serde_json::Value, depth: usize, skip: &[bool], out: &mut Vec<(usize, u64)>) {
    for r in rows.as_array().unwrap() {
        for (c, v) in r["values"].as_array().unwrap().iter().enumerate() {
            if let Some(v) = v.as_u64()
                && !skip.get(c).copied().unwrap_or(false)
            {
                out.push((depth, v));
            }
        }
        if let Some(c) = r.get("children") {
            counts(c, depth + 1, skip, out);
        }
    }
}

#[test]
fn the_public_json_report_of_the_demo_passes_a_fresh_audit_and_publishes_no_small_count() {
    let tmp = tempfile::tempdir().unwrap();
    let db = demo(&tmp.path().join("demo"));
    let internal: spor_stats::Report =
        serde_json::from_str(&ok(&spor(&["report", "--year", "2023"], &db))).unwrap();
    let out = tmp.path().join("pub").join("overview-2023-public.json");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    ok(&spor(
        &[
            "report",
            "--year",
            "2023",
            "--profile",
            "public",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
        &db,
    ));
    let public: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();

    // A fresh protection of the exact figures, audited again, is what the file publishes:
    // the years before microdata_from are the history, published unchanged.
    let policy = Policy::default();
    let inputs = spor_sdc::overview::Inputs {
        earlier: &[],
        history_before: Some(spor_demo::MICRODATA_FROM),
        minimise: false,
        keep_categories: false,
    };
    let release = spor_sdc::overview::protect_edition(&internal, &policy, &inputs).unwrap();
    assert!(audit_status(&release.problem, &release.protection.status, &policy).passed());
    let expected = serde_json::to_value(&release.report).unwrap();
    for (id, table) in public["tables"].as_object().unwrap() {
        assert_eq!(table["rows"], expected["tables"][id]["rows"], "{id}");
        assert_eq!(table["total"], expected["tables"][id]["total"], "{id}");
        let listed: Vec<[usize; 2]> = table
            .get("suppressed")
            .map(|s| serde_json::from_value(s.clone()).unwrap())
            .unwrap_or_default();
        assert_eq!(
            listed,
            release.suppressed.get(id).cloned().unwrap_or_default(),
            "{id}"
        );
    }
    assert!(!release.suppressed.is_empty());
    assert_eq!(public["facts"], expected["facts"]);
    assert_eq!(public["disclosure_note"], policy.footnote_da());
    assert!(public["recoded"].is_array() || public["recoded"].is_object());

    // Every published person count is 0 or at least the threshold of its table.
    for (id, table) in public["tables"].as_object().unwrap() {
        if id.starts_with("hotline") {
            continue;
        }
        let crossed = id.contains("gender_form") || id == "victims_by_nationality_gender_age_form";
        let history: Vec<bool> = table["column_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                k.as_str()
                    .and_then(|k| k.parse::<i32>().ok())
                    .is_some_and(|y| y < spor_demo::MICRODATA_FROM)
            })
            .collect();
        let mut cells = Vec::new();
        counts(&table["rows"], 0, &history, &mut cells);
        for (depth, v) in cells {
            let t = if id.contains("gender_form") || (crossed && depth > 0) {
                policy.threshold(2)
            } else {
                policy.threshold(1)
            };
            assert!(v == 0 || v >= t, "{id}: published {v} below {t}");
        }
    }

    // The manifest beside the file names it with its SHA-256.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.parent().unwrap().join("manifest-2023.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["files"][0]["path"], "overview-2023-public.json");
    assert_eq!(
        manifest["files"][0]["sha256"],
        spor_sdc::manifest::sha256_file(&out).unwrap()
    );
}

#[test]
fn the_policy_options_without_the_public_profile_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = spor(
        &["report", "--year", "2023", "--strict"],
        &tmp.path().join("none.db"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--profile public"));
}

#[test]
fn the_public_html_edition_marks_hidden_cells_with_a_dot_and_gives_the_policy_in_a_footnote() {
    let tmp = tempfile::tempdir().unwrap();
    let db = demo(&tmp.path().join("demo"));
    let html_at = |profile: &str| {
        let out = tmp.path().join(format!("overview-{profile}.html"));
        ok(&spor(
            &[
                "report",
                "--year",
                "2023",
                "--profile",
                profile,
                "--format",
                "html",
                "--out",
                out.to_str().unwrap(),
            ],
            &db,
        ));
        std::fs::read_to_string(out).unwrap()
    };
    let public = html_at("public");
    let note = Policy::default().footnote_da();
    assert!(public.contains("<td>·</td>"), "no hidden cell marked");
    assert!(public.contains(&format!("<p class=\"table-note\">{note}</p>")));
    assert!(tmp.path().join("manifest-2023.json").exists());
    // The internal edition is exact: nothing hidden, no footnote.
    let internal = html_at("internal");
    assert!(!internal.contains("<td>·</td>"));
    assert!(!internal.contains(&note));
}

#[test]
fn demo_writes_the_public_editions_and_a_manifest_naming_each_with_its_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let db = demo(&dir);
    let json = dir.join("overview-2023-public.json");
    // The demo's public JSON is the one `spor report --profile public` writes.
    let again = ok(&spor(
        &["report", "--year", "2023", "--profile", "public"],
        &db,
    ));
    assert_eq!(std::fs::read_to_string(&json).unwrap(), again);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest-2023.json")).unwrap())
            .unwrap();
    let files = manifest["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "overview-2023-public.html",
            "overview-2023-public.json",
            "overview-2023-public.pdf",
            "overview-2023-public.xlsx"
        ]
    );
    for f in files {
        let path = dir.join(f["path"].as_str().unwrap());
        assert_eq!(
            f["sha256"],
            spor_sdc::manifest::sha256_file(&path).unwrap(),
            "{}",
            path.display()
        );
    }
    let html = std::fs::read_to_string(dir.join("overview-2023-public.html")).unwrap();
    assert!(html.contains("<td>·</td>"));
    assert!(
        std::fs::read(dir.join("overview-2023-public.pdf"))
            .unwrap()
            .starts_with(b"%PDF")
    );
}

/// Every number a report publishes: table cells and totals, column keys (years) and the
/// numbers in its facts.
fn published_numbers(report: &serde_json::Value) -> std::collections::BTreeSet<u64> {
    fn walk(v: &serde_json::Value, out: &mut std::collections::BTreeSet<u64>) {
        match v {
            serde_json::Value::Number(n) => {
                if let Some(x) = n.as_u64() {
                    out.insert(x);
                } else if let Some(f) = n.as_f64() {
                    out.insert(f.round() as u64);
                }
            }
            serde_json::Value::String(s) => {
                if let Ok(x) = s.parse() {
                    out.insert(x);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for t in report["tables"].as_object().unwrap().values() {
        walk(&t["rows"], &mut out);
        walk(&t["total"], &mut out);
        walk(&t["column_keys"], &mut out);
    }
    walk(&report["facts"], &mut out);
    out
}

/// The counts a sentence states: numbers in digits (Danish format, "1.233"), except
/// percentages and bands ("mere end 500"), and the number words two to nine used as counts (not in fractions such
/// as "to tredjedele", nor in "tre gange så", nor ranks as "de to hyppigste").
fn stated_counts(sentence: &str) -> Vec<u64> {
    let words: Vec<&str> = sentence
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':' | ';'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let w = w.trim_end_matches('.');
        let digits: String = w.chars().filter(|c| *c != '.').collect();
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            // "mere end 500", "knap 33": a band, not a count.
            let prev = if i > 0 { words[i - 1] } else { "" };
            let band = matches!(prev.to_lowercase().as_str(), "end" | "knap" | "omkring");
            // "under 25 år": the bound of an age band; "31. december": a date.
            let bound = matches!(prev, "under" | "over") && next.starts_with("år");
            if !next.starts_with("pct") && !band && !bound && next != "december" {
                out.push(digits.parse().unwrap());
            }
            continue;
        }
        let n = match w.to_lowercase().as_str() {
            "to" => 2,
            "tre" => 3,
            "fire" => 4,
            "fem" => 5,
            "seks" => 6,
            "syv" => 7,
            "otte" => 8,
            "ni" => 9,
            _ => continue,
        };
        let fraction = [
            "tredjedel",
            "hyppigst",
            "størst",
            "fjerdedel",
            "femtedel",
            "tiendedel",
            "gange",
            "ud",
        ]
        .iter()
        .any(|f| next.starts_with(f));
        if !fraction {
            out.push(n);
        }
    }
    out
}

#[test]
fn no_sentence_of_the_public_narrative_states_a_number_the_public_edition_hides() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    demo(&dir);
    let text = std::fs::read_to_string(dir.join("overview-2023-public.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let report: spor_stats::Report = serde_json::from_str(&text).unwrap();
    assert!(report.disclosure_note.is_some());
    assert!(report.facts.minors.is_none(), "the demo hides the minors");
    let published = published_numbers(&json);
    let sections = spor_report::sections::sections(&report);
    let mut sentences = 0;
    for s in &sections {
        for p in std::iter::once(&s.headline).chain(&s.paragraphs) {
            for sentence in p.split(". ") {
                sentences += 1;
                for n in stated_counts(sentence) {
                    assert!(
                        published.contains(&n),
                        "section {}: \"{sentence}\" states {n}, which the edition does not publish",
                        s.id
                    );
                }
                // Single ages are one person each: never stated.
                assert!(!sentence.contains("i alderen"), "{sentence}");
                assert!(!sentence.contains(" år gammel"), "{sentence}");
                // The number of minors is hidden: no sentence says how many (nor "none").
                assert!(!sentence.contains("var under 18 år"), "{sentence}");
            }
        }
    }
    assert!(sentences > 20, "the public narrative still tells the year");
    // The exact profile states what the public one leaves out.
    let internal: spor_stats::Report =
        serde_json::from_str(&std::fs::read_to_string(dir.join("overview-2023.json")).unwrap())
            .unwrap();
    let all: String = spor_report::sections::sections(&internal)
        .iter()
        .flat_map(|s| s.paragraphs.clone())
        .collect();
    assert!(all.contains("var under 18 år"));
}
