//! A hand-made overview shaped like the 2023 edition (synthetic figures), used
//! until the statistics engine's own reports are wired in, and for the
//! edge cases (long labels, empty years).

#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use indexmap::IndexMap;
use spor_pdf::{Chart, Meta, Section};
use spor_stats::{Report, Row, Table};

pub fn meta() -> Meta {
    Meta {
        generated_at: Utc.with_ymd_and_hms(2024, 3, 1, 8, 30, 0).unwrap(),
        last_change: Some(Utc.with_ymd_and_hms(2024, 2, 27, 14, 5, 9).unwrap()),
    }
}

fn row(key: &str, label: &str, values: &[u64]) -> Row {
    Row {
        key: key.to_owned(),
        label: label.to_owned(),
        values: values.iter().map(|&v| Some(v)).collect(),
        children: Vec::new(),
    }
}

fn count_table(title: &str, rows: &[(&str, &str, u64)]) -> Table {
    let total: u64 = rows.iter().map(|r| r.2).sum();
    Table {
        title: title.to_owned(),
        columns: vec!["Antal".to_owned()],
        column_keys: vec!["count".to_owned()],
        rows: rows.iter().map(|(k, l, n)| row(k, l, &[*n])).collect(),
        total: vec![Some(total)],
    }
}

fn year_table(title: &str, first: i32, rows: &[(&str, &str, &[u64])]) -> Table {
    let n = rows[0].2.len();
    let years: Vec<String> = (0..n).map(|i| (first + i as i32).to_string()).collect();
    let total = (0..n)
        .map(|i| Some(rows.iter().map(|r| r.2[i]).sum()))
        .collect();
    Table {
        title: title.to_owned(),
        columns: years.clone(),
        column_keys: years,
        rows: rows.iter().map(|(k, l, v)| row(k, l, v)).collect(),
        total,
    }
}

/// Nationality → gender/age → form, with `countries` nationalities.
fn nested_table(year: i32, countries: &[(&str, &str)]) -> (Table, u64) {
    let forms = [
        ("sexual", "Seksuel udnyttelse"),
        ("forced_labour", "Tvangsarbejde"),
        ("forced_criminality", "Strafbare handlinger"),
        ("slavery_like", "Slaverilignende forhold"),
    ];
    let mut rows = Vec::new();
    let mut total = 0;
    for (i, (code, name)) in countries.iter().enumerate() {
        let mut groups = Vec::new();
        let women = (i % 3 + 1) as u64;
        let men = (i % 2) as u64;
        for (gkey, glabel, n) in [
            ("female/adult", "Kvinde / over 18", women),
            ("male/adult", "Mand / over 18", men),
        ] {
            if n == 0 {
                continue;
            }
            let form = forms[i % forms.len()];
            let other = forms[(i + 1) % forms.len()];
            let mut children = vec![row(form.0, form.1, &[n.div_ceil(2)])];
            if n / 2 > 0 {
                children.push(row(other.0, other.1, &[n / 2]));
            }
            groups.push(Row {
                key: gkey.to_owned(),
                label: glabel.to_owned(),
                values: vec![Some(n)],
                children,
            });
        }
        let n = women + men;
        total += n;
        rows.push(Row {
            key: (*code).to_owned(),
            label: (*name).to_owned(),
            values: vec![Some(n)],
            children: groups,
        });
    }
    (
        Table {
            title: format!(
                "Personer udsat for menneskehandel fordelt på nationalitet, køn, alder og udnyttelse, {year}"
            ),
            columns: vec!["Antal".to_owned()],
            column_keys: vec!["count".to_owned()],
            rows,
            total: vec![Some(total)],
        },
        total,
    )
}

pub const COUNTRIES: [(&str, &str); 35] = [
    ("NG", "Nigeria"),
    ("TH", "Thailand"),
    ("UA", "Ukraine"),
    ("RO", "Rumænien"),
    ("VN", "Vietnam"),
    ("PH", "Filippinerne"),
    ("MA", "Marokko"),
    ("UG", "Uganda"),
    ("BR", "Brasilien"),
    ("DK", "Danmark"),
    ("SY", "Syrien"),
    ("SO", "Somalia"),
    ("DZ", "Algeriet"),
    ("CG", "Congo"),
    ("AL", "Albanien"),
    ("CO", "Colombia"),
    ("CN", "Kina"),
    ("MK", "Nordmakedonien"),
    ("AF", "Afghanistan"),
    ("IR", "Iran"),
    ("XP", "Statsløs palæstinenser"),
    ("EG", "Egypten"),
    ("LV", "Letland"),
    ("PA", "Panama"),
    ("EC", "Ecuador"),
    ("PY", "Paraguay"),
    ("GM", "Gambia"),
    ("ER", "Eritrea"),
    ("BD", "Bangladesh"),
    ("RU", "Rusland"),
    ("HU", "Ungarn"),
    ("BI", "Burundi"),
    ("GQ", "Ækvatorialguinea"),
    ("ES", "Spanien"),
    ("LK", "Sri Lanka"),
];

/// The long referral actor of the long-label case (60 characters).
pub const LONG_ACTOR: &str = "Tværkommunalt koordineringsteam for udsatte arbejdstagere øst";

/// A report for `year` shaped like the 2023 edition; `referral` gives the
/// referral actors' rows.
pub fn report_with(year: i32, referral: &[(&str, &str, u64)]) -> Report {
    let first = 2007;
    let n = (year - first + 1) as usize;
    let series: Vec<u64> = (0..n).map(|i| 17 + (i as u64 * 37) % 97).collect();
    let mut victims_series = series.clone();
    *victims_series.last_mut().unwrap() = 112;
    let mut tables = IndexMap::new();
    tables.insert(
        "hotline_calls_by_year".to_owned(),
        Table {
            title: format!("Opkald til hotlinen, {}-{year}", year - 3),
            columns: (year - 3..=year).map(|y| y.to_string()).collect(),
            column_keys: (year - 3..=year).map(|y| y.to_string()).collect(),
            rows: vec![
                row("calls", "Opkald i alt", &[223, 273, 384, 1503]),
                row(
                    "concerning_possible_victims",
                    "Heraf om mulige ofre for menneskehandel",
                    &[150, 190, 260, 339],
                ),
            ],
            total: vec![None, None, None, None],
        },
    );
    tables.insert(
        "victims_by_year".to_owned(),
        year_table(
            &format!("Personer vurderet udsat for menneskehandel, {first}-{year}"),
            first,
            &[("victims", "Antal", &victims_series)],
        ),
    );
    tables.insert(
        "victims_by_referral".to_owned(),
        count_table(
            &format!("Personer udsat for menneskehandel fordelt på kontaktskabende aktør, {year}"),
            referral,
        ),
    );
    tables.insert(
        "victims_by_form".to_owned(),
        count_table(
            &format!("Personer udsat for menneskehandel fordelt på udnyttelse, {year}"),
            &[
                ("sexual", "Seksuel udnyttelse", 58),
                ("forced_labour", "Tvangsarbejde", 23),
                ("forced_criminality", "Strafbare handlinger", 15),
                ("slavery_like", "Slaverilignende forhold", 11),
                ("unresolved", "Uafklaret", 3),
                ("other", "Anden form for udnyttelse", 2),
            ],
        ),
    );
    let s = |k: u64| -> Vec<u64> { series.iter().map(|v| v * k / 10).collect() };
    tables.insert(
        "victims_by_form_group_year".to_owned(),
        year_table(
            &format!("Personer udsat for menneskehandel fordelt på udnyttelse, {first}-{year}"),
            first,
            &[
                ("sexual", "Seksuel udnyttelse", &s(5)),
                ("forced_labour", "Tvangsarbejde", &s(2)),
                ("forced_criminality", "Strafbare handlinger", &s(2)),
                ("slavery_like", "Slaverilignende forhold", &s(1)),
                ("other_forms", "Øvrige", &s(1)),
            ],
        ),
    );
    tables.insert(
        "victims_by_gender".to_owned(),
        count_table(
            &format!("Personer udsat for menneskehandel fordelt på køn, {year}"),
            &[
                ("female", "Kvinde", 76),
                ("male", "Mand", 35),
                ("trans_female", "Transkvinde", 1),
            ],
        ),
    );
    let (nested, _) = nested_table(year, &COUNTRIES);
    tables.insert(
        "victims_by_nationality".to_owned(),
        count_table(
            &format!("Personer udsat for menneskehandel fordelt på nationalitet, {year}"),
            &COUNTRIES
                .iter()
                .zip(&nested.rows)
                .map(|((k, l), r)| (*k, *l, r.values[0].unwrap()))
                .collect::<Vec<_>>(),
        ),
    );
    tables.insert("victims_by_nationality_gender_age_form".to_owned(), nested);

    let mut facts = IndexMap::new();
    facts.insert("victims".to_owned(), serde_json::json!(112));
    facts.insert("victims_all_years".to_owned(), serde_json::json!(1233));
    facts.insert("hotline_calls".to_owned(), serde_json::json!(1503));
    facts.insert("assessed_persons".to_owned(), serde_json::json!(290));
    facts.insert("age_mean".to_owned(), serde_json::json!(32.96));
    Report {
        year,
        tables,
        facts,
    }
}

pub fn referral_2023() -> Vec<(&'static str, &'static str, u64)> {
    vec![
        ("police", "Politi", 56),
        ("dis", "Udlændingestyrelsen", 15),
        ("ngo", "NGO", 13),
        ("red_cross", "Røde Kors", 5),
        ("shelter", "Krisecenter", 4),
        ("self", "Selvhenvender", 3),
        ("drc", "Dansk Flygtningehjælp", 3),
        ("embassy", "Ambassade", 3),
        ("municipal", "Kommunal indsats", 2),
        ("asylum", "Asylcenter", 2),
        ("return_agency", "Hjemrejsestyrelsen", 2),
        ("relative", "Pårørende", 1),
        ("custody", "Arrest", 1),
        ("food_agency", "Fødevarestyrelsen", 1),
        ("residence", "Opholdssted", 1),
    ]
}

pub fn report(year: i32) -> Report {
    report_with(year, &referral_2023())
}

/// A year with nothing in it.
pub fn empty_report(year: i32) -> Report {
    let mut facts = IndexMap::new();
    for f in ["victims", "hotline_calls", "assessed_persons"] {
        facts.insert(f.to_owned(), serde_json::json!(0));
    }
    Report {
        year,
        tables: IndexMap::new(),
        facts,
    }
}

/// Splits a label into lines of at most `width` characters, at spaces.
fn wrap(label: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in label.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// A small horizontal bar chart as the HTML edition would draw it; long
/// labels wrap onto more lines.
pub fn bar_chart(title: &str, bars: &[(&str, u64)]) -> Chart {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1) as f64;
    let mut body = String::new();
    let mut y = 5;
    for (label, n) in bars {
        let lines = wrap(label, 30);
        let h = 18 + 15 * (lines.len() - 1);
        for (i, line) in lines.iter().enumerate() {
            body.push_str(&format!(
                r##"<text x="210" y="{}" text-anchor="end" fill="#1d2b36">{}</text>"##,
                y + 14 + 15 * i,
                xml_escape(line)
            ));
        }
        let w = 330.0 * (*n as f64) / max;
        body.push_str(&format!(
            r##"<rect x="220" y="{y}" width="{w:.1}" height="18" fill="#0b5f73"/><text x="{:.1}" y="{}" fill="#1d2b36">{n}</text>"##,
            225.0 + w,
            y + 14
        ));
        y += h + 6;
    }
    let height = y + 5;
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 {height}" width="600" height="{height}" font-family="Source Sans 3, sans-serif" font-size="13">{body}</svg>"#
    );
    Chart {
        svg,
        title: title.to_owned(),
        description: format!(
            "{title}: {}",
            bars.iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Sections in the edition's order, with a narrative and charts.
pub fn sections(report: &Report) -> Vec<Section> {
    let referral: Vec<(&str, u64)> = report.tables["victims_by_referral"]
        .rows
        .iter()
        .map(|r| (r.label.as_str(), r.values[0].unwrap()))
        .collect();
    vec![
        Section {
            id: "hotline".to_owned(),
            kicker: Some("Hotline".to_owned()),
            headline: "Mere end 1.500 opkald på hotlinen".to_owned(),
            paragraphs: vec![
                "I 2023 modtog Center mod Menneskehandel 1.503 opkald på hotlinen, og ud af dem \
                 angik 339 henvendelser personer, der kunne være udsat for menneskehandel."
                    .to_owned(),
            ],
            chart: Some(bar_chart(
                "Opkald på hotlinen, 2020-2023",
                &[("2020", 223), ("2021", 273), ("2022", 384), ("2023", 1503)],
            )),
            table_ids: vec!["hotline_calls_by_year".to_owned()],
        },
        Section {
            id: "victims".to_owned(),
            kicker: Some("Personer udsat for menneskehandel".to_owned()),
            headline: "112 personer vurderet udsat for menneskehandel".to_owned(),
            paragraphs: vec![
                "I perioden 2007-2023 er i alt 1.233 personer vurderet udsat for \
                 menneskehandel i Danmark. Gennemsnitsalderen er 33,0 år."
                    .to_owned(),
            ],
            chart: None,
            table_ids: vec!["victims_by_year".to_owned()],
        },
        Section {
            id: "referral".to_owned(),
            kicker: Some("Kontaktskabende aktører".to_owned()),
            headline: "Forskellige aktører møder personer udsat for menneskehandel".to_owned(),
            paragraphs: vec![
                "Det er typisk politiet, Udlændingestyrelsen, NGO’er, Røde Kors og krisecentre, \
                 der henviser personer til udredning for menneskehandel."
                    .to_owned(),
            ],
            chart: Some(bar_chart(
                "Personer udsat for menneskehandel fordelt på kontaktskabende aktør",
                &referral,
            )),
            table_ids: vec!["victims_by_referral".to_owned()],
        },
        Section {
            id: "forms".to_owned(),
            kicker: Some("Udnyttelsesformer".to_owned()),
            headline: "Mere end halvdelen er udnyttet til seksuel udnyttelse".to_owned(),
            paragraphs: vec![],
            chart: None,
            table_ids: vec![
                "victims_by_form".to_owned(),
                "victims_by_form_group_year".to_owned(),
            ],
        },
        Section {
            id: "gender".to_owned(),
            kicker: Some("Køn".to_owned()),
            headline: "Kvinder udgør to tredjedele".to_owned(),
            paragraphs: vec![],
            chart: None,
            table_ids: vec!["victims_by_gender".to_owned()],
        },
        Section {
            id: "nationality".to_owned(),
            kicker: Some("Nationalitet".to_owned()),
            headline: "En tredjedel kommer fra to lande".to_owned(),
            paragraphs: vec![
                "De 112 personer udsat for menneskehandel i 2023 kommer fra 35 forskellige \
                 lande. Nigeria og Thailand er de to mest dominerende nationaliteter."
                    .to_owned(),
            ],
            chart: None,
            table_ids: vec!["victims_by_nationality".to_owned()],
        },
        Section {
            id: "overview".to_owned(),
            kicker: Some("Overblik".to_owned()),
            headline: "Nationalitet, køn, alder og udnyttelse".to_owned(),
            paragraphs: vec![],
            chart: None,
            table_ids: vec!["victims_by_nationality_gender_age_form".to_owned()],
        },
    ]
}
