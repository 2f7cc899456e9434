//! Every figure traceable (issue 24, item 3): the records the engine lists for a cell are
//! as many as the cell counts, and they are the records that put a unit there.

use spor_stats::defs::Population;
use spor_stats::{Columns, Row, TraceError};

/// Every row of a table with the keys that name it, from the top level down.
fn rows_with_paths<'a>(rows: &'a [Row], above: &[&'a str], out: &mut Vec<(Vec<&'a str>, &'a Row)>) {
    for r in rows {
        let mut path = above.to_vec();
        path.push(r.key.as_str());
        rows_with_paths(&r.children, &path, out);
        out.push((path, r));
    }
}

#[test]
fn every_cell_of_the_demo_traces_to_as_many_records_as_it_counts() {
    let reg = spor_demo::register();
    let cols = Columns::of_register(&reg);
    for year in [2023] {
        let report = spor_stats::evaluate(&reg, year).unwrap();
        let mut cells = 0;
        for (id, table) in &report.tables {
            let mut rows = Vec::new();
            rows_with_paths(&table.rows, &[], &mut rows);
            for (path, row) in rows {
                for (c, key) in table.column_keys.iter().enumerate() {
                    let traced = spor_stats::trace(&reg, &cols, year, id, &path, key);
                    match (traced, row.values[c]) {
                        (Ok((_, records)), Some(v)) => {
                            assert_eq!(records.len() as u64, v, "{year} {id} {path:?} {key}");
                            cells += 1;
                        }
                        (Err(TraceError::FromHistory { year: y }), _) => {
                            assert!(y <= year, "{id} {key}")
                        }
                        (other, v) => panic!("{year} {id} {path:?} {key}: {other:?} for {v:?}"),
                    }
                }
            }
            // The total row, where it is a count.
            for (c, key) in table.column_keys.iter().enumerate() {
                match spor_stats::trace(&reg, &cols, year, id, &[], key) {
                    Ok((_, records)) => {
                        assert_eq!(
                            Some(records.len() as u64),
                            table.total[c],
                            "{id} total {key}"
                        )
                    }
                    Err(TraceError::SumOfMeasures(_) | TraceError::FromHistory { .. }) => {}
                    Err(e) => panic!("{id} total {key}: {e}"),
                }
            }
        }
        assert!(cells > 300, "{year}: only {cells} cells traced");
    }
}

#[test]
fn the_records_of_a_cell_are_the_decisions_that_put_their_person_there() {
    let reg = spor_demo::register();
    let cols = Columns::of_register(&reg);
    let mut decisions: Vec<_> = reg.identifications.iter().collect();
    decisions.sort_by(|a, b| a.case_ref.cmp(&b.case_ref));
    let (population, records) = spor_stats::trace(
        &reg,
        &cols,
        2023,
        "victims_by_gender_form",
        &["male"],
        "forced_criminality",
    )
    .unwrap();
    assert_eq!(population, Population::Victims);
    assert_eq!(
        records.len(),
        15,
        "the 2023 report's 15 men in forced criminality"
    );
    let mut persons = std::collections::BTreeSet::new();
    for &i in &records {
        let d = decisions[i as usize];
        assert_eq!(d.gender.code(), "male", "{}", d.case_ref);
        assert_eq!(
            d.exploitation_form.map(|f| f.code()),
            Some("forced_criminality"),
            "{}",
            d.case_ref
        );
        assert_eq!(
            chrono::Datelike::year(&d.decision_date),
            2023,
            "{}",
            d.case_ref
        );
        assert!(
            persons.insert(d.person_ref.clone()),
            "one record per person"
        );
    }
}

#[test]
fn a_cell_that_is_not_counted_from_records_says_why() {
    let reg = spor_demo::register();
    let cols = Columns::of_register(&reg);
    let trace = |table: &str, row: &[&str], col: &str| {
        spor_stats::trace(&reg, &cols, 2023, table, row, col)
    };
    assert_eq!(
        trace("no_such_table", &[], "count").unwrap_err(),
        TraceError::UnknownTable("no_such_table".into())
    );
    let series = &spor_stats::evaluate(&reg, 2023).unwrap().tables["victims_by_gender_group_year"];
    assert_eq!(
        trace(
            "victims_by_gender_group_year",
            &[series.rows[0].key.as_str()],
            "2010"
        ),
        Err(TraceError::FromHistory { year: 2010 })
    );
    assert!(matches!(
        trace(
            "victims_by_gender_group_year",
            &[series.rows[0].key.as_str()],
            "twenty"
        ),
        Err(TraceError::UnknownColumn { .. })
    ));
    assert!(matches!(
        trace("victims_by_gender", &["female", "x", "y", "z"], "count"),
        Err(TraceError::UnknownRow { .. })
    ));
    assert_eq!(
        trace("victims_by_gender", &["nobody"], "count"),
        Err(TraceError::UnknownRow {
            table: "victims_by_gender".into(),
            row: "nobody".into(),
            year: 2023
        })
    );
    assert!(matches!(
        trace("victims_by_gender", &["female"], "nosuch"),
        Err(TraceError::UnknownColumn { .. })
    ));
}
