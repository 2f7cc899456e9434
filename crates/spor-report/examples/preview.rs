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
    Ok(())
}
