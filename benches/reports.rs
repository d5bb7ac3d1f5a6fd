//! What the report files cost on a 1,000,000-task run: the wall time of the
//! simulation alone (no time series, no task records), of the simulation
//! with the time series and task records (encoded as it runs), and of writing every file (summary,
//! time series, tasks.parquet, charts, HTML); and the size of each file.
//!
//! Run: `cargo bench --bench reports` (pass a scenario path to use another;
//! the default is benches/scenarios/fargate_1m.toml). Each timing is the best
//! of three. Peak memory is measured on the binary instead, see
//! docs/performance.md.

use fargate_sim::engine::Progress;
use fargate_sim::report::tasks::TaskRecords;
use fargate_sim::report::{assumptions, summary};
use fargate_sim::scenario::{self, LoadOptions};
use fargate_sim::simulate::{self, RunOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(v);
    }
    (best, last.expect("ran at least once"))
}

fn main() {
    let arg = std::env::args()
        .skip(1)
        .find(|a| a.ends_with(".toml"))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scenarios/fargate_1m.toml")
        });
    let (scenario, catalog) =
        scenario::load(&arg, &LoadOptions::default()).expect("scenario loads");
    let dir = tempfile::tempdir().expect("temp dir");

    let (plain, out) = best_of(3, || {
        simulate::run(&scenario, &catalog, None).expect("runs")
    });
    let tasks: u64 = out.platforms.iter().map(|p| p.tally.submitted).sum();
    println!(
        "scenario {} ({} task(s) over {} platform(s))",
        scenario.name,
        tasks,
        out.platforms.len()
    );
    println!("simulate only                          {plain:8.3} s");

    let (full, files) = best_of(3, || {
        let started = Instant::now();
        let names: Vec<&str> = scenario.platforms.iter().map(|p| p.name()).collect();
        let records = TaskRecords::start(dir.path(), &names).expect("task records");
        let sink_for = |spec: &fargate_sim::platform::PlatformSpec| -> Option<Box<dyn fargate_sim::platform::RecordSink>> {
            let i = scenario.platforms.iter().position(|p| p.name() == spec.name())?;
            let s = records.sink(i)?;
            Some(Box::new(s))
        };
        let progress: Vec<Progress> = scenario
            .platforms
            .iter()
            .map(|_| Progress::default())
            .collect();
        let mut result = simulate::run_with(
            &scenario,
            &catalog,
            Some(&sink_for),
            RunOptions {
                series_every: Some(scenario.report.interval),
                progress: Some(&progress),
            },
        )
        .expect("runs");
        let simulated = started.elapsed().as_secs_f64();
        // The summary is built beside the time series' writing, as a run does.
        let t = Instant::now();
        let out = fargate_sim::io::staged::Staged::new();
        let (_, _, files) = fargate_sim::report::write_all(
            &out,
            dir.path(),
            &mut result,
            |result| {
                let mut s = summary::summarize(&scenario, result);
                s.assumptions = assumptions::list(&scenario, &catalog);
                Ok(s)
            },
            Some(&records),
        )
        .expect("writes");
        out.commit(Some(&dir.path().join("summary.json")))
            .expect("puts the files in place");
        (simulated, t.elapsed().as_secs_f64(), files)
    });
    let (simulated, writing, _) = files;
    println!("simulate with series and task records  {simulated:8.3} s");
    println!("summarize and write every file         {writing:8.3} s");
    println!(
        "total with reports (best run)          {full:8.3} s  (+{:.0}% over simulate only)",
        (full / plain - 1.0) * 100.0
    );
    let (render, _) = best_of(3, || {
        let summary: fargate_sim::report::Summary = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("summary.json")).expect("summary"),
        )
        .expect("parses");
        let df = fargate_sim::report::timeseries::read(&dir.path().join("timeseries.parquet"))
            .expect("series");
        fargate_sim::report::render(dir.path(), &summary, &df, None).expect("renders")
    });
    println!("charts and HTML alone (report command) {render:8.3} s");
    let mut entries: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    println!("files:");
    for e in entries {
        let len = e.metadata().expect("meta").len();
        println!("  {:24} {:>12} bytes", e.file_name().to_string_lossy(), len);
    }
}
