//! Property: whatever the register, the protected release publishes only zeros and counts at
//! or above the threshold, and every hidden cell keeps an audit interval spanning
//! `[0, threshold]` against an attacker who sees all linked tables at once.

use proptest::prelude::*;
use spor_sdc::{Policy, Problem, Role, Status, protect};

const GENDERS: [&str; 3] = ["female", "male", "trans"];
const FORMS: [&str; 3] = ["sexual", "forced_labour", "forced_criminality"];
const NATIONS: [&str; 4] = ["NG", "RO", "UA", "VN"];

/// Builds the linked release of a synthetic register: gender × form, nationality × form and
/// the one-dimensional gender table, sharing form margins and the grand total.
fn release(persons: &[(usize, usize, usize)]) -> Problem {
    let mut p = Problem::new();
    let mut gf = vec![vec![0u64; FORMS.len()]; GENDERS.len()];
    let mut nf = vec![vec![0u64; FORMS.len()]; NATIONS.len()];
    for &(g, f, n) in persons {
        gf[g][f] += 1;
        nf[n][f] += 1;
    }
    let key = |row_dim: &'static str, col_dim: &'static str| {
        move |r: Option<&str>, c: Option<&str>| {
            let mut parts = vec!["victims".to_owned()];
            if let Some(r) = r {
                parts.push(format!("{row_dim}={r}"));
            }
            if let Some(c) = c {
                parts.push(format!("{col_dim}={c}"));
            }
            parts.sort();
            parts.join("|")
        }
    };
    p.crossed_table(
        "gender_form",
        "gender",
        "form",
        &GENDERS,
        &FORMS,
        &gf,
        &key("gender", "form"),
        2,
    )
    .unwrap();
    p.crossed_table(
        "nationality_form",
        "nationality",
        "form",
        &NATIONS,
        &FORMS,
        &nf,
        &key("nationality", "form"),
        2,
    )
    .unwrap();
    // The gender table repeats gender_form's row margins: same quantities, same status.
    for (g, name) in GENDERS.iter().enumerate() {
        let v = gf[g].iter().sum();
        p.cell(
            &key("gender", "form")(Some(name), None),
            v,
            1,
            Role::Free,
            spor_sdc::CellRef {
                table: "gender".to_owned(),
                row: (*name).to_owned(),
                col: "count".to_owned(),
            },
        )
        .unwrap();
    }
    p
}

fn persons() -> impl Strategy<Value = Vec<(usize, usize, usize)>> {
    prop::collection::vec((0..GENDERS.len(), 0..FORMS.len(), 0..NATIONS.len()), 0..45)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn protected_releases_publish_only_safe_counts_and_every_hidden_cell_spans_zero_to_threshold(
        register in persons(),
        strict in any::<bool>(),
    ) {
        let policy = if strict { Policy::strict() } else { Policy::default() };
        let p = release(&register);
        let protection = protect(&p, &policy).expect("a free release can always be protected");
        for (i, q) in p.quantities.iter().enumerate() {
            let t = policy.threshold(q.dims);
            if protection.status[i].is_hidden() {
                let iv = protection.audit.intervals[&i];
                match protection.status[i] {
                    // Sensitive cells: the attacker's interval contains [0, threshold].
                    Status::HiddenBelowThreshold { .. } => prop_assert!(
                        iv.lo <= 1e-6 && iv.hi >= t as f64 - 1e-6,
                        "{} = {} hidden with interval {} (needs [0, {}])", q.name(), q.value, iv, t),
                    // Partners: at least the threshold wide.
                    _ => prop_assert!(iv.hi - iv.lo >= t as f64 - 1e-6,
                        "{} = {} hidden with interval {} (needs width {})", q.name(), q.value, iv, t),
                }
            } else {
                prop_assert!(q.value == 0 || q.value >= t,
                    "{} = {} published below {}", q.name(), q.value, t);
            }
        }
        prop_assert!(protection.audit.passed());
        // Deterministic: the same register and policy give the same hidden cells.
        let again = protect(&p, &policy).unwrap();
        prop_assert_eq!(protection.status, again.status);
    }
}

fn hidden_sets() -> impl Strategy<Value = (Vec<(usize, usize, usize)>, Vec<bool>)> {
    persons().prop_flat_map(|register| {
        let n = release(&register).quantities.len();
        (Just(register), prop::collection::vec(any::<bool>(), n))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// The fast screen used between rounds of secondary suppression reaches the full
    /// audit's verdict on every hidden cell, whatever is hidden.
    #[test]
    fn the_screen_and_the_full_audit_find_the_same_leaks(
        (register, hidden) in hidden_sets(),
        strict in any::<bool>(),
    ) {
        let policy = if strict { Policy::strict() } else { Policy::default() };
        let p = release(&register);
        let reqs: Vec<spor_sdc::Requirement> = p
            .quantities
            .iter()
            .map(|q| spor_sdc::Requirement::Cover(policy.threshold(q.dims)))
            .collect();
        let full = spor_sdc::audit_with(&p, &hidden, &reqs);
        let fast = spor_sdc::screen(&p, &hidden, &reqs);
        let cells = |r: &spor_sdc::AuditReport| r.findings.iter().map(|f| f.quantity).collect::<Vec<_>>();
        prop_assert_eq!(cells(&full), cells(&fast));
        // Every hidden cell has its interval in the full audit, and it holds the true value.
        for (i, h) in hidden.iter().enumerate() {
            if *h {
                let iv = full.intervals[&i];
                let v = p.quantities[i].value as f64;
                prop_assert!(iv.lo <= v + 1e-6 && iv.hi >= v - 1e-6, "{} = {} outside {}", p.quantities[i].name(), v, iv);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// What `screen_from` takes for granted: a cell that meets its requirement keeps
    /// meeting it when more cells are hidden.
    #[test]
    fn hiding_more_never_exposes_a_cell_that_passed(
        (register, hidden) in hidden_sets(),
        more in prop::collection::vec(any::<bool>(), 64),
    ) {
        let policy = Policy::default();
        let p = release(&register);
        let reqs: Vec<spor_sdc::Requirement> = p
            .quantities
            .iter()
            .map(|q| spor_sdc::Requirement::Cover(policy.threshold(q.dims)))
            .collect();
        let before = spor_sdc::audit_with(&p, &hidden, &reqs);
        let wider: Vec<bool> = hidden
            .iter()
            .enumerate()
            .map(|(i, &h)| h || more.get(i).copied().unwrap_or(false))
            .collect();
        let after = spor_sdc::audit_with(&p, &wider, &reqs);
        let leaking = |r: &spor_sdc::AuditReport| r.findings.iter().map(|f| f.quantity).collect::<std::collections::BTreeSet<_>>();
        let (was, now) = (leaking(&before), leaking(&after));
        for (i, h) in hidden.iter().enumerate() {
            if *h && !was.contains(&i) {
                prop_assert!(!now.contains(&i), "{} passed, then leaked once more was hidden", p.quantities[i].name());
            }
        }
        // And the incremental screen agrees with the full audit of the wider release.
        let cleared: Vec<bool> = hidden.iter().enumerate().map(|(i, &h)| h && !was.contains(&i)).collect();
        let fast = spor_sdc::screen_from(&p, &wider, &reqs, &cleared);
        prop_assert_eq!(leaking(&fast), now);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// With `partners_cover_zero`, partners are held to the literal rule too: the
    /// exact interval of every hidden cell spans `[0, threshold]`.
    #[test]
    fn partners_held_to_cover_zero_span_zero_to_threshold(register in persons()) {
        let policy = Policy { partners_cover_zero: true, ..Policy::default() };
        let p = release(&register);
        let protection = protect(&p, &policy).expect("a free release can always be protected");
        prop_assert!(protection.audit.passed());
        let hidden = protection.hidden();
        let exact = spor_sdc::audit(&p, &hidden, &policy);
        prop_assert!(exact.passed(), "{:?}", exact.findings);
        for (i, q) in p.quantities.iter().enumerate() {
            if hidden[i] {
                let t = policy.threshold(q.dims) as f64;
                for iv in [exact.intervals[&i], protection.audit.intervals[&i]] {
                    prop_assert!(iv.lo <= 1e-6 && iv.hi >= t - 1e-6,
                        "{} = {} ({:?}) hidden with interval {} (needs [0, {}])",
                        q.name(), q.value, protection.status[i], iv, t);
                }
            }
        }
    }
}
