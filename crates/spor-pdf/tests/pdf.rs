//! The PDF edition, checked from the outside with poppler's tools
//! (`pdftotext`, `pdfinfo`, `pdffonts`; Debian package `poppler-utils`, which
//! `.ci/run` installs).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use spor_pdf::{PdfError, render, render_sections};

/// Writes `pdf` to a temporary file that lives as long as the returned guard.
fn write_pdf(pdf: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("overview.pdf");
    std::fs::write(&path, pdf).expect("the PDF is written");
    (dir, path)
}

/// Runs a poppler tool and returns its standard output.
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{tool}` ({e}); install Debian's poppler-utils"));
    assert!(
        out.status.success(),
        "`{tool}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

fn sample_pdf() -> Vec<u8> {
    render(&common::report(), &common::meta()).expect("the 2023 sample typesets")
}

fn page_count(pdf: &Path) -> usize {
    poppler("pdfinfo", &[], pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints the page count")
}

#[test]
fn extracted_text_has_the_title_key_figures_danish_names_and_dates() {
    let (_dir, path) = write_pdf(&sample_pdf());
    let text = poppler("pdftotext", &["-enc", "UTF-8"], &path);
    for want in [
        "Oversigt over personer udsat for menneskehandel i Danmark",
        // Headlines and key figures of the 2023 edition; Danish thousands separator.
        "Mere end 500 opkald på hotlinen",
        "1.233",
        "112 personer vurderet udsat for menneskehandel",
        "290 personer er udredt for menneskehandel",
        // Labels with æ, ø and å.
        "Rumænien",
        "Ækvatorialguinea",
        "Statsløs palæstinenser",
        "Røde Kors",
        "Pårørende",
        "Fødevarestyrelsen",
        // The closing page.
        "Sådan er tallene opgjort",
        "Udlændingestyrelsen, hvis personen er uden lovligt ophold",
        // Generation time and the register's last change, in Copenhagen time.
        "1. marts 2024 kl. 09.30",
        "27. februar 2024 kl. 15.05",
        "Indhold",
        "I alt",
        // Figures not known for a year are marked, and the mark is explained.
        "– betyder, at tallet ikke er opgjort.",
    ] {
        assert!(text.contains(want), "the PDF text lacks {want:?}");
    }
}

#[test]
fn pdf_metadata_names_the_title_the_danish_language_and_the_generation_time() {
    let (_dir, path) = write_pdf(&sample_pdf());
    let info = poppler("pdfinfo", &[], &path);
    assert!(
        info.contains(
            "Title:           Oversigt over personer udsat for menneskehandel i Danmark, 2023"
        ),
        "{info}"
    );
    assert!(
        info.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{info}"
    );
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(
        info.contains("CreationDate:    Fri Mar  1 08:30:00 2024 UTC"),
        "{info}"
    );
    let xmp = poppler("pdfinfo", &["-meta"], &path);
    assert!(
        xmp.contains("<rdf:li>da-DK</rdf:li>"),
        "no Danish language in {xmp}"
    );
    assert!(
        xmp.contains("<pdfuaid:part>1</pdfuaid:part>"),
        "not PDF/UA-1: {xmp}"
    );
}

#[test]
fn every_font_is_embedded_and_comes_from_the_bundle() {
    let (_dir, path) = write_pdf(&sample_pdf());
    let fonts = poppler("pdffonts", &[], &path);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts listed: {fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name, type…, encoding, emb, sub, uni, object, generation
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded: {row}");
        assert!(
            cols[0].contains("SourceSans3")
                || cols[0].contains("Libertinus")
                || cols[0].contains("DejaVu")
                || cols[0].contains("NewCM"),
            "a font that is not bundled: {row}"
        );
    }
}

#[test]
fn the_cover_contents_sections_and_closing_page_give_the_expected_page_count() {
    let (_dir, path) = write_pdf(&sample_pdf());
    let report = common::report();
    let sections = spor_report::sections(&report)
        .iter()
        .filter(|s| s.level == 1)
        .count();
    let pages = page_count(&path);
    // Cover, contents, one page or more per section, the closing page; the
    // nationality × gender/age × form table alone needs several pages.
    assert!(
        pages >= sections + 3 + 2,
        "{pages} pages for {sections} sections"
    );
    let first = poppler("pdftotext", &["-f", "1", "-l", "1"], &path);
    let cover = first.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        cover.contains("Oversigt over personer udsat for menneskehandel i Danmark, 2023"),
        "the cover lacks the title: {cover}"
    );
    // The key figures, in the words of every edition (text extraction reads the figures'
    // row before their labels).
    let figures = spor_report::key_figures(&report);
    assert_eq!(figures.len(), 4, "{figures:?}");
    for k in figures {
        for want in [spor_pdf::format_count(k.value), k.label.to_owned()] {
            assert!(cover.contains(&want), "the cover lacks {want:?}: {cover}");
        }
    }
    assert!(cover.contains("personer vurderet udsat for menneskehandel"));
    // "Om tallene", as in the HTML and XLSX editions, closed by how the key figures are
    // counted: the last pages.
    let from = pages.saturating_sub(3).max(1);
    let last = poppler(
        "pdftotext",
        &["-f", &from.to_string(), "-l", &pages.to_string()],
        &path,
    );
    let about = spor_report::about(&report, &common::meta().centre);
    let last_words = last.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(last_words.contains(about.headline), "last pages: {last}");
    let closing = about.parts.last().unwrap();
    assert!(last_words.contains(closing.heading), "last pages: {last}");
    let facts = last_words
        .find(spor_report::edition::FACTS_TITLE)
        .expect("the key figures' rules close the edition");
    assert!(
        facts > last_words.find(closing.heading).unwrap(),
        "after Om tallene's parts"
    );
    assert!(
        last.contains(&format!("Side {pages} af {pages}")),
        "last page: {last}"
    );
}

#[test]
fn the_long_nested_table_repeats_its_header_on_every_page_it_covers() {
    let (_dir, path) = write_pdf(&sample_pdf());
    let pages = page_count(&path);
    let header = "Nationalitet, køn/alder og udnyttelse";
    let mut pages_with_header = Vec::new();
    let mut pages_with_rows = Vec::new();
    for p in 1..=pages {
        let n = p.to_string();
        let text = poppler("pdftotext", &["-f", &n, "-l", &n], &path);
        if text.contains(header) {
            pages_with_header.push(p);
        }
        if text.contains("Kvinde / over 18") {
            pages_with_rows.push(p);
        }
    }
    assert!(
        pages_with_rows.len() >= 2,
        "the table fits one page: {pages_with_rows:?}"
    );
    for p in &pages_with_rows {
        assert!(
            pages_with_header.contains(p),
            "page {p} has table rows but no header ({pages_with_header:?})"
        );
    }
    // The last country comes out, after the page breaks.
    let text = poppler("pdftotext", &[], &path);
    assert!(text.contains("Sri Lanka"));
}

#[test]
fn two_runs_with_the_same_input_give_the_same_bytes() {
    let a = sample_pdf();
    let b = sample_pdf();
    assert!(
        a == b,
        "two renders differ ({} and {} bytes)",
        a.len(),
        b.len()
    );

    // And the generation time is part of the input, not the clock.
    let mut meta = common::meta();
    meta.generated_at += chrono::Duration::days(1);
    let c = render(&common::report(), &meta).unwrap();
    assert!(a != c, "a different generation time gave the same bytes");
}

/// Edges of the text area: A4 width less the 22 mm margins, in points.
const LEFT_EDGE: f64 = 22.0 * 72.0 / 25.4;
const RIGHT_EDGE: f64 = 595.2756 - LEFT_EDGE;

#[test]
fn a_sixty_character_referral_actor_wraps_inside_the_page() {
    assert!(common::LONG_ACTOR.chars().count() >= 60);
    let report = common::report_with_referral(common::LONG_ACTOR, 16);
    let pdf = render(&report, &common::meta()).unwrap();
    let (_dir, path) = write_pdf(&pdf);

    let text = poppler("pdftotext", &[], &path);
    for word in common::LONG_ACTOR.split(' ') {
        assert!(text.contains(word), "{word:?} is missing");
    }
    // Every word of every page stays inside the right margin.
    let boxes = poppler("pdftotext", &["-bbox"], &path);
    for line in boxes
        .lines()
        .filter(|l| l.trim_start().starts_with("<word"))
    {
        let x_max: f64 = line
            .split("xMax=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("a word box has xMax");
        assert!(
            x_max <= RIGHT_EDGE + 0.5,
            "a word runs off the text area: {line}"
        );
    }
}

#[test]
fn labels_with_typst_markup_characters_are_printed_literally() {
    let odd = "Aktør #1 *f* _k_ $x$ [a] {b} <c> @d \\e `f` //";
    let report = common::report_with_referral(odd, 1);
    let pdf = render(&report, &common::meta()).unwrap();
    let (_dir, path) = write_pdf(&pdf);
    let text = poppler("pdftotext", &["-raw"], &path);
    assert!(
        text.contains(odd),
        "the label was not printed as written; text:\n{text}"
    );
}

#[test]
fn a_year_with_no_data_is_an_error_not_an_empty_pdf() {
    let report = common::empty_report(2031);
    let err = render_sections(&report, &[], &common::meta()).unwrap_err();
    assert!(matches!(err, PdfError::NoData { year: 2031 }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("2031"), "{message}");
    assert!(message.contains("choose a year"), "{message}");
}

#[test]
fn a_section_naming_a_table_the_report_lacks_is_an_error() {
    let report = common::report();
    let mut sections = spor_report::sections(&report);
    sections[0].tables.push("no_such_table".to_owned());
    let err = render_sections(&report, &sections, &common::meta()).unwrap_err();
    assert!(
        matches!(&err, PdfError::UnknownTable { table, .. } if table == "no_such_table"),
        "{err:?}"
    );
}

#[test]
fn a_report_whose_counts_are_only_in_its_tables_typesets_as_in_the_html_edition() {
    // A report without the summary facts (e.g. from an older engine): the HTML edition
    // takes the year's counts from the tables, and so must the PDF.
    let mut report = common::report();
    report.facts.victims = None;
    report.facts.hotline_calls = None;
    report.facts.assessed_persons = None;
    assert!(spor_report::has_data(&report));
    spor_report::html::render(&report, &common::meta()).expect("the HTML edition renders");
    let pdf = render(&report, &common::meta()).expect("the PDF edition typesets too");
    let (_dir, path) = write_pdf(&pdf);
    let first = poppler("pdftotext", &["-f", "1", "-l", "1"], &path);
    assert!(
        first.contains("290"),
        "the cover's assessed persons: {first}"
    );
}

#[test]
fn every_table_prints_its_counting_rule_from_its_definition() {
    let (_dir, path) = write_pdf(&sample_pdf());
    // Letters only, whatever the line breaks and hyphenation of the extraction.
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '\u{ad}')
            .collect()
    };
    let text = letters(&poppler("pdftotext", &[], &path));
    let report = common::report();
    for id in report.tables.keys() {
        let rule = spor_stats::describe::definition_of(id)
            .unwrap_or_else(|| panic!("{id} has a definition"));
        let printed = letters(&format!("Sådan tælles: {}", rule.da));
        assert!(
            text.contains(&printed),
            "{id}: {:?} not in the PDF",
            rule.da
        );
    }
}

#[test]
fn every_fact_prints_its_definition_in_om_tallene() {
    let (_dir, path) = write_pdf(&sample_pdf());
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '\u{ad}')
            .collect()
    };
    let text = letters(&poppler("pdftotext", &[], &path));
    assert!(text.contains(&letters("Sådan tælles nøgletallene")));
    for d in spor_stats::describe::fact_definitions() {
        let printed = letters(&format!("{}: {}", d.label.da, d.rule.da));
        assert!(
            text.contains(&printed),
            "{}: {:?} not in the PDF",
            d.name,
            d.rule.da
        );
    }
}

#[test]
fn a_revised_figure_is_stated_on_the_cover_and_marked_in_its_table() {
    let mut report = common::report();
    let t = &report.tables["victims_by_year"];
    let col = t.column_keys.iter().position(|k| k == "2022").unwrap();
    let was = t.rows[0].values[col].unwrap();
    let label = t.rows[0].label.clone();
    report.revisions = vec![
        spor_stats::Revision::fact(
            2022,
            3,
            "victims_previous_year",
            "personer vurderet udsat for menneskehandel",
            was + 4,
            was,
        ),
        spor_stats::Revision::cell(
            2022,
            3,
            "victims_by_year",
            0,
            "victims",
            "2022",
            &label,
            was + 4,
            was,
        ),
    ];
    let pdf = render(&report, &common::meta()).unwrap();
    let (_dir, path) = write_pdf(&pdf);
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '\u{ad}')
            .collect()
    };
    let cover = letters(&poppler("pdftotext", &["-f", "1", "-l", "1"], &path));
    let sentence = format!("Tallet for 2022 er revideret fra {} til {was}", was + 4);
    assert!(cover.contains(&letters(&sentence)), "on the cover: {cover}");
    let text = letters(&poppler("pdftotext", &[], &path));
    assert!(
        text.contains(&letters(&format!(
            "{label}, 2022: revideret fra {} til {was}",
            was + 4
        ))),
        "the note under the table"
    );
    assert!(
        text.contains(&letters(&format!("{was}*"))),
        "the marked cell"
    );
    assert!(text.contains(&letters("Reviderede tal")), "in Om tallene");
}
