//! A 100-point sweep (benches/scenarios/sweep_100.toml: 10 load scales ×
//! 10 duration scales, about 29,000 tasks a point at scale 1) run with
//! `-j 1` and `-j 2`: wall time of each and the speed-up. The results of the
//! two runs are also compared: they must be identical.
//!
//! Run: `cargo bench --bench sweep`.

use fargate_sim::experiment::{Base, Sweep, run_points};
use fargate_sim::scenario::LoadOptions;
use std::path::Path;
use std::time::Instant;

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scenarios/sweep_100.toml");
    let base = Base::read(&path, LoadOptions::default()).expect("scenario");
    let sweep = Sweep::parse(&base.text, &path)
        .expect("sweep")
        .expect("has a sweep");
    let points = sweep.points();
    println!(
        "{} points × {} replication(s)",
        points.len(),
        sweep.replications
    );
    let mut times = Vec::new();
    let mut totals = Vec::new();
    for jobs in [1, 2] {
        let started = Instant::now();
        let runs =
            run_points(&base, &points, sweep.replications, jobs, None, &|_| {}).expect("runs");
        let t = started.elapsed().as_secs_f64();
        let total: f64 = runs.iter().map(|r| r[0].platforms[0].cost.total_usd).sum();
        println!(
            "-j {jobs}: {t:.2} s ({:.1} points/s)",
            points.len() as f64 / t
        );
        times.push(t);
        totals.push(total);
    }
    assert_eq!(totals[0], totals[1], "results must not depend on -j");
    println!("speed-up -j 2 over -j 1: {:.2}x", times[0] / times[1]);
}
