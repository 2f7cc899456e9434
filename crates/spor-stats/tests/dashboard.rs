//! The analyst's dashboard: the same engine and counting rules as the overview, up to a
//! date of the year and the year before to the same date.

mod common;

use common::*;
use spor_core::Country;
use spor_stats::{Columns, evaluate_dashboard};

fn nationality(mut d: spor_core::Identification, code: &str) -> spor_core::Identification {
    d.nationality = Country::new_unchecked(code);
    d
}

#[test]
fn victims_are_persons_counted_once_up_to_the_same_date_each_year() {
    let mut reg = register(vec![
        ident("a", "p1", "2026-01-10"),
        nationality(ident("b", "p1", "2026-02-10"), "RO"),
        not_identified("c", "p2", "2026-03-01"),
        ident("d", "p3", "2026-12-01"),
        nationality(ident("e", "p4", "2025-03-01"), "TH"),
        nationality(ident("f", "p5", "2025-06-01"), "TH"),
    ]);
    reg.hotline_calls = vec![
        call("k1", "2026-01-05T10:00:00+01:00", true),
        call("k2", "2026-04-30T10:00:00+02:00", false),
        call("k3", "2025-04-02T10:00:00+02:00", false),
        // Before midnight in UTC, already May in Copenhagen: after the cut-off.
        call("k4", "2026-04-30T22:30:00Z", false),
    ];
    let cols = Columns::of_register(&reg);

    let d = evaluate_dashboard(&reg, &cols, 2026, Some(date("2026-04-30"))).unwrap();
    assert_eq!(d.figures.victims, Some(1), "p1 once; p3 is after the date");
    assert_eq!(
        d.figures.victims_previous_year,
        Some(1),
        "p4 by 30 April 2025"
    );
    assert_eq!(d.figures.victims_change_pct, Some(0.0));
    // The latest decision's nationality counts.
    assert_eq!(
        counts(d.table("victims_by_nationality").unwrap()),
        vec![("RO", "Rumænien", 1)]
    );
    let calls = d.table("calls_by_month").unwrap();
    assert_eq!(calls.column_keys, ["2025", "2026"]);
    assert_eq!(calls.rows.len(), 12, "every month, in calendar order");
    assert_eq!(calls.rows[0].label, "januar");
    assert_eq!(calls.rows[0].values, s(&[0, 1]));
    assert_eq!(calls.rows[3].values, s(&[1, 1]));
    assert_eq!(calls.rows[4].values, s(&[0, 0]), "k4 is after the date");
    assert_eq!(d.figures.calls, Some(2));

    // The whole year: p3 and the call in May count too.
    let whole = evaluate_dashboard(&reg, &cols, 2026, None).unwrap();
    assert_eq!(whole.figures.victims, Some(2));
    assert_eq!(whole.figures.victims_previous_year, Some(2));
    assert_eq!(
        whole.table("calls_by_month").unwrap().rows[4].values,
        s(&[0, 1])
    );
    assert_eq!(whole.figures.calls, Some(3));
}

#[test]
fn the_dashboard_of_a_year_agrees_with_the_overview() {
    let reg = spor_demo::register();
    let cols = Columns::of_register(&reg);
    let d = evaluate_dashboard(&reg, &cols, spor_demo::YEAR, None).unwrap();
    let report = spor_stats::evaluate(&reg, spor_demo::YEAR).unwrap();
    assert_eq!(
        d.figures.victims, report.facts.victims,
        "the year's victims"
    );
    assert_eq!(
        d.figures.victims_previous_year,
        report.facts.victims_previous_year
    );
    for id in ["victims_by_form", "victims_by_nationality"] {
        let (dash, overview) = (d.table(id).unwrap(), &report.tables[id]);
        assert_eq!(dash.rows, overview.rows, "{id}");
        assert_eq!(dash.total, overview.total, "{id}");
    }
    let calls = report.tables["hotline_calls_by_year"]
        .total
        .last()
        .copied()
        .flatten();
    assert_eq!(d.figures.calls, calls, "calls of the year, month by month");
}
