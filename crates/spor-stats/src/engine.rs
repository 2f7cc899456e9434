//! The one engine: evaluates any [`TableDef`] over the units of the register.
//!
//! A table is counted in one pass over the units of the years it needs: each unit adds one
//! to the cell of every row path (each nesting prefix) and column it falls in. Years before
//! a series' first complete microdata year take their values from the history instead.

use std::collections::HashMap;

use spor_core::exchange::Source;
use spor_core::{CodeBook, Form, FormGroup, Gender, GenderGroup, ListId, Mappings, Series};

use crate::collate::danish_key;
use crate::defs::{Categories, Cols, Dim, Measure, Order, Rows, TableDef, TotalRule, YearSpan};
use crate::fxhash::FxMap;
use crate::output::{Row, Table};
use crate::units::{History, Unit, Units};

/// Adult, minor or age unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum AgeBand {
    Adult,
    Minor,
    Unknown,
}

impl AgeBand {
    fn of(age: Option<u8>) -> Self {
        match age {
            Some(a) if a < 18 => AgeBand::Minor,
            Some(_) => AgeBand::Adult,
            None => AgeBand::Unknown,
        }
    }
    pub(crate) fn code(self) -> &'static str {
        match self {
            AgeBand::Adult => "adult",
            AgeBand::Minor => "minor",
            AgeBand::Unknown => "age_unknown",
        }
    }
    fn label(self) -> &'static str {
        match self {
            AgeBand::Adult => "over 18",
            AgeBand::Minor => "under 18",
            AgeBand::Unknown => "alder ukendt",
        }
    }
}

/// A category of a row or column, without allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key<'a> {
    /// Padding of unused nesting levels.
    Nil,
    /// No value recorded (`unspecified`, "Ikke oplyst").
    Unspecified,
    Str(&'a str),
    Year(i32),
    GenderAge(Gender, AgeBand),
    Month(u8),
    Count,
}

/// Hashes a text by its length and first eight bytes only: consistent with `Eq`, and
/// enough to tell codes apart (the engine hashes a key per unit per table, so this is hot).
impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            Key::Nil => h.write_u8(0),
            Key::Unspecified => h.write_u8(1),
            Key::Str(s) => {
                // Built without a variable-length copy (a `memcpy` call per hash).
                let b = s.as_bytes();
                let w = match b.first_chunk::<8>() {
                    Some(w) => u64::from_le_bytes(*w),
                    None => b
                        .iter()
                        .enumerate()
                        .fold(0, |w, (i, &x)| w | u64::from(x) << (8 * i)),
                };
                h.write_u64(w ^ ((b.len() as u64) << 56));
            }
            Key::Year(y) => h.write_u64(0x100 | (*y as u32 as u64) << 16),
            Key::GenderAge(g, a) => h.write_u64(0x200 | (*g as u64) << 16 | (*a as u64) << 24),
            Key::Month(m) => h.write_u64(0x300 | u64::from(*m) << 16),
            Key::Count => h.write_u8(3),
        }
    }
}

impl Key<'_> {
    pub fn code(&self) -> String {
        match self {
            Key::Nil => String::new(),
            Key::Unspecified => "unspecified".into(),
            Key::Str(s) => (*s).to_string(),
            Key::Year(y) => y.to_string(),
            Key::GenderAge(g, a) => format!("{}/{}", g.code(), a.code()),
            Key::Month(m) => format!("{m:02}"),
            Key::Count => "count".into(),
        }
    }
}

const MAX_DEPTH: usize = 3;
type Path<'a> = [Key<'a>; MAX_DEPTH];

impl Dim {
    pub(crate) fn key<'a>(self, u: &Unit<'a>, maps: &'a Mappings) -> Key<'a> {
        let s = |v: Option<&'a str>| v.map(Key::Str).unwrap_or(Key::Unspecified);
        match self {
            Dim::ReferralActor => s(u.referral),
            Dim::Form => s(u.form.map(Form::code)),
            Dim::FormGroup => s(u.form.map(|f| f.group().code())),
            Dim::Subtype(_) => s(u.subtype),
            Dim::Gender => Key::Str(u.gender.code()),
            Dim::GenderGroup => Key::Str(u.gender.group().code()),
            Dim::GenderAge => Key::GenderAge(u.gender, AgeBand::of(u.age)),
            Dim::Nationality => Key::Str(u.nationality),
            Dim::Authority => s(u.authority.map(|a| a.code())),
            Dim::Month => Key::Month(u.month),
            Dim::AgeBand => Key::Str(AgeBand::of(u.age).code()),
            Dim::Citizenship => Key::Str(maps.citizenship(u.nationality, u.year)),
            Dim::Mapped(id) => {
                let Some(map) = maps.map(id) else {
                    return Key::Unspecified;
                };
                let to = match map.source {
                    Source::Gender => map.category(u.gender.code()),
                    Source::Form => u.form.and_then(|f| map.category(f.code())),
                    Source::Authority => u.authority.and_then(|a| map.category(a.code())),
                    Source::AgeBand => map.category(AgeBand::of(u.age).code()),
                    Source::Citizenship => map.category(maps.citizenship(u.nationality, u.year)),
                    Source::GenderAge => map.category(&format!(
                        "{}/{}",
                        u.gender.code(),
                        AgeBand::of(u.age).code()
                    )),
                };
                to.map(Key::Str).unwrap_or(Key::Unspecified)
            }
        }
    }

    /// Every category of the dimension in its own order: the code list's, or the months.
    fn all_keys<'a>(self, codes: &'a CodeBook, maps: &'a Mappings) -> Vec<Key<'a>> {
        match self {
            Dim::Month => return (1..=12).map(Key::Month).collect(),
            Dim::AgeBand => return spor_core::exchange::AGE_BANDS.map(Key::Str).to_vec(),
            Dim::Citizenship => {
                return spor_core::exchange::CITIZENSHIPS.map(Key::Str).to_vec();
            }
            Dim::Mapped(id) => {
                return maps.map(id).map_or_else(Vec::new, |m| {
                    m.categories
                        .iter()
                        .map(|c| Key::Str(c.code.as_str()))
                        .collect()
                });
            }
            _ => {}
        }
        self.list()
            .map(|l| {
                codes
                    .list(l)
                    .iter()
                    .map(|e| Key::Str(e.code.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The code list of the dimension's values (labels, `All` categories).
    fn list(self) -> Option<ListId> {
        match self {
            Dim::ReferralActor => Some(ListId::ReferralActor),
            Dim::Form => Some(ListId::ExploitationForm),
            Dim::FormGroup => Some(ListId::FormGroup),
            Dim::Subtype(f) => CodeBook::subtype_list(f),
            Dim::Gender => Some(ListId::Gender),
            Dim::GenderGroup => Some(ListId::GenderGroup),
            Dim::GenderAge => None,
            Dim::Nationality => Some(ListId::Country),
            Dim::Authority => Some(ListId::Authority),
            Dim::Month | Dim::AgeBand | Dim::Citizenship | Dim::Mapped(_) => None,
        }
    }

    /// Where history may name a coarser category (a form group in the form series).
    fn fallback_list(self) -> Option<ListId> {
        match self {
            Dim::Form => Some(ListId::FormGroup),
            Dim::Gender => Some(ListId::GenderGroup),
            _ => None,
        }
    }

    /// The history series split by this dimension.
    fn history_series(self) -> Option<Series> {
        match self {
            Dim::Form | Dim::FormGroup => Some(Series::VictimsByForm),
            Dim::Gender | Dim::GenderGroup => Some(Series::VictimsByGender),
            Dim::Nationality => Some(Series::VictimsByNationality),
            _ => None,
        }
    }

    /// This dimension's key for a history category.
    fn history_key(self, category: &str) -> Option<Key<'_>> {
        Some(Key::Str(match self {
            Dim::FormGroup => Form::parse(category)
                .map(Form::group)
                .or_else(|| FormGroup::parse(category))?
                .code(),
            Dim::Form => Form::parse(category)
                .map(Form::code)
                .or_else(|| FormGroup::parse(category).map(FormGroup::code))?,
            Dim::GenderGroup => GenderGroup::parse(category)
                .or_else(|| Gender::parse(category).map(Gender::group))?
                .code(),
            Dim::Gender => Gender::parse(category)
                .map(Gender::code)
                .or_else(|| GenderGroup::parse(category).map(GenderGroup::code))?,
            Dim::Nationality => category,
            _ => return None,
        }))
    }

    pub(crate) fn label(self, key: &Key<'_>, codes: &CodeBook, maps: &Mappings) -> String {
        if let (Dim::Mapped(id), Key::Str(s)) = (self, key)
            && let Some(c) = maps.map(id).and_then(|m| m.get(s))
        {
            return c.da.clone();
        }
        match key {
            Key::Unspecified => "Ikke oplyst".into(),
            Key::GenderAge(g, a) => format!(
                "{} / {}",
                codes.label_da(ListId::Gender, g.code()),
                a.label()
            ),
            Key::Month(m) => MONTHS_DA
                .get(usize::from(*m).wrapping_sub(1))
                .map_or_else(|| m.to_string(), |n| (*n).to_string()),
            Key::Str(s) => {
                let lists = self.list().into_iter().chain(self.fallback_list());
                for l in lists {
                    if let Some(e) = codes.get(l, s) {
                        return e.da.clone();
                    }
                }
                (*s).to_string()
            }
            other => other.code(),
        }
    }
}

/// The months in Danish, lower case ("januar"), as a month's row label and in dates.
pub const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// What the engine needs besides the definition.
pub(crate) struct Ctx<'a> {
    pub year: i32,
    pub codes: &'a CodeBook,
    /// The exchanges' mappings, the reporting country and the EU's members.
    pub maps: &'a Mappings,
    pub units: Units<'a>,
    pub history: History<'a>,
    pub microdata_from: Option<i32>,
    /// First year of the victims series (history or microdata).
    pub first_victim_year: i32,
    /// Count only units dated on or before this month and day of their year (a year to
    /// date, and the years before it to the same date); `None`: whole years.
    pub until: Option<(u8, u8)>,
}

impl Ctx<'_> {
    /// First year whose figures come from microdata (`i32::MAX`: history only).
    pub fn complete_from(&self, p: crate::defs::Population) -> i32 {
        self.microdata_from
            .or_else(|| self.units.of(p).first_year())
            .unwrap_or(i32::MAX)
    }
}

/// A resolved column.
struct Col<'a> {
    key: Key<'a>,
    label: String,
    /// The year the column belongs to.
    year: i32,
    /// Whether its values come from microdata.
    micro: bool,
}

fn pass_measures<'m>(
    ms: &'m [Measure],
    u: &'m Unit<'_>,
) -> impl Iterator<Item = &'static str> + 'm {
    ms.iter().filter(|m| u.passes(m.filter)).map(|m| m.key)
}

/// History values of a single-dimension split, per row key; `None` when the series has
/// nothing for the year. A category published as not known makes its row not known.
fn history_split<'a>(
    dim: Dim,
    h: &History<'a>,
    year: i32,
) -> Option<HashMap<Key<'a>, Option<u64>>> {
    let series = dim.history_series()?;
    let rows = h.rows(series, year);
    if rows.is_empty() {
        return None;
    }
    let mut out: HashMap<Key<'a>, Option<u64>> = HashMap::new();
    for r in rows {
        let Some(cat) = r.category.as_deref() else {
            continue;
        };
        let Some(k) = dim.history_key(cat) else {
            continue;
        };
        let v = out.entry(k).or_insert(Some(0));
        *v = match (*v, r.count) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }
    Some(out)
}

/// The cells unit `u` counts in for table `def`: `each(path, column)` for every row path
/// (each nesting prefix, padded with `Nil`) and every column it falls in.
#[inline]
fn cells_of<'a>(
    def: &TableDef,
    u: &Unit<'a>,
    maps: &'a Mappings,
    mut each: impl FnMut(Path<'a>, Key<'a>),
) {
    let mut col_keys: [Key<'a>; 4] = [Key::Nil; 4];
    let mut ncols = 0;
    match def.cols {
        Cols::Count => {
            col_keys[0] = Key::Count;
            ncols = 1;
        }
        Cols::Years(_) => {
            col_keys[0] = Key::Year(u.year);
            ncols = 1;
        }
        Cols::Dim(d) => {
            col_keys[0] = d.key(u, maps);
            ncols = 1;
        }
        Cols::Measures(ms) => {
            for k in pass_measures(ms, u).take(4) {
                col_keys[ncols] = Key::Str(k);
                ncols += 1;
            }
        }
    }
    let mut add = |path: Path<'a>| {
        for c in &col_keys[..ncols] {
            each(path, *c);
        }
    };
    match def.rows {
        Rows::Measures(ms) => {
            for k in pass_measures(ms, u) {
                add([Key::Str(k), Key::Nil, Key::Nil]);
            }
        }
        Rows::Dims { levels, .. } => {
            let mut path = [Key::Nil; MAX_DEPTH];
            for (i, d) in levels.iter().enumerate().take(MAX_DEPTH) {
                path[i] = d.key(u, maps);
                add(path);
            }
        }
    }
}

/// Why the records of a cell cannot be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("the overview has no table {0:?}")]
    UnknownTable(String),
    #[error("the column {column:?} is not a column of table {table:?} for {year}")]
    UnknownColumn {
        table: String,
        column: String,
        year: i32,
    },
    #[error("the row {row:?} is not a row of table {table:?} for {year}")]
    UnknownRow {
        table: String,
        row: String,
        year: i32,
    },
    #[error(
        "the figures of {year} come from the published history (history.csv), not from records"
    )]
    FromHistory { year: i32 },
    #[error("the total of table {0:?} adds up rows that overlap: choose one of its rows")]
    SumOfMeasures(String),
    #[error(
        "a row of table {table:?} is named by at most {depth} keys (one per level), not {given}"
    )]
    TooDeep {
        table: String,
        depth: usize,
        given: usize,
    },
}

/// The records counted in one cell of `def`: the cell's row given by its keys from the top
/// level down (none: the total row), its column by its key. Each record as its position
/// in reference order among the records of the table's population.
pub(crate) fn trace_cell(
    def: &TableDef,
    ctx: &Ctx<'_>,
    row: &[&str],
    column: &str,
) -> Result<Vec<u32>, TraceError> {
    let y = ctx.year;
    let unknown_column = || TraceError::UnknownColumn {
        table: def.id.to_string(),
        column: column.to_string(),
        year: y,
    };
    let depth = match def.rows {
        Rows::Dims { levels, .. } => levels.len().min(MAX_DEPTH),
        Rows::Measures(_) => 1,
    };
    if row.len() > depth {
        return Err(TraceError::TooDeep {
            table: def.id.to_string(),
            depth,
            given: row.len(),
        });
    }
    // A total that is one of the rows is that row; the total of a table of measures is a
    // sum over rows that overlap, not a count of records.
    let total_row = [match def.total {
        TotalRule::Row(key) => key,
        TotalRule::SumOfRows => "",
    }];
    let row = match (row.is_empty(), def.total, def.rows) {
        (true, TotalRule::Row(_), _) => &total_row[..],
        (true, TotalRule::SumOfRows, Rows::Measures(_)) => {
            return Err(TraceError::SumOfMeasures(def.id.to_string()));
        }
        _ => row,
    };
    let year = match def.cols {
        Cols::Years(_) => column.parse::<i32>().map_err(|_| unknown_column())?,
        _ => y,
    };
    if year < ctx.complete_from(def.population) {
        return Err(TraceError::FromHistory { year });
    }
    let mut out = Vec::new();
    for u in ctx.units.of(def.population).of_year(year) {
        if !u.passes(def.filter) || ctx.until.is_some_and(|until| (u.month, u.day) > until) {
            continue;
        }
        let mut counted = false;
        cells_of(def, u, ctx.maps, |path, c| {
            let at = path.iter().take_while(|k| **k != Key::Nil).count();
            let in_row = if row.is_empty() {
                at == 1
            } else {
                at == row.len() && path.iter().zip(row).all(|(k, r)| k.code() == *r)
            };
            counted |= in_row && c.code() == column;
        });
        if counted {
            out.push(u.record);
        }
    }
    out.sort_unstable();
    Ok(out)
}

pub(crate) fn evaluate_table<'a>(def: &TableDef, ctx: &Ctx<'a>) -> Table {
    let y = ctx.year;
    let complete_from = ctx.complete_from(def.population);
    let units = ctx.units.of(def.population);
    let codes = ctx.codes;
    let maps = ctx.maps;

    // Columns before counting (dimension columns get their extra codes after).
    let col_years: Vec<i32> = match def.cols {
        Cols::Years(YearSpan::Last(n)) => (y - n + 1..=y).collect(),
        Cols::Years(YearSpan::SinceFirstVictimYear) => (ctx.first_victim_year.min(y)..=y).collect(),
        _ => vec![y],
    };

    // Count.
    let mut counts: FxMap<(Path<'a>, Key<'a>), u64> = FxMap::default();
    let levels: &[Dim] = match def.rows {
        Rows::Dims { levels, .. } => levels,
        Rows::Measures(_) => &[],
    };
    for &cy in col_years.iter().filter(|&&cy| cy >= complete_from) {
        for u in units.of_year(cy) {
            if !u.passes(def.filter) || ctx.until.is_some_and(|until| (u.month, u.day) > until) {
                continue;
            }
            cells_of(def, u, maps, |path, c| {
                // Look up by reference first: most cells exist, and moving the key into
                // `entry` copies it every time.
                let key = (path, c);
                match counts.get_mut(&key) {
                    Some(n) => *n += 1,
                    None => {
                        counts.insert(key, 1);
                    }
                }
            });
        }
    }

    // Resolve the columns.
    let micro_y = y >= complete_from;
    let cols: Vec<Col<'a>> = match def.cols {
        Cols::Count => vec![Col {
            key: Key::Count,
            label: "Antal".into(),
            year: y,
            micro: micro_y,
        }],
        Cols::Years(_) => col_years
            .iter()
            .map(|&cy| Col {
                key: Key::Year(cy),
                label: cy.to_string(),
                year: cy,
                micro: cy >= complete_from,
            })
            .collect(),
        Cols::Measures(ms) => ms
            .iter()
            .map(|m| Col {
                key: Key::Str(m.key),
                label: m.label.to_string(),
                year: y,
                micro: micro_y,
            })
            .collect(),
        Cols::Dim(d) => {
            let mut keys: Vec<Key<'a>> = d.all_keys(codes, maps);
            let mut extra: Vec<Key<'a>> = Vec::new();
            for (_, c) in counts.keys() {
                if !keys.contains(c) && !extra.contains(c) {
                    extra.push(*c);
                }
            }
            sort_by_label(&mut extra, |k| d.label(k, codes, maps));
            keys.extend(extra);
            keys.into_iter()
                .map(|k| Col {
                    label: d.label(&k, codes, maps),
                    key: k,
                    year: y,
                    micro: micro_y,
                })
                .collect()
        }
    };
    let history_cols = matches!(def.cols, Cols::Count | Cols::Years(_));

    // Top-level rows: their keys and, for history columns, their history values.
    let top_dim = levels.first().copied();
    let splits: Vec<Option<HashMap<Key<'a>, Option<u64>>>> = cols
        .iter()
        .map(|c| match (top_dim, levels.len()) {
            (Some(d), 1) if !c.micro && history_cols => history_split(d, &ctx.history, c.year),
            _ => None,
        })
        .collect();

    let value = |path: &Path<'a>, depth: usize, ci: usize, measure: Option<&Measure>| {
        let c = &cols[ci];
        if c.micro {
            return Some(counts.get(&(*path, c.key)).copied().unwrap_or(0));
        }
        if !history_cols || depth > 0 {
            return None;
        }
        match measure {
            Some(m) => m.history.and_then(|s| ctx.history.total(s, c.year)),
            None => splits[ci]
                .as_ref()
                .map(|s| s.get(&path[0]).copied().unwrap_or(Some(0)))?,
        }
    };

    let mut rows: Vec<Row> = Vec::new();
    match def.rows {
        Rows::Measures(ms) => {
            for m in ms {
                let path = [Key::Str(m.key), Key::Nil, Key::Nil];
                rows.push(Row {
                    key: m.key.to_string(),
                    label: m.label.to_string(),
                    values: (0..cols.len())
                        .map(|ci| value(&path, 0, ci, Some(m)))
                        .collect(),
                    children: Vec::new(),
                });
            }
        }
        Rows::Dims { levels, categories } => {
            let d0 = levels[0];
            let mut present: Vec<Key<'a>> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for ((p, _), _) in counts.iter() {
                if p[1] == Key::Nil && seen.insert(p[0]) {
                    present.push(p[0]);
                }
            }
            for s in splits.iter().flatten() {
                for (k, v) in s {
                    if *v != Some(0) && seen.insert(*k) {
                        present.push(*k);
                    }
                }
            }
            let (keys, optional): (Vec<Key<'a>>, &[&str]) = match categories {
                Categories::Present => (present, &[]),
                Categories::All { optional } => {
                    let mut keys: Vec<Key<'a>> = d0.all_keys(codes, maps);
                    let mut extra: Vec<Key<'a>> =
                        present.into_iter().filter(|k| !keys.contains(k)).collect();
                    sort_by_label(&mut extra, |k| d0.label(k, codes, maps));
                    keys.extend(extra);
                    (keys, optional)
                }
            };
            // Children of each path, built once from the counts.
            let mut children: HashMap<(usize, Path<'a>), Vec<Key<'a>>> = HashMap::new();
            for (p, _) in counts.keys() {
                let depth = p.iter().take_while(|k| **k != Key::Nil).count();
                if depth >= 2 {
                    let mut parent = *p;
                    parent[depth - 1] = Key::Nil;
                    let v = children.entry((depth - 1, parent)).or_default();
                    if !v.contains(&p[depth - 1]) {
                        v.push(p[depth - 1]);
                    }
                }
            }
            for k in keys {
                let path = [k, Key::Nil, Key::Nil];
                let values: Vec<Option<u64>> = (0..cols.len())
                    .map(|ci| value(&path, 0, ci, None))
                    .collect();
                let is_optional = matches!(k, Key::Str(s) if optional.contains(&s));
                if is_optional && values.iter().all(|v| v.unwrap_or(0) == 0) {
                    continue;
                }
                rows.push(Row {
                    key: k.code(),
                    label: d0.label(&k, codes, maps),
                    values,
                    children: build_children(
                        path,
                        1,
                        levels,
                        &children,
                        &value,
                        cols.len(),
                        (codes, maps),
                    ),
                });
            }
        }
    }

    order_rows(&mut rows, def.order);

    let total = match def.total {
        TotalRule::SumOfRows => (0..cols.len())
            .map(|ci| {
                let c = &cols[ci];
                let known = c.micro || (history_cols && (splits[ci].is_some() || !rows.is_empty()));
                rows.iter()
                    .try_fold(0u64, |acc, r| Some(acc + r.values[ci]?))
                    .filter(|_| known)
            })
            .collect(),
        TotalRule::Row(key) => rows
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.values.clone())
            .unwrap_or_else(|| vec![None; cols.len()]),
    };

    let first = cols.first().map(|c| c.year).unwrap_or(y);
    Table {
        title: def
            .title
            .replace("{year}", &y.to_string())
            .replace("{first}", &first.to_string()),
        columns: cols.iter().map(|c| c.label.clone()).collect(),
        column_keys: cols.iter().map(|c| c.key.code()).collect(),
        rows,
        total,
        suppressed: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn build_children<'a, F>(
    parent: Path<'a>,
    depth: usize,
    levels: &[Dim],
    index: &HashMap<(usize, Path<'a>), Vec<Key<'a>>>,
    value: &F,
    ncols: usize,
    (codes, maps): (&CodeBook, &Mappings),
) -> Vec<Row>
where
    F: Fn(&Path<'a>, usize, usize, Option<&Measure>) -> Option<u64>,
{
    let Some(keys) = index.get(&(depth, parent)) else {
        return Vec::new();
    };
    let d = levels[depth];
    let mut rows: Vec<Row> = keys
        .iter()
        .map(|k| {
            let mut path = parent;
            path[depth] = *k;
            Row {
                key: k.code(),
                label: d.label(k, codes, maps),
                values: (0..ncols).map(|ci| value(&path, depth, ci, None)).collect(),
                children: if depth + 1 < levels.len() {
                    build_children(path, depth + 1, levels, index, value, ncols, (codes, maps))
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    order_rows(&mut rows, Order::CountDesc);
    rows
}

fn sort_by_label<'a>(keys: &mut [Key<'a>], label: impl Fn(&Key<'a>) -> String) {
    keys.sort_by_cached_key(|k| (danish_key(&label(k)), k.code()));
}

fn order_rows(rows: &mut [Row], order: Order) {
    let weight = |r: &Row| -> u64 {
        match order {
            Order::ColumnDesc(i) => r.values.get(i).copied().flatten().unwrap_or(0),
            _ => r.values.iter().map(|v| v.unwrap_or(0)).sum(),
        }
    };
    if order == Order::List {
        return;
    }
    rows.sort_by_cached_key(|r| {
        (
            std::cmp::Reverse(weight(r)),
            danish_key(&r.label),
            r.label.clone(),
            r.key.clone(),
        )
    });
}
