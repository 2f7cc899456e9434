//! The protection pipeline against known attacks.

use spor_sdc::{
    CellRef, Leak, Policy, Problem, Role, Status, audit, audit_status, describe, primary, protect,
    reduce, secondary,
};

/// A crossed table `name` with rows × cols and margins; keys are shared across tables by
/// the row/column dimension names and values, so linked tables meet in their margins.
fn crossed(
    p: &mut Problem,
    name: &str,
    row_dim: &str,
    col_dim: &str,
    rows: &[&str],
    cols: &[&str],
    values: &[Vec<u64>],
) -> Vec<Vec<usize>> {
    let key = |r: Option<&str>, c: Option<&str>| {
        let mut parts = vec!["victims".to_owned()];
        if let Some(r) = r {
            parts.push(format!("{row_dim}={r}"));
        }
        if let Some(c) = c {
            parts.push(format!("{col_dim}={c}"));
        }
        parts.sort();
        parts.join("|")
    };
    p.crossed_table(name, row_dim, col_dim, rows, cols, values, &key, 2)
        .unwrap()
}

/// sdcTable's test table for `protectTable()` (tests/testthat/test_secondarySuppression.R):
/// nine hidden cells, two or more in every row and column, yet w|b = 47 follows from
/// (230 + 250) − (89 + 124 + 31) − ((1012 + 779) − (92 + 59 + 800 + 651)).
fn sdctable_problem() -> (Problem, Vec<Vec<usize>>) {
    let mut p = Problem::new();
    let grid = crossed(
        &mut p,
        "sdc",
        "v1",
        "v2",
        &["w", "x", "y", "z"],
        &["a", "b", "c", "d"],
        &[
            vec![30, 47, 64, 89],
            vec![90, 124, 5, 31],
            vec![92, 100, 59, 85],
            vec![800, 991, 651, 685],
        ],
    );
    (p, grid)
}

fn sdctable_hidden(grid: &[Vec<usize>]) -> Vec<usize> {
    [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 2),
        (2, 1),
        (2, 3),
        (3, 1),
        (3, 3),
    ]
    .iter()
    .map(|&(r, c)| grid[r][c])
    .collect()
}

#[test]
fn the_sdctable_counter_example_is_caught_exactly_and_names_the_published_figures() {
    let (p, grid) = sdctable_problem();
    let mut hidden = vec![false; p.quantities.len()];
    for q in sdctable_hidden(&grid) {
        hidden[q] = true;
    }
    let report = audit(&p, &hidden, &Policy::default());
    let wb = grid[0][1];
    let finding = report
        .findings
        .iter()
        .find(|f| f.quantity == wb)
        .expect("w|b must be found");
    let Leak::Exact { from } = &finding.leak else {
        panic!("w|b must be an exact leak, got {:?}", finding.leak);
    };
    // The combination really gives 47 from published values only.
    let value: num_rational::BigRational = from
        .iter()
        .map(|(i, c)| {
            assert!(!hidden[*i], "{} is hidden", p.quantities[*i].name());
            c * num_rational::BigRational::from_integer(p.quantities[*i].value.into())
        })
        .sum();
    assert_eq!(value, num_rational::BigRational::from_integer(47.into()));
    let text = describe(&p, finding);
    assert!(text.contains("sdc[w, b]"), "{text}");
    assert!(text.contains("sdc[w, total] (230)"), "{text}");
    // No other cell of the nine is exactly determined.
    let exact: Vec<usize> = report
        .findings
        .iter()
        .filter(|f| matches!(f.leak, Leak::Exact { .. }))
        .map(|f| f.quantity)
        .collect();
    assert_eq!(exact, vec![wb]);
}

#[test]
fn the_sdctable_counter_example_is_repaired_by_secondary_suppression() {
    let (p, grid) = sdctable_problem();
    let policy = Policy::default();
    let mut status = vec![Status::Published; p.quantities.len()];
    for q in sdctable_hidden(&grid) {
        status[q] = Status::HiddenBelowThreshold { threshold: 5 };
    }
    let protection = secondary(&p, &policy, status).expect("repairable");
    assert!(protection.audit.passed());
    let wb = grid[0][1];
    assert!(protection.status[wb].is_hidden());
    let iv = protection.audit.intervals[&wb];
    assert!(iv.lo <= 1e-9 && iv.hi >= 5.0, "w|b interval {iv}");
    assert!(
        protection
            .status
            .iter()
            .any(|s| matches!(s, Status::HiddenSecondary { .. })),
        "at least one more cell is hidden"
    );
    // Re-auditing the result independently finds nothing.
    assert!(audit_status(&p, &protection.status, &policy).passed());
    // Publishing partners that are not needed keeps the release safe and hides no more.
    let before = protection.hidden().iter().filter(|h| **h).count();
    let reduced = reduce(&p, &policy, protection);
    assert!(audit_status(&p, &reduced.status, &policy).passed());
    assert!(reduced.hidden().iter().filter(|h| **h).count() <= before);
    assert!(reduced.status[wb].is_hidden());
}

#[test]
fn a_cell_hidden_in_one_table_is_caught_when_another_table_publishes_the_shared_total() {
    // Form table without a total of its own: sexual 10, forced_labour 2, forced_criminality 7.
    let build = |with_gender_table: bool| {
        let mut p = Problem::new();
        let at = |t: &str, r: &str| CellRef {
            table: t.to_owned(),
            row: r.to_owned(),
            col: "count".to_owned(),
        };
        let total_role = if with_gender_table {
            Role::Free
        } else {
            Role::Latent
        };
        let total = p.quantity("victims", 19, 0, total_role).unwrap();
        let forms: Vec<usize> = [
            ("sexual", 10),
            ("forced_labour", 2),
            ("forced_criminality", 7),
        ]
        .iter()
        .map(|&(f, v)| {
            p.cell(
                &format!("victims|form={f}"),
                v,
                1,
                Role::Free,
                at("by_form", f),
            )
            .unwrap()
        })
        .collect();
        p.relate(total, forms.clone(), "form").unwrap();
        if with_gender_table {
            let genders: Vec<usize> = [("female", 12), ("male", 7)]
                .iter()
                .map(|&(g, v)| {
                    p.cell(
                        &format!("victims|gender={g}"),
                        v,
                        1,
                        Role::Free,
                        at("by_gender", g),
                    )
                    .unwrap()
                })
                .collect();
            p.cell("victims", 19, 0, Role::Free, at("by_gender", "total"))
                .unwrap();
            p.relate(total, genders, "gender").unwrap();
        }
        (p, forms[1])
    };
    let policy = Policy::default();

    // Alone, the form table keeps forced_labour = 2 safe: nothing bounds it.
    let (alone, labour) = build(false);
    let mut hidden = vec![false; alone.quantities.len()];
    hidden[labour] = true;
    assert!(audit(&alone, &hidden, &policy).passed());

    // With the gender table's total beside it, 2 = 19 − 10 − 7.
    let (linked, labour) = build(true);
    let mut hidden = vec![false; linked.quantities.len()];
    hidden[labour] = true;
    let report = audit(&linked, &hidden, &policy);
    let finding = report
        .findings
        .iter()
        .find(|f| f.quantity == labour)
        .expect("caught");
    let text = describe(&linked, finding);
    assert!(text.contains("by_gender[total, count] (19)"), "{text}");
    assert!(text.contains("by_form[sexual, count] (10)"), "{text}");

    // And the pipeline repairs it.
    let protection = protect(&linked, &policy).unwrap();
    assert!(protection.status[labour].is_hidden());
    assert!(protection.audit.passed());
}

#[test]
fn figures_published_in_earlier_years_are_never_hidden_and_still_constrain() {
    // Last year's edition published the total 19 (fixed); 2 must be protected by hiding
    // another form, not by taking the total back.
    let mut p = Problem::new();
    let at = |r: &str| CellRef {
        table: "by_form".to_owned(),
        row: r.to_owned(),
        col: "2022".to_owned(),
    };
    let total = p
        .cell("victims|2022", 19, 0, Role::Fixed, at("total"))
        .unwrap();
    let forms: Vec<usize> = [
        ("sexual", 10),
        ("forced_labour", 2),
        ("forced_criminality", 7),
    ]
    .iter()
    .map(|&(f, v)| {
        p.cell(&format!("victims|2022|form={f}"), v, 1, Role::Free, at(f))
            .unwrap()
    })
    .collect();
    p.relate(total, forms.clone(), "form").unwrap();
    let protection = protect(&p, &Policy::default()).unwrap();
    assert_eq!(protection.status[total], Status::Published);
    assert!(protection.status[forms[1]].is_hidden());
    // The partner must be able to absorb 2 and reach 3: forced_criminality (7) is the
    // smallest that can.
    assert!(matches!(
        protection.status[forms[2]],
        Status::HiddenSecondary { .. }
    ));
    assert_eq!(protection.status[forms[0]], Status::Published);
}

#[test]
fn a_release_that_cannot_be_protected_is_refused_with_the_leaking_cell() {
    // The total (2) was published last year: no hiding can stop 2 from bounding its parts.
    let mut p = Problem::new();
    let at = |r: &str| CellRef {
        table: "by_gender".to_owned(),
        row: r.to_owned(),
        col: "count".to_owned(),
    };
    let total = p.cell("victims", 2, 0, Role::Fixed, at("total")).unwrap();
    let a = p
        .cell("victims|gender=female", 1, 1, Role::Free, at("female"))
        .unwrap();
    let b = p
        .cell("victims|gender=male", 1, 1, Role::Free, at("male"))
        .unwrap();
    p.relate(total, vec![a, b], "gender").unwrap();
    let err = protect(&p, &Policy::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("by_gender[female, count]"), "{msg}");
    assert!(msg.contains("by_gender[total, count] (2)"), "{msg}");
}

#[test]
fn a_group_all_in_one_form_is_hidden_by_the_homogeneity_rule() {
    let mut p = Problem::new();
    let grid = crossed(
        &mut p,
        "nat_form",
        "nationality",
        "form",
        &["NG", "RO", "UA"],
        &["sexual", "forced_labour", "forced_criminality"],
        &[vec![6, 0, 0], vec![8, 7, 9], vec![5, 6, 7]],
    );
    let policy = Policy::default();
    let status = primary(&p, &policy);
    assert!(
        matches!(&status[grid[0][0]], Status::HiddenHomogeneous { dimension, group }
            if dimension == "form" && group == "nat_form[NG, total]"),
        "{:?}",
        status[grid[0][0]]
    );
    // A mixed group is left alone.
    assert_eq!(status[grid[1][0]], Status::Published);
    let protection = protect(&p, &policy).unwrap();
    let iv = protection.audit.intervals[&grid[0][0]];
    assert!(
        iv.lo <= 1.0 + 1e-9,
        "the attacker must not be able to rule out that 5 of the 6 NG victims had another form: {iv}"
    );
    // Without the rule, nothing would be hidden.
    let lax = Policy {
        homogeneity_dimensions: vec![],
        ..Policy::default()
    };
    assert!(primary(&p, &lax).iter().all(|s| !s.is_hidden()));
}

#[test]
fn a_quantity_shown_twice_with_different_values_is_an_error() {
    let mut p = Problem::new();
    let at = |t: &str| CellRef {
        table: t.to_owned(),
        row: "total".to_owned(),
        col: "count".to_owned(),
    };
    p.cell("victims", 19, 0, Role::Free, at("a")).unwrap();
    let err = p.cell("victims", 18, 0, Role::Free, at("b")).unwrap_err();
    assert!(err.to_string().contains("contradicts"));
}
