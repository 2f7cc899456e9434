//! The public profile of the demo register's 2023 overview.

use spor_sdc::overview::protect_report;
use spor_sdc::{Policy, audit_status};
use spor_stats::{Age, Report};

fn demo_report(year: i32) -> Report {
    spor_stats::evaluate(&spor_demo::register(), year).unwrap()
}

#[test]
fn the_demo_public_edition_passes_the_audit_and_publishes_no_small_count() {
    let report = demo_report(2023);
    let policy = Policy::default();
    let t0 = std::time::Instant::now();
    let public = protect_report(&report, &[], &policy).expect("protectable");
    eprintln!(
        "{} quantities, {} relations, {} hidden, {} rounds, {:?}",
        public.problem.quantities.len(),
        public.problem.relations.len(),
        public.protection.hidden().iter().filter(|h| **h).count(),
        public.protection.rounds,
        t0.elapsed()
    );
    // An independent re-audit of the result finds nothing.
    let again = audit_status(&public.problem, &public.protection.status, &policy);
    assert!(again.passed());
    // No published person count in any victims table is between 1 and the threshold.
    for (id, t) in &public.report.tables {
        if id.starts_with("hotline") {
            continue;
        }
        let crossed = matches!(
            id.as_str(),
            "victims_by_gender_form"
                | "minors_by_gender_form"
                | "under25_by_gender_form"
                | "victims_by_nationality_gender_age_form"
        );
        fn check(rows: &[spor_stats::Row], id: &str, depth: usize, crossed: bool) {
            for r in rows {
                for v in r.values.iter().flatten() {
                    let t = if crossed && depth > 0 || id.contains("gender_form") {
                        5
                    } else {
                        3
                    };
                    assert!(*v == 0 || *v >= t, "{id} {} = {v}", r.key);
                }
                check(&r.children, id, depth + 1, crossed);
            }
        }
        check(&t.rows, id, 0, crossed);
    }
    // The 2023 edition's nationality × gender/age × form table had cells of 1; now hidden.
    let nested = &public.report.tables["victims_by_nationality_gender_age_form"];
    assert!(
        public
            .suppressed
            .contains_key("victims_by_nationality_gender_age_form")
    );
    assert!(nested.rows.iter().any(|r| r.key.starts_with("region:")
        || r.key == "other"
        || r.key.starts_with("continent:")));
    // A minimum age is one person: banded.
    assert!(matches!(public.report.facts.age_min, Some(Age::Band(_))));
    assert!(matches!(public.report.facts.age_max, Some(Age::Band(_))));
    // No fact states a hidden count, nor its share.
    let hidden = public.protection.hidden();
    let mut fact_cells = 0;
    for (i, q) in public.problem.quantities.iter().enumerate() {
        for at in q.refs.iter().filter(|r| r.table == "facts") {
            // Entries of a list fact (`returns_to_third_country_by_nationality/NG`) are
            // checked by the attacker test.
            let Some(fact) = public.report.facts.get(&at.row) else {
                continue;
            };
            fact_cells += 1;
            if hidden[i] {
                assert!(fact.is_null(), "fact {} states hidden {}", at.row, q.value);
                assert!(public.fact_hidden(&at.row));
                if let Some(share) = public.report.facts.get(&format!("{}_share_pct", at.row)) {
                    assert!(share.is_null(), "{}_share_pct", at.row);
                }
            } else {
                assert_eq!(fact.as_u64(), Some(q.value), "fact {}", at.row);
            }
        }
    }
    assert!(
        fact_cells >= 5,
        "victims, minors, under25, returns, genders are facts"
    );
    // Deterministic.
    let twice = protect_report(&report, &[], &policy).unwrap();
    assert_eq!(public.suppressed, twice.suppressed);
    assert_eq!(public.report, twice.report);
}

/// Same register and policy, same hidden cells: the linear programs run single-threaded
/// and warm-start in a fixed order, so two protections of the same report agree cell by
/// cell (and hide what the published numbers in the README say).
#[test]
fn the_same_report_and_policy_always_hide_the_same_cells() {
    let report = demo_report(2023);
    let policy = Policy::default();
    let first = protect_report(&report, &[], &policy).expect("protectable");
    let second = protect_report(&report, &[], &policy).expect("protectable");
    assert_eq!(first.protection.status, second.protection.status);
    let hidden = first.protection.hidden().iter().filter(|h| **h).count();
    assert_eq!(
        hidden, 71,
        "the demo's 2023 edition, without history years marked, hides 71 quantities"
    );
}

fn demo_edition() -> spor_sdc::overview::PublicRelease {
    spor_sdc::overview::protect_edition(
        &demo_report(2023),
        &Policy::default(),
        &spor_sdc::overview::Inputs {
            earlier: &[],
            history_before: Some(spor_demo::MICRODATA_FROM),
            minimise: false,
            keep_categories: false,
        },
    )
    .expect("protectable")
}

/// Figures of the years before `microdata_from` come from history: the centre published
/// them long ago, so they are published unchanged and are never hidden.
#[test]
fn the_demo_edition_hides_no_history_figure() {
    let public = demo_edition();
    let internal = demo_report(2023);
    for (id, t) in &public.report.tables {
        for (c, key) in t.column_keys.iter().enumerate() {
            let Ok(y) = key.parse::<i32>() else { continue };
            if y >= spor_demo::MICRODATA_FROM {
                continue;
            }
            for (r, row) in t.rows.iter().enumerate() {
                let was = internal.tables[id].rows.iter().find(|x| x.key == row.key);
                assert_eq!(
                    row.values[c],
                    was.and_then(|w| w.values[c]),
                    "{id} {} {y} (row {r})",
                    row.key
                );
            }
        }
    }
    // Without the setting the same figures are the audit's to hide (the 32).
    let plain = protect_report(&internal, &[], &Policy::default()).unwrap();
    let hidden_history = |p: &spor_sdc::overview::PublicRelease| {
        p.report
            .tables
            .values()
            .map(|t| {
                t.suppressed
                    .iter()
                    .filter(|[_, c]| {
                        t.column_keys[*c]
                            .parse::<i32>()
                            .is_ok_and(|y| y < spor_demo::MICRODATA_FROM)
                    })
                    .count()
            })
            .sum::<usize>()
    };
    assert_eq!(hidden_history(&public), 0);
    assert!(hidden_history(&plain) > 0);
}

/// An attacker with nothing but the published JSON: no hidden cell and no withheld fact
/// follows from what the edition prints (facts, shares and changes included).
#[test]
fn an_attacker_reading_the_demo_edition_pins_no_hidden_figure() {
    let public = demo_edition();
    eprint!("{}", public.utility.text_da());
    eprintln!("{:?}", public.facts_changed);
    let json = serde_json::to_value(&public.report).unwrap();
    let found = spor_sdc::attack::attack(&json);
    assert!(found.len() >= 10, "{found:?}");
    let pinned: Vec<_> = found.iter().filter(|d| d.pinned()).collect();
    assert!(pinned.is_empty(), "{pinned:?}");
    // A fact computed from a withheld count is withheld with it.
    for (name, why) in &public.facts_changed {
        if public.report.facts.get(name).unwrap().is_null() {
            assert!(!why.is_empty());
        }
    }
    // Every figure the 2023 text states as a headline is published.
    for f in [
        "victims",
        "victims_all_years",
        "assessed_persons",
        "hotline_calls",
    ] {
        assert!(public.report.facts.get(f).unwrap().is_u64(), "{f}");
    }
    let internal = demo_report(2023);
    for table in [
        "victims_by_form",
        "victims_by_gender",
        "victims_by_referral",
        "victims_by_nationality",
    ] {
        let largest = internal.tables[table]
            .rows
            .iter()
            .max_by_key(|r| r.values[0])
            .unwrap();
        let shown = public.report.tables[table]
            .rows
            .iter()
            .find(|r| r.key == largest.key)
            .unwrap();
        assert_eq!(
            shown.values[0], largest.values[0],
            "{table} {}",
            largest.key
        );
    }
}

/// A public edition that would state a hidden count in a fact is caught by the attacker:
/// here the male victims are hidden in the gender table but stated by `victims_male`.
#[test]
fn the_attacker_catches_a_fact_that_states_a_hidden_cell() {
    let public = demo_edition();
    let mut json = serde_json::to_value(&public.report).unwrap();
    let internal = demo_report(2023);
    let t = &mut json["tables"]["victims_by_gender"];
    let row = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["key"] == "male")
        .unwrap();
    t["rows"][row]["values"][0] = serde_json::Value::Null;
    t["suppressed"] = serde_json::json!([[row, 0]]);
    json["facts"]["victims_male"] = serde_json::json!(internal.facts.victims_male);
    let pinned: Vec<_> = spor_sdc::attack::attack(&json)
        .into_iter()
        .filter(|d| d.pinned())
        .collect();
    assert!(
        pinned
            .iter()
            .any(|d| d.name.starts_with("victims_by_gender[male")),
        "{pinned:?}"
    );
}

/// The demo's 2023 public edition, measured (issue 18): cells shown, published, merged and
/// hidden, and the share of the counted value hidden. A change in the protection shows here.
#[test]
fn the_demo_edition_keeps_what_it_is_measured_to_keep() {
    let u = demo_edition().utility;
    assert_eq!(
        (u.cells, u.published, u.recoded, u.hidden),
        (362, 306, 19, 37),
        "{}",
        u.text_da()
    );
    assert_eq!((u.hidden_cells_pct, u.hidden_value_pct), (10.2, 2.6));
    // The targets: at most 15 % of the cells and 5 % of the counted value.
    assert!(u.hidden_cells_pct <= 15.0 && u.hidden_value_pct <= 5.0);
    // History and the headline tables lose nothing.
    for t in &u.tables {
        if matches!(
            t.table.as_str(),
            "victims_by_year"
                | "victims_by_form_group_year"
                | "hotline_calls_by_year"
                | "victims_by_form"
        ) {
            assert_eq!(t.hidden, 0, "{}", t.table);
        }
    }
}
