//! Trace reading: tasks per second for each real trace sample (read through
//! its adapter, in file order, as `trace inspect` does): the full samples
//! when present (the folder named by `FARGATE_SIM_TRACES`, else the team's
//! copy beside the repository), else the excerpts in tests/data/traces; it
//! prints which. Then the 20,000,000-task replay: a native Parquet trace
//! generated here (not committed; written in row groups so generation is
//! also bounded), then replayed on Fargate by the release binary, with its
//! wall time and peak memory (VmHWM of the child, read from /usr/bin/time),
//! then again four times as fast, outrunning Fargate's launch rate, so the
//! launch queue holds most of the trace (issue 24: memory must not follow
//! the backlog).
//!
//! Run: `cargo bench --bench traces` (add `--quick` to skip the 20 M replay;
//! set `FARGATE_SIM_KEEP_TRACE=DIR` to keep the generated traces in DIR).

use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::workload::formats::{self, SkipCounter};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The folder of trace samples to read, and whether it holds the full ones.
fn sample_root() -> (PathBuf, bool) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(dir) = std::env::var_os("FARGATE_SIM_TRACES") {
        return (repo.join(dir), true);
    }
    let team = repo.join("../shared/traces");
    if team.is_dir() {
        return (team, true);
    }
    (repo.join("tests/data/traces"), false)
}

fn samples() {
    let (root, full) = sample_root();
    if full {
        println!("trace samples: the full samples in {}", root.display());
    } else {
        println!(
            "trace samples: the excerpts in {} (full samples not found; set FARGATE_SIM_TRACES=DIR to read them)",
            root.display()
        );
    }
    let cases = [
        ("alibaba-v2017/batch_task.csv", "alibaba-2017"),
        (
            "alibaba-gpu-v2023/openb_pod_list_default.csv",
            "alibaba-gpu-2023",
        ),
        (
            "azure-llm-2023/AzureLLMInferenceTrace_conv.csv",
            "azure-llm-2023",
        ),
        ("swf-nasa-ipsc/NASA-iPSC-1993-3.1-cln.swf.gz", "swf"),
    ];
    println!(
        "{:<48} {:>10} {:>10} {:>12} {:>14}",
        "sample", "rows", "tasks", "seconds", "rows/s"
    );
    for (file, format) in cases {
        let path = root.join(file);
        if !path.is_file() {
            println!("{file}: missing, skipped");
            continue;
        }
        let text = format!(
            "name = \"b\"\n[workload]\ntrace = {:?}\nformat = \"{format}\"\non_bad_row = \"skip\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
            path.to_string_lossy()
        );
        let (sc, _) =
            load_str(&text, Path::new("bench.toml"), &LoadOptions::default()).expect("loads");
        let t = sc.workload.trace.expect("trace");
        let mut best = f64::MAX;
        let mut tasks = 0u64;
        let mut skipped = 0u64;
        for _ in 0..3 {
            let started = Instant::now();
            let counter = SkipCounter::default();
            let opened = formats::open(&t.path, t.format, &t.params, t.on_bad_row, false, &counter)
                .expect("opens");
            tasks = 0;
            for r in opened.stream {
                r.expect("reads");
                tasks += 1;
            }
            best = best.min(started.elapsed().as_secs_f64());
            skipped = counter.total();
        }
        let rows = data_rows(&path);
        println!(
            "{:<48} {:>10} {:>10} {:>12.4} {:>14.0}",
            file,
            rows,
            tasks,
            best,
            rows as f64 / best
        );
        let _ = skipped;
    }
}

/// Data rows of a sample (lines that are neither a header nor a comment).
fn data_rows(path: &Path) -> u64 {
    let mut lines = fargate_sim::workload::text::TextLines::open(path).expect("opens");
    let mut n = 0;
    let mut first = true;
    while let Some(r) = lines.next_line() {
        let (_, l) = r.expect("reads");
        if l.trim().is_empty() || l.starts_with(';') {
            continue;
        }
        if first {
            first = false;
            if l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                continue;
            }
        }
        n += 1;
    }
    n
}

fn twenty_million() {
    let dir = tempfile::tempdir().expect("temp dir");
    // FARGATE_SIM_KEEP_TRACE=DIR keeps the generated trace there.
    let keep = std::env::var_os("FARGATE_SIM_KEEP_TRACE").map(std::path::PathBuf::from);
    let trace = dir.path().join("trace-20m.parquet");
    let n: u64 = 20_000_000;
    let started = Instant::now();
    // 20 M tasks at 16/s (about 14.5 days), under Fargate's sustained launch
    // rate of 20/s, so the waiting queue stays short and memory measures the
    // streaming, not a backlog; sizes and durations from a fixed
    // pseudo-random sequence.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut stream = (0..n).map(move |i| {
        let r = next();
        let size = r % 7;
        let (cpu, mem) = match size {
            0..=3 => (250, 512),
            4 | 5 => (1000, 2048),
            _ => (4000, 16384),
        };
        Ok(fargate_sim::workload::Task {
            id: i,
            label: None,
            submit: i * 62_500,
            duration: 30_000_000 + (r >> 20) % 600_000_000,
            cpu_milli: cpu,
            memory_mib: mem,
            storage_gib: 0,
            group: None,
            usage: None,
        })
    });
    let mut f = std::fs::File::create(&trace).expect("create");
    let rows = fargate_sim::workload::native::write_native_parquet_stream(&mut f, &mut stream)
        .expect("writes");
    drop(f);
    let size = std::fs::metadata(&trace).expect("meta").len();
    println!(
        "generated {rows} tasks as native Parquet: {:.0} MB in {:.1}s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    if let Some(k) = &keep {
        std::fs::copy(&trace, k.join("trace-20m.parquet")).expect("keeps the trace");
    }
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"replay-20m\"\n[workload]\ntrace = \"trace-20m.parquet\"\n[report]\ntask_records = false\n[[platforms]]\nname = \"fargate\"\nkind = \"fargate\"\n",
    )
    .expect("scenario");
    let bin = env!("CARGO_BIN_EXE_fargate-sim");
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-v", bin, "run", "s.toml", "--out", "out", "-q"])
        .current_dir(dir.path())
        .output()
        .expect("runs /usr/bin/time");
    let err = String::from_utf8_lossy(&out.stderr);
    for l in err.lines() {
        if l.contains("Elapsed (wall clock)") || l.contains("Maximum resident set size") {
            println!("replay: {}", l.trim());
        }
    }
    assert!(out.status.success(), "{err}");
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).expect("summary");
    let s: serde_json::Value = serde_json::from_str(&summary).expect("json");
    println!(
        "replay: {} tasks submitted, {} completed, ${:.2}",
        s["platforms"][0]["tasks"]["submitted"],
        s["platforms"][0]["tasks"]["completed"],
        s["platforms"][0]["cost"]["total_usd"]
            .as_f64()
            .unwrap_or(0.0)
    );
    // The same trace four times as fast (64 tasks a second against Fargate's
    // sustained 20 launches a second, issue 24): the launch queue grows to
    // about 13.7 M tasks, which wait in the queue's spill file
    // (`platform/spill.rs`), not in memory.
    std::fs::write(
        dir.path().join("fast.toml"),
        "name = \"replay-20m-fast\"\n[workload]\ntrace = \"trace-20m.parquet\"\ntime_scale = 0.25\n[report]\ntask_records = false\n[[platforms]]\nname = \"fargate\"\nkind = \"fargate\"\n",
    )
    .expect("scenario");
    timed_run(
        dir.path(),
        "replay at 64 tasks/s (outruns the launch rate)",
        &["run", "fast.toml", "--out", "out-fast", "-q"],
    );
    // The same trace loaded whole, for comparison: a Task per row plus its
    // label on the heap.
    let per_task = std::mem::size_of::<fargate_sim::workload::Task>() + 16;
    println!(
        "for comparison: holding the trace whole as tasks would take at least {:.0} MB ({} bytes a task)",
        (n as usize * per_task) as f64 / 1e6,
        per_task
    );
}

/// Runs the built binary under `/usr/bin/time -v` in `dir`; prints wall
/// time and peak memory.
fn timed_run(dir: &std::path::Path, label: &str, args: &[&str]) {
    let bin = env!("CARGO_BIN_EXE_fargate-sim");
    let mut all = vec!["-v", bin];
    all.extend_from_slice(args);
    let out = std::process::Command::new("/usr/bin/time")
        .args(&all)
        .current_dir(dir)
        .output()
        .expect("runs /usr/bin/time");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let pick = |key: &str| {
        err.lines()
            .find(|l| l.contains(key))
            .and_then(|l| l.rsplit(": ").next())
            .unwrap_or("?")
            .trim()
            .to_string()
    };
    let rss_mb = pick("Maximum resident set size")
        .parse::<f64>()
        .map_or("?".into(), |kb| format!("{:.1} MB", kb / 1024.0));
    println!(
        "  {label:<48} wall {:>8}, peak {rss_mb}",
        pick("Elapsed (wall clock)")
    );
}

/// The 1,000,000-task benchmark workload (benches/scenarios/fargate_1m.toml)
/// written as a native Parquet trace, then replayed as a user runs it, trace
/// read included: on Fargate and on the ECS managed-scaling cluster, with
/// every report file and with `--no-task-records`.
fn one_million() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (scenario, _) = fargate_sim::scenario::load(
        &root.join("benches/scenarios/fargate_1m.toml"),
        &fargate_sim::scenario::LoadOptions::default(),
    )
    .expect("scenario");
    let (_, mut stream) = scenario.workload.open(scenario.seed).expect("workload");
    let trace = dir.path().join("trace-1m.parquet");
    let mut f = std::fs::File::create(&trace).expect("create");
    let rows = fargate_sim::workload::native::write_native_parquet_stream(&mut f, &mut stream)
        .expect("writes");
    drop(f);
    println!(
        "1 M tasks as a native Parquet trace: {rows} rows, {:.0} MB",
        std::fs::metadata(&trace).expect("meta").len() as f64 / 1e6
    );
    // FARGATE_SIM_KEEP_TRACE=DIR keeps the trace there, for profiling.
    if let Some(k) = std::env::var_os("FARGATE_SIM_KEEP_TRACE") {
        let k = std::path::PathBuf::from(k);
        std::fs::copy(&trace, k.join("trace-1m.parquet")).expect("keeps the trace");
    }
    for (name, platform) in [
        ("fargate", "name = \"fargate\"\nkind = \"fargate\"\n"),
        (
            "ecs",
            "name = \"ecs-managed\"\nkind = \"ec2\"\ninstance_types = [\"m5.4xlarge\"]\nautoscaler = \"ecs_managed\"\ninitial = 10\nmax = 2000\n",
        ),
    ] {
        std::fs::write(
            dir.path().join(format!("{name}.toml")),
            format!(
                "name = \"trace-1m-{name}\"\n[workload]\ntrace = \"trace-1m.parquet\"\n[[platforms]]\n{platform}"
            ),
        )
        .expect("scenario");
        let file = format!("{name}.toml");
        timed_run(
            dir.path(),
            &format!("{name}, trace read, every report file"),
            &[
                "run",
                &file,
                "--out",
                &format!("out-{name}"),
                "-q",
                "--force",
            ],
        );
        timed_run(
            dir.path(),
            &format!("{name}, trace read, --no-task-records"),
            &[
                "run",
                &file,
                "--out",
                &format!("out-{name}-lean"),
                "-q",
                "--force",
                "--no-task-records",
            ],
        );
    }
}

/// Read rate of the native format (issue 24): the 1 M-task benchmark
/// workload written as native CSV and as native Parquet, each read through
/// `formats::open` as a run reads it (every row parsed and checked into a
/// task), best of 3. Rates are in MB of the CSV file a second for both, so
/// the formats compare on the same work.
fn native_read_rate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (scenario, _) = fargate_sim::scenario::load(
        &root.join("benches/scenarios/fargate_1m.toml"),
        &LoadOptions::default(),
    )
    .expect("scenario");
    let csv = dir.path().join("trace-1m.csv");
    let parquet = dir.path().join("trace-1m.parquet");
    let (_, mut stream) = scenario.workload.open(scenario.seed).expect("workload");
    let mut f = std::fs::File::create(&csv).expect("create");
    fargate_sim::workload::native::write_native_csv(&mut f, &mut stream).expect("writes");
    let (_, mut stream) = scenario.workload.open(scenario.seed).expect("workload");
    let mut f = std::fs::File::create(&parquet).expect("create");
    fargate_sim::workload::native::write_native_parquet_stream(&mut f, &mut stream)
        .expect("writes");
    let csv_mb = std::fs::metadata(&csv).expect("meta").len() as f64 / 1e6;
    println!("native trace read rate (1,000,000 tasks; {csv_mb:.1} MB as CSV):");
    // The adapters' default parameters, as a scenario naming the trace has.
    let text = format!(
        "name = \"b\"\n[workload]\ntrace = {:?}\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        csv.to_string_lossy()
    );
    let (sc, _) = load_str(&text, Path::new("bench.toml"), &LoadOptions::default()).expect("loads");
    let params = sc.workload.trace.expect("trace").params;
    for (label, path) in [("native CSV", &csv), ("native Parquet", &parquet)] {
        let mut best = f64::MAX;
        let mut best_cpu = f64::MAX;
        let mut tasks = 0u64;
        for _ in 0..3 {
            let started = Instant::now();
            let cpu = process_cpu_seconds();
            let counter = SkipCounter::default();
            let opened = formats::open(
                path,
                formats::Format::Native,
                &params,
                formats::OnBadRow::Error,
                true,
                &counter,
            )
            .expect("opens");
            tasks = 0;
            for r in opened.stream {
                r.expect("reads");
                tasks += 1;
            }
            best = best.min(started.elapsed().as_secs_f64());
            if let (Some(a), Some(b)) = (cpu, process_cpu_seconds()) {
                best_cpu = best_cpu.min(b - a);
            }
        }
        let size = std::fs::metadata(path).expect("meta").len() as f64 / 1e6;
        // On a shared machine the wall time counts other programs' turns;
        // the CPU time does not. It is the whole process's (the reading
        // threads: the CSV splitter and parsers, polars' decoders), so the
        // rate per CPU-second is the work, the wall rate what both cores
        // give.
        let per_cpu = if best_cpu < f64::MAX && best_cpu > 0.0 {
            format!(
                "; {best_cpu:.3} CPU-s (all threads): {:.0} MB/s of CSV per CPU-second",
                csv_mb / best_cpu
            )
        } else {
            String::new()
        };
        println!(
            "  {label:<16} {tasks} tasks, {size:.1} MB file, {best:.3} s: {:.0} MB/s of CSV, {:.2} M tasks/s{per_cpu}",
            csv_mb / best,
            tasks as f64 / best / 1e6
        );
    }
}

/// This process's CPU time (user + system, every thread) from /proc, in
/// seconds (Linux; `None` elsewhere). Clock ticks are 1/100 s on Linux.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() {
    samples();
    native_read_rate();
    one_million();
    if !std::env::args().any(|a| a == "--quick") {
        twenty_million();
    }
}
