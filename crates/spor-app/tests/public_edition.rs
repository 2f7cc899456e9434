//! The public edition as a reader gets it (issue 18): the attacker of `spor-sdc` reads the
//! JSON and the HTML edition together, and a release with an earlier edition (`spor release
//! public --earlier`) publishes again what that edition published.

use spor_app::{Edition, Format, Profile, PublicOptions};
use spor_sdc::Status;
use spor_sdc::attack::attack_edition;

fn demo_report() -> spor_stats::Report {
    spor_stats::evaluate(&spor_demo::register(), spor_demo::YEAR).unwrap()
}

fn public(earlier: Vec<spor_stats::Report>) -> anyhow::Result<Edition> {
    Edition::of_report(
        demo_report(),
        None,
        Some(spor_demo::MICRODATA_FROM),
        &Profile::Public(PublicOptions {
            earlier,
            ..PublicOptions::default()
        }),
    )
}

fn html(edition: &Edition) -> String {
    String::from_utf8(edition.render(Format::Html, chrono::Utc::now()).unwrap()).unwrap()
}

/// The demo's public edition: nothing the HTML prints (tables, key figures, sentences,
/// chart labels) pins a hidden figure, and the attacker did read its tables and numbers.
#[test]
fn the_html_and_json_of_the_demo_public_edition_pin_no_hidden_figure() {
    let edition = public(Vec::new()).unwrap();
    let html = html(&edition);
    let json = serde_json::to_value(&edition.report).unwrap();
    let found = attack_edition(&json, &html);
    let pinned: Vec<_> = found.iter().filter(|d| d.pinned()).collect();
    assert!(pinned.is_empty(), "{pinned:#?}");
    assert!(found.len() >= 10, "{found:?}");
    let page = spor_sdc::html_numbers::read(&html, &edition.report);
    assert!(
        page.tables.len() >= 10,
        "tables read: {:?}",
        page.tables.keys()
    );
    assert!(
        page.key_figures.iter().any(|(f, _)| f == "victims"),
        "{:?}",
        page.key_figures
    );
    assert!(
        page.text.len() >= 20,
        "numbers in the text: {}",
        page.text.len()
    );
}

/// The same HTML with one hidden cell printed, or with a sentence stating a hidden count,
/// is caught.
#[test]
fn a_hidden_figure_printed_in_the_html_is_caught() {
    let edition = public(Vec::new()).unwrap();
    let internal = demo_report();
    let html = html(&edition);
    let json = serde_json::to_value(&edition.report).unwrap();
    let p = &edition.protected.as_ref().unwrap().release;
    // A hidden cell of the gender table, printed with its true value.
    let t = &edition.report.tables["victims_by_gender"];
    let &[row, _] = p
        .suppressed
        .get("victims_by_gender")
        .and_then(|s| s.first())
        .expect("the demo hides a gender");
    let key = &t.rows[row].key;
    let value = internal.tables["victims_by_gender"]
        .rows
        .iter()
        .find(|r| &r.key == key)
        .and_then(|r| r.values[0])
        .unwrap();
    let label = &t.rows[row].label;
    let from = format!("<th scope=\"row\">{label}</th><td>·</td>");
    assert!(html.contains(&from), "{from}");
    let leaked = html.replacen(
        &from,
        &format!("<th scope=\"row\">{label}</th><td>{value}</td>"),
        1,
    );
    let pinned: Vec<_> = attack_edition(&json, &leaked)
        .into_iter()
        .filter(|d| d.pinned())
        .collect();
    assert!(
        pinned
            .iter()
            .any(|d| d.name.starts_with("victims_by_gender[")),
        "{pinned:?}"
    );
    // A sentence giving the hidden count away in words no published figure explains: the
    // hidden genders together (a number the edition does not print).
    let hidden_sum: u64 = p.suppressed["victims_by_gender"]
        .iter()
        .filter_map(|&[r, _]| {
            let k = &t.rows.get(r)?.key;
            internal.tables["victims_by_gender"]
                .rows
                .iter()
                .find(|x| &x.key == k)?
                .values[0]
        })
        .sum::<u64>()
        * 1000
        + 7;
    let told = html.replacen(
        "</main>",
        &format!(
            "<p>I alt {} personer.</p></main>",
            spor_report::format::int(hidden_sum)
        ),
        1,
    );
    let pinned: Vec<_> = attack_edition(&json, &told)
        .into_iter()
        .filter(|d| d.pinned())
        .collect();
    assert!(
        pinned.iter().any(|d| d.name.starts_with("html:")),
        "{pinned:?}"
    );
}

/// `spor release public --earlier`: a figure an earlier public edition published is
/// published again unchanged, even where this release would otherwise have hidden it (here
/// a partner of the demo's edition, published by an earlier edition of the same year).
#[test]
fn a_release_with_an_earlier_edition_keeps_what_it_published() {
    let first = public(Vec::new()).unwrap();
    let p = &first.protected.as_ref().unwrap().release;
    let internal = demo_report();
    let dir = tempfile::tempdir().unwrap();
    let mut kept = 0;
    // Partners in the one-dimensional tables, each tried as the figure published earlier.
    for (i, q) in p.problem.quantities.iter().enumerate() {
        if !matches!(p.protection.status[i], Status::HiddenSecondary { .. }) || kept > 0 {
            continue;
        }
        let Some(at) = q.refs.iter().find(|r| {
            r.table != "facts"
                && r.row != "total"
                && !r.row.contains('/')
                && !spor_sdc::design::is_merged_key(&r.row)
        }) else {
            continue;
        };
        let rows = &first.report.tables[&at.table].rows;
        if rows.iter().any(|r| !r.children.is_empty()) {
            continue;
        }
        let Some(row) = rows.iter().position(|r| r.key == at.row) else {
            continue;
        };
        let col = first.report.tables[&at.table]
            .column_keys
            .iter()
            .position(|c| *c == at.col)
            .unwrap();
        // The earlier edition: this one, with the partner published.
        let mut earlier = first.report.clone();
        let t = earlier.tables.get_mut(&at.table).unwrap();
        t.rows[row].values[col] = Some(q.value);
        t.suppressed.retain(|c| *c != [row, col]);
        let path = dir.path().join(format!("earlier-{i}.json"));
        std::fs::write(&path, serde_json::to_string(&earlier).unwrap()).unwrap();
        let loaded = PublicOptions::load_earlier(&[path]).unwrap();
        // Publishing it may leave another hidden figure without a partner: then the release
        // is refused, which is right, and another partner is tried.
        let Ok(again) = public(loaded) else {
            continue;
        };
        let shown = again.report.tables[&at.table]
            .rows
            .iter()
            .find(|r| r.key == at.row)
            .and_then(|r| r.values[col]);
        assert_eq!(shown, Some(q.value), "{at}");
        assert!(
            !again
                .protected
                .as_ref()
                .unwrap()
                .release
                .is_hidden(&at.table, row, col),
            "{at}"
        );
        let expected = internal.tables[&at.table]
            .rows
            .iter()
            .find(|r| r.key == at.row)
            .and_then(|r| r.values[col]);
        assert_eq!(shown, expected, "{at}: the register's own figure");
        kept += 1;
    }
    assert_eq!(
        kept, 1,
        "no partner of the demo edition could be published earlier"
    );
}
