//! `spor demo` end to end: run the real binary, open the database it wrote and count the
//! 2023 figures from what the store returns, with the rules of annual-report.md written out
//! plainly here (independent of the demo generator and of spor-stats). The expected numbers
//! are the 2023 report's (../shared/seed), as reconciled in docs/seed-discrepancies.md.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use chrono::Datelike;
use spor_core::{Form, Gender, Identification, Outcome, Register, Series, copenhagen_year};
use spor_store::Store;

const YEAR: i32 = 2023;

fn run_demo(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spor"))
        .args(["demo", "--out"])
        .arg(dir)
        .output()
        .expect("the spor binary runs");
    assert!(
        out.status.success(),
        "spor demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the summary is UTF-8")
}

async fn load(dir: &Path) -> Register {
    let store = spor_store::sqlite::SqliteStore::open_path(&dir.join("spor-demo.db"))
        .await
        .expect("the demo database opens");
    store
        .load_register()
        .await
        .expect("the demo register loads")
}

/// The victims of a year: each person with an identified decision dated that year, with the
/// attributes of their latest such decision.
fn victims(reg: &Register, year: i32) -> Vec<&Identification> {
    let mut latest: HashMap<&str, &Identification> = HashMap::new();
    for d in &reg.identifications {
        if d.outcome != Outcome::Identified || d.decision_date.year() != year {
            continue;
        }
        let e = latest.entry(d.person_ref.as_str()).or_insert(d);
        if (d.decision_date, d.case_ref.as_str()) > (e.decision_date, e.case_ref.as_str()) {
            *e = d;
        }
    }
    latest.into_values().collect()
}

fn tally<K: Ord>(items: impl IntoIterator<Item = K>) -> BTreeMap<K, usize> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

fn expected(pairs: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    let m: BTreeMap<_, _> = pairs.iter().copied().collect();
    assert_eq!(
        m.len(),
        pairs.len(),
        "a key is listed twice in the expectation"
    );
    m
}

#[tokio::test]
async fn demo_register_reproduces_the_2023_report_tables_when_counted_from_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo"); // does not exist yet: demo must create it
    let stdout = run_demo(&dir);
    assert!(
        stdout.contains("report --year 2023 --format html"),
        "{stdout}"
    );
    let readme = std::fs::read_to_string(dir.join("README.txt")).unwrap();
    assert!(readme.contains("spor-demo.db"), "{readme}");

    let reg = load(&dir).await;
    assert_eq!(reg.microdata_from, Some(2023));
    let v = victims(&reg, YEAR);
    assert_eq!(v.len(), 112);

    let referral = tally(
        v.iter()
            .map(|d| d.referral_actor.as_ref().unwrap().as_str()),
    );
    assert_eq!(
        referral,
        expected(&[
            ("police", 56),
            ("immigration_service", 15),
            ("ngo", 13),
            ("red_cross", 5),
            ("shelter", 4),
            ("self_referral", 3),
            ("drc", 3),
            ("embassy", 3),
            ("municipality", 2),
            ("asylum_centre", 2),
            ("return_agency", 2),
            ("relative", 1),
            ("custody", 1),
            ("food_authority", 1),
            ("residential_care", 1),
        ])
    );

    let form = tally(v.iter().map(|d| d.exploitation_form.unwrap().code()));
    assert_eq!(
        form,
        expected(&[
            ("sexual", 58),
            ("forced_labour", 23),
            ("forced_criminality", 15),
            ("slavery_like", 11),
            ("unresolved", 3),
            ("other", 2),
        ])
    );

    let subtypes = |f: Form| {
        tally(
            v.iter()
                .filter(|d| d.exploitation_form == Some(f))
                .map(|d| {
                    d.exploitation_subtype
                        .as_ref()
                        .map_or("unspecified", |s| s.as_str())
                }),
        )
    };
    assert_eq!(
        subtypes(Form::ForcedLabour),
        expected(&[
            ("construction", 12),
            ("private_care_cleaning", 3),
            ("cleaning", 2),
            ("agriculture_trainee", 2),
            ("restaurant_domestic", 1),
            ("seasonal_work_eu", 1),
            ("agriculture_abroad", 1),
            ("private_other", 1),
        ])
    );
    // The report lists "Bedrageri 1" twice; read as one category of 2 (see the discrepancies).
    assert_eq!(
        subtypes(Form::ForcedCriminality),
        expected(&[
            ("drug_sales", 3),
            ("drug_transport", 3),
            ("cannabis_production", 2),
            ("theft", 2),
            ("drug_transport_sales", 2),
            ("fraud", 2),
            ("unknown", 1),
        ])
    );

    let gender = tally(v.iter().map(|d| d.gender.code()));
    assert_eq!(
        gender,
        expected(&[("female", 76), ("male", 35), ("trans_female", 1)])
    );

    let nationality = tally(v.iter().map(|d| d.nationality.as_str()));
    assert_eq!(
        nationality,
        expected(&[
            ("NG", 20),
            ("TH", 17),
            ("UA", 8),
            ("RO", 7),
            ("VN", 5),
            ("PH", 5),
            ("MA", 4),
            ("UG", 4),
            ("BR", 4),
            ("DK", 3),
            ("SY", 3),
            ("SO", 3),
            ("DZ", 2),
            ("CD", 2),
            ("AL", 2),
            ("CO", 2),
            ("CN", 2),
            ("MK", 2),
            ("AF", 1),
            ("IR", 1),
            ("STATELESS_PS", 1),
            ("EG", 1),
            ("LV", 1),
            ("PA", 1),
            ("EC", 1),
            ("PY", 1),
            ("GM", 1),
            ("ER", 1),
            ("BD", 1),
            ("RU", 1),
            ("HU", 1),
            ("BI", 1),
            ("GQ", 1),
            ("ES", 1),
            ("LK", 1),
        ])
    );

    // Prepared returns: victims of 2023 whose return is dated on or before 31 December 2023.
    let year_end = chrono::NaiveDate::from_ymd_opt(YEAR, 12, 31).unwrap();
    let returned: Vec<_> = v
        .iter()
        .filter(|d| d.return_date.is_some_and(|r| r <= year_end))
        .collect();
    assert_eq!(
        tally(returned.iter().map(|d| d.nationality.as_str())),
        expected(&[
            ("TH", 14),
            ("UA", 5),
            ("BR", 3),
            ("NG", 2),
            ("CO", 2),
            ("RO", 1),
            ("LV", 1),
            ("RU", 1),
            ("ES", 1),
            ("CD", 1),
            ("VN", 1),
            ("PH", 1),
            ("PY", 1),
            ("PA", 1),
        ])
    );
    let third_country = tally(
        returned
            .iter()
            .filter(|d| d.return_country.as_ref() != Some(&d.nationality))
            .map(|d| d.nationality.as_str()),
    );
    assert_eq!(third_country, expected(&[("NG", 2), ("UA", 5), ("RU", 1)]));
    assert!(
        v.iter()
            .any(|d| d.return_date.is_some_and(|r| r > year_end)),
        "some returns are dated after the year and must not count"
    );
    assert!(
        returned
            .iter()
            .all(|d| d.return_date.unwrap() >= d.decision_date)
    );

    // Gender × form as stated in the text.
    let gf = tally(v.iter().map(|d| (d.gender, d.exploitation_form.unwrap())));
    let at = |g, f| gf.get(&(g, f)).copied().unwrap_or(0);
    use Form::{ForcedCriminality, ForcedLabour, Sexual, SlaveryLike};
    use Gender::{Female, Male, TransFemale};
    assert_eq!(
        [
            at(Female, Sexual),
            at(Female, ForcedLabour),
            at(Female, SlaveryLike)
        ],
        [55, 9, 9]
    );
    assert_eq!(at(Female, ForcedCriminality), 0);
    assert_eq!(
        [
            at(Male, ForcedCriminality),
            at(Male, ForcedLabour),
            at(Male, Sexual),
            at(Male, SlaveryLike)
        ],
        [15, 14, 2, 2]
    );
    assert_eq!(at(TransFemale, Sexual), 1);
    let construction = tally(
        v.iter()
            .filter(|d| {
                d.exploitation_subtype
                    .as_ref()
                    .is_some_and(|s| s.as_str() == "construction")
            })
            .map(|d| d.gender),
    );
    assert_eq!(construction, BTreeMap::from([(Female, 2), (Male, 10)]));
    let private_care = v
        .iter()
        .filter(|d| {
            d.exploitation_subtype
                .as_ref()
                .is_some_and(|s| s.as_str() == "private_care_cleaning")
        })
        .filter(|d| d.gender == Female)
        .count();
    assert_eq!(private_care, 3);

    // Ages: every age known; minors one girl and two boys (one in criminality, one in
    // slavery-like); sexual exploitation and forced labour all adults.
    let ages: Vec<u32> = v
        .iter()
        .map(|d| u32::from(d.age.expect("every age is known")))
        .collect();
    assert_eq!(ages.iter().min(), Some(&17));
    assert_eq!(ages.iter().max(), Some(&53));
    let mean = f64::from(ages.iter().sum::<u32>()) / ages.len() as f64;
    assert!(
        (32.6..33.0).contains(&mean),
        "mean age {mean} is not just under 33"
    );
    assert_eq!(ages.iter().filter(|&&a| a < 25).count(), 26);
    assert_eq!(ages.iter().filter(|&&a| a == 17).count(), 3);
    let minors = tally(
        v.iter()
            .filter(|d| d.age.unwrap() < 18)
            .map(|d| (d.gender, d.exploitation_form.unwrap())),
    );
    assert_eq!(
        minors,
        BTreeMap::from([
            ((Female, Form::Other), 1),
            ((Male, ForcedCriminality), 1),
            ((Male, SlaveryLike), 1)
        ])
    );
    assert!(
        v.iter()
            .filter(|d| matches!(d.exploitation_form, Some(Sexual | ForcedLabour)))
            .all(|d| d.age.unwrap() >= 18)
    );
    // Under 25: a little over half are men and boys; criminality is the most common form.
    let under25: Vec<_> = v.iter().filter(|d| d.age.unwrap() < 25).collect();
    let males = under25.iter().filter(|d| d.gender == Male).count();
    assert!(
        males * 2 > under25.len() && males * 10 < under25.len() * 6,
        "{males} of {}",
        under25.len()
    );
    let u25_forms = tally(under25.iter().map(|d| d.exploitation_form.unwrap()));
    let top = u25_forms.values().max().unwrap();
    assert_eq!(u25_forms[&ForcedCriminality], *top);
    assert_eq!(u25_forms.values().filter(|&&c| c == *top).count(), 1);

    // Thailand and Nigeria as the text describes them.
    let of = |c: &str| {
        v.iter()
            .filter(|d| d.nationality.as_str() == c)
            .collect::<Vec<_>>()
    };
    let thai = of("TH");
    assert!(thai.iter().all(|d| d.exploitation_form == Some(Sexual)));
    assert_eq!(
        tally(thai.iter().map(|d| d.gender)),
        BTreeMap::from([(Female, 16), (TransFemale, 1)])
    );
    let nigerian = of("NG");
    assert_eq!(
        tally(nigerian.iter().map(|d| d.gender)),
        BTreeMap::from([(Female, 16), (Male, 4)])
    );

    // Repeat victims: an identified decision in an earlier year, same person.
    let earlier: BTreeSet<&str> = reg
        .identifications
        .iter()
        .filter(|d| d.outcome == Outcome::Identified && d.decision_date.year() < YEAR)
        .map(|d| d.person_ref.as_str())
        .collect();
    let repeat = tally(
        v.iter()
            .filter(|d| earlier.contains(d.person_ref.as_str()))
            .map(|d| d.nationality.as_str()),
    );
    assert_eq!(repeat, expected(&[("NG", 8)]));

    // Decisions that must not count, and every authority at work.
    let decisions_2023: Vec<_> = reg
        .identifications
        .iter()
        .filter(|d| d.decision_date.year() == YEAR)
        .collect();
    assert!(
        decisions_2023
            .iter()
            .filter(|d| d.outcome == Outcome::NotIdentified)
            .count()
            >= 5
    );
    assert!(
        decisions_2023.len() > 112,
        "a person with two decisions in 2023 counts once"
    );
    let authorities = tally(decisions_2023.iter().map(|d| d.authority.code()));
    assert_eq!(authorities.len(), 3, "{authorities:?}");

    // Hotline: calls received in 2023 Copenhagen time.
    let calls: Vec<_> = reg
        .hotline_calls
        .iter()
        .filter(|c| copenhagen_year(&c.received_at) == YEAR)
        .collect();
    assert_eq!(calls.len(), 503);
    assert_eq!(
        calls.iter().filter(|c| c.concerns_possible_victim).count(),
        339
    );
    let utc_year_count = reg
        .hotline_calls
        .iter()
        .filter(|c| c.received_at.naive_utc().year() == YEAR)
        .count();
    assert_ne!(
        utc_year_count, 503,
        "some calls sit where the UTC and Copenhagen years differ"
    );
    assert!(tally(calls.iter().map(|c| c.caller_type)).len() >= 5);
    assert!(tally(calls.iter().filter_map(|c| c.topic)).len() >= 4);

    // Assessed persons: distinct persons interviewed in 2023.
    let interviews: Vec<_> = reg
        .assessments
        .iter()
        .filter(|a| a.interview_date.year() == YEAR)
        .collect();
    let assessed: BTreeMap<&str, &str> = interviews
        .iter()
        .map(|a| (a.person_ref.as_str(), a.nationality.as_str()))
        .collect();
    assert_eq!(assessed.len(), 290);
    assert!(interviews.len() > 290, "some persons are interviewed twice");
    let thai_assessed = assessed.values().filter(|&&c| c == "TH").count();
    assert!(
        (68..=76).contains(&thai_assessed),
        "a quarter of 290 are Thai: {thai_assessed}"
    );
    let ng_assessed: Vec<_> = assessed
        .iter()
        .filter(|(_, c)| **c == "NG")
        .map(|(p, _)| *p)
        .collect();
    assert!(
        (26..=32).contains(&ng_assessed.len()),
        "about a tenth are Nigerian: {}",
        ng_assessed.len()
    );
    let victim_refs: BTreeSet<&str> = v.iter().map(|d| d.person_ref.as_str()).collect();
    let ng_identified = ng_assessed
        .iter()
        .filter(|p| victim_refs.contains(*p))
        .count();
    assert!(
        ng_identified * 10 >= ng_assessed.len() * 4 && ng_identified * 10 <= ng_assessed.len() * 6,
        "about half of the assessed Nigerians are identified: {ng_identified} of {}",
        ng_assessed.len()
    );
    let victims_assessed = victim_refs
        .iter()
        .filter(|p| assessed.contains_key(*p))
        .count();
    assert!(
        victims_assessed * 10 >= 112 * 8,
        "most victims were assessed: {victims_assessed}"
    );

    // History: the series 2007–2022 reconcile and, with 2023, make the report's 1233.
    let hist = |s: Series, cat: Option<&str>| -> BTreeMap<i32, u64> {
        reg.history
            .iter()
            .filter(|h| h.series == s && h.category.as_deref() == cat)
            .map(|h| (h.year, h.count.unwrap()))
            .collect()
    };
    let victims_by_year = hist(Series::Victims, None);
    assert_eq!(
        victims_by_year.keys().copied().collect::<Vec<_>>(),
        (2007..=2022).collect::<Vec<_>>()
    );
    assert_eq!(victims_by_year.values().sum::<u64>() + v.len() as u64, 1233);
    assert_eq!(victims_by_year[&2022], 73);
    for (&year, &total) in &victims_by_year {
        for series in [Series::VictimsByForm, Series::VictimsByGender] {
            let parts: u64 = reg
                .history
                .iter()
                .filter(|h| h.series == series && h.year == year)
                .map(|h| h.count.unwrap())
                .sum();
            assert_eq!(parts, total, "{series} {year}");
        }
    }
    assert_eq!(hist(Series::VictimsByGender, Some("male"))[&2015], 42);
    assert_eq!(hist(Series::VictimsByGender, Some("trans"))[&2017], 4);
    assert_eq!(hist(Series::VictimsByForm, Some("other_forms"))[&2018], 12);
    assert_eq!(
        hist(Series::HotlineCalls, None),
        BTreeMap::from([(2020, 223), (2021, 273), (2022, 384)])
    );
    assert_eq!(
        hist(Series::AssessedPersons, None),
        BTreeMap::from([(2020, 182), (2021, 193), (2022, 235)])
    );
}

#[tokio::test]
async fn running_demo_twice_gives_the_same_register() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_demo(&a);
    let first = load(&a).await;
    // A change to the old demo database must not survive the next run: it is replaced.
    {
        let store = spor_store::sqlite::SqliteStore::open_path(&a.join("spor-demo.db"))
            .await
            .unwrap();
        let extra = spor_core::HotlineCall {
            call_ref: spor_core::Ref::parse("EXTRA-1").unwrap(),
            received_at: spor_core::parse_timestamp("2023-06-01T10:00:00").unwrap(),
            caller_type: spor_core::CallerType::Citizen,
            concerns_possible_victim: false,
            topic: None,
        };
        let batch = spor_core::ImportBatch {
            hotline_calls: vec![extra],
            ..Default::default()
        };
        store.apply_import(&batch).await.unwrap();
        assert_eq!(
            store.load_register().await.unwrap().hotline_calls.len(),
            first.hotline_calls.len() + 1
        );
    }
    run_demo(&a);
    run_demo(&b);
    for other in [load(&a).await, load(&b).await] {
        assert_eq!(first.identifications, other.identifications);
        assert_eq!(first.assessments, other.assessments);
        assert_eq!(first.hotline_calls, other.hotline_calls);
        assert_eq!(first.history, other.history);
        assert_eq!(first.microdata_from, other.microdata_from);
    }
}

/// The report's closing breakdown (nationality → gender/age → form), as reconciled with the
/// one-dimensional tables and the text (docs/seed-discrepancies.md, items 3 and 4): the
/// "Spanien 3" block is left out, "Frankrig" is the second Algerian, the Moroccan in it
/// listed as under 18 is an adult and the Eritrean man is the boy in slavery-like conditions.
/// "other_forms" is the report's "Øvrig udnyttelsesform" (other + unresolved).
const BREAKDOWN_2023: &str = "
NG F adult sexual 15 | NG F adult forced_labour 1 | NG M adult forced_criminality 1
NG M adult forced_labour 1 | NG M adult slavery_like 1 | NG M adult other_forms 1
TH F adult sexual 16 | TH TF adult sexual 1
UA F adult sexual 2 | UA F adult forced_labour 2 | UA F adult slavery_like 1 | UA M adult forced_labour 3
RO F adult sexual 3 | RO F adult slavery_like 1 | RO M adult forced_labour 3
PH F adult forced_labour 4 | PH F adult slavery_like 1
VN M adult forced_labour 3 | VN M adult forced_criminality 2
BR F adult sexual 2 | BR F adult forced_labour 1 | BR F adult slavery_like 1
MA M adult forced_criminality 4
UG F adult sexual 1 | UG F adult other_forms 1 | UG M adult sexual 1 | UG M adult forced_labour 1
DK F adult sexual 2 | DK M adult forced_criminality 1
SO F adult sexual 2 | SO F adult forced_labour 1
SY F adult slavery_like 1 | SY F minor other_forms 1 | SY M minor forced_criminality 1
AL F adult sexual 1 | AL M adult forced_criminality 1
CO F adult sexual 2 | CD M adult sexual 1 | CD M adult forced_labour 1 | CN F adult sexual 2
MK F adult slavery_like 2 | AF F adult slavery_like 1 | DZ M adult forced_criminality 2
BD F adult other_forms 1 | BI M adult other_forms 1 | EC F adult sexual 1
EG M adult forced_labour 1 | ER M minor slavery_like 1 | GM M adult forced_labour 1
IR M adult forced_criminality 1 | LV M adult forced_criminality 1 | PA F adult sexual 1
PY F adult sexual 1 | RU F adult sexual 1 | ES M adult forced_criminality 1
LK F adult slavery_like 1 | STATELESS_PS F adult sexual 1 | HU F adult sexual 1
GQ F adult sexual 1
";

#[tokio::test]
async fn demo_register_reproduces_the_reconciled_nationality_gender_age_form_breakdown() {
    let tmp = tempfile::tempdir().unwrap();
    run_demo(tmp.path());
    let reg = load(tmp.path()).await;

    let mut want: BTreeMap<(String, &str, &str, &str), usize> = BTreeMap::new();
    for cell in BREAKDOWN_2023
        .split(['|', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let f: Vec<&str> = cell.split_whitespace().collect();
        let gender = match f[1] {
            "F" => "female",
            "M" => "male",
            _ => "trans_female",
        };
        let key = (f[0].to_string(), gender, f[2], f[3]);
        assert!(
            want.insert(key, f[4].parse().unwrap()).is_none(),
            "{cell} twice"
        );
    }
    assert_eq!(want.values().sum::<usize>(), 112);

    let got = tally(victims(&reg, YEAR).into_iter().map(|d| {
        let age = if d.age.unwrap() < 18 {
            "minor"
        } else {
            "adult"
        };
        let form = match d.exploitation_form.unwrap() {
            Form::Other | Form::Unresolved => "other_forms",
            f => f.code(),
        };
        (
            d.nationality.as_str().to_string(),
            d.gender.code(),
            age,
            form,
        )
    }));
    assert_eq!(got, want);
}
