//! The person-level exchanges (CTDC, HTCDS): the CTDC file's k holds on the demo and on
//! random registers, its rows and the records it dropped are the overview's victims, rare
//! records are generalised (citizenship first, then age) before any is dropped, and it
//! has no reference or date; the HTCDS file's values checked against the demo's overview.

use std::collections::{BTreeMap, HashMap, HashSet};

use spor_app::microdata::{self, PersonLevel};
use spor_core::{
    Authority, Code, Country, Form, Gender, Identification, Mappings, Outcome, Ref, Register,
};
use spor_report::microdata::Microdata;
use spor_stats::{Columns, Report};

fn demo() -> (Register, Columns, Report) {
    let reg = spor_demo::register();
    let cols = Columns::of_register(&reg);
    let report = spor_stats::evaluate(&reg, 2023).unwrap();
    (reg, cols, report)
}

fn note(m: &Microdata, key: &str) -> usize {
    m.notes
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no note {key}"))
        .1
        .parse()
        .unwrap()
}

fn column(m: &Microdata, name: &str) -> usize {
    m.columns.iter().position(|c| c == name).unwrap()
}

/// CTDC's quasi-identifiers as the issue names them (year, gender, age band, citizenship,
/// exploitation flags), in the codebook's spelling.
const QUASI_IDENTIFIERS: [&str; 7] = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
];

/// Every combination of the quasi-identifiers and how often it occurs.
fn combinations(m: &Microdata) -> HashMap<Vec<String>, usize> {
    let qi = QUASI_IDENTIFIERS.map(|c| column(m, c));
    let mut out: HashMap<Vec<String>, usize> = HashMap::new();
    for r in &m.rows {
        *out.entry(qi.iter().map(|&i| r[i].clone()).collect())
            .or_default() += 1;
    }
    out
}

fn assert_k_anonymous(m: &Microdata, k: usize) {
    for (combination, n) in combinations(m) {
        assert!(n >= k, "{combination:?} occurs {n} times, k = {k}");
    }
}

#[test]
fn the_ctdc_file_of_the_demo_is_k_anonymous_and_accounts_for_every_victim() {
    let (_, cols, report) = demo();
    let victims = report.facts.victims.unwrap() as usize;
    for k in [5, 11, 20] {
        let m = microdata::ctdc(&cols, 2023, Mappings::builtin(), k).unwrap();
        assert_k_anonymous(&m, k);
        assert_eq!(m.rows.len() + note(&m, "dropped"), victims, "k = {k}");
        assert_eq!(note(&m, "victims"), victims);
        assert_eq!(note(&m, "rows"), m.rows.len());
        assert_eq!(note(&m, "k"), k);
        assert!(m.rows.iter().all(|r| r[0] == "2023"));
    }
    // The demo's nationalities are many and small: at CTDC's k some are generalised.
    let m = microdata::ctdc(&cols, 2023, Mappings::builtin(), 11).unwrap();
    assert!(note(&m, "generalised") > 0);
    assert!(
        m.rows
            .iter()
            .any(|r| r[column(&m, "citizenship")].starts_with("M49:"))
    );
}

#[test]
fn the_ctdc_file_has_no_reference_name_or_date() {
    let (reg, cols, _) = demo();
    let m = microdata::ctdc(&cols, 2023, Mappings::builtin(), 5).unwrap();
    let mut expected: Vec<String> = QUASI_IDENTIFIERS.map(str::to_owned).to_vec();
    expected.extend(
        spor_core::exchange::CTDC_LABOUR_TYPES
            .iter()
            .map(|t| format!("typeOfLabour{t}")),
    );
    assert_eq!(m.columns, expected);
    let refs: HashSet<&str> = reg
        .identifications
        .iter()
        .flat_map(|d| [d.case_ref.as_str(), d.person_ref.as_str()])
        .collect();
    let dates: HashSet<String> = reg
        .identifications
        .iter()
        .map(|d| d.decision_date.to_string())
        .collect();
    for r in &m.rows {
        for cell in r {
            assert!(!refs.contains(cell.as_str()), "a reference: {cell}");
            assert!(!dates.contains(cell), "a date: {cell}");
        }
    }
}

#[test]
fn a_k_below_5_is_refused_saying_what_is_accepted() {
    let (_, cols, _) = demo();
    let err = microdata::ctdc(&cols, 2023, Mappings::builtin(), 4).unwrap_err();
    assert!(err.to_string().contains("give a k of 5 or more"), "{err}");
    assert!(microdata::check_k(5).is_ok());
}

fn decision(
    i: usize,
    nationality: &str,
    age: Option<u8>,
    gender: Gender,
    form: Form,
) -> Identification {
    Identification {
        case_ref: Ref::parse(&format!("C{i:04}")).unwrap(),
        person_ref: Ref::parse(&format!("P{i:04}")).unwrap(),
        decision_date: chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap(),
        authority: Authority::Cmm,
        outcome: Outcome::Identified,
        referral_actor: None,
        exploitation_form: Some(form),
        exploitation_subtype: None,
        gender,
        age,
        nationality: Country::new_unchecked(nationality),
        return_date: None,
        return_country: None,
    }
}

fn rows_of(m: &Microdata) -> BTreeMap<(String, String), usize> {
    let (c, a) = (column(m, "citizenship"), column(m, "ageBroad"));
    let mut out = BTreeMap::new();
    for r in &m.rows {
        *out.entry((r[c].clone(), r[a].clone())).or_default() += 1;
    }
    out
}

#[test]
fn rare_records_are_generalised_citizenship_first_then_age_and_only_then_dropped() {
    // 11 Nigerian women of 30: a combination of their own. 6 Ghanaian and 5 Ivorian women
    // of 30: rare by country, 11 in Western Africa (M49 011). 6 Malian women of 19 and 5
    // of 25: rare by country, still rare in Western Africa by age band, 11 as adults. One
    // Danish man: rare at every step, dropped.
    let w = Gender::Female;
    let mut ds = Vec::new();
    let mut add = |n: usize, nat: &str, age: u8, g: Gender, f: Form| {
        for _ in 0..n {
            let i = ds.len();
            ds.push(decision(i, nat, Some(age), g, f));
        }
    };
    add(11, "NG", 30, w, Form::Sexual);
    add(6, "GH", 30, w, Form::Sexual);
    add(5, "CI", 30, w, Form::Sexual);
    add(6, "ML", 19, w, Form::Sexual);
    add(5, "ML", 25, w, Form::Sexual);
    add(1, "DK", 50, Gender::Male, Form::ForcedLabour);
    let reg = Register {
        identifications: ds,
        ..Register::default()
    };
    let cols = Columns::of_register(&reg);
    let m = microdata::ctdc(&cols, 2023, Mappings::builtin(), 11).unwrap();
    let expected: BTreeMap<(String, String), usize> = [
        (("M49:011", "18+"), 11),
        (("M49:011", "30--38"), 11),
        (("NGA", "30--38"), 11),
    ]
    .into_iter()
    .map(|((c, a), n)| ((c.to_owned(), a.to_owned()), n))
    .collect();
    assert_eq!(rows_of(&m), expected);
    assert_eq!(note(&m, "generalised"), 22);
    assert_eq!(note(&m, "citizenship_generalised"), 22);
    assert_eq!(note(&m, "age_generalised"), 11);
    assert_eq!(note(&m, "dropped"), 1);
    assert_k_anonymous(&m, 11);
    // The woman's flags: sexual exploitation only.
    let r = &m.rows[0];
    assert_eq!(
        (
            r[column(&m, "gender")].as_str(),
            r[column(&m, "isSexualExploit")].as_str(),
            r[column(&m, "isForcedLabour")].as_str()
        ),
        ("Woman", "1", "0")
    );
}

const NATS: &[&str] = &[
    "NG",
    "GH",
    "RO",
    "BG",
    "UA",
    "TH",
    "VN",
    "CN",
    "DK",
    "ER",
    "SY",
    "STATELESS",
    "UNKNOWN",
];
const LABOUR: &[&str] = &["construction", "cleaning", "agriculture_trainee"];

/// A random register of up to 400 decisions over 2022-2023 (some persons decided twice,
/// some not identified).
fn random_register(rng: &mut fastrand::Rng) -> Register {
    let n = rng.usize(0..400);
    let persons = rng.usize(1..=n.max(1));
    let mut ds = Vec::new();
    for i in 0..n {
        let form = Form::ALL[rng.usize(0..Form::ALL.len())];
        let mut d = decision(
            i,
            NATS[rng.usize(0..NATS.len())],
            (rng.u8(0..10) > 0).then(|| rng.u8(5..70)),
            Gender::ALL[rng.usize(0..Gender::ALL.len())],
            form,
        );
        d.person_ref = Ref::parse(&format!("P{:04}", rng.usize(0..persons))).unwrap();
        d.decision_date =
            chrono::NaiveDate::from_yo_opt(rng.i32(2022..=2023), rng.u32(1..=365)).unwrap();
        if rng.u8(0..5) == 0 {
            d.outcome = Outcome::NotIdentified;
        }
        if form == Form::ForcedLabour && rng.bool() {
            d.exploitation_subtype = Some(Code::new_unchecked(LABOUR[rng.usize(0..LABOUR.len())]));
        }
        d.authority = Authority::ALL[rng.usize(0..Authority::ALL.len())];
        ds.push(d);
    }
    Register {
        identifications: ds,
        ..Register::default()
    }
}

#[test]
fn the_ctdc_file_is_k_anonymous_and_accounts_for_every_victim_of_random_registers() {
    for seed in 0..60 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let reg = random_register(&mut rng);
        let cols = Columns::of_register(&reg);
        let k = rng.usize(5..=15);
        let made = microdata::make(
            PersonLevel::Ctdc,
            &reg,
            &cols,
            2023,
            Mappings::builtin(),
            Some(k),
        );
        let Ok(overview) = spor_stats::evaluate(&reg, 2023) else {
            // No data for the year: refused as the overview is.
            assert!(made.is_err(), "seed {seed}");
            continue;
        };
        let m = made.unwrap();
        assert_k_anonymous(&m, k);
        let victims = overview.facts.victims.unwrap_or(0) as usize;
        assert_eq!(
            m.rows.len() + note(&m, "dropped"),
            victims,
            "seed {seed}: rows + dropped"
        );
        // HTCDS: one row per victim, whatever the register.
        let h = microdata::make(
            PersonLevel::Htcds,
            &reg,
            &cols,
            2023,
            Mappings::builtin(),
            None,
        )
        .unwrap();
        assert_eq!(h.rows.len(), victims, "seed {seed}: htcds rows");
    }
}

fn overview_count(r: &Report, table: &str, key: &str) -> usize {
    r.tables[table]
        .rows
        .iter()
        .find(|x| x.key == key)
        .map_or(0, |x| x.values[0].unwrap() as usize)
}

fn count(m: &Microdata, col: &str, value: &str) -> usize {
    let c = column(m, col);
    m.rows.iter().filter(|r| r[c] == value).count()
}

#[test]
fn the_htcds_file_of_the_demo_gives_the_overviews_figures_in_htcds_values() {
    let (reg, cols, report) = demo();
    let m = microdata::htcds(&reg, &cols, 2023, Mappings::builtin()).unwrap();
    assert_eq!(m.rows.len(), report.facts.victims.unwrap() as usize);
    assert_eq!(m.rows.len(), 112);
    let form = "vic_TypeOfExploitation";
    assert_eq!(
        count(&m, form, "SexualExploitation"),
        overview_count(&report, "victims_by_form", "sexual")
    );
    assert_eq!(
        count(&m, form, "ForcedLabour"),
        overview_count(&report, "victims_by_form", "forced_labour")
    );
    assert_eq!(
        count(&m, form, "ForcedCriminalActivity"),
        overview_count(&report, "victims_by_form", "forced_criminality")
    );
    // By hand from the demo's 2023 overview: 76 women, 35 men, one trans woman; decided
    // by the Immigration Service 78, the centre 30, the courts 4.
    assert_eq!(count(&m, "prs_Gender", "Feminine"), 76);
    assert_eq!(count(&m, "prs_Gender", "Masculine"), 35);
    assert_eq!(count(&m, "prs_Gender", "TransgenderFeminine"), 1);
    let org = "vic_TraffickingStatusDecisionMakingOrg";
    assert_eq!(count(&m, org, "ImmigrationAuthority"), 78);
    assert_eq!(count(&m, org, "NationalReferralMechanism"), 30);
    assert_eq!(count(&m, org, "Judiciary"), 4);
    assert_eq!(count(&m, "vic_TraffickingStatus", "Confirmed"), 112);
    assert_eq!(count(&m, "prs_Citizenship", "DNK"), 3);
    // Forced labour's industries are ISIC sections; forced criminality the extension.
    let (f, ind, x) = (
        column(&m, form),
        column(&m, "vic_ForcedLabourIndustry"),
        column(&m, "x_ForcedCriminalityType"),
    );
    for r in &m.rows {
        if r[f] != "ForcedLabour" {
            assert_eq!(r[ind], "");
        } else {
            assert!(
                r[ind].is_empty()
                    || (r[ind].len() == 1 && ('A'..='U').contains(&r[ind].chars().next().unwrap())),
                "{}",
                r[ind]
            );
        }
        assert_eq!(r[x].is_empty(), r[f] != "ForcedCriminalActivity", "{r:?}");
    }
    assert!(m.rows.iter().any(|r| !r[ind].is_empty()));

    // The case id is a number of this export: never a reference of the register, and
    // drawn anew for the next export.
    let refs: HashSet<&str> = reg
        .identifications
        .iter()
        .flat_map(|d| [d.case_ref.as_str(), d.person_ref.as_str()])
        .collect();
    let ids: Vec<&str> = m.rows.iter().map(|r| r[0].as_str()).collect();
    let expected: Vec<String> = (1..=112).map(|i| format!("2023-{i:04}")).collect();
    assert_eq!(ids, expected);
    assert!(ids.iter().all(|id| !refs.contains(id)));
    let again = microdata::htcds(&reg, &cols, 2023, Mappings::builtin()).unwrap();
    assert_ne!(again.rows, m.rows, "the same case ids twice");
    let mut a = again
        .rows
        .iter()
        .map(|r| r[1..].to_vec())
        .collect::<Vec<_>>();
    let mut b = m.rows.iter().map(|r| r[1..].to_vec()).collect::<Vec<_>>();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same rows");
}

#[test]
fn a_mapping_edit_changes_the_person_level_files_and_every_name_is_known() {
    let (reg, cols, _) = demo();
    let maps = Mappings::with_overrides([("htcds_gender/trans_female", "Other")]).unwrap();
    let m = microdata::htcds(&reg, &cols, 2023, &maps).unwrap();
    assert_eq!(count(&m, "prs_Gender", "TransgenderFeminine"), 0);
    assert_eq!(count(&m, "prs_Gender", "Other"), 1);
    for p in PersonLevel::ALL {
        assert!(matches!(
            spor_app::exchange::lookup(p.name()).unwrap(),
            spor_app::exchange::Exchange::PersonLevel(q) if q == p
        ));
    }
    let err = spor_app::exchange::lookup("ctdcc").unwrap_err();
    assert!(
        err.to_string()
            .contains("known exchanges: eurostat, unodc, tip, greta, ctdc, htcds"),
        "{err}"
    );
}
