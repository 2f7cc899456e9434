//! Times the path of `spor report --format json` on an SQLite register, phase by phase:
//! open, load, evaluate, JSON (written as the command writes it).
//!
//! `cargo run --release -p spor-stats --example report_timing -- spor.db 2023 [out.json]`

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().unwrap_or_else(|| "spor.db".into());
    let year: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2023);
    let out = args.next();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let t0 = Instant::now();
        let store = spor_store::open(&db).await.expect("open");
        let t1 = Instant::now();
        let reg = store.load_register().await.expect("load");
        let t2 = Instant::now();
        let report = spor_stats::evaluate(&reg, year).expect("evaluate");
        let t3 = Instant::now();
        let text = serde_json::to_string_pretty(&report).expect("json") + "\n";
        let t4 = Instant::now();
        if let Some(out) = out {
            std::fs::write(&out, text.as_bytes()).expect("write");
        }
        eprintln!(
            "open {:.1?}  load {:.1?}  evaluate {:.1?}  json {:.1?}  total {:.1?} ({} decisions, {} cores)",
            t1 - t0,
            t2 - t1,
            t3 - t2,
            t4 - t3,
            t4 - t0,
            reg.identifications.len(),
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        );
    });
}
