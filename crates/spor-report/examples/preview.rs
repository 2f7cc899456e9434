//! Writes the sample 2023 overview as HTML, XLSX and CSV into a folder and prints the
//! sections' text: `cargo run -p spor-report --example preview -- /tmp/preview`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "preview".into()));
    std::fs::create_dir_all(&out)?;
    let report = spor_report::sample::report_2023();
    for s in spor_report::sections(&report) {
        println!("## [{}] {}", s.id, s.headline);
        for p in &s.paragraphs {
            println!("   {p}");
        }
        if let Some(c) = &s.chart {
            std::fs::write(out.join(format!("{}.svg", c.id)), &c.svg)?;
        }
    }
    let meta = spor_report::Meta::new(chrono::Utc::now(), Some(chrono::Utc::now()));
    std::fs::write(
        out.join("overview-2023.html"),
        spor_report::html::render(&report, &meta)?,
    )?;
    spor_report::xlsx::write(&report, &meta, &out.join("overview-2023.xlsx"))?;
    spor_report::csv::write_dir(&report, &out.join("csv"))?;
    Ok(())
}
