//! A service at 1,000 requests a second over a simulated day
//! (benches/scenarios/service_1000rps.toml): 86.4 million requests through
//! the router, queues and autoscaler on one platform, on one core. Prints
//! requests simulated per second of wall time and events per second.
//! Events count each request's arrival and end, though only the end goes
//! through the event queue (the next arrival waits beside it, issue 24).
//! Issue 24's target is 8 M requests/s; figures in docs/performance.md
//! ("Services at 8 M requests/s").
//!
//! Run: `cargo bench --bench services`.

use fargate_sim::scenario::{LoadOptions, load};
use fargate_sim::simulate::run_platform;
use std::path::Path;
use std::time::Instant;

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scenarios/service_1000rps.toml");
    let (scenario, catalog) = load(&path, &LoadOptions::default()).expect("scenario");
    for round in 1..=2 {
        let started = Instant::now();
        let (run, _) =
            run_platform(&scenario, &catalog, &scenario.platforms[0], None).expect("runs");
        let wall = started.elapsed().as_secs_f64();
        let s = &run.services[0];
        println!(
            "round {round}: {} requests ({} served, p99 {:.1} ms) and {} events in {wall:.2} s: {:.2} M requests/s, {:.1} M events/s",
            s.arrived,
            s.served,
            s.latency.clone().quantile(0.99).unwrap_or(0) as f64 / 1e3,
            run.end.events,
            s.arrived as f64 / wall / 1e6,
            run.end.events as f64 / wall / 1e6
        );
    }
}
