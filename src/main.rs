//! The `fargate-sim` command: parses arguments, calls the library, renders
//! errors. Exit codes: 0 success, 1 failure while running, 2 bad input or usage.

use clap::{Parser, Subcommand, ValueEnum};
use fargate_sim::engine::Progress;
use fargate_sim::platform::RecordSink;
use fargate_sim::report::progress::ProgressLine;
use fargate_sim::report::tasks::TaskSpool;
use fargate_sim::report::{assumptions, output, summary, table};
use fargate_sim::scenario::{self, LoadOptions};
use fargate_sim::{Error, simulate};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Simulates a container workload on AWS Fargate (and, soon, EC2 clusters and
/// other serverless platforms) and reports what it would cost and how long
/// tasks would wait.
#[derive(Parser)]
#[command(
    name = "fargate-sim",
    version,
    about = "Replays a container workload on AWS Fargate options and reports what it would cost and how long tasks would wait.",
    after_help = "Examples:\n  fargate-sim run scenarios/quickstart.toml\n  fargate-sim run scenarios/quickstart.toml --set workload.load_scale=2 --out output/double\n  fargate-sim validate my-scenario.toml\n  fargate-sim report output/quickstart\n\nExit codes: 0 success, 1 failure while running, 2 bad input or usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its reports.
    ///
    /// Results go to output/<scenario name>/ (or to --out DIR): summary.json
    /// and summary.csv, timeseries.parquet and timeseries.csv (one row per
    /// platform per simulated minute; change with --set report.interval=5m),
    /// tasks.parquet (one row per task attempt per platform), charts as PNG
    /// and SVG, and report.html. A comparison table is printed.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
        /// Folder for the results (default: output/<scenario name>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// What to print: a table for people, or the summary as JSON for scripts.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print nothing but errors (no table, no JSON, no progress line).
        #[arg(long, short)]
        quiet: bool,
        /// Do not write tasks.parquet (saves disk and time on huge runs).
        #[arg(long)]
        no_task_records: bool,
    },
    /// Re-draw the charts and report.html of a finished run from its files,
    /// without simulating again.
    Report {
        /// The run's folder (the one holding summary.json and timeseries.parquet).
        run_dir: PathBuf,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario and its workload without simulating, and say what was found.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
    },
}

#[derive(clap::Args)]
struct LoadArgs {
    /// Override a scenario key by its dotted path, e.g.
    /// --set platforms.fargate.capacity=spot or --set workload.load_scale=2
    /// (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Replace the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Use this pricing catalog instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pricing: Option<PathBuf>,
}

impl LoadArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            overrides: self.set.clone(),
            seed: self.seed,
            pricing: self.pricing.clone(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

/// The name serde gives a unit enum value (`on_demand`, `x86_64`).
fn snake<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            scenario: path,
            load,
            out,
            format,
            quiet,
            no_task_records,
        } => {
            let (scenario, catalog) = scenario::load(&path, &load.options())?;
            let dir = out.unwrap_or_else(|| {
                PathBuf::from("output").join(output::safe_file_name(&scenario.name))
            });
            std::fs::create_dir_all(&dir).map_err(|source| Error::Output {
                path: dir.clone(),
                source,
            })?;
            let started = std::time::Instant::now();
            let task_records = scenario.report.task_records && !no_task_records;
            let mut spools = Vec::new();
            let mut handles = Vec::new();
            if task_records {
                for (i, p) in scenario.platforms.iter().enumerate() {
                    match TaskSpool::create(&dir, i, p.name()) {
                        Ok((spool, handle)) => {
                            spools.push(Some(spool));
                            handles.push(handle);
                        }
                        Err(e) => {
                            drop(spools);
                            fargate_sim::report::tasks::remove_spools(&handles);
                            return Err(e);
                        }
                    }
                }
            }
            let spools = Mutex::new(spools);
            let sink_for =
                |spec: &fargate_sim::platform::PlatformSpec| -> Option<Box<dyn RecordSink>> {
                    let i = scenario
                        .platforms
                        .iter()
                        .position(|p| p.name() == spec.name())?;
                    let spool = spools.lock().ok()?.get_mut(i)?.take()?;
                    Some(Box::new(spool))
                };
            let progress: Arc<Vec<Progress>> = Arc::new(
                scenario
                    .platforms
                    .iter()
                    .map(|_| Progress::default())
                    .collect(),
            );
            let line = ProgressLine::start(progress.clone(), scenario.horizon, !quiet);
            let result = simulate::run_with(
                &scenario,
                &catalog,
                task_records.then_some(&sink_for as simulate::SinkFactory<'_>),
                simulate::RunOptions {
                    series_every: Some(scenario.report.interval),
                    progress: Some(&progress),
                },
            );
            line.finish();
            drop(spools);
            let mut result = match result {
                Ok(r) => r,
                Err(e) => {
                    fargate_sim::report::tasks::remove_spools(&handles);
                    return Err(e);
                }
            };
            let simulated = started.elapsed().as_secs_f64();
            let mut summary = summary::summarize(&scenario, &mut result);
            summary.assumptions = assumptions::list(&scenario, &catalog);
            let json = serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n";
            let written = fargate_sim::report::write_all(&dir, &summary, &json, &result, &handles);
            if written.is_err() {
                fargate_sim::report::tasks::remove_spools(&handles);
            }
            let files = written?;
            match format {
                Format::Json if !quiet => print(&json),
                Format::Table if !quiet => {
                    let events: u64 = result.platforms.iter().map(|p| p.end.events).sum();
                    print(&table::render(&summary));
                    print(&format!(
                        "wrote {}: {}\n({} events; {:.2}s simulating, {:.2}s in all)\n",
                        dir.display(),
                        files.join(", "),
                        events,
                        simulated,
                        started.elapsed().as_secs_f64()
                    ));
                }
                _ => {}
            }
            Ok(())
        }
        Command::Report { run_dir, quiet } => {
            let files = fargate_sim::report::rerender(&run_dir)?;
            if !quiet {
                print(&format!(
                    "re-drew {}: {}\n",
                    run_dir.display(),
                    files.join(", ")
                ));
            }
            Ok(())
        }
        Command::Validate {
            scenario: path,
            load,
        } => {
            let (scenario, catalog) = scenario::load(&path, &load.options())?;
            let (notes, stream) = scenario.workload.open(scenario.seed)?;
            let mut n = 0u64;
            let (mut first, mut last) = (None, 0);
            let (mut cpu, mut mem) = (0u32, 0u32);
            for t in stream {
                let t = t?;
                if scenario.horizon.is_some_and(|h| t.submit > h) {
                    break;
                }
                n += 1;
                first.get_or_insert(t.submit);
                last = t.submit;
                cpu = cpu.max(t.cpu_milli);
                mem = mem.max(t.memory_mib);
            }
            let mut text = format!(
                "scenario `{}` is valid (seed {})\n",
                scenario.name, scenario.seed
            );
            if !scenario.description.is_empty() {
                text.push_str(&format!("  {}\n", scenario.description.trim()));
            }
            text.push_str(&format!(
                "workload: {} task(s), submitted from {} to {}; largest request {} vCPU, {} MiB\n",
                n,
                fargate_sim::time::format_span(first.unwrap_or(0)),
                fargate_sim::time::format_span(last),
                fargate_sim::units::format_vcpu(cpu),
                mem
            ));
            if let Some(t) = &scenario.workload.trace {
                text.push_str(&format!("  trace: {}\n", t.display()));
            }
            for g in &scenario.workload.generators {
                text.push_str(&format!("  generator `{}`: {}\n", g.name, g.arrivals));
            }
            text.push_str(&format!(
                "pricing: {} ({}, as of {})\n",
                catalog.name, catalog.origin, catalog.as_of
            ));
            for p in &scenario.platforms {
                let detail = match p {
                    fargate_sim::platform::PlatformSpec::Fargate(f) => format!(
                        "{} {}/{}, {}, region {}",
                        snake(&f.launch_type),
                        snake(&f.os),
                        snake(&f.arch),
                        snake(&f.capacity),
                        f.region
                    ),
                    fargate_sim::platform::PlatformSpec::Ec2(e) => format!(
                        "{} x {}, autoscaler {}, {}..{} instances (initial {}), region {}",
                        e.instance_types.len(),
                        e.instance_types
                            .iter()
                            .map(|t| t.name.as_str())
                            .collect::<Vec<_>>()
                            .join("/"),
                        e.autoscaler.name(),
                        e.min,
                        e.max,
                        e.initial,
                        e.region
                    ),
                };
                text.push_str(&format!(
                    "platform `{}`: kind {} ({detail})\n",
                    p.name(),
                    p.kind()
                ));
            }
            for note in notes {
                text.push_str(&format!("note: {note}\n"));
            }
            print(&text);
            Ok(())
        }
    }
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if let Err(e) = run(cli) {
        let mut msg = format!("error: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let text = s.to_string();
            if !msg.contains(&text) {
                msg.push_str(&format!("\n  caused by: {text}"));
            }
            source = s.source();
        }
        eprintln!("{msg}");
        std::process::exit(e.exit_code());
    }
}
