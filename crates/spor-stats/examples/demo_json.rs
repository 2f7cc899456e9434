//! Prints the demo register's 2023 overview as JSON (a quick look at the engine's output).

fn main() {
    let b = spor_demo::build();
    let reg = spor_core::Register {
        identifications: b.identifications,
        assessments: b.assessments,
        hotline_calls: b.hotline_calls,
        history: b.history,
        microdata_from: Some(spor_demo::MICRODATA_FROM),
        ..Default::default()
    };
    match spor_stats::evaluate(&reg, 2023) {
        Ok(r) => println!("{}", serde_json::to_string_pretty(&r).unwrap()),
        Err(e) => eprintln!("error: {e}"),
    }
}
