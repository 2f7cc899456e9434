//! `spor report --format pdf`, run as the real binary on the demo register that
//! `spor demo` writes; the PDF is read back with poppler's `pdftotext`/`pdfinfo`.

use std::path::Path;
use std::process::{Command, Output};

fn spor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spor"))
        .args(args)
        .output()
        .expect("the spor binary runs")
}

fn poppler(tool: &str, pdf: &Path) -> String {
    let mut cmd = Command::new(tool);
    cmd.arg(pdf);
    if tool == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}); install Debian's poppler-utils"));
    assert!(out.status.success(), "{tool} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn report_format_pdf_writes_the_demo_overview_and_refuses_to_print_it_to_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = spor(&["demo", "--out", demo.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = demo.join("spor-demo.db");
    let db = db.to_str().unwrap();

    let pdf = dir.path().join("overview-2023.pdf");
    let out = spor(&[
        "--db",
        db,
        "report",
        "--year",
        "2023",
        "--format",
        "pdf",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = poppler("pdfinfo", &pdf);
    assert!(
        info.contains(
            "Title:           Oversigt over personer udsat for menneskehandel i Danmark, 2023"
        ),
        "{info}"
    );
    let text = poppler("pdftotext", &pdf);
    assert!(text.contains("112 personer vurderet udsat for menneskehandel"));
    assert!(text.contains("Ækvatorialguinea"));

    // Binary output needs a file.
    let out = spor(&["--db", db, "report", "--year", "2023", "--format", "pdf"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--format pdf needs --out"), "{err}");
    assert!(out.stdout.is_empty(), "bytes went to standard output");
}
