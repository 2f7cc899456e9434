//! Golden tables: the international exchanges of the demo register for 2023, typed in by
//! hand from the demo's 2023 overview (112 victims: 76 women, 35 men, one trans woman;
//! three Danes; Romania 7, Latvia, Hungary and Spain 1 each from the EU; three minors, the
//! Syrian girl (other form), the Syrian boy (forced criminality), the Eritrean boy
//! (slavery-like); every age known; decided by the Immigration Service 78, the centre 30,
//! the courts 4), and checked against the overview's own tables.

use std::collections::BTreeMap;

use spor_core::Mappings;
use spor_stats::exchange::{ExchangeReport, exchange, year_total};
use spor_stats::{Columns, Report, Table};

fn demo() -> (spor_core::Register, Columns, Report) {
    let reg = spor_demo::register();
    let cols = Columns::of_register(&reg);
    let report = spor_stats::evaluate(&reg, 2023).unwrap();
    (reg, cols, report)
}

fn run(name: &str, maps: &Mappings) -> (ExchangeReport, Report) {
    let (reg, cols, report) = demo();
    let ex =
        spor_stats::evaluate_exchange(&reg, &cols, 2023, exchange(name).unwrap(), maps).unwrap();
    (ex, report)
}

/// A one-column table as key → count, every row (zeros included).
fn counts(t: &Table) -> Vec<(&str, u64)> {
    t.rows
        .iter()
        .map(|r| (r.key.as_str(), r.values[0].unwrap()))
        .collect()
}

fn overview_count(r: &Report, table: &str, key: &str) -> u64 {
    r.tables[table]
        .rows
        .iter()
        .find(|x| x.key == key)
        .map_or(0, |x| x.values[0].unwrap())
}

#[test]
fn eurostat_gives_one_row_per_combination_of_the_demo_summing_to_its_112_victims() {
    let (ex, overview) = run("eurostat", Mappings::builtin());
    assert_eq!(ex.country, "DK");
    let rows: Vec<(Vec<&str>, u64)> = ex
        .rows
        .iter()
        .map(|r| (r.keys.iter().map(String::as_str).collect(), r.value))
        .collect();
    let expected: Vec<(Vec<&str>, u64)> = [
        (["F", "Y_LT18", "NEU27", "OTH"], 1),
        (["F", "Y_GE18", "NAT", "SEX"], 2),
        (["F", "Y_GE18", "EU27_FOR", "SEX"], 4),
        (["F", "Y_GE18", "EU27_FOR", "OTH"], 1),
        (["F", "Y_GE18", "NEU27", "SEX"], 50),
        (["F", "Y_GE18", "NEU27", "LAB"], 9),
        (["F", "Y_GE18", "NEU27", "OTH"], 9),
        (["F", "Y_GE18", "NEU27", "UNK"], 1),
        (["M", "Y_LT18", "NEU27", "OTH"], 2),
        (["M", "Y_GE18", "NAT", "OTH"], 1),
        (["M", "Y_GE18", "EU27_FOR", "LAB"], 3),
        (["M", "Y_GE18", "EU27_FOR", "OTH"], 2),
        (["M", "Y_GE18", "NEU27", "SEX"], 2),
        (["M", "Y_GE18", "NEU27", "LAB"], 11),
        (["M", "Y_GE18", "NEU27", "OTH"], 12),
        (["M", "Y_GE18", "NEU27", "UNK"], 2),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_vec(), n))
    .collect();
    assert_eq!(rows, expected);
    assert_eq!(ex.rows.iter().map(|r| r.value).sum::<u64>(), 112);
    assert_eq!(overview.facts.victims, Some(112));

    // The marginal tables, every category, in Eurostat's order.
    assert_eq!(
        counts(&ex.tables["eurostat_by_sex"]),
        [("F", 77), ("M", 35), ("UNK", 0)]
    );
    assert_eq!(
        counts(&ex.tables["eurostat_by_age"]),
        [("Y_LT18", 3), ("Y_GE18", 109), ("UNK", 0)]
    );
    assert_eq!(
        counts(&ex.tables["eurostat_by_citizen"]),
        [("NAT", 3), ("EU27_FOR", 10), ("NEU27", 99), ("UNK", 0)]
    );
    assert_eq!(
        counts(&ex.tables["eurostat_by_exploitation"]),
        [("SEX", 58), ("LAB", 23), ("OTH", 28), ("UNK", 3)]
    );

    // The same figures as the overview's tables.
    let o = |t: &str, k: &str| overview_count(&overview, t, k);
    assert_eq!(
        o("victims_by_nationality", "DK"),
        3,
        "NAT = the Danish victims"
    );
    assert_eq!(
        ["RO", "LV", "HU", "ES"]
            .map(|c| o("victims_by_nationality", c))
            .iter()
            .sum::<u64>(),
        10
    );
    assert_eq!(
        o("victims_by_gender", "female") + o("victims_by_gender", "trans_female"),
        77
    );
    assert_eq!(o("victims_by_gender", "male"), 35);
    assert_eq!(overview.facts.minors, Some(3));
    assert_eq!(o("victims_by_form", "unresolved"), 3);
    for t in ex.tables.values() {
        assert_eq!(year_total(t, 2023), Some(112), "{}", t.title);
    }
}

#[test]
fn unodc_gives_women_men_girls_and_boys_by_form_and_citizenship_of_the_demo() {
    let (ex, _) = run("unodc", Mappings::builtin());
    let t = &ex.tables["unodc_victims_by_group_form"];
    assert_eq!(
        t.column_keys,
        [
            "sexual_exploitation",
            "forced_labour",
            "criminal_activity",
            "other_purposes",
            "unknown"
        ]
    );
    let grid: BTreeMap<&str, Vec<u64>> = t
        .rows
        .iter()
        .map(|r| {
            (
                r.key.as_str(),
                r.values.iter().map(|v| v.unwrap()).collect(),
            )
        })
        .collect();
    // Women: 75 women and the trans woman; one woman unresolved.
    assert_eq!(grid["women"], [56, 9, 0, 10, 1]);
    assert_eq!(grid["men"], [2, 14, 14, 1, 2]);
    assert_eq!(grid["girls"], [0, 0, 0, 1, 0]);
    assert_eq!(grid["boys"], [0, 0, 1, 1, 0]);
    assert_eq!(grid["unknown"], [0, 0, 0, 0, 0]);
    assert_eq!(t.total, [Some(58), Some(23), Some(15), Some(13), Some(3)]);
    assert_eq!(
        counts(&ex.tables["unodc_victims_by_citizenship"]),
        [("national", 3), ("foreign", 109), ("unknown", 0)]
    );
    let by_country = &ex.tables["unodc_victims_by_country"];
    assert_eq!(by_country.rows.len(), 35);
    assert_eq!(counts(by_country)[..2], [("NG", 20), ("TH", 17)]);
    assert_eq!(by_country.total, [Some(112)]);
}

#[test]
fn tip_gives_the_figures_block_of_the_demo() {
    let (ex, _) = run("tip", Mappings::builtin());
    assert_eq!(ex.tables["tip_victims"].total, [Some(112)]);
    // Forced criminality counts as labour trafficking (the US definition).
    assert_eq!(
        counts(&ex.tables["tip_victims_by_form"]),
        [("sex", 58), ("labor", 38), ("other", 13), ("unknown", 3)]
    );
    assert_eq!(
        counts(&ex.tables["tip_victims_by_gender"]),
        [
            ("female", 76),
            ("male", 35),
            ("transgender", 1),
            ("other_unknown", 0)
        ]
    );
    assert_eq!(
        counts(&ex.tables["tip_victims_by_age"]),
        [("minor", 3), ("adult", 109), ("unknown", 0)]
    );
    assert_eq!(
        counts(&ex.tables["tip_victims_by_citizenship"]),
        [("national", 3), ("foreign", 109), ("unknown", 0)]
    );
    assert_eq!(
        counts(&ex.tables["tip_victims_by_authority"]),
        [
            ("anti_trafficking_centre", 30),
            ("immigration", 78),
            ("judicial", 4)
        ]
    );
}

#[test]
fn greta_gives_five_years_with_the_years_before_the_microdata_from_history_only_where_known() {
    let (ex, overview) = run("greta", Mappings::builtin());
    let victims = &ex.tables["greta_victims"];
    assert_eq!(
        victims.column_keys,
        ["2019", "2020", "2021", "2022", "2023"]
    );
    // The published series (the centre's figures, not the TIP report's 64/68/72 for 2020-22).
    assert_eq!(
        victims.total,
        [Some(64), Some(77), Some(80), Some(73), Some(112)]
    );
    let by_year = &overview.tables["victims_by_year"];
    assert_eq!(
        &by_year.total[by_year.total.len() - 5..],
        &victims.total[..]
    );
    // Nationality has history; the exchange's own categories are known from 2023 only.
    let nat = &ex.tables["greta_victims_by_nationality"];
    assert_eq!(nat.total[4], Some(112));
    let sex = &ex.tables["greta_victims_by_sex"];
    assert_eq!(sex.total, [None, None, None, None, Some(112)]);
    let last = |t: &str| -> Vec<(String, u64)> {
        ex.tables[t]
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.values[4].unwrap()))
            .collect()
    };
    let owned = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
        v.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
    };
    assert_eq!(
        last("greta_victims_by_sex"),
        owned(&[("female", 77), ("male", 35), ("unknown", 0)])
    );
    assert_eq!(
        last("greta_victims_by_age"),
        owned(&[("child", 3), ("adult", 109), ("unknown", 0)])
    );
    assert_eq!(
        last("greta_victims_by_form"),
        owned(&[
            ("sexual", 58),
            ("labour", 23),
            ("criminality", 15),
            ("servitude", 11),
            ("other", 2),
            ("unknown", 3)
        ])
    );
    assert_eq!(
        last("greta_victims_by_authority"),
        owned(&[
            ("anti_trafficking_centre", 30),
            ("immigration", 78),
            ("judicial", 4)
        ])
    );
}

#[test]
fn a_changed_mapping_or_reporting_country_changes_the_exchange() {
    // The trans woman counted as a man, Romania reporting: the Danes are EU citizens.
    let maps = Mappings::with_overrides([
        ("eurostat_sex/trans_female", "M"),
        ("reporting_country", "RO"),
    ])
    .unwrap();
    let (ex, _) = run("eurostat", &maps);
    assert_eq!(ex.country, "RO");
    assert_eq!(
        counts(&ex.tables["eurostat_by_sex"]),
        [("F", 76), ("M", 36), ("UNK", 0)]
    );
    assert_eq!(
        counts(&ex.tables["eurostat_by_citizen"]),
        [("NAT", 7), ("EU27_FOR", 6), ("NEU27", 99), ("UNK", 0)]
    );
    assert_eq!(ex.rows.iter().map(|r| r.value).sum::<u64>(), 112);
}
