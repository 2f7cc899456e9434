//! The overview's facts: the numbers its sentences quote. Most are read off the evaluated
//! tables, so a sentence and its table can never disagree.

use indexmap::IndexMap;

use crate::defs::{Population, Pred};
use crate::engine::Ctx;
use crate::output::{Age, Facts, NationalityCount, Row, Table, TopEntry};

/// A percentage with one decimal, `None` when the whole is zero.
pub fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

/// Change from `before` to `now` in per cent, one decimal.
pub fn change_pct(before: Option<u64>, now: Option<u64>) -> Option<f64> {
    let (b, n) = (before?, now?);
    (b > 0).then(|| round1((n as f64 - b as f64) * 100.0 / b as f64))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn col(t: &Table, key: &str) -> Option<usize> {
    t.column_keys.iter().position(|k| k == key)
}

fn row<'t>(t: &'t Table, key: &str) -> Option<&'t Row> {
    t.rows.iter().find(|r| r.key == key)
}

/// A row's value in the year column `y`.
fn at(t: &Table, row_key: &str, y: i32) -> Option<u64> {
    let c = col(t, &y.to_string())?;
    row(t, row_key)?.values[c]
}

/// A one-column table's total.
fn total(t: &Table) -> Option<u64> {
    t.total.first().copied().flatten()
}

fn entry(r: &Row, whole: Option<u64>) -> TopEntry {
    let n = r.values.first().copied().flatten();
    TopEntry {
        key: r.key.clone(),
        label: r.label.clone(),
        count: n,
        share_pct: n.zip(whole).and_then(|(n, w)| pct(n, w)),
    }
}

pub(crate) fn facts(tables: &IndexMap<String, Table>, ctx: &Ctx<'_>) -> Facts {
    let y = ctx.year;
    let t = |id: &str| &tables[id];
    let mut f = Facts::default();

    // Victims over time.
    let by_year = t("victims_by_year");
    let victims = at(by_year, "victims", y);
    let previous = at(by_year, "victims", y - 1);
    f.victims = victims;
    f.victims_previous_year = previous;
    f.victims_change_pct = change_pct(previous, victims);
    f.victims_highest_since = victims.and_then(|v| {
        (ctx.first_victim_year..y)
            .rev()
            .find(|&e| at(by_year, "victims", e).is_some_and(|n| n > v))
    });
    // The period runs from the first year with a published or counted figure; a gap
    // after it makes the sum unknown rather than quietly too small.
    let values = &by_year.rows[0].values;
    let first_known = values.iter().position(Option::is_some);
    (f.victims_all_years, f.victims_first_year) = match first_known {
        Some(i) => (
            values[i..].iter().try_fold(0u64, |a, v| Some(a + (*v)?)),
            by_year.column_keys[i].parse::<i32>().ok(),
        ),
        None => (None, None),
    };

    // Person-level facts need the year's microdata.
    let micro = y >= ctx.complete_from(Population::Victims);
    let units = ctx.units.victims.of_year(y);
    let count =
        |filter: &[Pred]| micro.then(|| units.iter().filter(|u| u.passes(filter)).count() as u64);
    let ages: Vec<u64> = units.iter().filter_map(|u| u.age.map(u64::from)).collect();
    if micro && !ages.is_empty() {
        let sum: u64 = ages.iter().sum();
        f.age_min = ages.iter().min().copied().map(Age::Years);
        f.age_max = ages.iter().max().copied().map(Age::Years);
        f.age_mean = Some(round1(sum as f64 / ages.len() as f64));
    }
    f.age_known = micro.then_some(ages.len() as u64);
    f.age_unknown = micro.then_some((units.len() - ages.len()) as u64);
    let under25 = count(&[Pred::Under25]);
    let whole = |part: Option<u64>| part.zip(victims).and_then(|(p, v)| pct(p, v));
    f.under25 = under25;
    f.under25_share_pct = whole(under25);
    f.minors = count(&[Pred::Minor]);
    f.repeat_victims = total(t("repeat_victims_by_nationality"));

    // Gender (from the series so history years have it too).
    let genders = t("victims_by_gender_group_year");
    let gender = |g: &str| {
        let n = at(genders, g, y).or(if row(genders, g).is_none() && micro {
            Some(0)
        } else {
            None
        });
        (n, whole(n))
    };
    (f.victims_female, f.victims_female_share_pct) = gender("female");
    (f.victims_male, f.victims_male_share_pct) = gender("male");
    (f.victims_trans, f.victims_trans_share_pct) = gender("trans");
    (f.victims_other_unknown, f.victims_other_unknown_share_pct) = gender("other_unknown");

    // The largest category of a few tables, for "halvdelen er henvist af politiet".
    let top = |id: &str| {
        let tb = t(id);
        tb.rows.first().map(|r| entry(r, total(tb)))
    };
    f.top_referral = top("victims_by_referral");
    f.top_form = top("victims_by_form");

    // Nationalities.
    let nat = t("victims_by_nationality");
    let distinct = |tb: &Table| {
        total(tb).map(|_| {
            tb.rows
                .iter()
                .filter(|r| r.key != "UNKNOWN" && r.values[0].unwrap_or(0) > 0)
                .count() as u64
        })
    };
    f.nationalities = distinct(nat);
    f.top_nationalities = nat
        .rows
        .iter()
        .take(3)
        .map(|r| entry(r, total(nat)))
        .collect();
    let top2: Option<u64> = (nat.rows.len() >= 2)
        .then(|| {
            nat.rows[..2]
                .iter()
                .try_fold(0u64, |a, r| Some(a + r.values[0]?))
        })
        .flatten();
    f.top2_nationalities = top2;
    f.top2_nationalities_share_pct = whole(top2);

    // Prepared returns.
    let ret = t("returns_by_nationality");
    let returns = total(ret);
    let third = count(&[Pred::Returned, Pred::ReturnedToThirdCountry]);
    f.returns = returns;
    f.returns_share_pct = whole(returns);
    f.return_countries = distinct(ret);
    f.returns_to_third_country = third;
    f.returns_to_home_country = returns.zip(third).map(|(r, t)| r - t);
    // Per nationality, for "to nigerianske og fem ukrainske statsborgere er rejst til et
    // andet land end deres hjemland".
    let mut third_by_nat: Vec<(&str, u64)> = Vec::new();
    if micro {
        let mut m: IndexMap<&str, u64> = IndexMap::new();
        for u in units
            .iter()
            .filter(|u| u.passes(&[Pred::Returned, Pred::ReturnedToThirdCountry]))
        {
            *m.entry(u.nationality).or_insert(0) += 1;
        }
        third_by_nat = m.into_iter().collect();
        third_by_nat.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    }
    f.returns_to_third_country_by_nationality = third_by_nat
        .iter()
        .map(|&(k, n)| NationalityCount {
            key: k.to_owned(),
            label: ctx.codes.label_da(spor_core::ListId::Country, k).to_owned(),
            count: Some(n),
        })
        .collect();

    // Hotline.
    let hot = t("hotline_calls_by_year");
    let calls = at(hot, "calls", y);
    let calls_before = at(hot, "calls", y - 1);
    f.hotline_calls = calls;
    f.hotline_calls_previous_year = calls_before;
    f.hotline_calls_change_pct = change_pct(calls_before, calls);
    f.hotline_calls_concerning_possible_victims = at(hot, "concerning_possible_victims", y);

    // Assessed persons.
    let ass = t("assessed_persons_by_year");
    let assessed = at(ass, "assessed", y);
    let assessed_before = at(ass, "assessed", y - 1);
    f.assessed_persons = assessed;
    f.assessed_persons_previous_year = assessed_before;
    f.assessed_persons_change_pct = change_pct(assessed_before, assessed);
    let by_nat = t("assessed_persons_by_nationality");
    let identified = by_nat.total.get(1).copied().flatten();
    f.assessed_persons_identified = identified;
    f.assessed_persons_identified_share_pct = identified.zip(assessed).and_then(|(i, a)| pct(i, a));
    f
}
