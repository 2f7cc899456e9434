//! The fuzz targets' brief run in CI (issue 25, item 1). The cargo-fuzz targets in `fuzz/`
//! run for minutes and need their own instrumented build; this test runs the same entry
//! functions (`fuzz/entries.rs`, included below) in the workspace's `cargo test`, over:
//!
//! - every target's committed seed corpus (`fuzz/corpus/TARGET/`, from the demo export)
//!   and every input the fuzzer ever crashed on (`fuzz/regressions/TARGET/`);
//! - a few hundred mutations of each seed (fixed random seed, so a failure repeats);
//! - hostile inputs made here: a 50 MB cell, a zip-bomb workbook, a million columns,
//!   invalid UTF-8, NUL bytes.
//!
//! Every input must be taken or refused with messages that name the place (the entries
//! check that); no panic, and the process's peak memory stays bounded.

#[path = "../../../fuzz/entries.rs"]
mod entries;

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use entries::Outcome;

const TARGETS: [&str; 4] = ["csv", "xlsx", "policy", "web_form"];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/WHICH/TARGET`, sorted, with their names.
fn inputs(which: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join(which).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Runs one input through `target`'s entry.
fn run(target: &str, data: &[u8]) -> Vec<Outcome> {
    match target {
        "csv" => entries::csv(data),
        "xlsx" => vec![entries::xlsx(data)],
        "policy" => vec![entries::policy(data)],
        "web_form" => vec![entries::web_form(data)],
        other => panic!("no target {other}"),
    }
}

fn accepted(outcomes: &[Outcome]) -> bool {
    outcomes.iter().any(Outcome::is_accepted)
}

/// Every message of every outcome, one string (for `contains`).
fn said(outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .flat_map(|o| o.messages())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

fn said1(outcome: &Outcome) -> String {
    outcome.messages().join("\n")
}

#[test]
fn every_targets_seed_corpus_and_past_crashes_are_taken_or_refused_cleanly() {
    for target in TARGETS {
        let seeds = inputs("corpus", target);
        assert!(
            seeds.len() >= 2,
            "fuzz/corpus/{target} has {} seeds",
            seeds.len()
        );
        // The seeds are real inputs: most are taken (the demo's files, a default policy,
        // a complete form), so the fuzzer starts from inside the parsers, not at their door.
        let taken = seeds
            .iter()
            .filter(|(_, d)| accepted(&run(target, d)))
            .count();
        assert!(
            taken * 2 >= seeds.len(),
            "{target}: {taken} of {} seeds taken",
            seeds.len()
        );
        for (name, data) in inputs("regressions", target) {
            let _ = run(target, &data);
            eprintln!("{target}: regression {name} ran cleanly");
        }
    }
}

/// Bytes that break parsers: separators, quotes, line ends, NUL, invalid UTF-8, digits.
const NASTY: &[&[u8]] = &[
    b",",
    b";",
    b"\"",
    b"\r",
    b"\n",
    b"\0",
    b"\xff",
    b"\xc3",
    b"%",
    b"%FF",
    b"%00",
    b"&",
    b"=",
    b"[",
    b"]",
    b"{",
    b"}",
    b"9999999999999999999999",
    b"-1",
    b"\xEF\xBB\xBF",
    b"=1+1",
];

fn mutate(rng: &mut fastrand::Rng, seed: &[u8]) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..rng.usize(1..8) {
        let at = rng.usize(0..=d.len());
        match rng.u8(0..6) {
            0 => d.truncate(at),
            1 if !d.is_empty() => {
                let i = rng.usize(0..d.len());
                d[i] = rng.u8(..);
            }
            2 => {
                let n = NASTY[rng.usize(0..NASTY.len())];
                d.splice(at..at, n.iter().copied());
            }
            3 if !d.is_empty() => {
                // Repeat a stretch (rows, cells, zip records).
                let from = rng.usize(0..d.len());
                let to = (from + rng.usize(1..256)).min(d.len());
                let piece = d[from..to].to_vec();
                d.splice(at..at, piece);
            }
            4 if at < d.len() => {
                let to = (at + rng.usize(1..64)).min(d.len());
                d.drain(at..to);
            }
            _ => d.push(rng.u8(..)),
        }
    }
    d
}

#[test]
fn mutations_of_every_seed_are_taken_or_refused_cleanly() {
    let mut rng = fastrand::Rng::with_seed(25);
    for target in TARGETS {
        let seeds = inputs("corpus", target);
        // Workbooks are large and slow to read in a debug build: fewer of them.
        let per_seed = if target == "xlsx" { 40 } else { 150 };
        for (_, seed) in &seeds {
            for _ in 0..per_seed {
                let input = mutate(&mut rng, seed);
                let _ = run(target, &input);
            }
        }
    }
}

const ID_HEADER: &str = "case_ref,person_ref,decision_date,authority,outcome,referral_actor,exploitation_form,exploitation_subtype,gender,age,nationality,return_date,return_country";

/// `xlsx` with the part `name` replaced by `content` (deflated).
fn with_part(xlsx: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut found = false;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let part_name = part.name().unwrap().to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        out.start_file(part_name.as_str(), options).unwrap();
        if part_name == name {
            found = true;
            out.write_all(content).unwrap();
        } else {
            out.write_all(&bytes).unwrap();
        }
    }
    assert!(found, "no part {name}");
    out.finish().unwrap().into_inner()
}

/// The demo's workbook from the seed corpus.
fn demo_workbook() -> Vec<u8> {
    inputs("corpus", "xlsx")
        .into_iter()
        .find(|(n, _)| n.starts_with("demo"))
        .expect("fuzz/corpus/xlsx/demo*.xlsx")
        .1
}

/// The process's peak resident memory so far (Linux), in bytes.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn hostile_inputs_are_refused_naming_their_place_within_bounded_memory() {
    // A 50 MB cell: in a CSV file, a form field and a policy value.
    let big = "x".repeat(50 << 20);
    let csv = format!("{ID_HEADER}\n{big},P-1,2023-04-17,cmm,not_identified,,,,female,,NG,,\n");
    let out = entries::csv(csv.as_bytes());
    assert!(
        out[0].messages()[0].starts_with("identifications.csv, line 2, column case_ref: `xxxxxxxx"),
        "{}",
        said(&out)
    );
    assert!(
        out[0].messages()[0].len() < 1000,
        "the value is shortened in the message"
    );
    let out = entries::web_form(format!("case_ref={big}&person_ref=P-1").as_bytes());
    assert!(said1(&out).contains("Decision form, field case_ref"));
    let out = entries::policy(
        format!("homogeneity_dimensions = [\"{big}\"]\nmin_count_one_dim = 1\n").as_bytes(),
    );
    assert!(said1(&out).contains("min_count_one_dim"));
    drop(big);

    // A zip bomb: the demo's workbook with its first sheet replaced by 64 MiB of one row.
    let mut xml = Vec::with_capacity(64 << 20);
    xml.extend_from_slice(b"<worksheet><sheetData>");
    while xml.len() < 64 << 20 {
        xml.extend_from_slice(b"<row/>");
    }
    xml.extend_from_slice(b"</sheetData></worksheet>");
    let bomb = with_part(&demo_workbook(), "xl/worksheets/sheet1.xml", &xml);
    drop(xml);
    let out = entries::xlsx(&bomb);
    assert_eq!(
        out.messages().len(),
        1,
        "refused as a whole: {}",
        said1(&out)
    );
    assert!(
        out.messages()[0].starts_with(
            "register.xlsx: the workbook's part `xl/worksheets/sheet1.xml` would unpack to"
        ),
        "{}",
        out.messages()[0]
    );

    // A million columns: a CSV header, a CSV row, a form, a sheet cell past column XFD.
    let mut wide = String::from(ID_HEADER);
    for i in 0..1_000_000 {
        wide.push_str(&format!(",extra{i}"));
    }
    wide.push('\n');
    let out = entries::csv(wide.as_bytes());
    assert!(
        out[0].messages().len() < 40,
        "{} problems",
        out[0].messages().len()
    );
    assert!(said(&out).contains("999.980 more unknown columns"));
    let mut row = format!("{ID_HEADER}\n");
    row.push_str(&",".repeat(1_000_000));
    row.push_str("C-1\n");
    let out = entries::csv(row.as_bytes());
    assert!(
        said(&out).contains(
            "identifications.csv, line 2: the row has 1000001 cells but the header has 13"
        ),
        "{}",
        said(&out)
    );
    let form: Vec<String> = (0..1_000_000).map(|i| format!("f{i}=v")).collect();
    let _ = entries::web_form(form.join("&").as_bytes());
    let sheet = br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>case_ref</t></is></c><c r="XFE1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    let out = entries::xlsx(&with_part(
        &demo_workbook(),
        "xl/worksheets/sheet1.xml",
        sheet,
    ));
    assert!(said1(&out).contains("has a cell reference `XFE1` that is no cell of a sheet"),);

    // Invalid UTF-8 and NUL bytes, in each kind of input.
    let csv = format!("{ID_HEADER}\nC-\u{0}1,P-1,2023-04-17,cmm,not_identified,,,,female,,NG,,\n");
    let mut bytes = csv.into_bytes();
    bytes.extend_from_slice(b"C-2,P-\xff\xfe,2023-04-17,cmm,not_identified,,,,female,,NG,,\n");
    let out = entries::csv(&bytes);
    let text = out[0].messages().join("\n");
    assert!(text.contains("line 2, column case_ref"), "{text}");
    assert!(text.contains("line 3, column person_ref"), "{text}");
    assert!(text.contains("text in UTF-8"), "{text}");
    let out = entries::policy(b"preset = \"\xff\"\n");
    assert_eq!(out.messages(), ["policy file: not UTF-8 text"]);
    let out = entries::policy(b"preset = \"strict\0\"\n");
    assert!(said1(&out).starts_with("policy file: "));
    let out = entries::web_form(b"case_ref=%FF%00&person_ref=P%00-1&decision_date=17-04-2023");
    assert!(said1(&out).contains("Decision form, field case_ref"));
    let out = entries::xlsx(b"PK\x03\x04\0\0\xff\xff not a workbook");
    assert!(said1(&out).starts_with("register.xlsx: cannot read the workbook"));

    // Everything above at most a few copies of the 50 MB cell and the 64 MiB sheet at a
    // time (the other tests of this file run beside it): not gigabytes.
    if let Some(peak) = peak_memory() {
        assert!(peak < 2 << 30, "peak memory {} MiB", peak >> 20);
    }
}
