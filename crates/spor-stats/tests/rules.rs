//! Whole-table tests, one per counting rule of `shared/spec/annual-report.md`, against
//! small hand-made registers.

mod common;

use common::*;
use serde_json::json;
use spor_core::{Authority, Code, Country, Form, Gender, Register, Series};
use spor_stats::{Age, StatsError, Table};

#[test]
fn a_person_with_two_decisions_in_a_year_counts_once_with_the_latest_decision() {
    let reg = register(vec![
        // P1: sexual exploitation in March, re-decided as forced labour in September.
        ident("C1", "P1", "2023-03-01"),
        spor_core::Identification {
            exploitation_form: Some(Form::ForcedLabour),
            exploitation_subtype: Some(Code::new_unchecked("construction")),
            nationality: Country::new_unchecked("RO"),
            ..ident("C2", "P1", "2023-09-01")
        },
        // P2: two decisions on the same day; the larger case_ref (CB) decides, whatever the
        // input order.
        spor_core::Identification {
            gender: Gender::Male,
            ..ident("CB", "P2", "2023-05-05")
        },
        ident("CA", "P2", "2023-05-05"),
    ]);
    let r = report(&reg, 2023);
    assert_eq!(r.facts.victims, Some(2));
    assert_eq!(
        counts(&r.tables["victims_by_form"]),
        [
            ("sexual", "Seksuel udnyttelse", 1),
            ("forced_labour", "Tvangsarbejde", 1)
        ]
    );
    assert_eq!(r.tables["victims_by_form"].total, s(&[2]));
    assert_eq!(
        counts(&r.tables["victims_by_nationality"]),
        [("NG", "Nigeria", 1), ("RO", "Rumænien", 1)]
    );
    // CB is the latest decision of P2: a man.
    assert_eq!(
        counts(&r.tables["victims_by_gender"]),
        [("female", "Kvinde", 1), ("male", "Mand", 1)]
    );
    assert_eq!(
        counts(&r.tables["forced_labour_by_subtype"]),
        [("construction", "Byggebranchen", 1)]
    );
}

#[test]
fn not_identified_decisions_never_count() {
    let reg = register(vec![
        not_identified("C1", "P1", "2023-02-01"),
        ident("C2", "P2", "2023-02-01"),
        // P3 identified in February, then a later not-identified decision: still a victim
        // of the year, with the identified decision's attributes.
        spor_core::Identification {
            nationality: Country::new_unchecked("TH"),
            ..ident("C3", "P3", "2023-02-01")
        },
        spor_core::Identification {
            nationality: Country::new_unchecked("VN"),
            ..not_identified("C4", "P3", "2023-10-01")
        },
        // Not identified in an earlier year does not make a repeat victim.
        not_identified("C5", "P2", "2021-06-01"),
    ]);
    let r = report(&reg, 2023);
    assert_eq!(r.facts.victims, Some(2));
    assert_eq!(
        counts(&r.tables["victims_by_nationality"]),
        [("NG", "Nigeria", 1), ("TH", "Thailand", 1)]
    );
    assert_eq!(r.tables["repeat_victims_by_nationality"].rows, vec![]);
    assert_eq!(r.tables["repeat_victims_by_nationality"].total, s(&[0]));
    assert_eq!(rows(&r.tables["victims_by_year"]), [("victims", s(&[2]))]);
}

#[test]
fn repeat_victims_were_identified_in_an_earlier_year_also_before_microdata_from() {
    let mut reg = register(vec![
        // P1: identified in 2019 (before microdata_from) and again in 2023.
        ident("C1", "P1", "2019-04-01"),
        ident("C2", "P1", "2023-04-01"),
        // P2: twice in 2023 only: not a repeat victim.
        spor_core::Identification {
            nationality: Country::new_unchecked("TH"),
            ..ident("C3", "P2", "2023-01-10")
        },
        spor_core::Identification {
            nationality: Country::new_unchecked("TH"),
            ..ident("C4", "P2", "2023-11-10")
        },
        // P3: identified in 2022 and 2023, Ukrainian.
        spor_core::Identification {
            nationality: Country::new_unchecked("UA"),
            ..ident("C5", "P3", "2022-12-31")
        },
        spor_core::Identification {
            nationality: Country::new_unchecked("UA"),
            ..ident("C6", "P3", "2023-01-01")
        },
        // P4: identified in 2024 only: later years never make 2023 repeat victims.
        ident("C7", "P4", "2023-06-01"),
        ident("C8", "P4", "2024-06-01"),
    ]);
    reg.microdata_from = Some(2022);
    let t = &report(&reg, 2023).tables["repeat_victims_by_nationality"];
    assert_eq!(counts(t), [("NG", "Nigeria", 1), ("UA", "Ukraine", 1)]);
    assert_eq!(t.total, s(&[2]));
    assert_eq!(report(&reg, 2023).facts.repeat_victims, Some(2));
}

#[test]
fn a_return_after_31_december_is_not_counted() {
    let reg = register(vec![
        spor_core::Identification {
            return_date: Some(date("2023-12-31")),
            return_country: Some(Country::new_unchecked("NG")),
            ..ident("C1", "P1", "2023-03-01")
        },
        spor_core::Identification {
            nationality: Country::new_unchecked("TH"),
            return_date: Some(date("2024-01-02")),
            return_country: Some(Country::new_unchecked("TH")),
            ..ident("C2", "P2", "2023-03-01")
        },
        ident("C3", "P3", "2023-03-01"),
    ]);
    let r = report(&reg, 2023);
    let t = &r.tables["returns_by_nationality"];
    assert_eq!(counts(t), [("NG", "Nigeria", 1)]);
    assert_eq!(t.total, s(&[1]));
    assert_eq!(r.facts.returns, Some(1));
    assert_eq!(r.facts.return_countries, Some(1));
    assert_eq!(r.facts.returns_to_third_country, Some(0));
}

#[test]
fn a_return_to_another_country_than_the_nationality_counts_as_to_a_third_country() {
    let reg = register(vec![
        spor_core::Identification {
            return_date: Some(date("2023-08-01")),
            return_country: Some(Country::new_unchecked("IT")),
            ..ident("C1", "P1", "2023-03-01")
        },
        spor_core::Identification {
            return_date: Some(date("2023-08-01")),
            return_country: Some(Country::new_unchecked("NG")),
            ..ident("C2", "P2", "2023-03-01")
        },
        spor_core::Identification {
            nationality: Country::new_unchecked("TH"),
            return_date: Some(date("2023-09-01")),
            return_country: Some(Country::new_unchecked("TH")),
            ..ident("C3", "P3", "2023-03-01")
        },
    ]);
    let r = report(&reg, 2023);
    // By nationality, not by destination.
    assert_eq!(
        counts(&r.tables["returns_by_nationality"]),
        [("NG", "Nigeria", 2), ("TH", "Thailand", 1)]
    );
    assert_eq!(r.facts.returns, Some(3));
    assert_eq!(r.facts.return_countries, Some(2));
    assert_eq!(r.facts.returns_to_third_country, Some(1));
    assert_eq!(r.facts.returns_to_home_country, Some(2));
    assert_eq!(
        serde_json::to_value(&r.facts.returns_to_third_country_by_nationality).unwrap(),
        json!([{"key": "NG", "label": "Nigeria", "count": 1}])
    );
}

#[test]
fn unknown_age_is_its_own_group_and_never_guessed() {
    let reg = register(vec![
        spor_core::Identification {
            age: None,
            ..ident("C1", "P1", "2023-03-01")
        },
        spor_core::Identification {
            age: Some(17),
            gender: Gender::Male,
            exploitation_form: Some(Form::ForcedCriminality),
            ..ident("C2", "P2", "2023-03-01")
        },
        spor_core::Identification {
            age: Some(24),
            ..ident("C3", "P3", "2023-03-01")
        },
        spor_core::Identification {
            age: Some(40),
            ..ident("C4", "P4", "2023-03-01")
        },
    ]);
    let r = report(&reg, 2023);
    assert_eq!(r.facts.age_min, Some(Age::Years(17)));
    assert_eq!(r.facts.age_max, Some(Age::Years(40)));
    assert_eq!(r.facts.age_mean, Some(27.0));
    assert_eq!(r.facts.age_unknown, Some(1));
    assert_eq!(r.facts.minors, Some(1));
    assert_eq!(r.facts.under25, Some(2));

    let nested = &r.tables["victims_by_nationality_gender_age_form"];
    assert_eq!(nested.rows.len(), 1);
    let ng = &nested.rows[0];
    assert_eq!((ng.key.as_str(), ng.values[0]), ("NG", Some(4)));
    let children: Vec<(&str, &str, Option<u64>)> = ng
        .children
        .iter()
        .map(|c| (c.key.as_str(), c.label.as_str(), c.values[0]))
        .collect();
    assert_eq!(
        children,
        [
            ("female/adult", "Kvinde / over 18", Some(2)),
            ("female/age_unknown", "Kvinde / alder ukendt", Some(1)),
            ("male/minor", "Mand / under 18", Some(1)),
        ]
    );
    assert_eq!(ng.children[2].children[0].key, "forced_criminality");

    let minors = &r.tables["minors_by_gender_form"];
    assert_eq!(
        minors.column_keys,
        [
            "sexual",
            "forced_labour",
            "forced_criminality",
            "slavery_like",
            "other",
            "unresolved"
        ]
    );
    assert_eq!(rows(minors), [("male", s(&[0, 0, 1, 0, 0, 0]))]);
    assert_eq!(minors.total, s(&[0, 0, 1, 0, 0, 0]));
    let under25 = &r.tables["under25_by_gender_form"];
    assert_eq!(
        rows(under25),
        [
            ("female", s(&[1, 0, 0, 0, 0, 0])),
            ("male", s(&[0, 0, 1, 0, 0, 0]))
        ]
    );
}

fn history_register() -> Register {
    let mut history = Vec::new();
    for (y, n, female, male, sexual, other, unresolved) in [
        (2019, 10, 8, 2, 7, 2, 1),
        (2020, 12, 9, 3, 10, 1, 1),
        (2021, 14, 10, 4, 14, 0, 0),
    ] {
        history.push(hist(Series::Victims, y, None, Some(n)));
        history.push(hist(
            Series::VictimsByGender,
            y,
            Some("female"),
            Some(female),
        ));
        history.push(hist(Series::VictimsByGender, y, Some("male"), Some(male)));
        history.push(hist(Series::VictimsByForm, y, Some("sexual"), Some(sexual)));
        history.push(hist(Series::VictimsByForm, y, Some("other"), Some(other)));
        history.push(hist(
            Series::VictimsByForm,
            y,
            Some("unresolved"),
            Some(unresolved),
        ));
    }
    history.push(hist(Series::HotlineCalls, 2020, None, Some(100)));
    history.push(hist(Series::HotlineCalls, 2021, None, Some(150)));
    history.push(hist(Series::HotlineCalls, 2022, None, Some(999)));
    history.push(hist(Series::AssessedPersons, 2020, None, Some(40)));
    history.push(hist(Series::AssessedPersons, 2021, None, None));
    history.push(hist(Series::AssessedPersons, 2022, None, Some(50)));
    history.push(hist(Series::AssessedPersons, 2023, None, Some(60)));
    Register {
        identifications: vec![
            // Incomplete microdata of 2021: one decision, while history says 14.
            ident("C0", "P0", "2021-05-01"),
            ident("C1", "P1", "2022-05-01"),
            spor_core::Identification {
                gender: Gender::TransFemale,
                exploitation_form: Some(Form::Unresolved),
                ..ident("C2", "P2", "2022-05-01")
            },
            ident("C3", "P3", "2023-05-01"),
        ],
        hotline_calls: vec![
            call("H1", "2021-03-01T10:00:00", true),
            call("H2", "2022-03-01T10:00:00", true),
            call("H3", "2022-03-02T10:00:00", false),
            // 23:30 UTC on New Year's Eve is 2023 in Copenhagen.
            call("H4", "2022-12-31T23:30:00Z", false),
        ],
        history,
        ..Register::default()
    }
}

#[test]
fn history_gives_the_years_before_microdata_from_and_microdata_the_years_from_it() {
    let mut reg = history_register();
    reg.microdata_from = Some(2022);
    let r = report(&reg, 2023);

    let by_year = &r.tables["victims_by_year"];
    assert_eq!(
        by_year.column_keys,
        ["2019", "2020", "2021", "2022", "2023"]
    );
    assert_eq!(rows(by_year), [("victims", s(&[10, 12, 14, 2, 1]))]);
    assert_eq!(by_year.total, s(&[10, 12, 14, 2, 1]));
    assert_eq!(
        by_year.title,
        "Personer vurderet udsat for menneskehandel, 2019-2023"
    );

    // Form groups: `other` + `unresolved` of history and microdata both make other_forms.
    let forms = &r.tables["victims_by_form_group_year"];
    assert_eq!(
        rows(forms),
        [
            ("sexual", s(&[7, 10, 14, 1, 1])),
            ("forced_labour", s(&[0, 0, 0, 0, 0])),
            ("forced_criminality", s(&[0, 0, 0, 0, 0])),
            ("slavery_like", s(&[0, 0, 0, 0, 0])),
            ("other_forms", s(&[3, 2, 0, 1, 0])),
        ]
    );
    assert_eq!(forms.total, by_year.total);

    // Gender groups: trans always shown, other_unknown only when it occurs.
    let genders = &r.tables["victims_by_gender_group_year"];
    assert_eq!(
        rows(genders),
        [
            ("female", s(&[8, 9, 10, 1, 1])),
            ("male", s(&[2, 3, 4, 0, 0])),
            ("trans", s(&[0, 0, 0, 1, 0])),
        ]
    );

    // Hotline: history before 2022 (no possible-victim split there), microdata from it.
    let hot = &r.tables["hotline_calls_by_year"];
    assert_eq!(hot.column_keys, ["2020", "2021", "2022", "2023"]);
    assert_eq!(
        rows(hot),
        [
            ("calls", s(&[100, 150, 2, 1])),
            (
                "concerning_possible_victims",
                vec![None, None, Some(1), Some(0)]
            ),
        ]
    );
    assert_eq!(hot.total, s(&[100, 150, 2, 1]));

    // Assessed persons: no microdata at all, so from microdata_from on they are zero; a
    // year history does not publish is null.
    let ass = &r.tables["assessed_persons_by_year"];
    assert_eq!(
        rows(ass),
        [("assessed", vec![Some(40), None, Some(0), Some(0)])]
    );
    assert_eq!(ass.total, vec![Some(40), None, Some(0), Some(0)]);

    assert_eq!(r.facts.victims_all_years, Some(39));
    assert_eq!(r.facts.victims_first_year, Some(2019));
    assert_eq!(r.facts.victims_change_pct, Some(-50.0));
    assert_eq!(r.facts.victims_highest_since, Some(2022));
    assert_eq!(r.facts.hotline_calls, Some(1));
}

#[test]
fn without_microdata_from_each_series_starts_at_its_earliest_microdata_year() {
    let reg = history_register();
    let r = report(&reg, 2023);
    // Victims microdata starts in 2021: 2021 counts the one decision, not history's 14.
    assert_eq!(
        rows(&r.tables["victims_by_year"]),
        [("victims", s(&[10, 12, 1, 2, 1]))]
    );
    // Hotline microdata also starts in 2021; history's 2022 figure is ignored.
    assert_eq!(
        rows(&r.tables["hotline_calls_by_year"]),
        [
            ("calls", s(&[100, 1, 2, 1])),
            (
                "concerning_possible_victims",
                vec![None, Some(1), Some(1), Some(0)]
            ),
        ]
    );
    // Assessed persons have no microdata: every year from history.
    assert_eq!(
        rows(&r.tables["assessed_persons_by_year"]),
        [("assessed", vec![Some(40), None, Some(50), Some(60)])]
    );
    assert_eq!(r.facts.assessed_persons, Some(60));
    assert_eq!(r.facts.assessed_persons_change_pct, Some(20.0));
}

#[test]
fn a_history_year_reports_its_published_splits_and_unknown_for_the_rest() {
    let reg = history_register();
    let r = report(&reg, 2020);
    assert_eq!(r.facts.victims, Some(12));
    assert_eq!(
        counts(&r.tables["victims_by_gender"]),
        [("female", "Kvinde", 9), ("male", "Mand", 3)]
    );
    assert_eq!(r.tables["victims_by_gender"].total, s(&[12]));
    // Other forms as published: other and unresolved.
    assert_eq!(r.tables["victims_by_form"].total, s(&[12]));
    // Nothing published about referral actors before the microdata.
    assert!(r.tables["victims_by_referral"].rows.is_empty());
    assert_eq!(r.tables["victims_by_referral"].total, vec![None]);
    assert_eq!(r.facts.age_mean, None);
}

#[test]
fn rows_with_equal_counts_follow_danish_order_with_ae_oe_aa_after_z() {
    let mut v = vec![
        ident("C0", "P0", "2023-01-01"),
        ident("C00", "P00", "2023-01-01"),
    ];
    for (i, code) in ["AX", "AT", "GQ", "ZM", "AL", "DK"].iter().enumerate() {
        v.push(spor_core::Identification {
            nationality: Country::new_unchecked(*code),
            ..ident(&format!("C{}", i + 1), &format!("P{}", i + 1), "2023-01-01")
        });
    }
    let r = report(&register(v), 2023);
    let labels: Vec<&str> = counts(&r.tables["victims_by_nationality"])
        .iter()
        .map(|c| c.1)
        .collect();
    assert_eq!(
        labels,
        [
            "Nigeria",
            "Albanien",
            "Danmark",
            "Zambia",
            "Ækvatorialguinea",
            "Østrig",
            "Åland"
        ]
    );
    assert_eq!(r.facts.nationalities, Some(7));
}

#[test]
fn decisions_without_a_subtype_count_as_unspecified_in_the_subtype_tables() {
    let crim = |case: &str, person: &str, subtype: Option<&str>| spor_core::Identification {
        exploitation_form: Some(Form::ForcedCriminality),
        exploitation_subtype: subtype.map(Code::new_unchecked),
        ..ident(case, person, "2023-02-02")
    };
    let reg = register(vec![
        crim("C1", "P1", Some("theft")),
        crim("C2", "P2", None),
        crim("C3", "P3", Some("drug_sales")),
        crim("C4", "P4", Some("drug_sales")),
        ident("C5", "P5", "2023-02-02"),
    ]);
    let t = &report(&reg, 2023).tables["forced_criminality_by_subtype"];
    assert_eq!(
        counts(t),
        [
            ("drug_sales", "Salg af stoffer", 2),
            ("unspecified", "Ikke oplyst", 1),
            ("theft", "Tyveri", 1)
        ]
    );
    assert_eq!(t.total, s(&[4]));
    assert_eq!(t.title, "Strafbare handlinger fordelt på typer, 2023");
}

#[test]
fn assessed_persons_count_once_with_their_latest_interview_and_later_identification() {
    let mut reg = register(vec![
        // A1 identified after the interview; A3 identified only before it (2022).
        ident("C1", "A1", "2023-06-01"),
        ident("C3", "A3", "2022-06-01"),
        // A4: identified the day of the first interview, which counts.
        ident("C4", "A4", "2023-02-01"),
    ]);
    reg.assessments = vec![
        // A1 interviewed twice: nationality at the latest interview (TH) counts.
        assessment("S1", "A1", "2023-01-10", "NG"),
        assessment("S2", "A1", "2023-03-10", "TH"),
        assessment("S3", "A2", "2023-04-01", "TH"),
        assessment("S4", "A3", "2023-04-01", "NG"),
        assessment("S5", "A4", "2023-02-01", "NG"),
        assessment("S6", "A4", "2023-05-01", "NG"),
        assessment("S7", "A5", "2022-05-01", "NG"),
    ];
    let r = report(&reg, 2023);
    let t = &r.tables["assessed_persons_by_nationality"];
    assert_eq!(t.column_keys, ["assessed", "identified"]);
    assert_eq!(rows(t), [("NG", s(&[2, 1])), ("TH", s(&[2, 1]))]);
    assert_eq!(t.total, s(&[4, 2]));
    assert_eq!(r.facts.assessed_persons, Some(4));
    assert_eq!(
        rows(&r.tables["assessed_persons_by_year"]),
        [("assessed", vec![None, None, Some(1), Some(4)])]
    );
}

#[test]
fn the_change_and_the_highest_since_are_read_off_the_victims_series() {
    let mut v = Vec::new();
    let mut n = 0;
    for (year, count) in [(2016, 5), (2017, 3), (2018, 2), (2019, 4)] {
        for _ in 0..count {
            n += 1;
            v.push(ident(
                &format!("C{n}"),
                &format!("P{n}"),
                &format!("{year}-06-01"),
            ));
        }
    }
    let r = report(&register(v), 2019);
    assert_eq!(r.facts.victims_change_pct, Some(100.0));
    assert_eq!(r.facts.victims_highest_since, Some(2016));
    assert_eq!(r.facts.victims_all_years, Some(14));
    let r = report(&two_years(), 2023);
    assert_eq!(r.facts.victims_highest_since, None);
}

fn two_years() -> Register {
    register(vec![
        ident("C1", "P1", "2022-01-01"),
        ident("C2", "P2", "2023-01-01"),
        ident("C3", "P3", "2023-01-01"),
    ])
}

#[test]
fn a_year_without_any_data_is_an_error_naming_the_years_that_have_data() {
    let reg = register(vec![
        ident("C1", "P1", "2020-01-01"),
        ident("C2", "P2", "2021-01-01"),
        ident("C3", "P3", "2023-01-01"),
    ]);
    let err = spor_stats::evaluate(&reg, 2030).unwrap_err();
    assert_eq!(
        err,
        StatsError::NoData {
            year: 2030,
            years_with_data: vec![2020, 2021, 2023]
        }
    );
    assert_eq!(
        err.to_string(),
        "the register has no data for 2030; it has data for 2020–2021, 2023 (choose one of those years)"
    );
    assert!(matches!(
        spor_stats::evaluate(&Register::default(), 2023),
        Err(StatsError::EmptyRegister { year: 2023 })
    ));
}

#[test]
fn the_authority_and_referral_tables_use_the_danish_labels_of_the_code_lists() {
    let reg = register(vec![
        ident("C1", "P1", "2023-01-01"),
        spor_core::Identification {
            authority: Authority::ImmigrationService,
            referral_actor: Some(Code::new_unchecked("red_cross")),
            ..ident("C2", "P2", "2023-01-01")
        },
        spor_core::Identification {
            authority: Authority::ImmigrationService,
            referral_actor: None,
            ..ident("C3", "P3", "2023-01-01")
        },
    ]);
    let r = report(&reg, 2023);
    assert_eq!(
        counts(&r.tables["victims_by_authority"]),
        [
            ("immigration_service", "Udlændingestyrelsen", 2),
            ("cmm", "Center mod Menneskehandel", 1)
        ]
    );
    assert_eq!(
        counts(&r.tables["victims_by_referral"]),
        [
            ("unspecified", "Ikke oplyst", 1),
            ("police", "Politi", 1),
            ("red_cross", "Røde Kors", 1)
        ]
    );
    assert_eq!(
        serde_json::to_value(&r.facts.top_referral).unwrap(),
        json!({"key": "unspecified", "label": "Ikke oplyst", "count": 1, "share_pct": 33.3})
    );
}

#[test]
fn every_table_of_the_spec_is_in_the_report_with_its_shape() {
    let r = report(&register(vec![ident("C1", "P1", "2023-01-01")]), 2023);
    let ids: Vec<&str> = r.tables.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "hotline_calls_by_year",
            "assessed_persons_by_year",
            "victims_by_year",
            "victims_by_referral",
            "victims_by_form",
            "forced_labour_by_subtype",
            "forced_criminality_by_subtype",
            "victims_by_form_group_year",
            "victims_by_gender",
            "victims_by_gender_group_year",
            "victims_by_gender_form",
            "minors_by_gender_form",
            "under25_by_gender_form",
            "victims_by_nationality",
            "victims_by_nationality_gender_age_form",
            "returns_by_nationality",
            "victims_by_authority",
            "repeat_victims_by_nationality",
            "assessed_persons_by_nationality",
        ]
    );
    for (id, t) in &r.tables {
        let t: &Table = t;
        assert_eq!(t.columns.len(), t.column_keys.len(), "{id}");
        assert_eq!(t.total.len(), t.columns.len(), "{id}");
        assert!(t.title.contains("2023"), "{id}: {}", t.title);
        for row in &t.rows {
            assert_eq!(row.values.len(), t.columns.len(), "{id}");
        }
    }
    let json = serde_json::to_value(&r).unwrap();
    for k in [
        "victims",
        "victims_all_years",
        "victims_change_pct",
        "victims_highest_since",
        "age_min",
        "age_max",
        "age_mean",
        "under25",
        "minors",
        "nationalities",
        "returns",
        "return_countries",
        "returns_to_third_country",
        "hotline_calls",
        "assessed_persons",
    ] {
        assert!(json["facts"].get(k).is_some(), "fact {k} missing");
    }
}

#[test]
fn a_new_cross_tab_is_a_new_definition_evaluated_by_the_same_engine() {
    use spor_stats::defs::{
        Categories, Cols, Dim, Order, Population, Presentation, Rows, TableDef, TotalRule,
    };
    const BY_AUTHORITY_AND_FORM_GROUP: TableDef = TableDef {
        id: "victims_by_authority_form_group",
        title: "Personer fordelt på myndighed og udnyttelse, {year}",
        population: Population::Victims,
        filter: &[],
        rows: Rows::Dims {
            levels: &[Dim::Authority],
            categories: Categories::Present,
        },
        cols: Cols::Dim(Dim::FormGroup),
        order: Order::CountDesc,
        total: TotalRule::SumOfRows,
        presentation: Presentation::UNLISTED,
    };
    let reg = register(vec![
        ident("C1", "P1", "2023-01-01"),
        spor_core::Identification {
            authority: Authority::Court,
            exploitation_form: Some(Form::Unresolved),
            ..ident("C2", "P2", "2023-01-01")
        },
        spor_core::Identification {
            authority: Authority::Court,
            exploitation_form: Some(Form::Other),
            ..ident("C3", "P3", "2023-01-01")
        },
    ]);
    let t = spor_stats::evaluate_table(&reg, 2023, &BY_AUTHORITY_AND_FORM_GROUP);
    assert_eq!(t.title, "Personer fordelt på myndighed og udnyttelse, 2023");
    assert_eq!(
        t.column_keys,
        [
            "sexual",
            "forced_labour",
            "forced_criminality",
            "slavery_like",
            "other_forms"
        ]
    );
    assert_eq!(t.columns[4], "Øvrige");
    assert_eq!(
        rows(&t),
        [("court", s(&[0, 0, 0, 0, 2])), ("cmm", s(&[1, 0, 0, 0, 0]))]
    );
    assert_eq!(t.total, s(&[1, 0, 0, 0, 2]));
}
