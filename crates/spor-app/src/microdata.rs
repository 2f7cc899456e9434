//! Person-level international exchanges, one row per victim of the year (the persons the
//! overview counts as the year's victims: an `identified` decision that year, with the
//! latest one's attributes):
//!
//! - **`ctdc`**: a contribution to the Counter Trafficking Data Collaborative in its
//!   codebook's layout, k-anonymised: every combination of the quasi-identifiers (year,
//!   gender, age band, citizenship, the three exploitation flags) occurs at least k times
//!   (k = 11, CTDC's value; never below [`MIN_K`]). Rarer records are generalised step by
//!   step (citizenship to its UN M49 subregion; then age to `0--17`/`18+`; then
//!   citizenship to its M49 region; then to the world, M49 `001`), and only the records
//!   still rare after the last step are dropped. The file's notes say how many were generalised and dropped. Never a
//!   reference, name or date.
//! - **`htcds`**: case-level rows for a partner in IOM's HTCDS v2.0 field names and values,
//!   forced criminality as a documented extension (`docs/exchanges.md`); the case id is a
//!   pseudonym drawn anew for each export (never the register's reference).
//!
//! Both are person-level: the web offers them only to accounts allowed person-level
//! exports (the `exporter` role), and every download (web or command line) is audited.
//! Where codes go is data: the gender and authority maps of [`spor_core::Mappings`]
//! (`ctdc_gender`, `htcds_gender`, `htcds_authority`, editable like the other exchanges'),
//! the code lists' `htcds` values (forms, forced labour sectors as ISIC sections),
//! `data/alpha3.tsv` and `data/ctdc_labour.csv` of spor-core.

use std::collections::HashMap;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use spor_core::exchange::{CTDC_LABOUR_TYPES, alpha3, ctdc_labour_type};
use spor_core::{Form, ListId, Mappings, Register};
use spor_report::microdata::Microdata;
use spor_stats::{Columns, Victim};
use spor_store::Store;

use crate::exchange::Format;

/// CTDC's k: every combination of the quasi-identifiers occurs at least this often.
pub const DEFAULT_K: usize = 11;
/// The smallest k accepted.
pub const MIN_K: usize = 5;

/// The CTDC file's first columns, its quasi-identifiers (the `typeOfLabour…` flags follow).
pub const CTDC_QUASI_IDENTIFIERS: [&str; 7] = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
];

/// A person-level exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonLevel {
    Ctdc,
    Htcds,
}

impl PersonLevel {
    pub const ALL: [PersonLevel; 2] = [PersonLevel::Ctdc, PersonLevel::Htcds];

    /// As on the command line and in URLs.
    pub fn name(self) -> &'static str {
        match self {
            PersonLevel::Ctdc => "ctdc",
            PersonLevel::Htcds => "htcds",
        }
    }

    pub fn parse(name: &str) -> Option<PersonLevel> {
        PersonLevel::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Danish title for the year.
    pub fn title(self, year: i32) -> String {
        match self {
            PersonLevel::Ctdc => format!("CTDC: mikrodata om ofre, {year} (k-anonymiseret)"),
            PersonLevel::Htcds => format!("HTCDS v2.0: sager til samarbejdspartner, {year}"),
        }
    }

    /// One Danish sentence: who receives it and what it holds.
    pub fn description(self) -> &'static str {
        match self {
            PersonLevel::Ctdc => {
                "Bidrag til Counter Trafficking Data Collaborative: én række pr. offer (køn, aldersgruppe, statsborgerskab, udnyttelse), k-anonymiseret (k = 11); sjældne kombinationer grovere eller udeladt. Persondata: kun for brugere med eksportrettighed, og hver hentning logges."
            }
            PersonLevel::Htcds => {
                "Sager i IOM's HTCDS v2.0-felter til en samarbejdspartner, med et sagsnummer dannet for den enkelte udlevering. Persondata: kun for brugere med eksportrettighed, og hver hentning logges."
            }
        }
    }
}

/// The CTDC k asked for, checked: at least [`MIN_K`].
pub fn check_k(k: usize) -> anyhow::Result<usize> {
    if k < MIN_K {
        bail!(
            "k = {k} is too small: every combination of the CTDC file's quasi-identifiers must occur at least {MIN_K} times (CTDC's own value is {DEFAULT_K}); give a k of {MIN_K} or more"
        );
    }
    Ok(k)
}

/// CTDC's `ageBroad` band of an age (as CTDC spells them, `0--8`); empty when not known.
pub fn age_broad(age: Option<u8>) -> &'static str {
    match age {
        None => "",
        Some(0..=8) => "0--8",
        Some(9..=17) => "9--17",
        Some(18..=20) => "18--20",
        Some(21..=23) => "21--23",
        Some(24..=26) => "24--26",
        Some(27..=29) => "27--29",
        Some(30..=38) => "30--38",
        Some(39..=47) => "39--47",
        Some(_) => "48+",
    }
}

/// The generalised age band: minor `0--17` or adult `18+`; empty when not known.
pub fn age_minor_adult(age: Option<u8>) -> &'static str {
    match age {
        None => "",
        Some(0..=17) => "0--17",
        Some(_) => "18+",
    }
}

/// The generalisation steps a rare CTDC record goes through, in order.
const STEPS: u8 = 4;

/// UN M49's code of the world: citizenship at the last step.
const M49_WORLD: &str = "M49:001";

/// The CTDC citizenship at a generalisation level: alpha-3 (level 0), the UN M49
/// subregion `M49:NNN` (1 and 2), the M49 region `M49:NNN` (3), the world `M49:001` (4); a
/// nationality outside the M49 tree (the stateless) stays as it is up to the world, an
/// unknown one is empty at every level.
fn citizenship_at(nationality: &str, level: u8) -> String {
    let code = alpha3(nationality).unwrap_or("");
    if level == 0 || code.is_empty() {
        return code.to_owned();
    }
    if level >= 4 {
        return M49_WORLD.to_owned();
    }
    match spor_sdc::recode::region_of(nationality) {
        Some(r) if level < 3 => format!("M49:{}", r.subregion),
        Some(r) => format!("M49:{}", r.continent),
        None => code.to_owned(),
    }
}

fn age_at(age: Option<u8>, level: u8) -> &'static str {
    if level < 2 {
        age_broad(age)
    } else {
        age_minor_adult(age)
    }
}

/// The exploitation flags: forced labour, sexual, other (forced criminality, slavery-like
/// and other forms); none for an unresolved or missing form.
fn flags(form: Option<Form>) -> [bool; 3] {
    [
        form == Some(Form::ForcedLabour),
        form == Some(Form::Sexual),
        matches!(
            form,
            Some(Form::ForcedCriminality | Form::SlaveryLike | Form::Other)
        ),
    ]
}

fn bit(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

/// The quasi-identifiers of a CTDC record at a level (the year is the file's, the same for
/// every record).
type Key = (String, String, &'static str, [bool; 3]);

fn mapped<'m>(maps: &'m Mappings, map: &str, from: &str) -> anyhow::Result<&'m str> {
    maps.map(map)
        .and_then(|m| m.category(from))
        .with_context(|| format!("the map `{map}` does not say where `{from}` goes"))
}

/// The CTDC file of `year`'s victims with k-anonymity `k` (checked by [`check_k`]).
pub fn ctdc(columns: &Columns, year: i32, maps: &Mappings, k: usize) -> anyhow::Result<Microdata> {
    let k = check_k(k)?;
    let victims = spor_stats::victims(columns, year);
    let mut genders = Vec::with_capacity(victims.len());
    for v in &victims {
        let g = mapped(maps, "ctdc_gender", v.gender.code())?;
        genders.push(if g == "unknown" { "" } else { g }.to_owned());
    }
    let key = |i: usize, level: u8| -> Key {
        let v = &victims[i];
        (
            genders[i].clone(),
            citizenship_at(&v.nationality, level),
            age_at(v.age, level),
            flags(v.form),
        )
    };
    // Each record's generalisation level, and whether it is released at it.
    let mut level: Vec<u8> = vec![0; victims.len()];
    let mut released = vec![false; victims.len()];
    for step in 0..=STEPS {
        let mut groups: HashMap<Key, Vec<usize>> = HashMap::new();
        for i in (0..victims.len()).filter(|&i| !released[i] && level[i] == step) {
            groups.entry(key(i, step)).or_default().push(i);
        }
        for members in groups.into_values() {
            for i in members.iter().copied() {
                if members.len() >= k {
                    released[i] = true;
                } else {
                    level[i] = step + 1;
                }
            }
        }
    }
    let mut rows = Vec::new();
    let (mut generalised, mut citizenship_generalised, mut age_generalised) = (0, 0, 0);
    for (i, v) in victims.iter().enumerate() {
        if !released[i] {
            continue;
        }
        let (gender, citizenship, age, f) = key(i, level[i]);
        let (_, citizenship0, age0, _) = key(i, 0);
        if citizenship != citizenship0 || age != age0 {
            generalised += 1;
        }
        citizenship_generalised += usize::from(citizenship != citizenship0);
        age_generalised += usize::from(age != age0);
        let labour =
            (v.form == Some(Form::ForcedLabour)).then(|| ctdc_labour_type(v.subtype.as_deref()));
        let mut row = vec![
            year.to_string(),
            gender,
            age.to_owned(),
            citizenship,
            bit(f[0]),
            bit(f[1]),
            bit(f[2]),
        ];
        row.extend(CTDC_LABOUR_TYPES.iter().map(|t| bit(labour == Some(*t))));
        rows.push(row);
    }
    rows.sort();
    let dropped = victims.len() - rows.len();
    let mut cols: Vec<String> = CTDC_QUASI_IDENTIFIERS.map(str::to_owned).to_vec();
    cols.extend(CTDC_LABOUR_TYPES.iter().map(|t| format!("typeOfLabour{t}")));
    let notes = vec![
        ("victims".to_owned(), victims.len().to_string()),
        ("k".to_owned(), k.to_string()),
        ("rows".to_owned(), rows.len().to_string()),
        ("generalised".to_owned(), generalised.to_string()),
        (
            "citizenship_generalised".to_owned(),
            citizenship_generalised.to_string(),
        ),
        ("age_generalised".to_owned(), age_generalised.to_string()),
        ("dropped".to_owned(), dropped.to_string()),
        (
            "quasi_identifiers".to_owned(),
            CTDC_QUASI_IDENTIFIERS.join(", "),
        ),
        (
            "method".to_owned(),
            format!(
                "every combination of the quasi-identifiers occurs at least {k} times; rarer records generalised: citizenship (ISO alpha-3; XXA stateless) to its UN M49 subregion (M49:NNN), then ageBroad to 0--17/18+, then citizenship to its M49 region, then to the world (M49:001); records still rarer dropped. Empty: not known"
            ),
        ),
    ];
    Ok(Microdata {
        exchange: PersonLevel::Ctdc.name().to_owned(),
        year,
        columns: cols,
        rows,
        notes,
    })
}

/// HTCDS v2.0's `vic_TraffickingStatus` of a victim of the year: every row is a person the
/// register holds as identified (a formal decision), HTCDS's confirmed status.
pub const HTCDS_STATUS: &str = "Confirmed";

/// The HTCDS columns, in order; `x_`: Spor's documented extensions.
pub const HTCDS_COLUMNS: [&str; 9] = [
    "cas_CaseId",
    "prs_Gender",
    "prs_AgeAtIdentification",
    "prs_Citizenship",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "x_ForcedCriminalityType",
];

/// The HTCDS file of `year`'s victims: one row per victim, numbered `YEAR-NNNN` in the
/// order `order` gives for the number of victims (a permutation: `order(n)[i]` is the
/// place of the i-th victim; [`htcds`] draws a fresh one for each export).
pub fn htcds_with(
    register: &Register,
    columns: &Columns,
    year: i32,
    maps: &Mappings,
    order: impl FnOnce(usize) -> anyhow::Result<Vec<usize>>,
) -> anyhow::Result<Microdata> {
    let victims = spor_stats::victims(columns, year);
    let codes = &register.codes;
    let htcds = |list: ListId, code: &str| -> String {
        codes
            .get(list, code)
            .and_then(|e| e.htcds.clone())
            .unwrap_or_default()
    };
    let row = |v: &Victim| -> anyhow::Result<Vec<String>> {
        let form = v.form.map(|f| f.code()).unwrap_or("");
        let subtype = v.subtype.as_deref().unwrap_or("");
        let (industry, criminality) = match v.form {
            Some(Form::ForcedLabour) => {
                (htcds(ListId::ForcedLabourSubtype, subtype), String::new())
            }
            Some(Form::ForcedCriminality) => (String::new(), subtype.to_owned()),
            _ => (String::new(), String::new()),
        };
        Ok(vec![
            mapped(maps, "htcds_gender", v.gender.code())?.to_owned(),
            v.age.map(|a| a.to_string()).unwrap_or_default(),
            alpha3(&v.nationality).unwrap_or("").to_owned(),
            htcds(ListId::ExploitationForm, form),
            industry,
            HTCDS_STATUS.to_owned(),
            match v.authority {
                Some(a) => mapped(maps, "htcds_authority", a.code())?.to_owned(),
                None => String::new(),
            },
            criminality,
        ])
    };
    let places = order(victims.len())?;
    let mut sorted = places.clone();
    sorted.sort_unstable();
    if !sorted.iter().copied().eq(0..victims.len()) {
        bail!(
            "the export's order is not a permutation of its {} rows",
            victims.len()
        );
    }
    let mut rows: Vec<(usize, Vec<String>)> = Vec::with_capacity(victims.len());
    for (i, v) in victims.iter().enumerate() {
        let place = places[i];
        let mut r = vec![format!("{year}-{:04}", place + 1)];
        r.extend(row(v)?);
        rows.push((place, r));
    }
    rows.sort_by_key(|(p, _)| *p);
    let notes = vec![
        ("victims".to_owned(), victims.len().to_string()),
        ("rows".to_owned(), rows.len().to_string()),
        ("standard".to_owned(), "HTCDS v2.0 (IOM), with Spor's extensions x_ (docs/exchanges.md)".to_owned()),
        (
            "cas_CaseId".to_owned(),
            "a number drawn for this export only: not the register's reference, and different in every export".to_owned(),
        ),
        (
            "x_ForcedCriminalityType".to_owned(),
            "extension (HTCDS has no forced criminality): the register's forced criminality subtype".to_owned(),
        ),
    ];
    Ok(Microdata {
        exchange: PersonLevel::Htcds.name().to_owned(),
        year,
        columns: HTCDS_COLUMNS.map(str::to_owned).to_vec(),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        notes,
    })
}

/// A random permutation of `0..n` (Fisher-Yates over the system's random numbers).
fn random_order(n: usize) -> anyhow::Result<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut bytes = vec![0u8; n * 8];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    for i in (1..n).rev() {
        let r = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        order.swap(i, (r % (i as u64 + 1)) as usize);
    }
    Ok(order)
}

/// The HTCDS file of `year`'s victims, case ids drawn anew for this export.
pub fn htcds(
    register: &Register,
    columns: &Columns,
    year: i32,
    maps: &Mappings,
) -> anyhow::Result<Microdata> {
    htcds_with(register, columns, year, maps, random_order)
}

/// The exchange `which` of `year` (k: the CTDC file's k, [`DEFAULT_K`] when `None`; not
/// given to HTCDS).
pub fn make(
    which: PersonLevel,
    register: &Register,
    columns: &Columns,
    year: i32,
    maps: &Mappings,
    k: Option<usize>,
) -> anyhow::Result<Microdata> {
    spor_stats::check_year(register, columns, year)?;
    match which {
        PersonLevel::Ctdc => ctdc(columns, year, maps, k.unwrap_or(DEFAULT_K)),
        PersonLevel::Htcds => {
            if k.is_some() {
                bail!("k applies to the ctdc exchange only (htcds is case-level for a partner)");
            }
            htcds(register, columns, year, maps)
        }
    }
}

/// Reads the register and the mappings from `store` and makes the exchange.
pub async fn load_and_make(
    store: &dyn Store,
    which: PersonLevel,
    year: i32,
    k: Option<usize>,
) -> anyhow::Result<Microdata> {
    if let Some(k) = k {
        check_k(k)?;
    }
    let (register, columns) = crate::statistics::load(store).await?;
    let maps = crate::exchange::mappings(store).await?;
    make(which, &register, &columns, year, &maps, k)
}

/// The exchange from the statistics kept for the register's current state (the web):
/// `Ok(Err(why))` when the year has nothing to count, in words for the user.
pub async fn of_statistics(
    stats: &crate::Statistics,
    store: &dyn Store,
    which: PersonLevel,
    year: i32,
    k: Option<usize>,
) -> anyhow::Result<Result<Microdata, String>> {
    if let Some(k) = k {
        check_k(k)?;
    }
    let snap = stats.snapshot().await?;
    if let Err(e) = spor_stats::check_year(&snap.register, &snap.columns, year) {
        return Ok(Err(e.to_string()));
    }
    let maps = crate::exchange::mappings(store).await?;
    make(which, &snap.register, &snap.columns, year, &maps, k).map(Ok)
}

/// The rendering in `format`.
pub fn render(m: &Microdata, format: Format, _now: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => spor_report::microdata::json(m).into_bytes(),
        Format::Csv => spor_report::microdata::csv(m).context("cannot write the CSV")?,
        Format::Xlsx => spor_report::microdata::xlsx(m).context("cannot write the workbook")?,
    })
}

/// What the audit trail says about a download: target `exchange:NAME:YEAR` and detail
/// (format, rows, and for CTDC k and how many were generalised and dropped).
pub fn audit_target(m: &Microdata, format: Format) -> (String, String) {
    let note = |key: &str| {
        m.notes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| format!(" {key}={v}"))
            .unwrap_or_default()
    };
    (
        format!("exchange:{}:{}", m.exchange, m.year),
        format!(
            "{} person-level{}{}{}{}",
            format.name(),
            note("rows"),
            note("k"),
            note("generalised"),
            note("dropped")
        ),
    )
}
