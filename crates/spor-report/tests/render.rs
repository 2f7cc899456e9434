//! Black-box tests of the renderers on the sample 2023 report: reviewed snapshots of the
//! HTML and XLSX structure, no external requests, well-formed accessible SVG, wrapping of
//! long labels, CSV format.
//!
//! Snapshots live in `tests/snapshots/`; after a deliberate change, review the diff and
//! rerun with `UPDATE_SNAPSHOTS=1` to accept it.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::TimeZone;
use spor_report::{Meta, sample::report_2023, sections};
use spor_stats::Report;
use std::io::Cursor;
use std::path::PathBuf;

fn meta() -> Meta {
    Meta::new(
        chrono::Utc.with_ymd_and_hms(2024, 2, 1, 9, 30, 0).unwrap(),
        Some(chrono::Utc.with_ymd_and_hms(2024, 1, 31, 15, 5, 0).unwrap()),
    )
}

fn check_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(10)
            .map(|(i, (e, a))| format!("line {}:\n  want: {e}\n  got:  {a}", i + 1))
            .collect();
        panic!(
            "snapshot {name} differs ({} vs {} lines):\n{}",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// Text of an HTML fragment without tags, whitespace collapsed.
fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => {
                // Cells and tags are separated by a space in the text.
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The publication's outline: headings, figure and table captions, table headers and totals.
fn html_outline(html: &str) -> String {
    let mut out = Vec::new();
    let tags = [
        "<html",
        "<title>",
        "<h1",
        "<h2",
        "<h3",
        "<figcaption>",
        "<caption>",
        "<thead>",
        "<tfoot>",
        "<svg",
    ];
    let mut i = 0;
    while i < html.len() {
        let Some((pos, tag)) = tags
            .iter()
            .filter_map(|t| html[i..].find(t).map(|p| (i + p, *t)))
            .min_by_key(|x| x.0)
        else {
            break;
        };
        let name: String = tag
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string();
        let close = format!("</{name}>");
        let line = match name.as_str() {
            "html" => {
                let end = html[pos..].find('>').map(|e| pos + e).unwrap_or(html.len());
                i = end;
                html[pos..=end].to_string()
            }
            "svg" => {
                let end = html[pos..]
                    .find("</svg>")
                    .map(|e| pos + e)
                    .unwrap_or(html.len());
                i = end;
                let head = &html[pos..html[pos..].find('>').map(|e| pos + e).unwrap_or(pos)];
                let role = head.contains("role=\"img\"");
                let title = html[pos..end].contains("<title");
                format!("  svg role=img:{role} title:{title}")
            }
            _ => {
                let end = html[pos..]
                    .find(&close)
                    .map(|e| pos + e)
                    .unwrap_or(html.len());
                i = end;
                format!("{name}: {}", strip_tags(&html[pos..end]))
            }
        };
        out.push(line);
        i += 1;
    }
    out.join("\n") + "\n"
}

#[test]
fn html_edition_has_the_2023_sections_tables_and_totals_in_order() {
    let html = spor_report::html::render(&report_2023(), &meta()).unwrap();
    check_snapshot("html_outline.txt", &html_outline(&html));
}

#[test]
fn html_is_danish_self_contained_and_makes_no_external_request() {
    let html = spor_report::html::render(&report_2023(), &meta()).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"da\">"));
    for attr in ["src=", "href="] {
        for (pos, _) in html.match_indices(attr) {
            let value: String = html[pos + attr.len()..]
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| *c != '"' && *c != '\'')
                .collect();
            let lower = value.to_ascii_lowercase();
            assert!(
                !(lower.starts_with("http:")
                    || lower.starts_with("https:")
                    || lower.starts_with("//")),
                "external {attr}{value}"
            );
        }
    }
    let lower = html.to_ascii_lowercase();
    for forbidden in ["<link", "<script", "@import", "url(", "<img", "<iframe"] {
        assert!(!lower.contains(forbidden), "{forbidden} in the HTML");
    }
    // The SVG namespace is an identifier, not a request; it is the only URL in the file.
    let urls = lower.matches("http").count();
    let ns = lower
        .matches("xmlns=\"http://www.w3.org/2000/svg\"")
        .count();
    assert_eq!(urls, ns, "a URL other than the SVG namespace");
    assert!(html.contains("@media print"));
    assert!(html.contains("Oversigt over personer udsat for menneskehandel i Danmark, 2023"));
    assert!(html.contains("Registerets seneste ændring: 31. januar 2024 kl. 16.05"));
    assert!(html.contains("Dannet: 1. februar 2024 kl. 10.30"));
    assert!(html.contains("<td>1.233</td>") || html.contains("1.233 personer"));
}

#[test]
fn every_chart_is_well_formed_accessible_svg_with_a_concrete_font() {
    let report = report_2023();
    let secs = sections(&report);
    assert!(secs.iter().filter(|s| s.chart.is_some()).count() >= 12);
    for s in &secs {
        let Some(c) = &s.chart else { continue };
        let doc = roxmltree::Document::parse(&c.svg)
            .unwrap_or_else(|e| panic!("{}: SVG does not parse: {e}", s.id));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{}", s.id);
        assert_eq!(root.attribute("role"), Some("img"), "{}", s.id);
        let labelled = root.attribute("aria-labelledby").unwrap_or_default();
        for id in labelled.split_whitespace() {
            assert!(
                doc.descendants().any(|n| n.attribute("id") == Some(id)),
                "{}: aria-labelledby names missing {id}",
                s.id
            );
        }
        let title = root
            .children()
            .find(|n| n.has_tag_name("title"))
            .expect("title");
        assert_eq!(title.text(), Some(c.caption.as_str()), "{}", s.id);
        let desc = root
            .children()
            .find(|n| n.has_tag_name("desc"))
            .expect("desc");
        assert!(!desc.text().unwrap_or_default().is_empty(), "{}", s.id);
        assert!(
            root.attribute("font-family")
                .unwrap_or_default()
                .starts_with("'Source Sans 3'"),
            "{}",
            s.id
        );
    }
}

#[test]
fn danish_number_format_appears_in_charts_and_tables() {
    let secs = sections(&report_2023());
    let victims = secs.iter().find(|s| s.id == "victims").unwrap();
    assert!(
        victims.paragraphs[0].contains("1.233 personer"),
        "{:?}",
        victims.paragraphs
    );
    let html = spor_report::html::render(&report_2023(), &meta()).unwrap();
    assert!(html.contains("<td>1.233</td>") || html.contains("1.233"));
}

fn report_with_long_referral_label() -> (Report, String) {
    let mut report = report_2023();
    let long = "Tværkommunalt rådgivningsteam for udsatte arbejdsmigranter, Fyn".to_string();
    assert!(long.chars().count() >= 60);
    report.tables.get_mut("victims_by_referral").unwrap().rows[1].label = long.clone();
    (report, long)
}

#[test]
fn a_sixty_character_referral_actor_wraps_inside_the_chart() {
    let (report, long) = report_with_long_referral_label();
    let secs = sections(&report);
    let chart = secs
        .iter()
        .find(|s| s.id == "referral")
        .and_then(|s| s.chart.clone())
        .unwrap();
    let doc = roxmltree::Document::parse(&chart.svg).unwrap();
    let width: f64 = doc
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    let texts: Vec<(f64, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            (
                n.attribute("x").unwrap().parse::<f64>().unwrap(),
                n.text().unwrap_or_default().to_string(),
            )
        })
        .collect();
    // The label's words are spread over several right-aligned lines, none overflowing
    // the left edge (at ~0,56 em per character of 12 px).
    let words: Vec<&str> = long.split_whitespace().collect();
    let lines: Vec<&(f64, String)> = texts
        .iter()
        .filter(|(_, t)| words.iter().any(|w| t.split_whitespace().any(|x| x == *w)))
        .collect();
    assert!(lines.len() >= 2, "label not wrapped: {lines:?}");
    for (x, t) in &lines {
        let est = t.chars().count() as f64 * 12.0 * 0.56;
        assert!(x - est >= 0.0, "line {t:?} ends at {x} and needs {est}");
        assert!(*x <= width);
    }
    let joined: String = lines
        .iter()
        .map(|l| l.1.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(joined, long, "every word kept, in order");
}

#[test]
fn long_labels_do_not_break_the_html_or_xlsx() {
    let (report, long) = report_with_long_referral_label();
    let html = spor_report::html::render(&report, &meta()).unwrap();
    assert!(html.contains(&long));
    let bytes = spor_report::xlsx::to_bytes(&report, &meta()).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("Henvisende aktør").unwrap();
    assert!(
        range
            .rows()
            .any(|r| r.first() == Some(&Data::String(long.clone())))
    );
}

fn cell_text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => format!("{i}"),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

#[test]
fn xlsx_has_om_tallene_then_one_sheet_per_table_with_header_and_totals() {
    let report = report_2023();
    let bytes = spor_report::xlsx::to_bytes(&report, &meta()).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], "Om tallene");
    assert_eq!(names.len(), report.tables.len() + 2);
    assert_eq!(names.last().map(String::as_str), Some("Nøgletal"));
    assert!(names.iter().all(|n| n.chars().count() <= 31));
    let mut outline = String::new();
    for name in &names {
        let range = wb.worksheet_range(name).unwrap();
        if name == "Om tallene" {
            let all: Vec<String> = range.rows().flatten().map(|c| cell_text(Some(c))).collect();
            assert!(
                all.iter().any(|c| c == "31. januar 2024 kl. 16.05"),
                "last change"
            );
            assert!(
                all.iter().any(|c| c == "1. februar 2024 kl. 10.30"),
                "generated"
            );
            assert!(
                all.iter().any(|c| c.contains("én gang pr. år")),
                "counting rules"
            );
            outline.push_str("# Om tallene\n");
            continue;
        }
        if name == "Nøgletal" {
            outline.push_str("# Nøgletal\n");
            continue;
        }
        let (rows, cols) = range.get_size();
        let header: Vec<String> = (0..cols as u32)
            .map(|c| cell_text(range.get_value((1, c))))
            .collect();
        outline.push_str(&format!(
            "# {name}: {}\n",
            cell_text(range.get_value((0, 0)))
        ));
        outline.push_str(&format!("  header: {}\n", header.join(" | ")));
        let last = rows as u32 - 1;
        if cell_text(range.get_value((last, 0))) == "I alt" {
            let totals: Vec<String> = (1..cols as u32 - 1)
                .map(|c| cell_text(range.get_value((last, c))))
                .collect();
            outline.push_str(&format!("  I alt: {}\n", totals.join(" | ")));
        }
        outline.push_str(&format!("  rows: {}\n", last - 1));
    }
    check_snapshot("xlsx_outline.txt", &outline);

    // Totals are cached formula results a non-recalculating reader sees.
    let range = wb.worksheet_range("Nationalitet").unwrap();
    let last = range.get_size().0 as u32 - 1;
    assert_eq!(range.get_value((last, 1)), Some(&Data::Float(112.0)));
    let formulas = wb.worksheet_formula("Nationalitet").unwrap();
    assert!(
        formulas.rows().flatten().any(|f| f.starts_with("SUM(")),
        "total row is a SUM formula"
    );
}

#[test]
fn xlsx_bytes_are_the_same_for_the_same_input() {
    let a = spor_report::xlsx::to_bytes(&report_2023(), &meta()).unwrap();
    let b = spor_report::xlsx::to_bytes(&report_2023(), &meta()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn csv_files_are_semicolon_separated_utf8_with_bom_and_end_with_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let report = report_2023();
    let written = spor_report::csv::write_dir(&report, dir.path()).unwrap();
    assert_eq!(written.len(), report.tables.len());
    let bytes = std::fs::read(dir.path().join("victims_by_nationality.csv")).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "kode;niveau;tekst;Antal");
    assert_eq!(lines[1], "NG;0;Nigeria;20");
    assert_eq!(*lines.last().unwrap(), "total;0;I alt;112");
    assert!(text.contains("STATELESS_PS;0;Statsløs palæstinenser;1"));

    let nested = std::fs::read_to_string(
        dir.path()
            .join("victims_by_nationality_gender_age_form.csv"),
    )
    .unwrap();
    assert!(nested.contains("NG|female/adult|sexual;2;Seksuel udnyttelse;15\r\n"));
    let years = std::fs::read_to_string(dir.path().join("hotline_calls_by_year.csv")).unwrap();
    assert!(
        years.contains(
            "concerning_possible_victims;0;Heraf om mulige ofre for menneskehandel;;;;339"
        )
    );
}

#[test]
fn a_public_csv_edition_explains_its_hidden_cells_in_a_note_beside_the_tables() {
    let mut report = report_2023();
    let internal = tempfile::tempdir().unwrap();
    spor_report::csv::write_dir(&report, internal.path()).unwrap();
    assert!(
        !internal.path().join("noter.txt").exists(),
        "no note when nothing is hidden"
    );

    report.disclosure_note = Some("· = skjult for at beskytte enkeltpersoner".to_string());
    let public = tempfile::tempdir().unwrap();
    let written = spor_report::csv::write_dir(&report, public.path()).unwrap();
    assert_eq!(written.len(), report.tables.len() + 1);
    let note = std::fs::read_to_string(public.path().join("noter.txt")).unwrap();
    assert_eq!(note, "· = skjult for at beskytte enkeltpersoner\r\n");
}

/// The XML of every chart in an XLSX workbook, by file name (`xl/charts/chart1.xml`, …).
fn xlsx_charts(bytes: &[u8]) -> Vec<(String, String)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("an XLSX is a zip archive");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("a readable file name").into_owned())
        .filter(|n| n.starts_with("xl/charts/chart") && n.ends_with(".xml"))
        .collect();
    names
        .into_iter()
        .map(|name| {
            let mut xml = String::new();
            zip.by_name(&name)
                .unwrap()
                .read_to_string(&mut xml)
                .unwrap();
            (name, xml)
        })
        .collect()
}

/// The `c:orientation` of an axis element (`c:catAx`, `c:valAx`) of a chart.
fn axis_orientation(doc: &roxmltree::Document, axis: &str) -> String {
    let ax = doc
        .descendants()
        .find(|n| n.tag_name().name() == axis)
        .unwrap_or_else(|| panic!("the chart has a {axis}"));
    ax.descendants()
        .find(|n| n.tag_name().name() == "orientation")
        .and_then(|n| n.attribute("val"))
        .unwrap_or("minMax")
        .to_string()
}

#[test]
fn xlsx_horizontal_bar_charts_put_the_largest_category_on_top_with_bars_from_the_left() {
    let bytes = spor_report::xlsx::to_bytes(&report_2023(), &meta()).unwrap();
    let mut horizontal = Vec::new();
    for (name, xml) in xlsx_charts(&bytes) {
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let bar_dir = doc
            .descendants()
            .find(|n| n.tag_name().name() == "barDir")
            .and_then(|n| n.attribute("val"));
        if bar_dir != Some("bar") {
            continue;
        }
        // Rows are written largest first, top down; Excel draws a bar chart's first
        // category at the bottom unless the category axis runs max to min.
        assert_eq!(
            axis_orientation(&doc, "catAx"),
            "maxMin",
            "{name}: the category axis must be reversed (largest category on top)"
        );
        assert_eq!(
            axis_orientation(&doc, "valAx"),
            "minMax",
            "{name}: the value axis must run from the left (bars from zero to the right)"
        );
        // The value axis crosses at the last category, which is at the bottom once the
        // categories run top down, so the numbers stay under the bars.
        let crosses = doc
            .descendants()
            .find(|n| n.tag_name().name() == "valAx")
            .and_then(|ax| ax.descendants().find(|n| n.tag_name().name() == "crosses"))
            .and_then(|n| n.attribute("val"));
        assert_eq!(crosses, Some("max"), "{name}: value axis crossing");
        horizontal.push(name);
    }
    // Referral actor, form, the two subtypes and gender × form.
    assert!(
        horizontal.len() >= 4,
        "expected the horizontal bar charts, found {horizontal:?}"
    );
}

/// A label a centre added that a spreadsheet would run as a formula goes out inert in the
/// table CSV (a leading apostrophe); counts and ordinary labels are unchanged (ASVS 1.2.10).
#[test]
fn a_formula_in_a_label_goes_out_inert_in_the_csv() {
    let mut report = report_2023();
    let id = report
        .tables
        .iter()
        .find(|(_, t)| !t.rows.is_empty())
        .map(|(id, _)| id.clone())
        .unwrap();
    let table = report.tables.get_mut(&id).unwrap();
    let plain = table.rows[0].label.clone();
    table.rows[0].label = "=HYPERLINK(\"http://x\";\"klik\")".into();
    if table.rows.len() > 1 {
        table.rows[1].label = "@SUM(A1)".into();
    }
    let csv = String::from_utf8(spor_report::csv::table_csv(&report, &id).unwrap()).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(
        !csv.contains(";=HYPERLINK") && !csv.contains(";\"=HYPERLINK"),
        "{csv}"
    );
    if report.tables[&id].rows.len() > 1 {
        assert!(csv.contains(";'@SUM(A1);"), "{csv}");
    }
    assert!(!plain.starts_with('\''));
    assert_eq!(spor_report::csv::inert("Nigeria"), "Nigeria");
    assert_eq!(spor_report::csv::inert("-1"), "'-1");
    assert_eq!(spor_report::csv::inert("\tx"), "'\tx");
}

#[test]
fn every_table_carries_its_counting_rule_in_the_html_and_the_xlsx() {
    let report = report_2023();
    let html = spor_report::html::render(&report, &meta()).unwrap();
    let text = strip_tags(&html)
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let bytes = spor_report::xlsx::to_bytes(&report, &meta()).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let about: Vec<String> = wb
        .worksheet_range("Om tallene")
        .unwrap()
        .rows()
        .flatten()
        .map(|c| cell_text(Some(c)))
        .collect();
    for id in report.tables.keys() {
        let rule = spor_stats::describe::definition_of(id)
            .unwrap_or_else(|| panic!("{id} has a definition"));
        assert!(
            text.contains(&format!("Sådan tælles: {}", rule.da)),
            "{id}: the Danish rule is not in the HTML"
        );
        assert!(
            text.contains(&format!("How it is counted: {}", rule.en)),
            "{id}: the English rule is not in the HTML"
        );
        assert!(
            about.contains(&rule.da),
            "{id}: Danish rule not in Om tallene"
        );
        assert!(
            about.contains(&rule.en),
            "{id}: English rule not in Om tallene"
        );
    }
}

#[test]
fn every_fact_carries_its_definition_in_the_html_and_the_xlsx() {
    let report = report_2023();
    let html = spor_report::html::render(&report, &meta()).unwrap();
    let text = strip_tags(&html)
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    assert!(
        text.contains("Sådan tælles nøgletallene"),
        "the section's title"
    );
    let bytes = spor_report::xlsx::to_bytes(&report, &meta()).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("Nøgletal").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| cell_text(Some(c))).collect())
        .collect();
    let definitions = spor_stats::describe::fact_definitions();
    assert_eq!(definitions.len(), spor_stats::Facts::NAMES.len());
    for d in &definitions {
        assert!(
            text.contains(&d.rule.da),
            "{}: the Danish rule is not in the HTML",
            d.name
        );
        assert!(
            text.contains(&d.rule.en),
            "{}: the English rule is not in the HTML",
            d.name
        );
        assert!(
            html.contains(&format!("id=\"noegletal-{}\"", d.name)),
            "{}: its entry is named in the HTML",
            d.name
        );
        let row = rows
            .iter()
            .find(|r| r.first() == Some(&d.name.to_string()))
            .unwrap_or_else(|| panic!("{}: no row on the Nøgletal sheet", d.name));
        assert_eq!(
            row[1..4],
            [d.label.da.clone(), d.rule.da.clone(), d.rule.en.clone()],
            "{}",
            d.name
        );
    }
}

/// The 2023 sample with two figures of 2022 revised since its release: the headline and
/// the series cell it comes from.
fn revised_report() -> Report {
    let mut report = report_2023();
    let t = &report.tables["victims_by_year"];
    let col = t.column_keys.iter().position(|k| k == "2022").unwrap();
    let was = t.rows[0].values[col].unwrap();
    report.revisions = vec![
        spor_stats::Revision::fact(
            2022,
            7,
            "victims_previous_year",
            "personer vurderet udsat for menneskehandel",
            was - 1,
            was,
        ),
        spor_stats::Revision::cell(
            2022,
            7,
            "victims_by_year",
            0,
            "victims",
            "2022",
            &t.rows[0].label,
            was - 1,
            was,
        ),
    ];
    report
}

#[test]
fn revised_figures_are_stated_and_marked_in_the_html_xlsx_and_csv() {
    let report = revised_report();
    let t = &report.tables["victims_by_year"];
    let col = t.column_keys.iter().position(|k| k == "2022").unwrap();
    let was = t.rows[0].values[col].unwrap();
    let sentence = format!(
        "Tallet for 2022 er revideret fra {} til {was} (personer vurderet udsat for menneskehandel).",
        was - 1
    );
    let cell_note = format!(
        "{}, 2022: revideret fra {} til {was}",
        t.rows[0].label,
        was - 1
    );

    let html = spor_report::html::render(&report, &meta()).unwrap();
    assert!(
        html.contains(&sentence),
        "the sentence near the key figures"
    );
    assert!(
        html.contains(&format!("<td>{was}*</td>")),
        "the revised cell is marked"
    );
    assert!(
        html.contains(&format!(
            "<p class=\"table-note revised\">* Revideret siden den tidligere udgivelse: {cell_note}.</p>"
        )),
        "the note under the table"
    );
    assert!(html.contains("Reviderede tal"), "a part of Om tallene");
    // Nothing revised, nothing said.
    let plain = spor_report::html::render(&report_2023(), &meta()).unwrap();
    assert!(!plain.contains("revideret") && !plain.contains("Reviderede tal"));

    let bytes = spor_report::xlsx::to_bytes(&report, &meta()).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let about: Vec<String> = wb
        .worksheet_range("Om tallene")
        .unwrap()
        .rows()
        .flatten()
        .map(|c| cell_text(Some(c)))
        .collect();
    assert!(about.contains(&sentence), "the sentence in Om tallene");
    let sheet = spor_report::xlsx::sheet_names(&["victims_by_year"])["victims_by_year"].clone();
    let cells: Vec<String> = wb
        .worksheet_range(&sheet)
        .unwrap()
        .rows()
        .flatten()
        .map(|c| cell_text(Some(c)))
        .collect();
    assert!(
        cells.iter().any(|c| c.contains(&cell_note)),
        "the note under the table's sheet: {cells:?}"
    );

    let notes = spor_report::csv::notes_text(&report).unwrap();
    assert!(notes.contains(&sentence), "{notes}");
    assert!(notes.contains(&cell_note), "{notes}");
    assert!(spor_report::csv::notes_text(&report_2023()).is_none());
}
