//! Writes the 2023 sample overview to a PDF:
//! `cargo run -p spor-pdf --example fixture_pdf -- OUT.pdf [TEMPLATE.typ]`.
//! With a template path, that file is used instead of the built-in layout, so
//! the layout can be worked on without rebuilding. `LONG=1` adds a referral
//! actor with a 60-character name; `DEMO_YEAR=Y` typesets year Y of the demo
//! register through the statistics engine instead.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .unwrap_or_else(|| "overview-2023.pdf".to_owned());
    let report = if let Ok(year) = std::env::var("DEMO_YEAR") {
        let b = spor_demo::build();
        let register = spor_core::Register {
            identifications: b.identifications,
            assessments: b.assessments,
            hotline_calls: b.hotline_calls,
            history: b.history,
            microdata_from: Some(spor_demo::MICRODATA_FROM),
            codes: spor_core::CodeBook::builtin(),
            last_change: None,
        };
        spor_stats::evaluate(&register, year.parse()?)?
    } else if std::env::var_os("LONG").is_some() {
        common::report_with_referral(common::LONG_ACTOR, 16)
    } else {
        common::report()
    };
    let sections = spor_report::sections(&report);
    let meta = common::meta();
    let pdf = match args.next() {
        Some(template) => {
            let template = std::fs::read_to_string(template)?;
            spor_pdf::render_with_template(&template, &report, &sections, &meta)?
        }
        None => spor_pdf::render(&report, &meta)?,
    };
    std::fs::write(&out, pdf)?;
    println!("wrote {out}");
    Ok(())
}
