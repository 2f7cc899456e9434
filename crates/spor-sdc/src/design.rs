//! Designing the public tables before hiding cells: small categories are merged, as
//! statistical offices do before they suppress anything.
//!
//! - **Forms**: forms of exploitation with fewer victims in the year than the crossed
//!   threshold are merged into "Øvrige former" wherever forms are crossed with something
//!   else (the gender × form tables' columns, the form level of the nested nationality
//!   table) and in the form table. The time series keep their categories (their earlier
//!   years are published as they were).
//! - **Genders**: genders below the crossed threshold are merged into "Øvrige køn" in the
//!   gender table, the gender × form tables and the nested nationality table.
//!
//! - **Referral actors and subtypes** with fewer victims than the one-dimensional threshold
//!   become one "Øvrige" row of their table.
//! - **Under 25 and under 18 × gender × form**: forms with fewer than the crossed threshold
//!   in the table become one "Øvrige former" column of it, genders with fewer than the
//!   crossed threshold per form column one "Øvrige køn" row.
//! - **The nested nationality table** (nationality × gender/age × form) is published without
//!   its form level; genders with fewer than the crossed threshold per nationality row on
//!   average become one "Øvrige køn" child of each row; [`design_with`] publishes it at a
//!   coarser [`Nested`] level (by gender alone, `GENDER/all`; by two gender groups, the
//!   largest gender and "Mænd og øvrige køn", with or without adult/minor), which
//!   [`crate::overview::protect_edition`] tries when the edition would hide more than 15 %
//!   of its cells.
//!
//! Which nationalities are merged is measured per edition too (see
//! [`crate::overview`]'s `nationality_plan`).
//!
//! A merged category's key is its members joined by `+` (`other+slavery_like+unresolved`),
//! so the model knows which persons it counts ([`crate::overview`] reads the key as a set).
//! Nationalities are merged by [`crate::recode`].

use spor_stats::defs::{Cols, Dim, Rows};
use spor_stats::{Report, Row, Table};

use crate::policy::Policy;

/// The nested nationality table.
const NESTED: &str = "victims_by_nationality_gender_age_form";

/// One merge of the design.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Merge {
    /// `form` or `gender`.
    pub dimension: String,
    /// Key of the merged category (its members joined by `+`).
    pub key: String,
    pub label_da: String,
    /// What it contains, in Danish, by definition.
    pub contains_da: String,
    /// The tables it was applied to.
    pub tables: Vec<String>,
}

/// Is this row key a merged category (of the design or of the nationality recode)?
pub fn is_merged_key(key: &str) -> bool {
    let head = key.split('/').next().unwrap_or(key);
    head == "other"
        || head.starts_with("region:")
        || head.starts_with("continent:")
        || head.contains('+')
}

/// The categories of a one-dimensional table with fewer than `threshold` persons (and
/// some), when there are at least two of them and they are not all but one category. The
/// group may itself stay below the threshold: then it is one hidden cell in place of several.
fn small_group(t: &Table, threshold: u64) -> Option<Vec<(String, u64)>> {
    let rows: Vec<(String, u64)> = t
        .rows
        .iter()
        .filter(|r| r.key != "UNKNOWN")
        .map(|r| {
            (
                r.key.clone(),
                r.values.first().copied().flatten().unwrap_or(0),
            )
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    let mut small: Vec<(String, u64)> = rows
        .iter()
        .filter(|(_, v)| *v < threshold)
        .cloned()
        .collect();
    small.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    (small.len() >= 2 && small.len() + 1 < rows.len()).then_some(small)
}

fn join(members: &[String]) -> String {
    let mut m = members.to_vec();
    m.sort();
    m.join("+")
}

/// How the nested nationality table (nationality → gender/adult-minor) is published; the
/// coarser levels are tried by [`crate::overview::protect_edition`] when an edition would
/// hide more than 15 % of its cells, and the one hiding the smallest share is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nested {
    /// Each nationality by gender and adult/minor (genders small in the table merged).
    #[default]
    GenderAge,
    /// Each nationality by gender alone (`GENDER/all`).
    Gender,
    /// Each nationality by its two gender groups (the largest gender of the table, and
    /// every other gender as one group), and adult/minor.
    TwoGendersAge,
    /// Each nationality by its two gender groups alone.
    TwoGenders,
}

impl Nested {
    /// Every level, finest first.
    pub const ALL: [Nested; 4] = [
        Nested::GenderAge,
        Nested::Gender,
        Nested::TwoGendersAge,
        Nested::TwoGenders,
    ];

    fn by_gender_alone(self) -> bool {
        matches!(self, Nested::Gender | Nested::TwoGenders)
    }

    fn two_genders(self) -> bool {
        matches!(self, Nested::TwoGendersAge | Nested::TwoGenders)
    }
}

/// Merges small forms and genders in the tables that cross them (see the module docs).
pub fn design(report: &mut Report, policy: &Policy) -> Vec<Merge> {
    design_with(report, policy, Nested::default())
}

/// [`design`] with the nested nationality table published at the level `nested`.
pub fn design_with(report: &mut Report, policy: &Policy, nested: Nested) -> Vec<Merge> {
    let t2 = policy.threshold(2);
    let mut merges = Vec::new();
    for (dim, table, label, contains) in [
        (
            "form",
            "victims_by_form",
            "Øvrige former",
            "udnyttelsesformer med under {t} personer i året",
        ),
        (
            "gender",
            "victims_by_gender",
            "Øvrige køn",
            "køn med under {t} personer i året",
        ),
    ] {
        let Some(group) = report.tables.get(table).and_then(|t| small_group(t, t2)) else {
            continue;
        };
        let members: Vec<String> = group.into_iter().map(|(k, _)| k).collect();
        let key = join(&members);
        let mut tables = Vec::new();
        for (id, t) in report.tables.iter_mut() {
            let Some(def) = spor_stats::defs::table(id) else {
                continue;
            };
            if matches!(def.cols, Cols::Years(_)) {
                // Series keep their categories: their earlier years are already out.
                continue;
            }
            let matches_dim = |d: Dim| match dim {
                "form" => d == Dim::Form,
                _ => matches!(d, Dim::Gender | Dim::GenderAge),
            };
            let mut changed = false;
            if let Rows::Dims { levels, .. } = def.rows {
                for (depth, d) in levels.iter().enumerate() {
                    if matches_dim(*d) {
                        changed |= merge_rows_at(&mut t.rows, depth, &members, &key, label);
                    }
                }
            }
            if let Cols::Dim(d) = def.cols
                && matches_dim(d)
            {
                changed |= merge_columns(t, &members, &key, label);
            }
            if changed {
                tables.push(id.clone());
            }
        }
        merges.push(Merge {
            dimension: dim.to_owned(),
            key,
            label_da: label.to_owned(),
            contains_da: contains.replace("{t}", &t2.to_string()),
            tables,
        });
    }
    // One-dimensional tables of few persons each: the small rows become one "Øvrige" row.
    let t1 = policy.threshold(1);
    for (id, label) in [
        ("victims_by_referral", "Øvrige aktører"),
        ("forced_labour_by_subtype", "Øvrige brancher"),
        ("forced_criminality_by_subtype", "Øvrige typer"),
    ] {
        let Some(t) = report.tables.get_mut(id) else {
            continue;
        };
        let Some(group) = small_group(t, t1) else {
            continue;
        };
        let members: Vec<String> = group.into_iter().map(|(k, _)| k).collect();
        let key = join(&members);
        if merge_rows_at(&mut t.rows, 0, &members, &key, label) {
            merges.push(Merge {
                dimension: id.to_owned(),
                key,
                label_da: label.to_owned(),
                contains_da: format!("kategorier med under {t1} personer i året"),
                tables: vec![id.to_owned()],
            });
        }
    }
    // Genders crossed with form for a small population (victims under 25, under 18): the
    // genders with fewer persons in the table than the crossed threshold per form column
    // become one "Øvrige køn" row of it (its key the set of genders), as the gender table
    // merges those below the threshold in all.
    for id in ["under25_by_gender_form", "minors_by_gender_form"] {
        let Some(t) = report.tables.get_mut(id) else {
            continue;
        };
        let cols = t
            .total
            .iter()
            .filter(|v| v.is_some_and(|v| v > 0))
            .count()
            .max(1) as u64;
        let total = |r: &Row| r.values.iter().flatten().sum::<u64>();
        let small: Vec<String> = t
            .rows
            .iter()
            .filter(|r| (1..t2 * cols).contains(&total(r)))
            .map(|r| r.key.clone())
            .collect();
        if small.len() < 2 || small.len() == t.rows.len() {
            continue;
        }
        let members: Vec<String> = small
            .iter()
            .flat_map(|g| g.split('+').map(str::to_owned))
            .collect();
        let key = join(&members);
        if merge_rows_at(&mut t.rows, 0, &small, &key, "Øvrige køn") {
            merges.push(Merge {
                dimension: "gender".to_owned(),
                key,
                label_da: "Øvrige køn".to_owned(),
                contains_da: format!(
                    "køn med under {t2} personer pr. udnyttelsesform i tabellens population"
                ),
                tables: vec![id.to_owned()],
            });
        }
    }
    // Forms crossed with gender for a small population (victims under 25, under 18): the
    // forms with fewer than the crossed threshold in that table become one "Øvrige former"
    // column of it (its key the set of forms it holds), as the form table does for all.
    for id in [
        "victims_by_gender_form",
        "under25_by_gender_form",
        "minors_by_gender_form",
    ] {
        let Some(t) = report.tables.get_mut(id) else {
            continue;
        };
        let small: Vec<usize> = (0..t.column_keys.len())
            .filter(|&c| {
                t.total
                    .get(c)
                    .copied()
                    .flatten()
                    .is_some_and(|v| v > 0 && v < t2)
            })
            .collect();
        if small.len() < 2 {
            continue;
        }
        let members: Vec<String> = small
            .iter()
            .flat_map(|&c| t.column_keys[c].split('+').map(str::to_owned))
            .collect();
        let old: Vec<String> = small.iter().map(|&c| t.column_keys[c].clone()).collect();
        let key = join(&members);
        if merge_columns(t, &old, &key, "Øvrige former") {
            merges.push(Merge {
                dimension: "form".to_owned(),
                key,
                label_da: "Øvrige former".to_owned(),
                contains_da: format!(
                    "udnyttelsesformer med under {t2} personer i tabellens population"
                ),
                tables: vec![id.to_owned()],
            });
        }
    }
    // The nested nationality table at a coarser level: nationality × gender and adult/minor,
    // without the form of exploitation (four dimensions crossed leave cells of one or two
    // persons in all but the largest nationalities; the form is in the gender × form tables).
    if let Some(t) = report.tables.get_mut(NESTED) {
        let mut dropped = false;
        for r in &mut t.rows {
            for c in &mut r.children {
                dropped |= !c.children.is_empty();
                c.children.clear();
            }
        }
        // Genders with fewer victims in the table than the crossed threshold per
        // nationality row: one "Øvrige køn" child per row (its key the set of genders).
        let mut per_gender: std::collections::BTreeMap<String, u64> = Default::default();
        for r in &t.rows {
            for c in &r.children {
                let head = split_key(&c.key).0.to_owned();
                *per_gender.entry(head).or_default() +=
                    c.values.first().copied().flatten().unwrap_or(0);
            }
        }
        let rows = t.rows.len() as u64;
        let small: Vec<String> = per_gender
            .iter()
            .filter(|&(_, &n)| n > 0 && n < t2 * rows)
            .map(|(g, _)| g.clone())
            .collect();
        if small.len() >= 2 && small.len() < per_gender.len() {
            let members: Vec<String> = small
                .iter()
                .flat_map(|g| g.split('+').map(str::to_owned))
                .collect();
            let key = join(&members);
            if merge_rows_at(&mut t.rows, 1, &small, &key, "Øvrige køn") {
                merges.push(Merge {
                    dimension: "gender".to_owned(),
                    key,
                    label_da: "Øvrige køn".to_owned(),
                    contains_da: format!(
                        "køn med under {t2} personer pr. nationalitet i gennemsnit"
                    ),
                    tables: vec![NESTED.to_owned()],
                });
            }
        }
        // Two gender groups: the largest gender of the table and every other one.
        if nested.two_genders() {
            two_genders(t, &mut merges);
        }
        // Gender alone instead of gender and adult/minor.
        if nested.by_gender_alone() {
            t.rows = gender_only(&t.rows);
            merges.push(Merge {
                dimension: "age".to_owned(),
                key: "all".to_owned(),
                label_da: "Alle aldre".to_owned(),
                contains_da: "alderen vises ikke i den offentlige udgave af denne tabel".to_owned(),
                tables: vec![NESTED.to_owned()],
            });
        }
        if dropped {
            merges.push(Merge {
                dimension: "form".to_owned(),
                key: "*".to_owned(),
                label_da: "Alle udnyttelsesformer".to_owned(),
                contains_da: "udnyttelsesformen vises ikke i den offentlige udgave af denne tabel"
                    .to_owned(),
                tables: vec![NESTED.to_owned()],
            });
        }
    }
    merges
}

/// The nested table's children in two gender groups: the largest gender of the table keeps
/// its own children, every other gender (and "Øvrige køn") becomes one group per row (its
/// key the set of genders it holds).
fn two_genders(t: &mut Table, merges: &mut Vec<Merge>) {
    let mut per_gender: std::collections::BTreeMap<String, u64> = Default::default();
    for r in &t.rows {
        for c in &r.children {
            *per_gender
                .entry(split_key(&c.key).0.to_owned())
                .or_default() += c.values.first().copied().flatten().unwrap_or(0);
        }
    }
    let Some(largest) = per_gender
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(g, _)| g.clone())
    else {
        return;
    };
    let rest: Vec<String> = per_gender
        .keys()
        .filter(|g| **g != largest)
        .cloned()
        .collect();
    if rest.len() < 2 {
        return;
    }
    let members: Vec<String> = rest
        .iter()
        .flat_map(|g| g.split('+').map(str::to_owned))
        .collect();
    let key = join(&members);
    let label = if members.iter().any(|m| m == "male") {
        "Mænd og øvrige køn"
    } else if members.iter().any(|m| m == "female") {
        "Kvinder og øvrige køn"
    } else {
        "Øvrige køn"
    };
    // The merged groups of the earlier step are replaced by the larger one.
    merges.retain(|m| !(m.dimension == "gender" && m.tables == [NESTED]));
    if merge_rows_at(&mut t.rows, 1, &rest, &key, label) {
        merges.push(Merge {
            dimension: "gender".to_owned(),
            key,
            label_da: label.to_owned(),
            contains_da: format!(
                "alle køn undtagen det største i tabellen ({})",
                gender_label_da(&largest)
            ),
            tables: vec![NESTED.to_owned()],
        });
    }
}

fn gender_label_da(code: &str) -> &str {
    match code {
        "female" => "kvinder",
        "male" => "mænd",
        other => other,
    }
}

/// The nested table's rows with their gender/age children summed by gender (`GENDER/all`).
fn gender_only(rows: &[Row]) -> Vec<Row> {
    rows.iter()
        .map(|r| {
            let mut children: Vec<Row> = Vec::new();
            for c in &r.children {
                let head = split_key(&c.key).0;
                let key = format!("{head}/all");
                match children.iter_mut().find(|x| x.key == key) {
                    Some(x) => {
                        for (a, b) in x.values.iter_mut().zip(&c.values) {
                            *a = a.zip(*b).map(|(x, y)| x + y);
                        }
                    }
                    None => children.push(Row {
                        key,
                        label: c
                            .label
                            .split_once(", ")
                            .map_or_else(|| c.label.clone(), |(g, _)| g.to_owned()),
                        values: c.values.clone(),
                        children: Vec::new(),
                    }),
                }
            }
            children.sort_by_key(|c| {
                std::cmp::Reverse(c.values.first().copied().flatten().unwrap_or(0))
            });
            Row {
                children,
                ..r.clone()
            }
        })
        .collect()
}

/// The member a row key names at a level: the whole key, or the gender of `gender/age`.
fn split_key(key: &str) -> (&str, Option<&str>) {
    match key.split_once('/') {
        Some((g, rest)) => (g, Some(rest)),
        None => (key, None),
    }
}

fn merge_rows_at(
    rows: &mut Vec<Row>,
    depth: usize,
    members: &[String],
    key: &str,
    label: &str,
) -> bool {
    if depth > 0 {
        let mut changed = false;
        for r in rows.iter_mut() {
            changed |= merge_rows_at(&mut r.children, depth - 1, members, key, label);
        }
        return changed;
    }
    let mut kept: Vec<Row> = Vec::new();
    let mut merged: Vec<Row> = Vec::new();
    let mut changed = false;
    for row in std::mem::take(rows) {
        let (head, rest) = split_key(&row.key);
        if !members.iter().any(|m| m == head) {
            kept.push(row);
            continue;
        }
        changed = true;
        let to = match rest {
            Some(rest) => format!("{key}/{rest}"),
            None => key.to_owned(),
        };
        let to_label = match rest {
            // "Kvinder, voksne" style labels keep their second half.
            Some(_) => match row.label.split_once(", ") {
                Some((_, tail)) => format!("{label}, {tail}"),
                None => label.to_owned(),
            },
            None => label.to_owned(),
        };
        match merged.iter_mut().find(|m| m.key == to) {
            Some(m) => merge_row(m, row),
            None => merged.push(Row {
                key: to,
                label: to_label,
                values: row.values.clone(),
                children: row.children,
            }),
        }
    }
    kept.extend(merged);
    *rows = kept;
    changed
}

fn merge_row(into: &mut Row, from: Row) {
    for (a, b) in into.values.iter_mut().zip(&from.values) {
        *a = a.zip(*b).map(|(x, y)| x + y);
    }
    for child in from.children {
        match into.children.iter_mut().find(|c| c.key == child.key) {
            Some(c) => merge_row(c, child),
            None => into.children.push(child),
        }
    }
    into.children
        .sort_by_key(|c| std::cmp::Reverse(c.values.iter().map(|v| v.unwrap_or(0)).sum::<u64>()));
}

fn merge_columns(t: &mut Table, members: &[String], key: &str, label: &str) -> bool {
    let cols: Vec<usize> = (0..t.column_keys.len())
        .filter(|&c| members.iter().any(|m| *m == t.column_keys[c]))
        .collect();
    if cols.is_empty() {
        return false;
    }
    let keep: Vec<usize> = (0..t.column_keys.len())
        .filter(|c| !cols.contains(c))
        .collect();
    let fold = |values: &[Option<u64>]| -> Vec<Option<u64>> {
        let mut out: Vec<Option<u64>> = keep.iter().map(|&c| values[c]).collect();
        out.push(
            cols.iter()
                .try_fold(0u64, |a, &c| Some(a + values.get(c).copied().flatten()?)),
        );
        out
    };
    type Fold<'f> = dyn Fn(&[Option<u64>]) -> Vec<Option<u64>> + 'f;
    fn walk(rows: &mut [Row], fold: &Fold<'_>) {
        for r in rows {
            r.values = fold(&r.values);
            walk(&mut r.children, fold);
        }
    }
    walk(&mut t.rows, &fold);
    t.total = fold(&t.total);
    let mut keys: Vec<String> = keep.iter().map(|&c| t.column_keys[c].clone()).collect();
    keys.push(key.to_owned());
    let mut labels: Vec<String> = keep.iter().map(|&c| t.columns[c].clone()).collect();
    labels.push(label.to_owned());
    t.column_keys = keys;
    t.columns = labels;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::row;

    #[test]
    fn categories_below_the_threshold_are_merged_into_one() {
        let t = Table {
            title: "t".to_owned(),
            columns: vec!["Antal".to_owned()],
            column_keys: vec!["count".to_owned()],
            rows: vec![
                row("sexual", 40),
                row("forced_labour", 20),
                row("slavery_like", 2),
                row("other", 1),
            ],
            total: vec![Some(63)],
            suppressed: Vec::new(),
        };
        let g = small_group(&t, 5).unwrap();
        let keys: Vec<&str> = g.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["other", "slavery_like"]);
        let mut rows = t.rows.clone();
        assert!(merge_rows_at(
            &mut rows,
            0,
            &["other".to_owned(), "slavery_like".to_owned()],
            "other+slavery_like",
            "Øvrige former"
        ));
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].key, "other+slavery_like");
        assert_eq!(rows[2].values, [Some(3)]);
    }

    #[test]
    fn the_nested_table_in_two_gender_groups_keeps_the_largest_gender_and_merges_the_rest() {
        let nat = |key: &str, children: Vec<Row>| Row {
            values: vec![Some(children.iter().map(|c| c.values[0].unwrap()).sum())],
            children,
            ..row(key, 0)
        };
        let mut t = Table {
            title: "t".to_owned(),
            columns: vec!["Antal".to_owned()],
            column_keys: vec!["count".to_owned()],
            rows: vec![
                nat(
                    "NG",
                    vec![
                        row("female/adult", 12),
                        Row {
                            label: "Mænd, voksne".to_owned(),
                            ..row("male/adult", 4)
                        },
                        row("other+unknown/adult", 1),
                    ],
                ),
                nat("RO", vec![row("female/adult", 3), row("male/adult", 6)]),
            ],
            total: vec![Some(26)],
            suppressed: Vec::new(),
        };
        let mut merges = vec![Merge {
            dimension: "gender".to_owned(),
            key: "other+unknown".to_owned(),
            label_da: "Øvrige køn".to_owned(),
            contains_da: String::new(),
            tables: vec![NESTED.to_owned()],
        }];
        two_genders(&mut t, &mut merges);
        let keys = |r: &Row| -> Vec<(String, Option<u64>)> {
            r.children
                .iter()
                .map(|c| (c.key.clone(), c.values[0]))
                .collect()
        };
        let merged = "male+other+unknown/adult".to_owned();
        assert_eq!(
            keys(&t.rows[0]),
            [
                ("female/adult".to_owned(), Some(12)),
                (merged.clone(), Some(5))
            ]
        );
        assert_eq!(
            keys(&t.rows[1]),
            [("female/adult".to_owned(), Some(3)), (merged, Some(6))]
        );
        assert_eq!(t.rows[0].children[1].label, "Mænd og øvrige køn, voksne");
        // The group replaces the smaller one in the manifest.
        assert_eq!(merges.len(), 1);
        assert_eq!(merges[0].key, "male+other+unknown");
    }
}
