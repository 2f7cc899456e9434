//! The publication model: the 2023 edition's sections, in order, each with a headline,
//! narrative paragraphs (chosen by the rules of [`crate::narrative`] from the report's
//! numbers), an SVG chart and the ids of the tables it shows. HTML, XLSX and PDF read this.
//!
//! A section whose main table is missing from the report is left out; a sentence whose
//! numbers are missing is left out of its paragraph. Facts are read from
//! `Report.facts`; where a fact is not known it is computed from the tables.

use crate::DEFAULT_CENTRE;
use crate::format::int;
use crate::narrative::{
    self as n, BOY, GIRL, MAN, Noun, PERSON, Style, TRANS, WOMAN, capitalize, count, count_noun,
    fraction, list_and,
};
use crate::svg::{self, ChartText, Series};
use crate::tables::{self, View, cell, counts};
use spor_stats::{Age, Facts, Report, Table};

/// One section of the edition.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Stable id (also the HTML anchor): `hotline`, `assessed`, `victims`, …
    pub id: String,
    /// 1 = chapter, 2 = subsection of the chapter before it.
    pub level: u8,
    /// Short title for the contents ("Hotline", "Udnyttelsesformer").
    pub title: String,
    /// The headline sentence ("112 personer vurderet udsat for menneskehandel").
    pub headline: String,
    /// Narrative paragraphs, plain text (renderers escape).
    pub paragraphs: Vec<String>,
    pub chart: Option<Chart>,
    /// Ids of the report tables shown in the section, in order.
    pub tables: Vec<String>,
}

/// The kind of a chart, so a renderer can draw its own native version (XLSX).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Counts per year, one series.
    VerticalBars,
    /// Counts per year, several series side by side.
    GroupedBars,
    /// Counts per category.
    HorizontalBars,
    /// Several series over years.
    Lines,
    /// Categories (rows) split into stacked parts (columns).
    StackedBars,
}

/// A chart: SVG markup plus what a caption and a native chart need.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Unique in a page; the SVG's `<title>`/`<desc>` ids derive from it.
    pub id: String,
    /// Caption ("Personer vurderet udsat for menneskehandel, 2007-2023").
    pub caption: String,
    /// Text alternative listing the data.
    pub desc: String,
    pub kind: ChartKind,
    /// The table the chart draws.
    pub table: String,
    /// Self-contained SVG (`<svg …>…</svg>`), usable inline in HTML and as an image file.
    pub svg: String,
}

/// The edition's sections for `report`, in the 2023 edition's order.
pub fn sections(report: &Report) -> Vec<Section> {
    let c = Ctx::new(report);
    [
        hotline(&c),
        assessed(&c),
        victims(&c),
        referral(&c),
        forms(&c),
        forced_labour(&c),
        forced_criminality(&c),
        form_series(&c),
        age(&c),
        gender(&c),
        gender_series(&c),
        nationality(&c),
        returns(&c),
        authority(&c),
        overview(&c),
    ]
    .into_iter()
    .flatten()
    .collect()
}

struct Ctx<'a> {
    v: View<'a>,
    year: i32,
    victims: Option<u64>,
    centre: &'a str,
}

impl<'a> Ctx<'a> {
    fn new(report: &'a Report) -> Self {
        let v = View::new(report);
        Ctx {
            v,
            year: report.year,
            victims: v.victims(),
            centre: DEFAULT_CENTRE,
        }
    }
    fn t(&self, id: &str) -> Option<&'a Table> {
        self.v.table(id)
    }
    /// The report's facts.
    fn f(&self) -> &'a Facts {
        self.v.facts()
    }
}

fn section(id: &str, level: u8, title: &str, headline: String) -> Section {
    Section {
        id: id.to_string(),
        level,
        title: title.to_string(),
        headline,
        paragraphs: Vec::new(),
        chart: None,
        tables: Vec::new(),
    }
}

/// Joins the sentences that could be said into one paragraph; `None` if none could.
fn para(sentences: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    let s: Vec<String> = sentences.into_iter().flatten().collect();
    (!s.is_empty()).then(|| s.join(" "))
}

/// Lower-cases the first letter of a common-noun label ("Byggebranchen" → "byggebranchen"),
/// leaving acronyms ("NGO") alone.
fn lower(label: &str) -> String {
    let mut it = label.chars();
    match (it.next(), it.next()) {
        (Some(a), Some(b)) if b.is_lowercase() => {
            a.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// "udnyttet til seksuel udnyttelse", "udnyttet under slaverilignende forhold".
fn form_pred(key: &str, label: &str) -> String {
    match key {
        "slavery_like" => format!("udnyttet under {}", lower(label)),
        "unresolved" => "udnyttet i en form, der er uafklaret".to_string(),
        "other_forms" => "udnyttet til andre former for udnyttelse".to_string(),
        _ => format!("udnyttet til {}", lower(label)),
    }
}

/// Adult and minor nouns of a gender key.
fn gender_nouns(key: &str) -> (Noun, Noun) {
    match key {
        "female" => (WOMAN, GIRL),
        "male" => (MAN, BOY),
        "trans_female" | "trans_male" | "trans" => (TRANS, TRANS),
        "other" => {
            let n = Noun::common("person af andet køn", "personer af andet køn");
            (n, n)
        }
        _ => {
            let n = Noun::common("person med ukendt køn", "personer med ukendt køn");
            (n, n)
        }
    }
}

/// "13 mænd og to drenge" for the victims of one form column of the gender × form tables
/// (all genders, adults and minors apart); `None` without the gender × form table.
fn people_in_form(c: &Ctx, form: &str) -> Option<String> {
    let gf = c.t("victims_by_gender_form")?;
    let minors = c.t("minors_by_gender_form");
    let mut parts: Vec<(u64, String)> = Vec::new();
    let mut trans = 0;
    for r in &gf.rows {
        // A hidden cell leaves the sentence out rather than counting it as 0.
        let total = tables::cell_or_zero(gf, &r.key, form)?;
        let young = match minors {
            Some(m) => tables::cell_or_zero(m, &r.key, form)?,
            None => 0,
        }
        .min(total);
        let (adult, minor) = gender_nouns(&r.key);
        if adult == TRANS {
            trans += total;
            continue;
        }
        if total - young > 0 {
            parts.push((total - young, count_noun(total - young, adult)));
        }
        if young > 0 {
            parts.push((young, count_noun(young, minor)));
        }
    }
    if trans > 0 {
        parts.push((trans, count_noun(trans, TRANS)));
    }
    // Largest group first; the sort is stable, so adults stay before minors on ties.
    parts.sort_by_key(|b| std::cmp::Reverse(b.0));
    let parts: Vec<String> = parts.into_iter().map(|p| p.1).collect();
    (!parts.is_empty()).then(|| list_and(&parts))
}

fn years_label(labels: &[String]) -> String {
    match (labels.first(), labels.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}-{b}"),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    }
}

fn chart_text(id: &str, caption: &str, desc: String) -> ChartText {
    ChartText {
        id: format!("chart-{id}"),
        title: caption.to_string(),
        desc,
    }
}

fn chart(
    id: &str,
    table: &str,
    kind: ChartKind,
    caption: String,
    desc: String,
    svg: String,
) -> Chart {
    Chart {
        id: format!("chart-{id}"),
        caption,
        desc,
        kind,
        table: table.to_string(),
        svg,
    }
}

/// One-series bar chart of a year table's first row.
fn year_bars(id: &str, table_id: &str, t: &Table, caption_base: &str) -> Chart {
    let labels = t.columns.clone();
    let values = t.rows.first().map(|r| r.values.clone()).unwrap_or_default();
    let caption = format!("{caption_base}, {}", years_label(&labels));
    let desc = svg::describe(&labels, &values);
    let svg = svg::vertical_bars(&chart_text(id, &caption, desc.clone()), &labels, &values);
    chart(id, table_id, ChartKind::VerticalBars, caption, desc, svg)
}

fn category_bars(id: &str, table_id: &str, items: Vec<(String, u64)>, caption: String) -> Chart {
    let labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    let values: Vec<Option<u64>> = items.iter().map(|i| Some(i.1)).collect();
    let desc = svg::describe(&labels, &values);
    let svg = svg::horizontal_bars(&chart_text(id, &caption, desc.clone()), &items);
    chart(id, table_id, ChartKind::HorizontalBars, caption, desc, svg)
}

/// Gives the section a horizontal-bar chart of `items` (key, label, count) and the table
/// the chart is drawn from.
fn add_category_chart(
    s: &mut Section,
    chart_id: &str,
    table_id: &str,
    items: &[(&str, &str, u64)],
    caption: String,
) {
    let bars = items.iter().map(|(_, l, v)| (l.to_string(), *v)).collect();
    s.chart = Some(category_bars(chart_id, table_id, bars, caption));
    s.tables.push(table_id.into());
}

fn series_of(t: &Table) -> Vec<Series> {
    t.rows
        .iter()
        .map(|r| Series {
            name: r.label.clone(),
            values: r.values.clone(),
        })
        .collect()
}

fn line_chart(id: &str, table_id: &str, t: &Table, caption_base: &str) -> Chart {
    let caption = format!("{caption_base}, {}", years_label(&t.columns));
    let series = series_of(t);
    let desc = svg::describe_series(&t.columns, &series);
    let svg = svg::lines(&chart_text(id, &caption, desc.clone()), &t.columns, &series);
    chart(id, table_id, ChartKind::Lines, caption, desc, svg)
}

/// Stacked bars of a gender × form table: one bar per gender, one segment per form.
/// `None` when a cell it would draw is hidden (public edition): a bar cannot show "·",
/// and a hidden cell drawn as nothing would tell the reader it is zero.
fn stacked_chart(id: &str, table_id: &str, t: &Table, caption: String) -> Option<Chart> {
    let body = crate::tables::flat_len(&t.rows);
    if t.suppressed.iter().any(|[row, _]| *row < body) {
        return None;
    }
    let categories: Vec<String> = t.rows.iter().map(|r| r.label.clone()).collect();
    let series: Vec<Series> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, name)| Series {
            name: name.clone(),
            values: t
                .rows
                .iter()
                .map(|r| r.values.get(i).copied().flatten())
                .collect(),
        })
        // Every column stays a series (even at zero) so a form has the same colour in
        // every stacked chart of the edition.
        .collect();
    let desc = t
        .rows
        .iter()
        .map(|r| {
            let parts: Vec<String> = t
                .columns
                .iter()
                .zip(&r.values)
                .filter(|(_, v)| v.unwrap_or(0) > 0)
                .map(|(c, v)| format!("{c} {}", n::count(v.unwrap_or(0), n::Genus::Common)))
                .collect();
            format!("{}: {}.", r.label, parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let svg = svg::stacked_bars(
        &chart_text(id, &caption, desc.clone()),
        &categories,
        &series,
    );
    Some(chart(
        id,
        table_id,
        ChartKind::StackedBars,
        caption,
        desc,
        svg,
    ))
}

fn hotline(c: &Ctx) -> Option<Section> {
    let id = "hotline_calls_by_year";
    let t = c.t(id)?;
    let y = c.year;
    let calls =
        c.v.year_value(id, Some("calls"), y)
            .or_else(|| c.v.fact_or(c.f().hotline_calls, || None))?;
    let concerning = c.v.year_value(id, Some("concerning_possible_victims"), y);
    let prev = c.v.year_value(id, Some("calls"), y - 1);
    let headline = match n::more_than_round(calls) {
        Some(p) => format!("{} opkald på hotlinen", capitalize(&p)),
        None => format!(
            "{} opkald på hotlinen",
            capitalize(&count(calls, n::Genus::Neuter))
        ),
    };
    let mut s = section("hotline", 1, "Hotline", headline);
    let series = c.v.year_series(id, Some("calls"));
    let rising = series.len() >= 3
        && series
            .windows(2)
            .all(|w| matches!((w[0].1, w[1].1), (Some(a), Some(b)) if b > a));
    s.paragraphs.extend(para([
        Some(match concerning {
            Some(k) => format!(
                "I {y} modtog {} {} opkald på hotlinen, og ud af dem angik {} henvendelser personer, der kunne være udsat for menneskehandel.",
                c.centre,
                int(calls),
                int(k)
            ),
            None => format!("I {y} modtog {} {} opkald på hotlinen.", c.centre, int(calls)),
        }),
        prev.and_then(|p| n::change(p, calls))
            .map(|ch| format!("Det er {ch} fra året før.")),
        rising.then(|| {
            format!(
                "Antallet af opkald er steget hvert år siden {}.",
                series.first().map(|s| s.0).unwrap_or(y)
            )
        }),
    ]));
    let labels = t.columns.clone();
    let ser = series_of(t);
    let caption = format!("Opkald til hotlinen, {}", years_label(&labels));
    let desc = svg::describe_series(&labels, &ser);
    let svg = svg::grouped_bars(
        &chart_text("hotline", &caption, desc.clone()),
        &labels,
        &ser,
    );
    s.chart = Some(chart(
        "hotline",
        id,
        ChartKind::GroupedBars,
        caption,
        desc,
        svg,
    ));
    s.tables.push(id.into());
    Some(s)
}

fn assessed(c: &Ctx) -> Option<Section> {
    let id = "assessed_persons_by_year";
    let t = c.t(id)?;
    let y = c.year;
    let cur =
        c.v.year_value(id, None, y)
            .or_else(|| c.f().assessed_persons)?;
    let prev = c.v.year_value(id, None, y - 1);
    let mut s = section(
        "assessed",
        1,
        "Udredte personer",
        format!(
            "{} {} er udredt for menneskehandel",
            capitalize(&count(cur, n::Genus::Common)),
            PERSON.form(cur)
        ),
    );
    s.paragraphs.extend(para([
        Some(format!(
            "I {y} har {} afholdt udredende samtaler med {}, der kunne være udsat for menneskehandel.",
            c.centre,
            count_noun(cur, PERSON)
        )),
        prev.and_then(|p| {
            if p == cur {
                Some(format!("Det er samme antal som i {}.", y - 1))
            } else {
                n::change_as_fraction(p, cur).map(|ch| {
                    format!(
                        "Det er {ch} siden {}, hvor {} blev udredt for menneskehandel.",
                        y - 1,
                        count_noun(p, PERSON)
                    )
                })
            }
        }),
    ]));
    s.chart = Some(year_bars(
        "assessed",
        id,
        t,
        "Personer udredt for menneskehandel",
    ));
    s.tables.push(id.into());
    Some(s)
}

fn victims(c: &Ctx) -> Option<Section> {
    let id = "victims_by_year";
    let t = c.t(id)?;
    let y = c.year;
    let cur = c.victims?;
    let series = c.v.year_series(id, None);
    let first = series.iter().find(|s| s.1.is_some()).map(|s| s.0);
    let all = c.v.fact_or(c.f().victims_all_years, || {
        Some(series.iter().filter_map(|s| s.1).sum())
    });
    let prev = c.v.year_value(id, None, y - 1);
    let mut s = section(
        "victims",
        1,
        "Personer udsat for menneskehandel",
        format!(
            "{} {} vurderet udsat for menneskehandel",
            capitalize(&count(cur, n::Genus::Common)),
            PERSON.form(cur)
        ),
    );
    s.paragraphs.extend(para([match (first, all) {
        (Some(f), Some(a)) if f < y => Some(format!(
            "I perioden {f}-{y} er i alt {} vurderet udsat for menneskehandel i Danmark.",
            count_noun(a, PERSON)
        )),
        _ => None,
    }]));
    let change = match c.f().victims_change_pct {
        Some(p) if prev.is_some() => Some(n::change_pct(p)),
        _ => prev.and_then(|p| n::change(p, cur)),
    };
    let extreme = prev.and_then(|p| {
        let earlier: Vec<(i32, u64)> = series
            .iter()
            .filter(|(yy, _)| *yy < y)
            .filter_map(|(yy, v)| Some((*yy, (*v)?)))
            .collect();
        if cur > p {
            // Not stated: the same year from the table (the fact is `null` when no
            // earlier year had more, and so is the table's answer).
            let since = c.v.fact_or(c.f().victims_highest_since, || {
                earlier.iter().rev().find(|(_, v)| *v > cur).map(|e| e.0)
            });
            match since {
                Some(sy) if sy < y - 1 => Some(format!("det højeste antal siden {sy}")),
                None if earlier.len() > 1 => Some(format!(
                    "det højeste antal siden opgørelsen begyndte i {}",
                    earlier[0].0
                )),
                _ => None,
            }
        } else if cur < p {
            match earlier.iter().rev().find(|(_, v)| *v < cur) {
                Some((sy, _)) if *sy < y - 1 => Some(format!("det laveste antal siden {sy}")),
                None if earlier.len() > 1 => Some(format!(
                    "det laveste antal siden opgørelsen begyndte i {}",
                    earlier[0].0
                )),
                _ => None,
            }
        } else {
            None
        }
    });
    s.paragraphs.extend(para([
        Some(format!(
            "I {y} er {} vurderet udsat for menneskehandel.",
            count_noun(cur, PERSON)
        )),
        change.map(|ch| match extreme {
            Some(e) => format!("Det er {ch} fra året før og {e}."),
            None => format!("Det er {ch} fra året før."),
        }),
    ]));
    s.chart = Some(year_bars(
        "victims",
        id,
        t,
        "Personer vurderet udsat for menneskehandel",
    ));
    s.tables.push(id.into());
    Some(s)
}

fn referral(c: &Ctx) -> Option<Section> {
    let id = "victims_by_referral";
    let t = c.t(id)?;
    let items = counts(t);
    let total = tables::total0(t)?;
    let (_, top_label, top) = *items.first()?;
    let share = fraction(top, total, Style::Share)?;
    let headline = if top * 3 >= total {
        format!("{} er henvist af {top_label}", capitalize(&share))
    } else {
        "Mange forskellige aktører henviser personer til udredning".to_string()
    };
    let mut s = section("referral", 1, "Henvisende aktører", headline);
    let actors = items.iter().filter(|i| i.2 > 0).count() as u64;
    s.paragraphs.push(
        "Mange forskellige aktører henviser personer, der kan være udsat for menneskehandel, til udredning. Også personer, der selv er eller har været i en udnyttelsessituation, retter henvendelse."
            .to_string(),
    );
    let next: Vec<String> = items
        .iter()
        .skip(1)
        .take(3)
        .map(|(_, l, v)| format!("{l} ({})", int(*v)))
        .collect();
    s.paragraphs.extend(para([
        // Hidden rows (public profile) would be left out of the count of actors.
        t.suppressed.is_empty().then(|| format!(
            "I {} har {} forskellige aktører henvist de {}, der er vurderet udsat for menneskehandel.",
            c.year,
            count(actors, n::Genus::Common),
            count_noun(total, PERSON)
        )),
        Some(format!(
            "{top_label} har henvist {} af de {}, og dermed {share}.",
            count(top, n::Genus::Common),
            int(total)
        )),
        (!next.is_empty()).then(|| format!("Herefter følger {}.", list_and(&next))),
    ]));
    add_category_chart(
        &mut s,
        "referral",
        id,
        &items,
        format!(
            "Personer udsat for menneskehandel fordelt på kontaktskabende aktør, {}",
            c.year
        ),
    );
    Some(s)
}

fn forms(c: &Ctx) -> Option<Section> {
    let id = "victims_by_form";
    let t = c.t(id)?;
    let items = counts(t);
    let total = tables::total0(t)?;
    let (top_key, top_label, top) = *items.first()?;
    let share = fraction(top, total, Style::Share)?;
    let mut s = section(
        "forms",
        1,
        "Udnyttelsesformer",
        format!(
            "{} er {}",
            capitalize(&share),
            form_pred(top_key, top_label)
        ),
    );
    let gf = c.t("victims_by_gender_form");
    let top_women = gf.and_then(|g| cell(g, "female", top_key));
    let top_men = gf.and_then(|g| cell(g, "male", top_key));
    let majority = match (top_women, top_men) {
        (Some(w), _) if w * 2 > top => Some("De fleste er kvinder.".to_string()),
        (_, Some(m)) if m * 2 > top => Some("De fleste er mænd.".to_string()),
        _ => None,
    };
    let minors = c.t("minors_by_gender_form").and_then(|m| {
        m.rows
            .iter()
            .map(|r| tables::cell_or_zero(m, &r.key, top_key))
            .sum::<Option<u64>>()
    });
    let minors_sentence = minors.map(|m| match m {
        0 => format!(
            "De personer, der er {} i {}, er alle over 18 år.",
            form_pred(top_key, top_label),
            c.year
        ),
        m => format!(
            "{} af dem er under 18 år.",
            capitalize(&count(m, n::Genus::Common))
        ),
    });
    s.paragraphs.extend(para([
        Some(format!(
            "Af de {} udsat for menneskehandel i {}, er {} {}.",
            count_noun(total, PERSON),
            c.year,
            count(top, n::Genus::Common),
            form_pred(top_key, top_label)
        )),
        majority,
        minors_sentence,
    ]));
    let rest: Vec<(&str, &str, u64)> = items
        .iter()
        .skip(1)
        .filter(|i| i.0 != "unresolved" && i.2 > 0)
        .copied()
        .collect();
    let unresolved = items
        .iter()
        .find(|i| i.0 == "unresolved")
        .map(|i| i.2)
        .filter(|v| *v > 0);
    s.paragraphs.extend(para([
        (!rest.is_empty()).then(|| format!("Herudover er {}.", forms_list(&rest))),
        unresolved.map(|u| {
            format!(
                "For {} er udnyttelsesformen uafklaret.",
                count_noun(u, PERSON)
            )
        }),
    ]));
    if let Some(people) = people_in_form(c, "slavery_like") {
        s.paragraphs.push(format!(
            "{} er udnyttet under slaverilignende forhold. Denne udnyttelsesform er kendetegnet ved flere former for udnyttelse på samme tid, fx husarbejde og seksuel udnyttelse kombineret med begrænset bevægelsesfrihed.",
            capitalize(&people)
        ));
    }
    add_category_chart(
        &mut s,
        "forms",
        id,
        &items,
        format!(
            "Personer udsat for menneskehandel fordelt på udnyttelse, {}",
            c.year
        ),
    );
    Some(s)
}

/// Sections of a form's subtypes (forced labour, forced criminality).
fn subtype_section(
    c: &Ctx,
    sid: &str,
    title: &str,
    form: &str,
    table_id: &str,
    caption: &str,
) -> Option<Section> {
    let t = c.t(table_id)?;
    let total = tables::total0(t)?;
    let form_label = c
        .t("victims_by_form")
        .and_then(|f| tables::row(f, form))
        .map(|r| r.label.clone())
        .unwrap_or_else(|| title.to_string());
    let pred = form_pred(form, &form_label);
    let mut s = section(
        sid,
        2,
        title,
        format!(
            "{} {} er {pred}",
            capitalize(&count(total, n::Genus::Common)),
            PERSON.form(total)
        ),
    );
    let minors: Option<u64> = c.t("minors_by_gender_form").and_then(|m| {
        m.rows
            .iter()
            .map(|r| tables::cell_or_zero(m, &r.key, form))
            .sum()
    });
    s.paragraphs.extend(para([
        people_in_form(c, form).map(|p| format!("{} er {pred}.", capitalize(&p))),
        // With minors, the sentence before already names the girls and boys.
        minors
            .filter(|m| *m == 0)
            .map(|_| "De er alle over 18 år.".to_string()),
    ]));
    let items: Vec<_> = counts(t)
        .into_iter()
        .filter(|i| !matches!(i.0, "unknown" | "unspecified") && i.2 > 0)
        .collect();
    if let Some((_, _, v)) = items.first().copied() {
        let tied: Vec<String> = items
            .iter()
            .filter(|i| i.2 == v)
            .map(|i| lower(i.1))
            .collect();
        let next: Vec<String> = items
            .iter()
            .skip(tied.len())
            .take(3)
            .map(|(_, l, v)| format!("{} ({})", lower(l), int(*v)))
            .collect();
        let top_sentence = if tied.len() == 1 {
            format!(
                "Flest er udnyttet inden for {}: {} af de {}, og dermed {}.",
                tied[0],
                count(v, n::Genus::Common),
                int(total),
                fraction(v, total, Style::Share).unwrap_or_default()
            )
        } else {
            format!(
                "Flest er udnyttet inden for {} med {} hver.",
                list_and(&tied),
                count(v, n::Genus::Common)
            )
        };
        s.paragraphs.extend(para([
            Some(top_sentence),
            (!next.is_empty()).then(|| format!("Herefter følger {}.", list_and(&next))),
        ]));
    }
    add_category_chart(
        &mut s,
        sid,
        table_id,
        &counts(t),
        format!("{caption}, {}", c.year),
    );
    Some(s)
}

fn forced_labour(c: &Ctx) -> Option<Section> {
    subtype_section(
        c,
        "forced_labour",
        "Tvangsarbejde",
        "forced_labour",
        "forced_labour_by_subtype",
        "Tvangsarbejde fordelt på brancher",
    )
}

fn forced_criminality(c: &Ctx) -> Option<Section> {
    subtype_section(
        c,
        "forced_criminality",
        "Strafbare handlinger",
        "forced_criminality",
        "forced_criminality_by_subtype",
        "Strafbare handlinger fordelt på typer",
    )
}

/// Ends a sentence with one full stop ("53 pct." stays "53 pct.").
fn end(s: String) -> String {
    if s.ends_with('.') { s } else { s + "." }
}

/// "23 udnyttet til tvangsarbejde, 15 til strafbare handlinger og to under slaverilignende
/// forhold": the verb once, after the first count.
fn forms_list(items: &[(&str, &str, u64)]) -> String {
    let parts: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, (k, l, v))| {
            let pred = form_pred(k, l);
            let pred = pred.strip_prefix("udnyttet ").unwrap_or(&pred).to_string();
            let verb = if i == 0 { " udnyttet" } else { "" };
            format!("{}{verb} {pred}", count(*v, n::Genus::Common))
        })
        .collect();
    list_and(&parts)
}

/// "Antallet af personer udnyttet til tvangsarbejde gik fra 12 i 2022 til 23 i 2023, en
/// stigning på 92 pct."
fn series_sentence(subject: &str, y: i32, prev: u64, cur: u64) -> String {
    if prev == cur {
        return format!("{subject} var uændret på {} i {y}.", int(cur));
    }
    if prev == 0 {
        return format!(
            "{subject} gik fra ingen i {} til {} i {y}.",
            y - 1,
            int(cur)
        );
    }
    match n::multiple(prev, cur) {
        Some(m) => format!(
            "{subject} er {m} fra {} i {} til {} i {y}.",
            int(prev),
            y - 1,
            int(cur)
        ),
        None => end(format!(
            "{subject} gik fra {} i {} til {} i {y}, {}",
            int(prev),
            y - 1,
            int(cur),
            n::change(prev, cur).unwrap_or_default()
        )),
    }
}

fn top_row(t: &Table, col: usize) -> Option<(&str, &str, u64)> {
    t.rows
        .iter()
        .filter_map(|r| {
            Some((
                r.key.as_str(),
                r.label.as_str(),
                r.values.get(col).copied()??,
            ))
        })
        .max_by_key(|r| r.2)
}

fn form_series(c: &Ctx) -> Option<Section> {
    let id = "victims_by_form_group_year";
    let t = c.t(id)?;
    let y = c.year;
    let col = tables::column_of(t, &y.to_string())?;
    let prev_col = tables::column_of(t, &(y - 1).to_string());
    let (key, label, _) = top_row(t, col)?;
    let was_top = prev_col.and_then(|p| top_row(t, p)).map(|r| r.0 == key);
    let headline = match was_top {
        Some(true) => format!("{label} er fortsat den hyppigste udnyttelsesform"),
        Some(false) => format!("{label} er nu den hyppigste udnyttelsesform"),
        None => format!("{label} er den hyppigste udnyttelsesform"),
    };
    let mut s = section("form_series", 1, "Udnyttelse over tid", headline);
    if let Some(p) = prev_col {
        let sentences = t.rows.iter().filter_map(|r| {
            let cur = r.values.get(col).copied()??;
            let prev = r.values.get(p).copied()??;
            Some(series_sentence(
                &format!("Antallet af personer {}", form_pred(&r.key, &r.label)),
                y,
                prev,
                cur,
            ))
        });
        s.paragraphs.extend(para(sentences.map(Some)));
    }
    s.chart = Some(line_chart(
        "form_series",
        id,
        t,
        "Personer udsat for menneskehandel fordelt på udnyttelse",
    ));
    s.tables.push(id.into());
    Some(s)
}

fn age(c: &Ctx) -> Option<Section> {
    let t = c.t("under25_by_gender_form");
    let total = c.victims?;
    let under25 = c.v.fact_or(c.f().under25, || {
        t.and_then(|t| tables::known_sum(&t.total))
    })?;
    let each = fraction(under25, total, Style::Each)?;
    let mut s = section(
        "age",
        1,
        "Alder",
        format!("{} er under 25 år", capitalize(&each)),
    );
    let range = match (
        c.f().age_min.as_ref().and_then(Age::years),
        c.f().age_max.as_ref().and_then(Age::years),
        c.f().age_mean,
    ) {
        (Some(a), Some(b), Some(m)) => Some(format!(
            "De {} personer, der er vurderet udsat for menneskehandel i {}, var i alderen {a}-{b} år med en gennemsnitsalder på {} år.",
            int(total),
            c.year,
            n::approx(m)
        )),
        _ => None,
    };
    let minors = c.v.fact_or(c.f().minors, || {
        c.t("minors_by_gender_form")
            .and_then(|m| tables::known_sum(&m.total))
    });
    s.paragraphs.extend(para([
        range,
        Some(format!(
            "{} af de {} personer, og hermed {each}, var under 25 år, da de blev vurderet udsat for menneskehandel.",
            capitalize(&count(under25, n::Genus::Common)),
            int(total)
        )),
        minors.map(|m| match m {
            0 => "Ingen var under 18 år.".to_string(),
            m => format!("{} var under 18 år.", capitalize(&count_noun(m, PERSON))),
        }),
    ]));
    if let Some(t) = t {
        // Hidden cells (public profile) leave out what would be computed from them.
        let young_total = tables::known_sum(&t.total);
        let men = t
            .rows
            .iter()
            .filter(|r| r.key == "male")
            .map(|r| tables::known_sum(&r.values))
            .sum::<Option<u64>>();
        let known = young_total.is_some() && men.is_some();
        let (young_total, men) = (young_total.unwrap_or(0), men.unwrap_or(0));
        let top_form = t
            .columns
            .iter()
            .zip(&t.total)
            .filter_map(|(l, v)| Some((l, (*v)?)))
            .max_by_key(|x| x.1)
            .filter(|_| known);
        let overall_top = c
            .t("victims_by_form")
            .and_then(|f| counts(f).first().map(|x| x.1.to_string()));
        let overall_men = c.t("victims_by_gender").and_then(|g| {
            Some((
                counts(g).iter().find(|x| x.0 == "male")?.2,
                tables::total0(g)?,
            ))
        });
        let differs = top_form
            .map(|(l, _)| Some(l.as_str()) != overall_top.as_deref())
            .unwrap_or(false)
            || overall_men.is_some_and(|(m, all)| {
                all > 0
                    && young_total > 0
                    && ((men as f64 / young_total as f64) - (m as f64 / all as f64)).abs() > 0.1
            });
        s.paragraphs.extend(para([
            Some(format!(
                "Fordelingen på køn og udnyttelse blandt de unge under 25 år {} det samlede billede.",
                if differs { "adskiller sig fra" } else { "ligner" }
            )),
            fraction(men, young_total, Style::Share).filter(|_| known).map(|f| {
                let tail = top_form
                    .map(|(l, _)| format!(", og den hyppigst forekommende udnyttelsesform er {}", lower(l)))
                    .unwrap_or_default();
                format!("{} er mænd og drenge{tail}.", capitalize(&f))
            }),
        ]));
        s.chart = stacked_chart(
            "age",
            "under25_by_gender_form",
            t,
            format!(
                "Personer vurderet udsat for menneskehandel under 25 år, {}",
                c.year
            ),
        );
        s.tables.push("under25_by_gender_form".into());
    }
    if c.t("minors_by_gender_form").is_some() {
        s.tables.push("minors_by_gender_form".into());
    }
    Some(s)
}

fn gender_plural(key: &str, label: &str) -> String {
    match key {
        "female" => "Kvinder".into(),
        "male" => "Mænd".into(),
        "trans" | "trans_female" | "trans_male" => "Transpersoner".into(),
        _ => label.to_string(),
    }
}

fn gender(c: &Ctx) -> Option<Section> {
    let id = "victims_by_gender";
    let t = c.t(id)?;
    let items = counts(t);
    let total = tables::total0(t)?;
    let (top_key, top_label, top) = *items.first()?;
    let share = fraction(top, total, Style::Share)?;
    let mut s = section(
        "gender",
        1,
        "Køn",
        format!("{} udgør {share}", gender_plural(top_key, top_label)),
    );
    let minors = c.t("minors_by_gender_form");
    let mut parts = Vec::new();
    let mut trans = 0;
    for (k, _, v) in &items {
        let (adult, minor) = gender_nouns(k);
        if adult == TRANS {
            trans += v;
            continue;
        }
        // A hidden count of minors is not named (nor counted as none).
        let young = match minors.map(|m| tables::row(m, k)) {
            Some(Some(r)) => tables::known_sum(&r.values).unwrap_or(0),
            _ => 0,
        };
        if young > 0 {
            parts.push(format!(
                "{} (heraf {})",
                count_noun(*v, adult),
                count_noun(young, minor)
            ));
        } else {
            parts.push(count_noun(*v, adult));
        }
    }
    if trans > 0 {
        parts.push(count_noun(trans, TRANS));
    }
    let women = items.iter().find(|i| i.0 == "female").map(|i| i.2);
    let men = items.iter().find(|i| i.0 == "male").map(|i| i.2);
    s.paragraphs.extend(para([
        Some(format!(
            "{} er vurderet udsat for menneskehandel i {}.",
            capitalize(&list_and(&parts)),
            c.year
        )),
        match (women, men) {
            (Some(w), Some(m)) => n::times_as(w, m)
                .map(|x| format!("Antallet af kvinder er {x} højt som antallet af mænd."))
                .or_else(|| {
                    n::times_as(m, w)
                        .map(|x| format!("Antallet af mænd er {x} højt som antallet af kvinder."))
                }),
            _ => None,
        },
    ]));
    if let Some(gf) = c.t("victims_by_gender_form") {
        for (g, noun) in [("female", WOMAN), ("male", MAN)] {
            let Some(r) = tables::row(gf, g) else {
                continue;
            };
            let Some(all) = tables::known_sum(&r.values) else {
                continue;
            };
            let mut forms: Vec<(&str, &str, u64)> = gf
                .column_keys
                .iter()
                .zip(&gf.columns)
                .zip(&r.values)
                .filter_map(|((k, l), v)| Some((k.as_str(), l.as_str(), (*v)?)))
                .filter(|x| x.2 > 0)
                .collect();
            forms.sort_by_key(|b| std::cmp::Reverse(b.2));
            let Some((fk, fl, fv)) = forms.first().copied() else {
                continue;
            };
            let rest: Vec<(&str, &str, u64)> = forms.iter().skip(1).take(3).copied().collect();
            s.paragraphs.extend(para([
                Some(format!(
                    "{} af de {} er {}.",
                    capitalize(&count(fv, n::Genus::Common)),
                    count_noun(all, noun),
                    form_pred(fk, fl)
                )),
                (!rest.is_empty()).then(|| format!("Herudover er {}.", forms_list(&rest))),
            ]));
        }
        let trans_forms: Vec<String> = gf
            .rows
            .iter()
            .filter(|r| gender_nouns(&r.key).0 == TRANS)
            .flat_map(|r| {
                gf.column_keys
                    .iter()
                    .zip(&gf.columns)
                    .zip(&r.values)
                    .filter(|(_, v)| v.unwrap_or(0) > 0)
                    .map(|((k, l), _)| form_pred(k, l))
                    .collect::<Vec<_>>()
            })
            .collect();
        if trans == 1 && trans_forms.len() == 1 {
            s.paragraphs.push(format!(
                "En af personerne identificerer sig som transperson og er {}.",
                trans_forms[0]
            ));
        } else if trans > 1 {
            s.paragraphs.push(format!(
                "{} af personerne identificerer sig som transpersoner.",
                capitalize(&count(trans, n::Genus::Common))
            ));
        }
        s.chart = stacked_chart(
            "gender",
            "victims_by_gender_form",
            gf,
            format!(
                "Personer udsat for menneskehandel fordelt på køn og udnyttelse, {}",
                c.year
            ),
        );
    }
    s.tables.push(id.into());
    if c.t("victims_by_gender_form").is_some() {
        s.tables.push("victims_by_gender_form".into());
    }
    Some(s)
}

fn gender_series(c: &Ctx) -> Option<Section> {
    let id = "victims_by_gender_group_year";
    let t = c.t(id)?;
    let y = c.year;
    let col = tables::column_of(t, &y.to_string())?;
    let prev_col = tables::column_of(t, &(y - 1).to_string());
    let (key, label, _) = top_row(t, col)?;
    let was_top = prev_col.and_then(|p| top_row(t, p)).map(|r| r.0 == key);
    let group = gender_plural(key, label);
    let headline = match was_top {
        Some(true) => format!("{group} er fortsat den største gruppe"),
        _ => format!("{group} er den største gruppe"),
    };
    let mut s = section("gender_series", 2, "Køn over tid", headline);
    let mut sentences = Vec::new();
    for r in &t.rows {
        let noun = gender_nouns(&r.key).0;
        let subject = format!("Antallet af {}", noun.plural);
        if let (Some(cur), Some(p)) = (r.values.get(col).copied().flatten(), prev_col) {
            // A value unchanged for three or more years is said as such.
            let run = r.values[..=col]
                .iter()
                .rev()
                .take_while(|v| **v == Some(cur))
                .count() as u64;
            if run >= 3 {
                sentences.push(Some(format!(
                    "{subject} har været {} om året de seneste {} år.",
                    int(cur),
                    count(run, n::Genus::Neuter)
                )));
            } else if let Some(prev) = r.values.get(p).copied().flatten() {
                sentences.push(Some(series_sentence(&subject, y, prev, cur)));
            }
        }
    }
    s.paragraphs.extend(para(sentences));
    s.chart = Some(line_chart(
        "gender_series",
        id,
        t,
        "Personer udsat for menneskehandel fordelt på køn",
    ));
    s.tables.push(id.into());
    Some(s)
}

fn nationality(c: &Ctx) -> Option<Section> {
    let id = "victims_by_nationality";
    let t = c.t(id)?;
    let items = counts(t);
    let total = tables::total0(t)?;
    let countries = c
        .f()
        .nationalities
        .unwrap_or(items.iter().filter(|i| i.2 > 0).count() as u64);
    let headline;
    let mut first = Vec::new();
    first.push(Some(format!(
        "De {} udsat for menneskehandel i {} kommer fra {} forskellige {}.",
        count_noun(total, PERSON),
        c.year,
        count(countries, n::Genus::Neuter),
        n::COUNTRY.form(countries)
    )));
    match items.as_slice() {
        [(_, a, x), (_, b, y), ..] => {
            let both = fraction(x + y, total, Style::Share).unwrap_or_default();
            headline = if (x + y) * 4 >= total {
                format!("{} kommer fra to lande", capitalize(&both))
            } else {
                format!(
                    "Personerne kommer fra {} lande",
                    count(countries, n::Genus::Neuter)
                )
            };
            let each = if x == y {
                format!("med {} personer fra hvert land", int(*x))
            } else {
                format!("med henholdsvis {} og {} personer", int(*x), int(*y))
            };
            first.push(Some(format!(
                "{a} og {b} er de to hyppigste nationaliteter {each} og udgør tilsammen {both} af det samlede antal."
            )));
        }
        [(_, a, x)] => {
            headline = format!("Alle kommer fra {a}");
            let _ = x;
        }
        [] => return None,
    }
    let mut s = section("nationality", 1, "Nationalitet", headline);
    s.paragraphs.extend(para(first));
    if let Some(rep) = c.t("repeat_victims_by_nationality") {
        let rep_items = counts(rep);
        let rep_total: u64 = rep_items.iter().map(|r| r.2).sum();
        let top = rep_items.first().and_then(|(k, l, v)| {
            let of = items.iter().find(|i| i.0 == *k)?.2;
            Some(format!(
                "{} af de {} personer fra {l} er gengangere og er tidligere vurderet udsat for menneskehandel.",
                capitalize(&count(*v, n::Genus::Common)),
                int(of)
            ))
        });
        s.paragraphs.extend(para([
            Some(match rep_total {
                0 => "Ingen af personerne er gengangere.".to_string(),
                r => format!(
                    "{} af de {} er gengangere, der også tidligere er vurderet udsat for menneskehandel.",
                    capitalize(&count(r, n::Genus::Common)),
                    count_noun(total, PERSON)
                ),
            }),
            top.filter(|_| rep_total > 0),
        ]));
        s.tables.push("repeat_victims_by_nationality".into());
    }
    if let Some(a) = c.t("assessed_persons_by_nationality") {
        let all = a.total.first().copied().flatten();
        let top = a
            .rows
            .iter()
            .filter(|r| r.key != "XX" && r.key != "other")
            .filter_map(|r| Some((r, r.values.first().copied()??)))
            .max_by_key(|x| x.1);
        let mut sentences = Vec::new();
        if let (Some(all), Some((r, v))) = (all, top) {
            sentences.push(Some(format!(
                "Blandt de {} personer, der er udredt i {}, udgør personer fra {} den største gruppe med {}, svarende til {}.",
                int(all),
                c.year,
                r.label,
                int(v),
                fraction(v, all, Style::Share).unwrap_or_default()
            )));
            // The most frequent victim nationality, if it is not that group.
            if let Some((k, l, _)) = items.first()
                && *k != r.key
                && let Some(vr) = tables::row(a, k)
                && let (Some(Some(ass)), Some(Some(idf))) = (vr.values.first(), vr.values.get(1))
            {
                sentences.push(Some(format!(
                                "Til sammenligning udgør personer fra {l} {} af de udredte, og {} af dem er efterfølgende vurderet udsat for menneskehandel.",
                                fraction(*ass, all, Style::Share).unwrap_or_default(),
                                fraction(*idf, *ass, Style::Share).unwrap_or_default()
                            )));
            }
        }
        s.paragraphs.extend(para(sentences));
        s.tables.push("assessed_persons_by_nationality".into());
    }
    const SHOWN: usize = 12;
    let bars: Vec<(String, u64)> = items
        .iter()
        .take(SHOWN)
        .map(|(_, l, v)| (l.to_string(), *v))
        .collect();
    let rest: Vec<_> = items.iter().skip(SHOWN).collect();
    let (caption, rest) = if rest.is_empty() {
        (
            format!(
                "Personer udsat for menneskehandel fordelt på nationalitet, {}",
                c.year
            ),
            None,
        )
    } else {
        (
            format!(
                "Personer udsat for menneskehandel fordelt på nationalitet, de {SHOWN} hyppigste og øvrige lande, {}",
                c.year
            ),
            Some((
                format!("Øvrige {} lande", int(rest.len() as u64)),
                rest.iter().map(|r| r.2).sum::<u64>(),
            )),
        )
    };
    let mut all_labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut all_values: Vec<Option<u64>> = bars.iter().map(|b| Some(b.1)).collect();
    if let Some((l, v)) = &rest {
        all_labels.push(l.clone());
        all_values.push(Some(*v));
    }
    let desc = svg::describe(&all_labels, &all_values);
    let svg = svg::horizontal_bars_with_rest(
        &chart_text("nationality", &caption, desc.clone()),
        &bars,
        rest,
    );
    s.chart = Some(chart(
        "nationality",
        id,
        ChartKind::HorizontalBars,
        caption,
        desc,
        svg,
    ));
    s.tables.insert(0, id.into());
    Some(s)
}

fn returns(c: &Ctx) -> Option<Section> {
    let id = "returns_by_nationality";
    let t = c.t(id)?;
    let items = counts(t);
    let total = c.v.fact_or(c.f().returns, || tables::total0(t))?;
    let y = c.year;
    let headline = match items.first() {
        Some((_, l, _)) if total > 0 => {
            format!("Flest fra {l} har modtaget en forberedt hjemsendelse")
        }
        _ => "Ingen forberedte hjemsendelser".to_string(),
    };
    let mut s = section("returns", 1, "Forberedt hjemsendelse", headline);
    let countries = c
        .f()
        .return_countries
        .unwrap_or(items.iter().filter(|i| i.2 > 0).count() as u64);
    let third = c.f().returns_to_third_country;
    s.paragraphs.extend(para([
        c.victims.map(|v| {
            format!(
                "Af de {}, der er vurderet udsat for menneskehandel i {y}, er {} hjemrejst med en forberedt hjemsendelse pr. 31. december {y}.",
                count_noun(v, PERSON),
                count_noun(total, PERSON)
            )
        }),
        (total > 0).then(|| {
            let home = third.map(|t| {
                let h = total.saturating_sub(t);
                format!(", og {} er rejst til deres hjemland", fraction(h, total, Style::Share).unwrap_or_default())
            });
            format!(
                "De {} kommer fra {} forskellige {}{}.",
                count_noun(total, PERSON),
                count(countries, n::Genus::Neuter),
                n::COUNTRY.form(countries),
                home.unwrap_or_default()
            )
        }),
        third.filter(|t| *t > 0).map(|t| {
            format!(
                "{} er rejst til et andet land end deres hjemland.",
                capitalize(&count(t, n::Genus::Common))
            )
        }),
    ]));
    if let Some((_, l, v)) = items.first()
        && total > 0
    {
        s.paragraphs.push(format!(
            "Personer fra {l} udgør den største gruppe med {} af de {}, og dermed {}.",
            count(*v, n::Genus::Common),
            int(total),
            fraction(*v, total, Style::Share).unwrap_or_default()
        ));
    }
    add_category_chart(
        &mut s,
        "returns",
        id,
        &items,
        format!(
            "Personer udsat for menneskehandel, der har modtaget en forberedt hjemsendelse, fordelt på nationalitet, {y}"
        ),
    );
    Some(s)
}

fn authority(c: &Ctx) -> Option<Section> {
    let id = "victims_by_authority";
    let t = c.t(id)?;
    let items = counts(t);
    let total = tables::total0(t)?;
    let (_, top_label, top) = *items.first()?;
    let share = fraction(top, total, Style::Share)?;
    let mut s = section(
        "authority",
        1,
        "Hvem vurderer",
        format!("{} er vurderet af {top_label}", capitalize(&share)),
    );
    s.paragraphs.push(
        "Begrebet 'personer udsat for menneskehandel' betyder, at personerne er vurderet udsat for menneskehandel af danske myndigheder. Der er flere myndigheder, som kan vurdere, om en person er udsat for menneskehandel: Udlændingestyrelsen, hvis personen er uden lovligt ophold i Danmark eller søger asyl; Center mod Menneskehandel, hvis personen har lovligt ophold i Danmark; og domstole og anklagemyndigheden, som i straffesager kan træffe afgørelse om, hvorvidt en person er udsat for menneskehandel."
            .to_string(),
    );
    let others: Vec<String> = items
        .iter()
        .skip(1)
        .filter(|i| i.2 > 0)
        .enumerate()
        .map(|(i, (_, l, v))| {
            let verb = if i == 0 { " vurderet" } else { "" };
            format!("{l}{verb} {}", count_noun(*v, PERSON))
        })
        .collect();
    s.paragraphs.extend(para([
        Some(format!(
            "I {} har {top_label} vurderet {} af de {}, og dermed {share}.",
            c.year,
            count(top, n::Genus::Common),
            count_noun(total, PERSON)
        )),
        (!others.is_empty()).then(|| format!("Herudover har {}.", list_and(&others))),
    ]));
    add_category_chart(
        &mut s,
        "authority",
        id,
        &items,
        format!(
            "Personer udsat for menneskehandel fordelt på vurderende myndighed, {}",
            c.year
        ),
    );
    Some(s)
}

fn overview(c: &Ctx) -> Option<Section> {
    let id = "victims_by_nationality_gender_age_form";
    let t = c.t(id)?;
    let total = tables::total0(t)?;
    let mut s = section(
        "overview",
        1,
        "Nationalitet, køn, alder og udnyttelse",
        "Nationalitet, køn, alder og udnyttelse".to_string(),
    );
    s.paragraphs.push(format!(
        "Tabellen viser de {}, der er vurderet udsat for menneskehandel i {}, fordelt på nationalitet, køn, alder (over eller under 18 år) og udnyttelsesform.",
        count_noun(total, PERSON),
        c.year
    ));
    s.tables.push(id.into());
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::report_2023;

    fn section<'a>(secs: &'a [Section], id: &str) -> &'a Section {
        secs.iter().find(|s| s.id == id).unwrap()
    }

    #[test]
    fn a_fall_in_victims_is_said_as_a_fall_and_the_lowest_since_computed_from_the_table() {
        let mut report = report_2023();
        let t = report.tables.get_mut("victims_by_year").unwrap();
        *t.rows[0].values.last_mut().unwrap() = Some(50);
        report.facts.victims = None;
        report.facts.victims_change_pct = None;
        report.facts.victims_highest_since = None;
        let secs = sections(&report);
        let s = section(&secs, "victims");
        assert_eq!(s.headline, "50 personer vurderet udsat for menneskehandel");
        assert!(
            s.paragraphs[1].ends_with(
                "Det er et fald på 32 pct. fra året før og det laveste antal siden 2009."
            ),
            "{:?}",
            s.paragraphs
        );
    }

    #[test]
    fn sections_without_their_table_are_left_out_and_the_rest_keep_their_order() {
        let mut report = report_2023();
        report.tables.shift_remove("victims_by_referral");
        report.tables.shift_remove("forced_labour_by_subtype");
        let ids: Vec<String> = sections(&report).into_iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            [
                "hotline",
                "assessed",
                "victims",
                "forms",
                "forced_criminality",
                "form_series",
                "age",
                "gender",
                "gender_series",
                "nationality",
                "returns",
                "authority",
                "overview"
            ]
        );
    }

    #[test]
    fn a_stacked_chart_is_left_out_when_a_cell_it_would_draw_is_hidden() {
        let mut report = report_2023();
        let chart = |r: &Report| section(&sections(r), "gender").chart.is_some();
        assert!(chart(&report), "the internal edition draws it");
        // A hidden total keeps the chart; a hidden body cell (drawn as nothing) does not.
        let t = report.tables.get_mut("victims_by_gender_form").unwrap();
        let total_row = crate::tables::flat_len(&t.rows);
        t.suppressed = vec![[total_row, 0]];
        assert!(chart(&report));
        report
            .tables
            .get_mut("victims_by_gender_form")
            .unwrap()
            .suppressed
            .push([0, 1]);
        assert!(!chart(&report), "a hidden cell would be drawn as zero");
    }

    #[test]
    fn facts_missing_from_the_report_are_computed_from_the_tables() {
        let mut report = report_2023();
        report.facts = Default::default();
        let secs = sections(&report);
        assert_eq!(
            section(&secs, "victims").paragraphs[0],
            "I perioden 2007-2023 er i alt 1.233 personer vurderet udsat for menneskehandel i Danmark."
        );
        assert!(
            section(&secs, "victims").paragraphs[1]
                .contains("en stigning på 53 pct. fra året før og det højeste antal siden 2016")
        );
        assert_eq!(
            section(&secs, "age").headline,
            "Knap hver fjerde er under 25 år"
        );
        assert_eq!(
            section(&secs, "hotline").headline,
            "Mere end 500 opkald på hotlinen"
        );
        assert!(section(&secs, "nationality").paragraphs[0].contains("35 forskellige lande"));
    }

    #[test]
    fn women_and_men_are_counted_with_girls_and_boys_in_words() {
        let secs = sections(&report_2023());
        let g = section(&secs, "gender");
        assert_eq!(g.headline, "Kvinder udgør to tredjedele");
        assert!(g.paragraphs[0].starts_with(
            "76 kvinder (heraf en pige), 35 mænd (heraf to drenge) og en transperson er vurderet udsat for menneskehandel i 2023."
        ));
        assert!(g.paragraphs[0].contains("mere end dobbelt så højt"));
    }
}
