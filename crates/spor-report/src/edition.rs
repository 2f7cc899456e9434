//! What every edition says besides its sections: the key figures on the cover and "Om
//! tallene" (how the figures are counted). The HTML, the XLSX and the PDF (`spor-pdf`)
//! read them from here, so their wording and their rules are the same.

use crate::tables::View;
use spor_stats::Report;

/// A key figure of the cover: "112" over "personer vurderet udsat for menneskehandel".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFigure {
    pub value: u64,
    /// Danish, singular or plural after the value.
    pub label: &'static str,
}

/// The cover's key figures, in this order: victims, assessed persons, hotline calls,
/// nationalities. A figure the report has neither as a fact nor in its tables is left
/// out, and so is a fact the public profile withheld (never computed from the tables
/// instead).
pub fn key_figures(report: &Report) -> Vec<KeyFigure> {
    let v = View::new(report);
    let y = report.year;
    [
        (
            v.victims(),
            "person vurderet udsat for menneskehandel",
            "personer vurderet udsat for menneskehandel",
        ),
        (
            v.fact_or(v.facts().assessed_persons, || {
                v.year_value("assessed_persons_by_year", None, y)
            }),
            "person udredt for menneskehandel",
            "personer udredt for menneskehandel",
        ),
        (
            v.fact_or(v.facts().hotline_calls, || {
                v.year_value("hotline_calls_by_year", Some("calls"), y)
            }),
            "opkald på hotlinen",
            "opkald på hotlinen",
        ),
        (
            v.fact_or(v.facts().nationalities, || None),
            "nationalitet",
            "nationaliteter",
        ),
    ]
    .into_iter()
    .filter_map(|(value, one, many)| {
        let value = value?;
        Some(KeyFigure {
            value,
            label: if value == 1 { one } else { many },
        })
    })
    .collect()
}

/// The short title of [`About`], also the name of the XLSX edition's first sheet (sheet
/// names are fixed when the workbook is made, before any report is read).
pub const ABOUT_TITLE: &str = "Om tallene";

/// "Om tallene": the closing part of every edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    /// Its short title, in the contents and as the XLSX sheet's name: "Om tallene".
    pub title: &'static str,
    /// Its heading: "Sådan er tallene opgjort".
    pub headline: &'static str,
    pub parts: Vec<AboutPart>,
}

/// One part of [`About`], under its own heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AboutPart {
    pub heading: &'static str,
    /// Plain text (renderers escape).
    pub paragraphs: Vec<String>,
    /// A list after the paragraphs (may be empty).
    pub items: Vec<&'static str>,
}

/// How the figures of `report` are counted, in Danish, for the centre `centre`; in the
/// public profile the disclosure note closes it.
pub fn about(report: &Report, centre: &str) -> About {
    let year = report.year;
    let mut counting = vec![
        format!(
            "Alle tal er opgjort direkte fra {centre}s register, og alle tabeller og figurer \
             kommer fra det samme register. En person tæller med i {year}, hvis en myndighed \
             i {year} har truffet afgørelse om, at personen er udsat for menneskehandel. Året \
             er året for afgørelsen."
        ),
        "En person tæller kun én gang pr. år. Har en person fået flere afgørelser i samme år, \
         er det oplysningerne fra den seneste afgørelse, der tæller. Afgørelser om, at en \
         person ikke er udsat for menneskehandel, tæller ikke med."
            .to_string(),
        "En genganger er en person, der også er vurderet udsat for menneskehandel i et \
         tidligere år. Alder er alderen på afgørelsestidspunktet; mindreårige er under 18 år. \
         Personer, hvis alder ikke kendes, opgøres for sig, og alderen gættes aldrig."
            .to_string(),
        format!(
            "Forberedte hjemsendelser i {year} er personer vurderet udsat for menneskehandel \
             i {year}, som er rejst hjem senest den 31. december {year}. Rejser en person til \
             et andet land end det, personen er statsborger i, tæller rejsen som hjemsendelse \
             til et tredjeland."
        ),
        "Opkald til hotlinen tælles i det år, opkaldet er modtaget (dansk tid). Udredte \
         personer er de personer, som centret har haft mindst én udredende samtale med i \
         året; hver person tælles én gang."
            .to_string(),
        "I tidsserierne er udnyttelsesformerne samlet i fem grupper: seksuel udnyttelse, \
         tvangsarbejde, strafbare handlinger, slaverilignende forhold og øvrige (anden form \
         for udnyttelse og uafklaret). Transkvinder og transmænd er samlet som transkønnede."
            .to_string(),
        "For år, før registeret rummer oplysninger om hver enkelt person, bygger tidsserierne \
         på de tal, der blev offentliggjort for de år. En tankestreg (–) betyder, at tallet \
         ikke er opgjort. Alle totaler (I alt) er summen af deres dele."
            .to_string(),
        "Rækkerne i tabellerne over ét år er sorteret efter antal og derefter alfabetisk."
            .to_string(),
    ];
    counting.extend(report.disclosure_note.clone());
    let mut parts = vec![
        AboutPart {
            heading: "Hvem vurderer, om en person er udsat for menneskehandel",
            paragraphs: vec![
                "Begrebet ’personer udsat for menneskehandel’ betyder, at personerne er \
                     vurderet udsat for menneskehandel af danske myndigheder. Der er flere \
                     myndigheder, som kan træffe den afgørelse:"
                    .to_string(),
            ],
            items: vec![
                "Udlændingestyrelsen, hvis personen er uden lovligt ophold i Danmark eller \
                     søger asyl.",
                "Center mod Menneskehandel, hvis personen har lovligt ophold i Danmark.",
                "Domstole og anklagemyndigheden, som i straffesager kan træffe afgørelse \
                     om, at en person er udsat for menneskehandel.",
            ],
        },
        AboutPart {
            heading: "Hvordan tallene tælles",
            paragraphs: counting,
            items: Vec::new(),
        },
    ];
    parts.extend(revisions(report));
    About {
        title: ABOUT_TITLE,
        headline: "Sådan er tallene opgjort",
        parts,
    }
}

/// The title of the part of every edition that says how each key figure (fact) is
/// counted ([`spor_stats::describe::fact_definitions`]); also the XLSX sheet's name.
pub const FACTS_TITLE: &str = "Sådan tælles nøgletallene";

/// The heading of [`About`]'s part on revised figures.
pub const REVISIONS_HEADING: &str = "Reviderede tal";

/// The part of [`About`] that states the figures of earlier years this edition gives
/// differently from the release that published them: one sentence per headline figure,
/// then every revised table cell (marked "*" in its table). `None` when nothing is revised.
pub fn revisions(report: &Report) -> Option<AboutPart> {
    if report.revisions.is_empty() {
        return None;
    }
    let mut paragraphs = vec![
        "Tal for tidligere år kan ændre sig, efter at de er offentliggjort: en afgørelse kan \
         blive registreret sent eller rettet. Her er de tal, som denne udgave opgør anderledes \
         end den seneste udgivelse for det pågældende år."
            .to_string(),
    ];
    paragraphs.extend(report.fact_revisions().iter().map(|r| r.note.clone()));
    for (id, t) in crate::tables::ordered(report) {
        if let Some(note) = report.revision_note(id) {
            paragraphs.push(format!("{}: {note}", t.title));
        }
    }
    Some(AboutPart {
        heading: REVISIONS_HEADING,
        paragraphs,
        items: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_figures_come_from_the_facts_and_fall_back_to_the_tables() {
        let mut report = crate::sample::report_2023();
        let values = |r: &Report| -> Vec<(u64, &'static str)> {
            key_figures(r).iter().map(|k| (k.value, k.label)).collect()
        };
        let with_facts = values(&report);
        assert_eq!(
            with_facts[0],
            (112, "personer vurderet udsat for menneskehandel")
        );
        report.facts.assessed_persons = None;
        report.facts.hotline_calls = None;
        report.facts.nationalities = None;
        // The tables give the same numbers; the number of nationalities is only a fact.
        assert_eq!(values(&report), &with_facts[..3]);
    }

    #[test]
    fn a_withheld_fact_is_not_on_the_cover_nor_computed_from_the_tables() {
        let mut report = crate::sample::report_2023();
        report.disclosure_note = Some("· = skjult".to_string());
        report.facts.assessed_persons = None;
        let labels: Vec<&str> = key_figures(&report).iter().map(|k| k.label).collect();
        assert!(
            !labels.contains(&"personer udredt for menneskehandel"),
            "{labels:?}"
        );
    }

    #[test]
    fn a_single_case_is_named_in_the_singular() {
        let mut report = crate::sample::report_2023();
        report.facts.nationalities = Some(1);
        let last = key_figures(&report).pop().unwrap();
        assert_eq!((last.value, last.label), (1, "nationalitet"));
    }

    #[test]
    fn the_public_profiles_note_closes_om_tallene() {
        let mut report = crate::sample::report_2023();
        assert!(
            about(&report, "Centret").parts[1]
                .paragraphs
                .last()
                .unwrap()
                .starts_with("Rækkerne")
        );
        report.disclosure_note = Some("· = skjult af hensyn til fortrolighed".to_string());
        let a = about(&report, "Centret");
        assert_eq!(
            a.parts[1].paragraphs.last().unwrap(),
            "· = skjult af hensyn til fortrolighed"
        );
        assert!(a.parts[1].paragraphs[0].contains("Centrets register"));
    }
}
