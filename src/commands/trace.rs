//! `fargate-sim trace inspect` and `trace convert`: what a trace holds,
//! before any run (read once, in file order, with bounded memory), and the
//! trace rewritten in the native format, sorted by submit time.

use crate::Error;
use crate::io::files::write_atomic_with;
use crate::platform::fargate::{LaunchType, Sizing};
use crate::platform::fargate::{SizeMiss, fit};
use crate::pricing::Catalog;
use crate::pricing::Os;
use crate::scenario::{self, LoadOptions, Scenario, ScenarioError};
use crate::stats::SpanStats;
use crate::time::{SimTime, format_span};
use crate::units::format_vcpu;
use crate::workload::formats::SkipCounter;
use crate::workload::native::{ConvertError, write_native_csv, write_native_parquet_stream};
use crate::workload::{TaskStream, WorkloadError};
use std::collections::BTreeMap;
use std::path::Path;

/// The trace to read and how: the file, its format when not detected, and
/// `[workload]` keys (`from=1h`, `options.machine_memory=96GiB`).
struct TraceInput<'a> {
    file: &'a Path,
    format: Option<&'a str>,
    set: &'a [String],
}

impl TraceInput<'_> {
    /// A scenario around the trace, so every workload key and check applies.
    fn scenario(&self, on_bad_row: &str, sort: bool) -> Result<Scenario, Error> {
        let file = self.file;
        if !file.is_file() {
            let why = if file.is_dir() {
                "it is a folder"
            } else {
                "no such file"
            };
            return Err(Error::BadInput(format!(
                "cannot read trace {}: {why}; give the path of a trace file (CSV, gzip-compressed CSV, SWF or native Parquet)",
                file.display()
            )));
        }
        let abs = std::path::absolute(file)
            .map_err(|e| Error::BadInput(format!("{}: {e}", file.display())))?;
        let mut workload = toml::Table::new();
        workload.insert(
            "trace".into(),
            toml::Value::String(abs.to_string_lossy().into_owned()),
        );
        if let Some(f) = self.format {
            if matches!(f, "json" | "table") {
                return Err(Error::BadInput(format!(
                    "--format {f}: for `trace`, --format names the trace's format (native, alibaba-2017, swf, …), and `trace` prints text only; leave --format out to detect the format"
                )));
            }
            workload.insert("format".into(), toml::Value::String(f.to_string()));
        }
        workload.insert("on_bad_row".into(), toml::Value::String(on_bad_row.into()));
        if sort {
            workload.insert("order".into(), toml::Value::String("sort".into()));
        }
        let mut platform = toml::Table::new();
        platform.insert("name".into(), toml::Value::String("fargate".into()));
        platform.insert("kind".into(), toml::Value::String("fargate".into()));
        let mut root = toml::Table::new();
        root.insert("name".into(), toml::Value::String("trace".into()));
        root.insert("workload".into(), toml::Value::Table(workload));
        root.insert(
            "platforms".into(),
            toml::Value::Array(vec![toml::Value::Table(platform)]),
        );
        let text = toml::to_string(&root).map_err(|e| Error::Internal(e.to_string()))?;
        let options = LoadOptions {
            overrides: self.set.iter().map(|s| format!("workload.{s}")).collect(),
            ..LoadOptions::default()
        };
        let here = std::env::current_dir().unwrap_or_default().join("(trace)");
        // The scenario is ours, not the user's: name the trace and the
        // option, not a line of a file they never wrote.
        let loaded = scenario::load_str(&text, &here, &options).map_err(|e| match e {
            ScenarioError::Invalid { key, message, .. } => {
                let option = match key.strip_prefix("workload.") {
                    Some("format") => "--format".to_string(),
                    Some(k) => format!("--set {k}"),
                    None => key.clone(),
                };
                let ours = format!("trace {}: ", abs.display());
                let message = message
                    .strip_prefix(&ours)
                    .unwrap_or(&message)
                    .replace("name it with workload.format =", "name it with --format,");
                Error::BadInput(format!("trace {}: {option}: {message}", file.display()))
            }
            other => other.into(),
        })?;
        Ok(loaded.0)
    }
}

/// `trace inspect`: rows, span, arrival profile, size and duration
/// distributions, bad rows by reason and the Fargate sizes the tasks round
/// up to, of the trace `file` in `format` (detected when not given) with the
/// `[workload]` keys `set` (`from=1h`). `strict` stops at the first bad row
/// instead of counting.
pub fn inspect(
    file: &Path,
    format: Option<&str>,
    set: &[String],
    strict: bool,
) -> Result<String, Error> {
    let started = std::time::Instant::now();
    let input = TraceInput { file, format, set };
    let sc = input.scenario(if strict { "error" } else { "skip" }, false)?;
    let t = sc.workload.trace.as_ref().expect("a trace");
    // In file order: the report counts rows out of order.
    let mut t = t.clone();
    t.order = crate::workload::shape::Order::Sort;
    let skipped = SkipCounter::default();
    let opened = crate::workload::formats::open(
        &t.path,
        t.format,
        &t.params,
        t.on_bad_row,
        false,
        &skipped,
    )?;
    let stream = crate::workload::shape::window(opened.stream, t.from, t.until);
    let catalog = Catalog::builtin();
    let text = report(stream, &skipped, &opened.notes, &catalog, started)?;
    Ok(format!(
        "{} (format {})\n{text}",
        t.path.display(),
        t.format.name()
    ))
}

/// `trace convert`: writes the trace to `to` in the native format (CSV when
/// `to` ends in `.csv`, else Parquet), sorted by submit time. Bad rows stop
/// it unless `skip_bad_rows`. `file`, `format` and `set` as for [`inspect`].
pub fn convert(
    file: &Path,
    format: Option<&str>,
    set: &[String],
    to: &Path,
    skip_bad_rows: bool,
    force: bool,
) -> Result<String, Error> {
    let started = std::time::Instant::now();
    refuse_to_replace(file, to, force)?;
    let input = TraceInput { file, format, set };
    let sc = input.scenario(if skip_bad_rows { "skip" } else { "error" }, true)?;
    let t = sc.workload.trace.as_ref().expect("a trace");
    let (notes, mut stream, skipped) = t.open(sc.seed)?;
    let csv = to
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut rows = 0u64;
    let mut failure: Option<Error> = None;
    write_atomic_with(to, |f| {
        let result = if csv {
            write_native_csv(f, &mut stream)
        } else {
            write_native_parquet_stream(f, &mut stream)
        };
        match result {
            Ok(n) => {
                rows = n;
                Ok(())
            }
            Err(ConvertError::Workload(e)) => {
                let m = e.to_string();
                failure = Some(Error::Workload(e));
                Err(m)
            }
            Err(ConvertError::Other(m)) => Err(m),
        }
    })
    .map_err(|e| failure.take().unwrap_or_else(|| e.into()))?;
    let mut text = format!(
        "wrote {} ({} task(s) from {}, format {}, sorted by submit time) in {:.2}s\n",
        to.display(),
        rows,
        file.display(),
        t.format.name(),
        started.elapsed().as_secs_f64()
    );
    for n in notes {
        text.push_str(&format!("note: {n}\n"));
    }
    for (reason, n) in skipped.counts() {
        text.push_str(&format!("skipped {n} row(s): {reason}\n"));
    }
    Ok(text)
}

/// Refuses to write the native trace over an existing file without
/// `force` (as `run --out` refuses an earlier run), and over the trace being
/// read even with it.
fn refuse_to_replace(file: &Path, to: &Path, force: bool) -> Result<(), Error> {
    if !to.is_file() {
        return Ok(());
    }
    let same = match (file.canonicalize(), to.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::BadInput(format!(
            "--to {}: that is the trace being converted; write the native trace to another file",
            to.display()
        )));
    }
    if !force {
        return Err(Error::BadInput(format!(
            "--to {}: the file exists; choose another name, or add --force to replace it",
            to.display()
        )));
    }
    Ok(())
}

/// Buckets of the arrival-rate profile.
const PROFILE_BUCKETS: usize = 24;

/// Renders what a trace holds, reading `stream` once.
pub fn report(
    stream: TaskStream,
    skipped: &SkipCounter,
    notes: &[String],
    catalog: &Catalog,
    started: std::time::Instant,
) -> Result<String, WorkloadError> {
    let mut n = 0u64;
    let (mut first, mut last) = (SimTime::MAX, 0);
    let mut out_of_order = 0u64;
    let mut previous = 0;
    let mut durations = SpanStats::new();
    let mut cpu = SpanStats::new();
    let mut mem = SpanStats::new();
    let mut submits: Vec<SimTime> = Vec::new();
    let mut sample_every = 1u64;
    let mut sizes: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    let mut too_big: BTreeMap<String, u64> = BTreeMap::new();
    let mut cpu_milli_s = 0u128;
    for r in stream {
        let t = r?;
        n += 1;
        if t.submit < previous {
            out_of_order += 1;
        }
        previous = t.submit;
        first = first.min(t.submit);
        last = last.max(t.submit);
        durations.record(t.duration);
        cpu.record(t.cpu_milli as SimTime);
        mem.record(t.memory_mib as SimTime);
        cpu_milli_s += t.cpu_milli as u128 * t.duration as u128;
        // A bounded sample of submit times for the rate profile.
        if n.is_multiple_of(sample_every) {
            submits.push(t.submit);
            if submits.len() >= 1 << 20 {
                submits = submits.into_iter().step_by(2).collect();
                sample_every *= 2;
            }
        }
        match fit(
            &catalog.fargate,
            Os::Linux,
            LaunchType::Ecs,
            Sizing::RoundUp,
            t.cpu_milli,
            t.memory_mib,
        ) {
            Ok(s) => *sizes.entry((s.cpu_milli, s.memory_mib)).or_default() += 1,
            Err(SizeMiss::TooLarge(why)) => *too_big.entry(why).or_default() += 1,
            Err(SizeMiss::NotExact { .. }) => {}
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut o = String::new();
    o.push_str(&format!(
        "tasks: {n} (read in {elapsed:.2}s, {:.0} tasks/s)\n",
        n as f64 / elapsed.max(1e-9)
    ));
    let skipped = skipped.counts();
    if !skipped.is_empty() {
        o.push_str(&format!(
            "bad rows skipped: {}\n",
            skipped.values().sum::<u64>()
        ));
        for (reason, k) in &skipped {
            o.push_str(&format!("  {k:>10}  {reason}\n"));
        }
    } else {
        o.push_str("bad rows: none\n");
    }
    for note in notes {
        o.push_str(&format!("note: {note}\n"));
    }
    if n == 0 {
        return Ok(o);
    }
    if out_of_order > 0 {
        o.push_str(&format!(
            "order: {out_of_order} task(s) submitted earlier than the one before; runs sort it (order = \"sort\"), `trace convert` writes it sorted\n"
        ));
    } else {
        o.push_str("order: sorted by submit time\n");
    }
    let span = last - first;
    let per_s = if span > 0 {
        n as f64 / (span as f64 / 1e6)
    } else {
        0.0
    };
    let rate = if per_s >= 1.0 || per_s == 0.0 {
        format!("{per_s:.2}/s")
    } else if per_s * 60.0 >= 1.0 {
        format!("{:.2}/min", per_s * 60.0)
    } else {
        format!("{:.2}/h", per_s * 3600.0)
    };
    o.push_str(&format!(
        "submitted: from {} to {} (span {}); mean rate {rate}\n",
        format_span(first),
        format_span(last),
        format_span(span),
    ));
    o.push_str(&format!(
        "work: {:.1} vCPU-hours requested\n",
        cpu_milli_s as f64 / 1e3 / 1e6 / 3600.0
    ));
    if span > 0 && !submits.is_empty() {
        let width = span.div_ceil(PROFILE_BUCKETS as u64).max(1);
        let mut counts = [0u64; PROFILE_BUCKETS];
        for s in &submits {
            let b = (((s - first) / width) as usize).min(PROFILE_BUCKETS - 1);
            counts[b] += sample_every;
        }
        let peak = *counts.iter().max().unwrap_or(&1) as f64;
        o.push_str(&format!(
            "arrivals per {} (from the start of the trace):\n",
            format_span(width)
        ));
        for (i, c) in counts.iter().enumerate() {
            let bar = "#".repeat(((*c as f64 / peak.max(1.0)) * 40.0).round() as usize);
            o.push_str(&format!(
                "  {:>10}  {:>10}  {bar}\n",
                format_span(first + i as u64 * width),
                c
            ));
        }
    }
    let q = |s: &mut SpanStats, p: f64| s.quantile(p).unwrap_or(0);
    o.push_str(&format!(
        "duration: p50 {}  p95 {}  p99 {}  max {}\n",
        format_span(q(&mut durations, 0.5)),
        format_span(q(&mut durations, 0.95)),
        format_span(q(&mut durations, 0.99)),
        format_span(q(&mut durations, 1.0))
    ));
    o.push_str(&format!(
        "cpu: p50 {}  p95 {}  max {} vCPU\n",
        format_vcpu(q(&mut cpu, 0.5) as u32),
        format_vcpu(q(&mut cpu, 0.95) as u32),
        format_vcpu(q(&mut cpu, 1.0) as u32)
    ));
    o.push_str(&format!(
        "memory: p50 {}  p95 {}  max {} MiB\n",
        q(&mut mem, 0.5),
        q(&mut mem, 0.95),
        q(&mut mem, 1.0)
    ));
    let mut by_count: Vec<((u32, u32), u64)> = sizes.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    o.push_str("Fargate sizes the tasks round up to (Linux, ECS):\n");
    for ((c, m), k) in by_count.iter().take(12) {
        o.push_str(&format!(
            "  {:>10}  {} vCPU / {} GiB ({:.1}%)\n",
            k,
            format_vcpu(*c),
            *m as f64 / 1024.0,
            *k as f64 / n as f64 * 100.0
        ));
    }
    if by_count.len() > 12 {
        let rest: u64 = by_count[12..].iter().map(|x| x.1).sum();
        o.push_str(&format!(
            "  {rest:>10}  in {} other sizes\n",
            by_count.len() - 12
        ));
    }
    for (why, k) in &too_big {
        o.push_str(&format!("  {k:>10}  too large for Fargate: {why}\n"));
    }
    Ok(o)
}
