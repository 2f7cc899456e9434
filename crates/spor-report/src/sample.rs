//! A report with the figures published in the 2023 edition, for tests, previews and the
//! PDF edition's development (published aggregates only, no person-level data).
//!
//! Where the 2023 edition contradicts itself the sample takes the consistent reading:
//! the nationality overview lists Spain twice and France although France is not among the
//! nationalities; here Spain appears once and the French block is Algeria's second person,
//! so every table reconciles with the 112 victims. The edition's gender series lost cells in
//! extraction; men are the victims that are neither women nor trans persons. Figures the
//! edition does not give (deciding authority, earlier years of the hotline's possible-victim
//! calls, repeat victims beyond Nigeria, assessed persons by nationality) are invented and
//! plausible. The change in victims is 53,4 pct. (112 against 73), not the 35 pct. printed.

use indexmap::IndexMap;
use spor_stats::{Age, Facts, Report, Row, Table};

const YEARS: std::ops::RangeInclusive<i32> = 2007..=2023;

fn row(key: &str, label: &str, values: Vec<Option<u64>>) -> Row {
    Row {
        key: key.to_string(),
        label: label.to_string(),
        values,
        children: Vec::new(),
    }
}

fn some(values: &[u64]) -> Vec<Option<u64>> {
    values.iter().map(|v| Some(*v)).collect()
}

/// Column totals of the top-level rows; a column with an unknown cell has an unknown total.
fn totals(rows: &[Row], ncols: usize) -> Vec<Option<u64>> {
    (0..ncols)
        .map(|c| {
            rows.iter()
                .map(|r| r.values.get(c).copied().flatten())
                .sum::<Option<u64>>()
        })
        .collect()
}

fn table(title: &str, columns: &[(&str, &str)], rows: Vec<Row>) -> Table {
    let total = totals(&rows, columns.len());
    Table {
        title: title.to_string(),
        columns: columns.iter().map(|c| c.1.to_string()).collect(),
        column_keys: columns.iter().map(|c| c.0.to_string()).collect(),
        rows,
        total,
        suppressed: Vec::new(),
    }
}

/// One-column count table, ordered count descending then label (as the spec orders).
fn counts(title: &str, column: &str, items: &[(&str, &str, u64)]) -> Table {
    let mut rows: Vec<Row> = items
        .iter()
        .map(|(k, l, n)| row(k, l, vec![Some(*n)]))
        .collect();
    rows.sort_by(|a, b| {
        b.values[0]
            .cmp(&a.values[0])
            .then(da_key(&a.label).cmp(&da_key(&b.label)))
    });
    table(title, &[("count", column)], rows)
}

/// Danish collation for the sample's labels: æ, ø, å after z.
fn da_key(s: &str) -> Vec<u32> {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'æ' => 'z' as u32 + 1,
            'ø' => 'z' as u32 + 2,
            'å' => 'z' as u32 + 3,
            c => c as u32,
        })
        .collect()
}

fn year_columns(years: impl Iterator<Item = i32>) -> Vec<(String, String)> {
    years.map(|y| (y.to_string(), y.to_string())).collect()
}

fn year_table(title: &str, years: std::ops::RangeInclusive<i32>, rows: Vec<Row>) -> Table {
    let cols = year_columns(years);
    let cols: Vec<(&str, &str)> = cols.iter().map(|(k, l)| (k.as_str(), l.as_str())).collect();
    table(title, &cols, rows)
}

const FORM_GROUPS: [(&str, &str); 5] = [
    ("sexual", "Seksuel udnyttelse"),
    ("forced_labour", "Tvangsarbejde"),
    ("forced_criminality", "Strafbare handlinger"),
    ("slavery_like", "Slaverilignende forhold"),
    ("other_forms", "Øvrige"),
];

const GENDERS: [(&str, &str); 3] = [
    ("female", "Kvinde"),
    ("male", "Mand"),
    ("trans_female", "Transkvinde"),
];

/// The nationality × gender/age × form overview of the 2023 edition (corrected, see the
/// module docs): nationality code, label, gender, age group, form group, count.
const OVERVIEW: &str = "\
NG|Nigeria|female|adult|sexual|15
NG|Nigeria|female|adult|forced_labour|1
NG|Nigeria|male|adult|forced_criminality|1
NG|Nigeria|male|adult|forced_labour|1
NG|Nigeria|male|adult|slavery_like|1
NG|Nigeria|male|adult|other_forms|1
TH|Thailand|female|adult|sexual|16
TH|Thailand|trans_female|adult|sexual|1
UA|Ukraine|female|adult|sexual|2
UA|Ukraine|female|adult|forced_labour|2
UA|Ukraine|female|adult|slavery_like|1
UA|Ukraine|male|adult|forced_labour|3
RO|Rumænien|female|adult|sexual|3
RO|Rumænien|female|adult|slavery_like|1
RO|Rumænien|male|adult|forced_labour|3
PH|Filippinerne|female|adult|forced_labour|4
PH|Filippinerne|female|adult|slavery_like|1
VN|Vietnam|male|adult|forced_labour|3
VN|Vietnam|male|adult|forced_criminality|2
BR|Brasilien|female|adult|sexual|2
BR|Brasilien|female|adult|forced_labour|1
BR|Brasilien|female|adult|slavery_like|1
MA|Marokko|male|adult|forced_criminality|3
MA|Marokko|male|minor|forced_criminality|1
UG|Uganda|female|adult|sexual|1
UG|Uganda|female|adult|other_forms|1
UG|Uganda|male|adult|sexual|1
UG|Uganda|male|adult|forced_labour|1
DK|Danmark|female|adult|sexual|2
DK|Danmark|male|adult|forced_criminality|1
SO|Somalia|female|adult|sexual|2
SO|Somalia|female|adult|forced_labour|1
SY|Syrien|female|adult|slavery_like|1
SY|Syrien|female|minor|other_forms|1
SY|Syrien|male|minor|forced_criminality|1
AL|Albanien|female|adult|sexual|1
AL|Albanien|male|adult|forced_criminality|1
CO|Colombia|female|adult|sexual|2
CG|Congo|male|adult|sexual|1
CG|Congo|male|adult|forced_labour|1
CN|Kina|female|adult|sexual|2
MK|Makedonien|female|adult|slavery_like|2
AF|Afghanistan|female|adult|slavery_like|1
DZ|Algeriet|male|adult|forced_criminality|2
BD|Bangladesh|female|adult|other_forms|1
BI|Burundi|male|adult|other_forms|1
EC|Ecuador|female|adult|sexual|1
EG|Egypten|male|adult|forced_labour|1
ER|Eritrea|male|adult|slavery_like|1
GM|Gambia|male|adult|forced_labour|1
IR|Iran|male|adult|forced_criminality|1
LV|Letland|male|adult|forced_criminality|1
PA|Panama|female|adult|sexual|1
PY|Paraguay|female|adult|sexual|1
RU|Rusland|female|adult|sexual|1
ES|Spanien|male|adult|forced_criminality|1
LK|Sri Lanka|female|adult|slavery_like|1
STATELESS_PS|Statsløs palæstinenser|female|adult|sexual|1
HU|Ungarn|female|adult|sexual|1
GQ|Ækvatorialguinea|female|adult|sexual|1";

struct Leaf<'a> {
    nat: &'a str,
    nat_label: &'a str,
    gender: &'a str,
    age: &'a str,
    form: &'a str,
    n: u64,
}

fn leaves() -> Vec<Leaf<'static>> {
    OVERVIEW
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            Leaf {
                nat: f[0],
                nat_label: f[1],
                gender: f[2],
                age: f[3],
                form: f[4],
                n: f[5].parse().unwrap_or(0),
            }
        })
        .collect()
}

fn sum_leaves(leaves: &[Leaf], pred: impl Fn(&Leaf) -> bool) -> u64 {
    leaves.iter().filter(|l| pred(l)).map(|l| l.n).sum()
}

fn overview_table(leaves: &[Leaf]) -> Table {
    let mut nats: IndexMap<&str, &str> = IndexMap::new();
    for l in leaves {
        nats.insert(l.nat, l.nat_label);
    }
    let mut rows = Vec::new();
    for (nat, nat_label) in nats {
        let mut gender_rows = Vec::new();
        for (g, g_label) in GENDERS {
            for (age, age_label) in [("adult", "over 18"), ("minor", "under 18")] {
                let mut form_rows = Vec::new();
                for (form, form_label) in FORM_GROUPS {
                    let form_label = if form == "other_forms" {
                        "Øvrig udnyttelsesform"
                    } else {
                        form_label
                    };
                    let n = sum_leaves(leaves, |l| {
                        l.nat == nat && l.gender == g && l.age == age && l.form == form
                    });
                    if n > 0 {
                        form_rows.push(row(form, form_label, vec![Some(n)]));
                    }
                }
                if form_rows.is_empty() {
                    continue;
                }
                form_rows.sort_by(|a, b| b.values[0].cmp(&a.values[0]));
                let n = form_rows.iter().map(|r| r.values[0].unwrap_or(0)).sum();
                let mut r = row(
                    &format!("{g}/{age}"),
                    &format!("{g_label} / {age_label}"),
                    vec![Some(n)],
                );
                r.children = form_rows;
                gender_rows.push(r);
            }
        }
        let n = gender_rows.iter().map(|r| r.values[0].unwrap_or(0)).sum();
        let mut r = row(nat, nat_label, vec![Some(n)]);
        r.children = gender_rows;
        rows.push(r);
    }
    rows.sort_by(|a, b| {
        b.values[0]
            .cmp(&a.values[0])
            .then(da_key(&a.label).cmp(&da_key(&b.label)))
    });
    table(
        "Personer udsat for menneskehandel fordelt på nationalitet, køn, alder og udnyttelse",
        &[("count", "Antal")],
        rows,
    )
}

fn gender_form_table(title: &str, leaves: &[Leaf], pred: impl Fn(&Leaf) -> bool) -> Table {
    let rows = GENDERS
        .iter()
        .filter_map(|(g, label)| {
            let values: Vec<Option<u64>> = FORM_GROUPS
                .iter()
                .map(|(f, _)| {
                    Some(sum_leaves(leaves, |l| {
                        l.gender == *g && l.form == *f && pred(l)
                    }))
                })
                .collect();
            values
                .iter()
                .any(|v| *v != Some(0))
                .then(|| row(g, label, values))
        })
        .collect();
    table(title, &FORM_GROUPS, rows)
}

/// The 2023 edition's figures as a [`Report`], with every table id and fact of the spec.
pub fn report_2023() -> Report {
    let leaves = leaves();
    let mut tables = IndexMap::new();

    tables.insert(
        "hotline_calls_by_year".to_string(),
        year_table(
            "Opkald til hotlinen",
            2020..=2023,
            vec![
                row("calls", "Opkald i alt", some(&[223, 273, 384, 503])),
                row(
                    "concerning_possible_victims",
                    "Heraf om mulige ofre for menneskehandel",
                    vec![None, None, None, Some(339)],
                ),
            ],
        ),
    );
    tables.insert(
        "assessed_persons_by_year".to_string(),
        year_table(
            "Personer udredt for menneskehandel",
            2020..=2023,
            vec![row(
                "assessed",
                "Udredte personer",
                some(&[182, 193, 235, 290]),
            )],
        ),
    );
    let victims = [
        17, 28, 47, 53, 60, 66, 76, 71, 93, 121, 98, 97, 64, 77, 80, 73, 112,
    ];
    tables.insert(
        "victims_by_year".to_string(),
        year_table(
            "Personer vurderet udsat for menneskehandel",
            YEARS,
            vec![row("victims", "Antal", some(&victims))],
        ),
    );
    tables.insert(
        "victims_by_referral".to_string(),
        counts(
            "Personer udsat for menneskehandel fordelt på kontaktskabende aktør",
            "Antal",
            &[
                ("police", "Politi", 56),
                ("immigration_service", "US (Udlændingestyrelsen)", 15),
                ("ngo", "NGO", 13),
                ("red_cross", "Røde Kors", 5),
                ("shelter", "Krisecenter", 4),
                ("self_referral", "Selvhenvender", 3),
                ("drc", "DRC (Dansk Flygtningehjælp)", 3),
                ("embassy", "Ambassade", 3),
                ("municipality", "Kommunal indsats", 2),
                ("asylum_centre", "Asylcenter", 2),
                ("return_agency", "Hjemrejsestyrelsen", 2),
                ("relative", "Pårørende", 1),
                ("custody", "Arrest", 1),
                ("food_authority", "Fødevarestyrelsen", 1),
                ("residential_care", "Opholdssted", 1),
            ],
        ),
    );
    tables.insert(
        "victims_by_form".to_string(),
        counts(
            "Personer udsat for menneskehandel fordelt på udnyttelse",
            "Antal",
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
    tables.insert(
        "forced_labour_by_subtype".to_string(),
        counts(
            "Tvangsarbejde fordelt på brancher",
            "Antal",
            &[
                ("construction", "Byggebranchen", 12),
                (
                    "private_care_cleaning",
                    "Omsorgsarbejde og rengøring (privat)",
                    3,
                ),
                ("cleaning", "Rengøringsbranchen", 2),
                ("agriculture_trainee", "Landbrugspraktikant", 2),
                ("restaurant_domestic", "Restaurant og husarbejde", 1),
                ("seasonal_work_eu", "Sæsonarbejde i EU-land", 1),
                ("agriculture_abroad", "Landbrugsbranchen i udlandet", 1),
                ("private_other", "Div. privat", 1),
            ],
        ),
    );
    tables.insert(
        "forced_criminality_by_subtype".to_string(),
        counts(
            "Strafbare handlinger fordelt på typer",
            "Antal",
            &[
                ("drug_sales", "Salg af stoffer", 3),
                ("drug_transport", "Transport af stoffer", 3),
                ("cannabis_production", "Produktion af skunk", 2),
                ("theft", "Tyveri", 2),
                ("drug_transport_sales", "Transport og salg af stoffer", 2),
                ("fraud", "Bedrageri", 1),
                ("benefit_fraud", "Socialbedrageri", 1),
                ("unknown", "Vides ikke", 1),
            ],
        ),
    );
    let form_series: [(&str, &str, [u64; 17]); 5] = [
        (
            "sexual",
            "Seksuel udnyttelse",
            [
                17, 28, 46, 50, 55, 45, 58, 57, 49, 112, 86, 31, 38, 44, 33, 38, 58,
            ],
        ),
        (
            "forced_labour",
            "Tvangsarbejde",
            [0, 0, 1, 2, 3, 16, 11, 2, 1, 2, 1, 46, 17, 9, 19, 12, 23],
        ),
        (
            "forced_criminality",
            "Strafbare handlinger",
            [0, 0, 0, 1, 2, 3, 7, 8, 43, 4, 5, 8, 5, 9, 18, 12, 15],
        ),
        (
            "slavery_like",
            "Slaverilignende forhold",
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 4, 11],
        ),
        (
            "other_forms",
            "Øvrige",
            [0, 0, 0, 0, 0, 2, 0, 4, 0, 3, 6, 12, 4, 12, 7, 7, 5],
        ),
    ];
    tables.insert(
        "victims_by_form_group_year".to_string(),
        year_table(
            "Personer udsat for menneskehandel fordelt på udnyttelse",
            YEARS,
            form_series
                .iter()
                .map(|(k, l, v)| row(k, l, some(v)))
                .collect(),
        ),
    );
    tables.insert(
        "under25_by_gender_form".to_string(),
        table(
            "Personer vurderet udsat for menneskehandel under 25 år",
            &FORM_GROUPS,
            vec![
                row("female", "Kvinde", some(&[8, 2, 0, 1, 1])),
                row("male", "Mand", some(&[1, 3, 9, 1, 0])),
            ],
        ),
    );
    tables.insert(
        "minors_by_gender_form".to_string(),
        gender_form_table(
            "Personer under 18 år fordelt på køn og udnyttelse",
            &leaves,
            |l| l.age == "minor",
        ),
    );
    let gender_counts: Vec<(&str, &str, u64)> = GENDERS
        .iter()
        .map(|(g, l)| (*g, *l, sum_leaves(&leaves, |x| x.gender == *g)))
        .collect();
    tables.insert(
        "victims_by_gender".to_string(),
        counts(
            "Personer udsat for menneskehandel fordelt på køn",
            "Antal",
            &gender_counts,
        ),
    );
    tables.insert(
        "victims_by_gender_form".to_string(),
        gender_form_table(
            "Personer udsat for menneskehandel fordelt på køn og udnyttelse",
            &leaves,
            |_| true,
        ),
    );
    let women = [
        17, 28, 46, 50, 58, 56, 64, 63, 51, 114, 86, 35, 41, 55, 42, 48, 76,
    ];
    let trans = [0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 4, 1, 1, 1, 1, 1, 1];
    let men: Vec<u64> = (0..17).map(|i| victims[i] - women[i] - trans[i]).collect();
    tables.insert(
        "victims_by_gender_group_year".to_string(),
        year_table(
            "Personer udsat for menneskehandel fordelt på køn",
            YEARS,
            vec![
                row("female", "Kvinder", some(&women)),
                row("male", "Mænd", some(&men)),
                row("trans", "Transkønnede", some(&trans)),
            ],
        ),
    );
    let mut nat_counts: IndexMap<&str, (&str, u64)> = IndexMap::new();
    for l in &leaves {
        nat_counts.entry(l.nat).or_insert((l.nat_label, 0)).1 += l.n;
    }
    let nat_items: Vec<(&str, &str, u64)> =
        nat_counts.iter().map(|(k, (l, n))| (*k, *l, *n)).collect();
    tables.insert(
        "victims_by_nationality".to_string(),
        counts(
            "Personer udsat for menneskehandel fordelt på nationalitet",
            "Antal",
            &nat_items,
        ),
    );
    tables.insert(
        "repeat_victims_by_nationality".to_string(),
        counts(
            "Gengangere fordelt på nationalitet",
            "Antal",
            &[
                ("NG", "Nigeria", 8),
                ("TH", "Thailand", 2),
                ("RO", "Rumænien", 1),
                ("UG", "Uganda", 1),
            ],
        ),
    );
    let assessed: [(&str, &str, u64, u64); 8] = [
        ("TH", "Thailand", 73, 17),
        ("NG", "Nigeria", 30, 15),
        ("UA", "Ukraine", 24, 7),
        ("RO", "Rumænien", 21, 6),
        ("VN", "Vietnam", 18, 5),
        ("PH", "Filippinerne", 15, 4),
        ("MA", "Marokko", 12, 4),
        ("XX", "Øvrige lande", 97, 40),
    ];
    tables.insert(
        "assessed_persons_by_nationality".to_string(),
        table(
            "Udredte personer fordelt på nationalitet",
            &[
                ("assessed", "Udredt"),
                ("identified", "Heraf vurderet udsat"),
            ],
            assessed
                .iter()
                .map(|(k, l, a, i)| row(k, l, some(&[*a, *i])))
                .collect(),
        ),
    );
    tables.insert(
        "returns_by_nationality".to_string(),
        counts(
            "Personer udsat for menneskehandel, der har modtaget en forberedt hjemsendelse, fordelt på nationalitet",
            "Antal",
            &[
                ("TH", "Thailand", 14),
                ("UA", "Ukraine", 5),
                ("BR", "Brasilien", 3),
                ("NG", "Nigeria", 2),
                ("CO", "Colombia", 2),
                ("RO", "Rumænien", 1),
                ("LV", "Letland", 1),
                ("RU", "Rusland", 1),
                ("ES", "Spanien", 1),
                ("CG", "Congo", 1),
                ("VN", "Vietnam", 1),
                ("PH", "Filippinerne", 1),
                ("PY", "Paraguay", 1),
                ("PA", "Panama", 1),
            ],
        ),
    );
    tables.insert(
        "victims_by_authority".to_string(),
        counts(
            "Personer udsat for menneskehandel fordelt på myndighed",
            "Antal",
            &[
                ("immigration_service", "Udlændingestyrelsen", 81),
                ("cmm", "Center mod Menneskehandel", 29),
                ("court", "Domstole og anklagemyndighed", 2),
            ],
        ),
    );
    tables.insert(
        "victims_by_nationality_gender_age_form".to_string(),
        overview_table(&leaves),
    );

    let facts = Facts {
        victims: Some(112),
        victims_all_years: Some(victims.iter().sum::<u64>()),
        victims_change_pct: Some(53.4),
        victims_highest_since: Some(2016),
        age_min: Some(Age::Years(17)),
        age_max: Some(Age::Years(53)),
        age_mean: Some(32.8),
        under25: Some(26),
        minors: Some(3),
        nationalities: Some(nat_counts.len() as u64),
        returns: Some(35),
        return_countries: Some(14),
        returns_to_third_country: Some(8),
        hotline_calls: Some(503),
        assessed_persons: Some(290),
        ..Facts::default()
    };

    Report {
        year: 2023,
        tables,
        facts,
        disclosure_note: None,
        revisions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_reconciles_with_112_victims_in_every_breakdown() {
        let r = report_2023();
        for id in [
            "victims_by_referral",
            "victims_by_form",
            "victims_by_gender",
            "victims_by_nationality",
            "victims_by_authority",
            "victims_by_nationality_gender_age_form",
        ] {
            assert_eq!(r.tables[id].total, vec![Some(112)], "{id}");
        }
        assert_eq!(r.facts.victims_all_years, Some(1233));
        assert_eq!(r.facts.nationalities, Some(35));
        let gf = &r.tables["victims_by_gender_form"];
        assert_eq!(gf.total.iter().map(|t| t.unwrap()).sum::<u64>(), 112);
        let series = &r.tables["victims_by_gender_group_year"];
        assert_eq!(series.total.last(), Some(&Some(112)));
        assert_eq!(
            r.tables["minors_by_gender_form"]
                .total
                .iter()
                .flatten()
                .sum::<u64>(),
            3
        );
    }
}
