//! The wording rules of the narrative: every number-bearing phrase of the editions is
//! chosen here from the numbers, never a fixed sentence with a number pasted in.
//!
//! - [`fraction`]: a share as the nearest simple fraction, qualified honestly ("knap hver
//!   fjerde", "mere end halvdelen", "to tredjedele", "omkring en tiendedel").
//! - [`change`] / [`change_pct`]: "en stigning på 53 pct.", "et fald på 4 pct.", "uændret".
//! - [`multiple`]: "fordoblet", "mere end fordoblet", "næsten tredoblet".
//! - [`times_as`]: "mere end dobbelt så", "tre gange så".
//! - [`count`] / [`count_noun`]: numbers one to nine as words, as the edition writes them
//!   ("Tre personer", "ni kvinder", "en dreng"); 10 and up as digits in the Danish format
//!   ("10 af mændene", "1.233 personer").
//! - [`approx`]: "knap 33", "lidt over 33"; [`more_than_round`]: "mere end 500".

use crate::format;

/// How a share is said: "en fjerdedel" (a part of a whole) or "hver fjerde" (one in N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Share,
    Each,
}

struct Frac {
    num: u64,
    den: u64,
    share: &'static str,
    each: Option<&'static str>,
}

const FRACTIONS: &[Frac] = &[
    Frac {
        num: 1,
        den: 10,
        share: "en tiendedel",
        each: Some("hver tiende"),
    },
    Frac {
        num: 1,
        den: 5,
        share: "en femtedel",
        each: Some("hver femte"),
    },
    Frac {
        num: 1,
        den: 4,
        share: "en fjerdedel",
        each: Some("hver fjerde"),
    },
    Frac {
        num: 1,
        den: 3,
        share: "en tredjedel",
        each: Some("hver tredje"),
    },
    Frac {
        num: 1,
        den: 2,
        share: "halvdelen",
        each: Some("hver anden"),
    },
    Frac {
        num: 2,
        den: 3,
        share: "to tredjedele",
        each: None,
    },
    Frac {
        num: 3,
        den: 4,
        share: "tre fjerdedele",
        each: None,
    },
    Frac {
        num: 9,
        den: 10,
        share: "ni ud af ti",
        each: None,
    },
];

impl Frac {
    fn value(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
    fn say(&self, style: Style) -> &'static str {
        match style {
            Style::Each => self.each.unwrap_or(self.share),
            Style::Share => self.share,
        }
    }
}

/// Relative deviation within which a share is said as the bare fraction (76/112 = 0,679 is
/// "to tredjedele"). Not for halvdelen, where being over or under is the point.
const BARE: f64 = 0.02;
/// Within this, "omkring".
const AROUND: f64 = 0.05;
/// Below the fraction by at most this: "knap".
const JUST_UNDER: f64 = 0.15;
/// Above the fraction by at most this: "lidt over".
const JUST_OVER: f64 = 0.12;

/// `part` of `whole` as a Danish fraction phrase, or `None` when `whole` is 0 or `part`
/// exceeds it.
///
/// The nearest simple fraction f (by relative deviation d = (r − f)/f) is named, and the
/// qualifier says honestly on which side of it the exact ratio r lies:
/// exact → bare ("halvdelen"); over one half → "mere end halvdelen", just under → "knap
/// halvdelen"; |d| ≤ 2 % → bare; |d| ≤ 5 % → "omkring"; under by ≤ 15 % → "knap"; over by
/// ≤ 12 % → "lidt over"; further away → "mere end" the largest fraction below r (or
/// "under en tiendedel"). 0 → "ingen", all → "alle".
pub fn fraction(part: u64, whole: u64, style: Style) -> Option<String> {
    if whole == 0 || part > whole {
        return None;
    }
    if part == 0 {
        return Some("ingen".to_string());
    }
    if part == whole {
        return Some("alle".to_string());
    }
    let r = part as f64 / whole as f64;
    let dev = |f: &Frac| (r - f.value()) / f.value();
    let nearest = FRACTIONS
        .iter()
        .min_by(|a, b| dev(a).abs().total_cmp(&dev(b).abs()))?;
    let d = dev(nearest);
    let exact = part * nearest.den == nearest.num * whole;
    let over = part * nearest.den > nearest.num * whole;
    let is_half = nearest.num * 2 == nearest.den;
    let phrase = if exact {
        nearest.say(style).to_string()
    } else if is_half && over {
        format!("mere end {}", nearest.say(style))
    } else if is_half && d >= -JUST_UNDER {
        format!("knap {}", nearest.say(style))
    } else if !is_half && d.abs() <= BARE {
        nearest.say(style).to_string()
    } else if !is_half && d.abs() <= AROUND {
        format!("omkring {}", nearest.say(style))
    } else if !over && -d <= JUST_UNDER {
        format!("knap {}", nearest.say(style))
    } else if over && d <= JUST_OVER {
        // "lidt over hver fjerde" is not Danish: say the share.
        format!("lidt over {}", nearest.share)
    } else {
        match FRACTIONS
            .iter()
            .rev()
            .find(|f| part * f.den > f.num * whole)
        {
            Some(below) => format!("mere end {}", below.share),
            None => "under en tiendedel".to_string(),
        }
    };
    Some(phrase)
}

/// Percentage change from `prev` to `cur`, or `None` when `prev` is 0.
pub fn pct_change(prev: u64, cur: u64) -> Option<f64> {
    (prev > 0).then(|| (cur as f64 - prev as f64) / prev as f64 * 100.0)
}

/// A change in per cent, rounded to whole per cent: "en stigning på 53 pct.", "et fald på
/// 4 pct.", "næsten uændret" (rounds to 0), "uændret" (exactly 0).
pub fn change_pct(pct: f64) -> String {
    let rounded = pct.round();
    if pct == 0.0 {
        "uændret".to_string()
    } else if rounded == 0.0 {
        "næsten uændret".to_string()
    } else if rounded > 0.0 {
        format!("en stigning på {} pct.", format::int(rounded as u64))
    } else {
        format!("et fald på {} pct.", format::int((-rounded) as u64))
    }
}

/// The change from `prev` to `cur` as [`change_pct`]; `None` when `prev` is 0.
pub fn change(prev: u64, cur: u64) -> Option<String> {
    pct_change(prev, cur).map(change_pct)
}

/// The change from `prev` to `cur` said as a fraction of `prev`: "en stigning på knap en
/// fjerdedel" (235 → 290). Falls back to [`change`] when the change is larger than `prev`.
pub fn change_as_fraction(prev: u64, cur: u64) -> Option<String> {
    if prev == 0 {
        return None;
    }
    if cur == prev {
        return Some("uændret".to_string());
    }
    let (word, diff) = if cur > prev {
        ("en stigning på", cur - prev)
    } else {
        ("et fald på", prev - cur)
    };
    match fraction(diff, prev, Style::Share) {
        Some(f) if f != "alle" => Some(format!("{word} {f}")),
        _ => change(prev, cur),
    }
}

const MULTIPLES: [&str; 9] = [
    "fordoblet",
    "tredoblet",
    "firdoblet",
    "femdoblet",
    "seksdoblet",
    "syvdoblet",
    "ottedoblet",
    "nidoblet",
    "tidoblet",
];

/// Growth from `prev` to `cur` as a multiple, or `None` below 1,9 times (say a percentage
/// then): exactly k times → "fordoblet"/"tredoblet"; at least 90 % of the next whole multiple
/// → "næsten tredoblet"; otherwise "mere end" the whole multiple below.
pub fn multiple(prev: u64, cur: u64) -> Option<String> {
    if prev == 0 || cur * 10 < prev * 19 {
        return None;
    }
    let ratio = cur as f64 / prev as f64;
    let word = |k: u64| MULTIPLES.get((k as usize).checked_sub(2)?).copied();
    if cur.is_multiple_of(prev)
        && let Some(w) = word(cur / prev)
    {
        return Some(w.to_string());
    }
    let up = ratio.ceil() as u64;
    if cur * 10 >= prev * up * 9
        && let Some(w) = word(up)
    {
        return Some(format!("næsten {w}"));
    }
    let down = ratio.floor() as u64;
    word(down.clamp(2, 10)).map(|w| format!("mere end {w}"))
}

/// How many times `a` is `b`, for "… er {} højt som …": "dobbelt så", "mere end dobbelt
/// så", "næsten tre gange så"; `None` below 1,9 times.
pub fn times_as(a: u64, b: u64) -> Option<String> {
    if b == 0 || a * 10 < b * 19 {
        return None;
    }
    let name = |k: u64| match k {
        2 => Some("dobbelt så".to_string()),
        3..=12 => Some(format!("{} gange så", number_word(k, Genus::Common)?)),
        _ => None,
    };
    if a.is_multiple_of(b) {
        return name(a / b);
    }
    let ratio = a as f64 / b as f64;
    let up = ratio.ceil() as u64;
    if a * 10 >= b * up * 9
        && let Some(n) = name(up)
    {
        return Some(format!("næsten {n}"));
    }
    name((ratio.floor() as u64).max(2)).map(|n| format!("mere end {n}"))
}

/// Grammatical gender of the counted noun: "en kvinde", "et land".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Genus {
    Common,
    Neuter,
}

/// The Danish word for 1–12 ("en"/"et", "to", … "tolv").
pub fn number_word(n: u64, genus: Genus) -> Option<&'static str> {
    Some(match n {
        1 => match genus {
            Genus::Common => "en",
            Genus::Neuter => "et",
        },
        2 => "to",
        3 => "tre",
        4 => "fire",
        5 => "fem",
        6 => "seks",
        7 => "syv",
        8 => "otte",
        9 => "ni",
        10 => "ti",
        11 => "elleve",
        12 => "tolv",
        _ => return None,
    })
}

/// A count as the edition writes it in running text: one to nine in words, 10 and up (and
/// 0) in digits with Danish thousands separators.
pub fn count(n: u64, genus: Genus) -> String {
    match n {
        1..=9 => number_word(n, genus).unwrap_or_default().to_string(),
        _ => format::int(n),
    }
}

/// A Danish noun in singular and plural.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    pub singular: &'static str,
    pub plural: &'static str,
    pub genus: Genus,
}

impl Noun {
    pub const fn common(singular: &'static str, plural: &'static str) -> Self {
        Noun {
            singular,
            plural,
            genus: Genus::Common,
        }
    }
    pub fn form(&self, n: u64) -> &'static str {
        if n == 1 { self.singular } else { self.plural }
    }
}

pub const PERSON: Noun = Noun::common("person", "personer");
pub const WOMAN: Noun = Noun::common("kvinde", "kvinder");
pub const GIRL: Noun = Noun::common("pige", "piger");
pub const MAN: Noun = Noun::common("mand", "mænd");
pub const BOY: Noun = Noun::common("dreng", "drenge");
pub const TRANS: Noun = Noun::common("transperson", "transpersoner");
pub const COUNTRY: Noun = Noun {
    singular: "land",
    plural: "lande",
    genus: Genus::Neuter,
};

/// "ni kvinder", "en dreng", "35 mænd".
pub fn count_noun(n: u64, noun: Noun) -> String {
    format!("{} {}", count(n, noun.genus), noun.form(n))
}

/// A decimal said in words around the nearest whole number: 32,8 → "knap 33", 33,2 →
/// "lidt over 33", 33,0 → "33"; further than 0,3 from a whole number it is written out
/// ("32,5").
pub fn approx(x: f64) -> String {
    let whole = x.round();
    let diff = x - whole;
    if diff.abs() < 0.05 {
        format::decimal(whole, 0)
    } else if diff.abs() > 0.3 {
        format::decimal(x, 1)
    } else if diff < 0.0 {
        format!("knap {}", format::decimal(whole, 0))
    } else {
        format!("lidt over {}", format::decimal(whole, 0))
    }
}

/// "mere end 500" for 503: the round number just below (a multiple of the leading digit's
/// place); `None` when `n` is itself round or below 20.
pub fn more_than_round(n: u64) -> Option<String> {
    if n < 20 {
        return None;
    }
    let step = 10u64.pow(n.ilog10());
    let floor = n / step * step;
    (floor != n).then(|| format!("mere end {}", format::int(floor)))
}

/// Joins with commas and a final "og": "a, b og c".
pub fn list_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

/// First letter upper case (for a phrase that starts a sentence or a headline).
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_phrases_name_the_nearest_simple_fraction_and_the_side_it_is_on() {
        let cases: &[(u64, u64, Style, &str, &str)] = &[
            (
                26,
                112,
                Style::Each,
                "knap hver fjerde",
                "0,232 is just under 1/4",
            ),
            (
                58,
                112,
                Style::Share,
                "mere end halvdelen",
                "0,518 is over 1/2",
            ),
            (
                76,
                112,
                Style::Share,
                "to tredjedele",
                "0,679 is within 2 % of 2/3",
            ),
            (56, 112, Style::Share, "halvdelen", "exactly 1/2"),
            (
                37,
                112,
                Style::Share,
                "en tredjedel",
                "0,330 is within 2 % of 1/3",
            ),
            (
                55,
                235,
                Style::Share,
                "knap en fjerdedel",
                "0,234: 2023 assessed increase",
            ),
            (29, 290, Style::Share, "en tiendedel", "exactly 1/10"),
            (
                30,
                290,
                Style::Share,
                "omkring en tiendedel",
                "0,103 is within 5 %",
            ),
            (14, 26, Style::Share, "mere end halvdelen", "0,538"),
            (12, 26, Style::Share, "knap halvdelen", "0,462"),
            (
                27,
                100,
                Style::Each,
                "lidt over en fjerdedel",
                "no 'lidt over hver fjerde'",
            ),
            (
                29,
                100,
                Style::Share,
                "knap en tredjedel",
                "0,29 is 13 % under 1/3",
            ),
            (
                42,
                100,
                Style::Share,
                "mere end en tredjedel",
                "far from any fraction",
            ),
            (
                7,
                100,
                Style::Share,
                "under en tiendedel",
                "below the smallest fraction",
            ),
            (
                15,
                100,
                Style::Share,
                "mere end en tiendedel",
                "between 1/10 and 1/5",
            ),
            (80, 100, Style::Share, "lidt over tre fjerdedele", "0,80"),
            (0, 5, Style::Share, "ingen", "none"),
            (5, 5, Style::Share, "alle", "all"),
            (1, 3, Style::Each, "hver tredje", "exact, each-style"),
        ];
        for (part, whole, style, want, why) in cases {
            assert_eq!(
                fraction(*part, *whole, *style).as_deref(),
                Some(*want),
                "{part}/{whole}: {why}"
            );
        }
        assert_eq!(fraction(1, 0, Style::Share), None, "no whole");
        assert_eq!(fraction(3, 2, Style::Share), None, "part above whole");
    }

    #[test]
    fn changes_are_said_as_increase_decrease_or_unchanged() {
        let cases: &[(u64, u64, &str)] = &[
            (73, 112, "en stigning på 53 pct."),
            (112, 73, "et fald på 35 pct."),
            (80, 80, "uændret"),
            (1000, 1001, "næsten uændret"),
            (384, 503, "en stigning på 31 pct."),
            (100, 2500, "en stigning på 2.400 pct."),
        ];
        for (prev, cur, want) in cases {
            assert_eq!(
                change(*prev, *cur).as_deref(),
                Some(*want),
                "{prev} → {cur}"
            );
        }
        assert_eq!(change(0, 5), None);
        assert_eq!(change_pct(53.4), "en stigning på 53 pct.");
        assert_eq!(
            change_as_fraction(235, 290).as_deref(),
            Some("en stigning på knap en fjerdedel")
        );
        assert_eq!(
            change_as_fraction(100, 50).as_deref(),
            Some("et fald på halvdelen")
        );
    }

    #[test]
    fn multiples_say_doubled_only_when_it_is_true() {
        let cases: &[(u64, u64, Option<&str>)] = &[
            (8, 17, Some("mere end fordoblet")),
            (8, 16, Some("fordoblet")),
            (10, 19, Some("næsten fordoblet")),
            (4, 11, Some("næsten tredoblet")),
            (4, 12, Some("tredoblet")),
            (4, 10, Some("mere end fordoblet")),
            (10, 18, None),
            (0, 5, None),
            (1, 40, Some("mere end tidoblet")),
        ];
        for (prev, cur, want) in cases {
            assert_eq!(multiple(*prev, *cur).as_deref(), *want, "{prev} → {cur}");
        }
        assert_eq!(times_as(76, 35).as_deref(), Some("mere end dobbelt så"));
        assert_eq!(times_as(70, 35).as_deref(), Some("dobbelt så"));
        assert_eq!(times_as(100, 35).as_deref(), Some("næsten tre gange så"));
        assert_eq!(times_as(60, 35), None);
    }

    #[test]
    fn small_counts_are_words_and_large_counts_digits() {
        assert_eq!(count_noun(9, WOMAN), "ni kvinder");
        assert_eq!(count_noun(1, BOY), "en dreng");
        assert_eq!(count_noun(2, BOY), "to drenge");
        assert_eq!(count_noun(1, COUNTRY), "et land");
        assert_eq!(count_noun(35, MAN), "35 mænd");
        assert_eq!(count_noun(1233, PERSON), "1.233 personer");
        assert_eq!(capitalize(&count_noun(3, PERSON)), "Tre personer");
        assert_eq!(number_word(12, Genus::Common), Some("tolv"));
        assert_eq!(number_word(13, Genus::Common), None);
        assert_eq!(count(10, Genus::Common), "10");
    }

    #[test]
    fn approximate_numbers_and_round_numbers() {
        assert_eq!(approx(32.8), "knap 33");
        assert_eq!(approx(33.2), "lidt over 33");
        assert_eq!(approx(33.0), "33");
        assert_eq!(approx(32.5), "32,5");
        assert_eq!(more_than_round(503).as_deref(), Some("mere end 500"));
        assert_eq!(more_than_round(500), None);
        assert_eq!(more_than_round(1233).as_deref(), Some("mere end 1.000"));
        assert_eq!(more_than_round(12), None);
        assert_eq!(list_and(&["a".into(), "b".into(), "c".into()]), "a, b og c");
    }
}
