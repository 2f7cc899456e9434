//! The public profile of the demo register's 2023 overview.

use spor_sdc::overview::protect_report;
use spor_sdc::{Policy, audit_status};
use spor_stats::Report;

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
    assert!(public.report.facts["age_min"].is_string());
    assert!(public.report.facts["age_max"].is_string());
    // No fact states a hidden count, nor its share.
    let hidden = public.protection.hidden();
    let mut fact_cells = 0;
    for (i, q) in public.problem.quantities.iter().enumerate() {
        for at in q.refs.iter().filter(|r| r.table == "facts") {
            fact_cells += 1;
            let fact = &public.report.facts[&at.row];
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
        hidden, 176,
        "the demo's 2023 edition hides 123 cells by rule and 53 partners"
    );
}
