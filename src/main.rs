//! The `fargate-sim` command: parses arguments, calls the library, renders
//! errors. Exit codes: 0 success, 1 failure while running, 2 bad input or usage.

use clap::{Parser, Subcommand, ValueEnum};
use fargate_sim::engine::Progress;
use fargate_sim::platform::RecordSink;
use fargate_sim::report::progress::ProgressLine;
use fargate_sim::report::tasks::TaskSpool;
use fargate_sim::report::format::snake;
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
    about = "Replays a container workload on AWS Fargate, EC2 clusters, Lambda, Cloud Run and Azure Container Instances, and reports what it would cost and how long tasks would wait.",
    after_help = "Examples:\n  fargate-sim run scenarios/quickstart.toml        then open output/quickstart/report.html\n  fargate-sim explain output/quickstart\n  fargate-sim run scenarios/quickstart.toml --set workload.load_scale=2 --out output/double\n  fargate-sim new my-scenario.toml                 a commented starter to edit\n  fargate-sim prices ec2                           what the numbers are\n  fargate-sim validate --self-check                how we know they are right\n\nExit codes: 0 success, 1 failure while running, 2 bad input or usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a commented starter scenario that runs as written.
    New {
        /// The file to write (default: scenario.toml).
        #[arg(default_value = "scenario.toml")]
        file: PathBuf,
        /// Replay this trace (its format is detected from the file).
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
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
        /// Run even if the estimate of the work looks absurd (billions of tasks).
        #[arg(long)]
        allow_huge: bool,
        /// Replace the results already in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Explain a finished run in plain language: where each platform's money
    /// went, what made tasks wait, how services held their objective, and the
    /// single change that would save the most.
    Explain {
        /// The run's folder (with summary.json).
        run_dir: PathBuf,
    },
    /// Recommend a Savings Plan commitment for each platform of a finished
    /// run, simulated hour by hour from its time series, with the cost
    /// curve against the commitment (commit.csv, commit.png).
    Commit {
        /// The run's folder (with summary.json and timeseries.parquet).
        run_dir: PathBuf,
        /// compute (Fargate, Lambda, EC2) or ec2-instance (EC2 only).
        #[arg(long, value_enum, default_value_t = PlanArg::Compute)]
        plan: PlanArg,
        /// Your plan's discount off on-demand, such as 0.3 (default: the
        /// catalog's "up to" figure for each platform).
        #[arg(long)]
        discount: Option<f64>,
        /// Also evaluate this commitment, in dollars an hour.
        #[arg(long)]
        commitment: Option<f64>,
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
        /// The scenario file (TOML). Not needed with --self-check.
        #[arg(required_unless_present = "self_check")]
        scenario: Option<PathBuf>,
        /// Run the validation suite instead: published and hand-worked bills,
        /// queueing theory, measured scaling speed and the invariants of every
        /// bundled scenario; prints the table (docs/validation.md) and fails
        /// if any check fails.
        #[arg(long)]
        self_check: bool,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// List the pricing catalog: Fargate rates by region, OS, architecture
    /// and capacity; the Fargate size grid; EC2 instance types and prices;
    /// the serverless peers (Lambda, Cloud Run, ACI); billing rules; and
    /// where each number comes from.
    Prices {
        /// Only this part: fargate, sizes, ec2 or functions (default: all);
        /// or `import FILE`: write a catalog updated from an AWS Price List
        /// offer file (the AmazonEC2 or AmazonECS JSON or CSV).
        #[arg(value_enum, default_value_t = PriceSection::All)]
        what: PriceSection,
        /// With `import`: the offer file to read.
        file: Option<PathBuf>,
        /// With `import`: where to write the new catalog.
        #[arg(long, value_name = "FILE", default_value = "pricing.toml")]
        out: PathBuf,
        /// Only this region (such as us-east-1).
        #[arg(long)]
        region: Option<String>,
        /// List this catalog file instead of the built-in one (with
        /// `import`: the catalog to update).
        #[arg(long, value_name = "FILE")]
        pricing: Option<PathBuf>,
    },
    /// Look into a trace file, or convert it to the native format.
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
    /// Run a scenario's [sweep]: every point of its axes, each for its
    /// replications, in parallel; write results.parquet/.csv (a row per
    /// point × platform × replication, and the mean, standard deviation and
    /// 95% interval per point × platform), charts and experiment.html.
    Sweep {
        /// The scenario file, with a [sweep] section.
        scenario: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
        /// Folder for the results (default: output/<scenario name>-sweep).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Points run at once (default: the machine's cores). The results do not depend on it.
        #[arg(short = 'j', long, value_name = "N")]
        jobs: Option<usize>,
        /// Run only slice I of N of the points (round robin); merge the
        /// slices with `fargate-sim merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// The number of shards when the index comes from an array job
        /// (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or SLURM_ARRAY_TASK_ID).
        #[arg(long, value_name = "N")]
        shards: Option<usize>,
        /// A metric to chart against every numeric axis, a column of
        /// summary.csv (repeatable; default cost_total_usd and
        /// latency_time_to_start_p95_s).
        #[arg(long = "metric", value_name = "NAME")]
        metrics: Vec<String>,
        /// Replace the results already in the output folder.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Merge the folders of a sharded sweep into the table one machine writes.
    Merge {
        /// The shard folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Folder for the merged results.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Metrics to chart (as for sweep).
        #[arg(long = "metric", value_name = "NAME")]
        metrics: Vec<String>,
        /// Replace the results already in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Run many scenario files once each and write one combined table.
    Batch {
        /// Scenario files (for example scenarios/*.toml).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Folder for results.parquet and results.csv (default: output/batch).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Files run at once (default: the machine's cores).
        #[arg(short = 'j', long, value_name = "N")]
        jobs: Option<usize>,
        /// Replace the results already in the output folder.
        #[arg(long)]
        force: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Find where two platforms' costs cross along one axis, by bisection
    /// (for example the load at which a cluster becomes cheaper than Fargate).
    Breakeven {
        scenario: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
        /// The scenario key to vary, e.g. workload.load_scale.
        #[arg(long)]
        axis: String,
        /// The range to search.
        #[arg(long, num_args = 2, value_names = ["A", "B"], allow_negative_numbers = true)]
        between: Vec<f64>,
        /// The two platforms to compare (default: the first two).
        #[arg(long, num_args = 2, value_names = ["P1", "P2"])]
        platforms: Option<Vec<String>>,
        /// Stop when the bracket is narrower than this share of the range.
        #[arg(long, default_value_t = 1e-4)]
        tolerance: f64,
        /// Folder for breakeven.png/.svg (default: output/<scenario name>-breakeven).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace the results already in the output folder.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script, for example
    /// `fargate-sim completions bash > ~/.local/share/bash-completion/completions/fargate-sim`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum TraceCommand {
    /// Rows, time span, arrival rate over time, size and duration
    /// distributions, bad rows by reason, and the Fargate sizes the tasks
    /// round up to: the first thing to run on a new trace.
    Inspect {
        /// The trace file (CSV, gzip-compressed CSV, SWF or native Parquet).
        file: PathBuf,
        #[command(flatten)]
        trace: TraceArgs,
        /// Stop at the first bad row instead of skipping and counting.
        #[arg(long)]
        strict: bool,
    },
    /// Convert a trace to the native format (Parquet, or CSV if OUT ends in
    /// .csv), sorted by submit time, so repeated runs skip the parsing.
    Convert {
        /// The trace file.
        file: PathBuf,
        /// Where to write the native trace.
        #[arg(long, value_name = "OUT")]
        to: PathBuf,
        #[command(flatten)]
        trace: TraceArgs,
        /// Skip bad rows (and count them) instead of stopping at the first.
        #[arg(long)]
        skip_bad_rows: bool,
    },
}

#[derive(clap::Args)]
struct TraceArgs {
    /// The trace's format (detected from the header when left out): native,
    /// alibaba-2017, alibaba-2018, alibaba-2018-instances, alibaba-gpu-2023,
    /// google-2011, google-2019, swf, azure-functions-2019,
    /// azure-functions-2021, azure-llm-2023.
    #[arg(long)]
    format: Option<String>,
    /// Any [workload] key, e.g. --set options.machine_memory=96GiB or
    /// --set from=1h (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

impl TraceArgs {
    /// A scenario around the trace, so every workload key and check applies.
    fn scenario(
        &self,
        file: &std::path::Path,
        on_bad_row: &str,
        sort: bool,
    ) -> Result<scenario::Scenario, Error> {
        let abs = std::path::absolute(file)
            .map_err(|e| Error::BadInput(format!("{}: {e}", file.display())))?;
        let mut workload = toml::Table::new();
        workload.insert(
            "trace".into(),
            toml::Value::String(abs.to_string_lossy().into_owned()),
        );
        if let Some(f) = &self.format {
            workload.insert("format".into(), toml::Value::String(f.clone()));
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
        Ok(scenario::load_str(&text, &here, &options)?.0)
    }
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
enum PriceSection {
    All,
    Fargate,
    Sizes,
    Ec2,
    Functions,
    Import,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanArg {
    Compute,
    Ec2Instance,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
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
            allow_huge,
            force,
        } => {
            let (scenario, catalog) = scenario::load(&path, &load.options())?;
            // A [sweep] this run ignores must still be valid.
            if let Ok(text) = std::fs::read_to_string(&path) {
                fargate_sim::experiment::Sweep::parse(&text, &path)?;
            }
            scenario
                .check_size(allow_huge)
                .map_err(|m| Error::BadInput(format!("{}: {m}", path.display())))?;
            let dir = out.unwrap_or_else(|| {
                PathBuf::from("output").join(output::safe_file_name(&scenario.name))
            });
            output::check_fresh(&dir, "summary.json", force)?;
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
                    if let Ok(text) = std::fs::read_to_string(&path)
                        && let Ok(Some(sweep)) = fargate_sim::experiment::Sweep::parse(&text, &path)
                    {
                        print(&format!(
                            "note: this scenario has a [sweep] of {} point(s); this run ignored it, `fargate-sim sweep {}` runs them\n",
                            sweep.points().len(),
                            path.display()
                        ));
                    }
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
        Command::Trace { command } => match command {
            TraceCommand::Inspect {
                file,
                trace,
                strict,
            } => {
                let started = std::time::Instant::now();
                let sc = trace.scenario(&file, if strict { "error" } else { "skip" }, false)?;
                let t = sc.workload.trace.as_ref().expect("a trace");
                // In file order: the report counts rows out of order.
                let mut t = t.clone();
                t.order = fargate_sim::workload::shape::Order::Sort;
                let skipped = fargate_sim::workload::formats::SkipCounter::default();
                let opened = fargate_sim::workload::formats::open(
                    &t.path,
                    t.format,
                    &t.params,
                    t.on_bad_row,
                    false,
                    &skipped,
                )?;
                let stream = fargate_sim::workload::shape::window(opened.stream, t.from, t.until);
                let catalog = fargate_sim::pricing::Catalog::builtin();
                let text = fargate_sim::workload::inspect::inspect(
                    stream,
                    &skipped,
                    &opened.notes,
                    &catalog,
                    started,
                )?;
                print(&format!(
                    "{} (format {})\n{text}",
                    t.path.display(),
                    t.format.name()
                ));
                Ok(())
            }
            TraceCommand::Convert {
                file,
                to,
                trace,
                skip_bad_rows,
            } => {
                let started = std::time::Instant::now();
                let sc =
                    trace.scenario(&file, if skip_bad_rows { "skip" } else { "error" }, true)?;
                let t = sc.workload.trace.as_ref().expect("a trace");
                let (notes, mut stream, skipped) = t.open(sc.seed)?;
                let csv = to
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                let mut rows = 0u64;
                let mut failure: Option<Error> = None;
                output::write_atomic_with(&to, |f| {
                    let result = if csv {
                        fargate_sim::table_io::write_native_csv(f, &mut stream)
                    } else {
                        fargate_sim::table_io::write_native_parquet_stream(f, &mut stream)
                    };
                    match result {
                        Ok(n) => {
                            rows = n;
                            Ok(())
                        }
                        Err(fargate_sim::table_io::ConvertError::Workload(e)) => {
                            let m = e.to_string();
                            failure = Some(Error::Workload(e));
                            Err(m)
                        }
                        Err(fargate_sim::table_io::ConvertError::Other(m)) => Err(m),
                    }
                })
                .map_err(|e| failure.take().unwrap_or(e))?;
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
                print(&text);
                Ok(())
            }
        },
        Command::Sweep {
            scenario: path,
            load,
            out,
            jobs,
            shard,
            shards,
            metrics,
            force,
            quiet,
        } => {
            let metrics = fargate_sim::experiment::report::metrics_or_default(metrics);
            let base = fargate_sim::experiment::Base::read(&path, load.options())?;
            let sweep = fargate_sim::experiment::Sweep::parse(&base.text, &path)?.ok_or_else(|| {
                Error::BadInput(format!(
                    "{} has no [sweep] section; add one (see docs/experiments.md) or use `fargate-sim run`",
                    path.display()
                ))
            })?;
            let shard = match (shard, shards) {
                (Some(s), _) => fargate_sim::experiment::Shard::parse(&s).map_err(|m| Error::BadInput(format!("--shard {m}")))?,
                (None, Some(n)) if n > 0 => fargate_sim::experiment::Shard::from_env(n)
                    .map_err(Error::BadInput)?
                    .ok_or_else(|| Error::BadInput(format!("--shards {n} but no shard index: give --shard I/{n} or run as an array job (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID)")))?,
                (None, Some(_)) => return Err(Error::BadInput("--shards must be at least 1".into())),
                (None, None) => fargate_sim::experiment::Shard::ALL,
            };
            let name = scenario::load_str(&base.text, &base.path, &base.options)?
                .0
                .name;
            let dir = out.unwrap_or_else(|| {
                let mut d = PathBuf::from("output")
                    .join(format!("{}-sweep", output::safe_file_name(&name)));
                if shard.count > 1 {
                    d = d.join(format!("shard-{}-of-{}", shard.index, shard.count));
                }
                d
            });
            output::check_fresh(&dir, "experiment.json", force)?;
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let started = std::time::Instant::now();
            let show = !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let progress = |done: usize, total: usize| {
                if show {
                    let el = started.elapsed().as_secs_f64();
                    let left = el / done.max(1) as f64 * (total - done) as f64;
                    eprint!(
                        "\r\x1b[2Kpoints {done}/{total} · {el:.0}s elapsed · about {left:.0}s left"
                    );
                    if done == total {
                        eprint!("\r\x1b[2K");
                    }
                }
            };
            let outcome = fargate_sim::experiment::run_sweep(
                &base, &sweep, shard, jobs, &dir, &metrics, &progress,
            )?;
            if !quiet {
                print(&format!(
                    "ran {} of {} point(s) × {} replication(s) with -j {jobs} in {:.2}s\nwrote {}: {}\n",
                    outcome.points_run,
                    outcome.points_total,
                    sweep.replications,
                    started.elapsed().as_secs_f64(),
                    dir.display(),
                    outcome.files.join(", ")
                ));
            }
            Ok(())
        }
        Command::Merge {
            dirs,
            out,
            metrics,
            force,
        } => {
            output::check_fresh(&out, "results.csv", force)?;
            let metrics = fargate_sim::experiment::report::metrics_or_default(metrics);
            let manifest = fargate_sim::experiment::results::merge(&dirs, &out)?;
            let df = fargate_sim::experiment::results::read(&out)?;
            let files = fargate_sim::experiment::report::render(
                &out,
                &df,
                &manifest.axes,
                &metrics,
                &manifest,
            )?;
            print(&format!(
                "merged {} shard(s) of experiment {} into {}: results.parquet, results.csv, {}\n",
                dirs.len(),
                manifest.experiment,
                out.display(),
                files.join(", ")
            ));
            Ok(())
        }
        Command::Batch {
            scenarios,
            out,
            jobs,
            force,
            quiet,
        } => {
            let dir = out.unwrap_or_else(|| PathBuf::from("output/batch"));
            output::check_fresh(&dir, "results.csv", force)?;
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let started = std::time::Instant::now();
            let show = !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let progress = |done: usize, total: usize| {
                if show {
                    eprint!("\r\x1b[2Kscenarios {done}/{total}");
                    if done == total {
                        eprint!("\r\x1b[2K");
                    }
                }
            };
            let files = fargate_sim::experiment::run_batch(
                &scenarios,
                &LoadOptions::default(),
                jobs,
                &dir,
                &progress,
            )?;
            if !quiet {
                print(&format!(
                    "ran {} scenario(s) in {:.2}s\nwrote {}: {}\n",
                    scenarios.len(),
                    started.elapsed().as_secs_f64(),
                    dir.display(),
                    files.join(", ")
                ));
            }
            Ok(())
        }
        Command::Breakeven {
            scenario: path,
            load,
            axis,
            between,
            platforms,
            tolerance,
            out,
            force,
        } => {
            let base = fargate_sim::experiment::Base::read(&path, load.options())?;
            let names = platforms.map(|p| (p[0].clone(), p[1].clone()));
            let b = fargate_sim::experiment::breakeven::find(
                &base, &axis, between[0], between[1], names, tolerance,
            )?;
            let name = scenario::load_str(&base.text, &base.path, &base.options)?
                .0
                .name;
            let dir = out.unwrap_or_else(|| {
                PathBuf::from("output").join(format!("{}-breakeven", output::safe_file_name(&name)))
            });
            output::check_fresh(&dir, "breakeven.svg", force)?;
            std::fs::create_dir_all(&dir).map_err(|source| Error::Output {
                path: dir.clone(),
                source,
            })?;
            let chart = fargate_sim::report::xy_chart::XyChart {
                title: format!("{} and {} against {}", b.a, b.b, b.axis),
                x_desc: b.axis.clone(),
                y_desc: "total cost (USD)".into(),
                money_y: true,
                money_x: false,
                scatter: false,
                series: vec![
                    fargate_sim::report::xy_chart::XySeries {
                        name: b.a.clone(),
                        color: 0,
                        points: b.evaluations.iter().map(|e| (e.x, e.cost_a)).collect(),
                        band: Vec::new(),
                    },
                    fargate_sim::report::xy_chart::XySeries {
                        name: b.b.clone(),
                        color: 1,
                        points: b.evaluations.iter().map(|e| (e.x, e.cost_b)).collect(),
                        band: Vec::new(),
                    },
                ],
                marker: b.crossing.map(|x| (x, format!(" break-even {x:.4}"))),
                frontier: Vec::new(),
            };
            fargate_sim::report::xy_chart::render_xy(&dir, "breakeven", &chart)?;
            let mut text = String::new();
            for e in &b.evaluations {
                text.push_str(&format!(
                    "  {} = {:<12} {} ${:>12.6}   {} ${:>12.6}\n",
                    b.axis, e.x, b.a, e.cost_a, b.b, e.cost_b
                ));
            }
            match b.crossing {
                Some(x) => text.push_str(&format!(
                    "{} and {} cost the same at {} = {x:.6} ({} evaluations)\n",
                    b.a, b.b, b.axis, b.evaluations.len()
                )),
                None => text.push_str(&format!(
                    "{} and {} do not cross between {} and {}: one is cheaper across the whole range\n",
                    b.a, b.b, between[0], between[1]
                )),
            }
            text.push_str(&format!(
                "wrote {}/breakeven.png and breakeven.svg\n",
                dir.display()
            ));
            print(&text);
            Ok(())
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "fargate-sim", &mut std::io::stdout());
            Ok(())
        }
        Command::Commit {
            run_dir,
            plan,
            discount,
            commitment,
        } => {
            use fargate_sim::report::commit::{Plan, commit};
            let plan = match plan {
                PlanArg::Compute => Plan::Compute,
                PlanArg::Ec2Instance => Plan::Ec2Instance,
            };
            let catalog = fargate_sim::pricing::Catalog::builtin();
            print(&commit(&run_dir, plan, discount, commitment, &catalog)?);
            Ok(())
        }
        Command::Explain { run_dir } => {
            let summary = fargate_sim::report::read_summary(&run_dir)?;
            let catalog = fargate_sim::pricing::Catalog::builtin();
            print(&fargate_sim::report::explain::explain(&summary, &catalog));
            Ok(())
        }
        Command::New { file, trace, force } => {
            if file.exists() && !force {
                return Err(Error::BadInput(format!(
                    "{} exists; choose another name or add --force to replace it",
                    file.display()
                )));
            }
            let name = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into());
            let detected = match &trace {
                Some(t) => {
                    let format = fargate_sim::workload::formats::Format::detect(t)?;
                    // The scenario refers to the trace relative to its own folder.
                    let base = file
                        .parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .map(|p| p.to_path_buf())
                        .unwrap_or_else(|| PathBuf::from("."));
                    Some((relative_to(t, &base), format))
                }
                None => None,
            };
            let text = fargate_sim::scenario::starter::text(
                &name,
                detected
                    .as_ref()
                    .zip(trace.as_deref())
                    .map(
                        |((rel, format), given)| fargate_sim::scenario::starter::StarterTrace {
                            given,
                            from_scenario: rel,
                            format: *format,
                        },
                    ),
            );
            fargate_sim::report::output::write_atomic(&file, text.as_bytes())?;
            print(&format!(
                "wrote {}; run it with `fargate-sim run {}`\n",
                file.display(),
                file.display()
            ));
            Ok(())
        }
        Command::Prices {
            what: PriceSection::Import,
            file,
            out,
            pricing,
            ..
        } => {
            let Some(file) = file else {
                return Err(Error::BadInput(
                    "prices import needs the offer file: fargate-sim prices import AmazonEC2.json --out pricing.toml".into(),
                ));
            };
            let base = match &pricing {
                Some(p) => std::fs::read_to_string(p)
                    .map_err(|e| Error::BadInput(format!("{}: {e}", p.display())))?,
                None => fargate_sim::pricing::catalog::BUILTIN_PRICING.to_string(),
            };
            let r = fargate_sim::pricing::import::import(&file, &base, &out)
                .map_err(Error::BadInput)?;
            print(&format!(
                "wrote {}: {} EC2 instance prices{}, {} Fargate rates, as published {}; use it with --pricing {} or pricing = \"{}\" in a scenario\n",
                out.display(),
                r.ec2_prices,
                if r.ec2_types_added.is_empty() {
                    String::new()
                } else {
                    format!(" (new types: {})", r.ec2_types_added.join(", "))
                },
                r.fargate_rates,
                r.publication,
                out.display(),
                out.display()
            ));
            Ok(())
        }
        Command::Prices {
            what,
            region,
            pricing,
            ..
        } => {
            let catalog = match &pricing {
                Some(p) => fargate_sim::pricing::Catalog::load(p)
                    .map_err(|e| Error::BadInput(format!("{}: {}", e.origin, e.message)))?,
                None => fargate_sim::pricing::Catalog::builtin(),
            };
            use fargate_sim::pricing::listing::{Section, render};
            let section = match what {
                PriceSection::All => Section::All,
                PriceSection::Fargate => Section::Fargate,
                PriceSection::Sizes => Section::Sizes,
                PriceSection::Ec2 => Section::Ec2,
                PriceSection::Functions => Section::Functions,
                PriceSection::Import => {
                    return Err(Error::Internal("prices import is handled above".into()));
                }
            };
            if let Some(r) = &region {
                let known = catalog.fargate.rates.iter().any(|x| &x.region == r)
                    || catalog
                        .ec2
                        .instance_types
                        .iter()
                        .any(|t| t.on_demand.contains_key(r))
                    || catalog.functions.iter().any(|p| &p.region == r);
                if !known {
                    return Err(Error::BadInput(format!(
                        "--region {r}: the catalog has no prices for it; run `fargate-sim prices` to see its regions"
                    )));
                }
            }
            print(&render(&catalog, section, region.as_deref()));
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
            self_check: true, ..
        } => {
            // The bundled scenarios: ./scenarios, else the source tree's.
            let here = PathBuf::from("scenarios");
            let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
            let dir = [here, built].into_iter().find(|d| d.is_dir());
            if dir.is_none() {
                eprintln!("note: no scenarios/ folder here; skipping the bundled-scenario checks");
            }
            let checks = fargate_sim::selfcheck::run_all(dir.as_deref())?;
            print!("{}", fargate_sim::selfcheck::render(&checks));
            if checks.iter().any(|c| !c.passed) {
                return Err(Error::Internal(
                    "a validation check failed (see the table)".into(),
                ));
            }
            Ok(())
        }
        Command::Validate {
            scenario: path,
            load,
            ..
        } => {
            let path = path.expect("clap requires it without --self-check");
            let (scenario, catalog) = scenario::load(&path, &load.options())?;
            let (notes, stream, skipped) = scenario.workload.open_counted(scenario.seed)?;
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
            if n > 0 || scenario.workload.services.is_empty() {
                text.push_str(&format!(
                    "workload: {} task(s), submitted from {} to {}; largest request {} vCPU, {} MiB\n",
                    n,
                    fargate_sim::time::format_span(first.unwrap_or(0)),
                    fargate_sim::time::format_span(last),
                    fargate_sim::units::format_vcpu(cpu),
                    mem
                ));
            } else {
                text.push_str("workload: services only\n");
            }
            if let Some(t) = &scenario.workload.trace {
                text.push_str(&format!(
                    "  trace: {} (format {})\n",
                    t.path.display(),
                    t.format.name()
                ));
            }
            for g in &scenario.workload.generators {
                text.push_str(&format!("  generator `{}`: {}\n", g.name, g.arrivals));
            }
            for sv in &scenario.workload.services {
                text.push_str(&format!("  service `{}`: {}\n", sv.name, sv.describe()));
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
                    fargate_sim::platform::PlatformSpec::Function(f) => format!(
                        "{}, region {}, up to {} instances, {} at once each",
                        f.profile.provider, f.profile.region, f.max_instances, f.concurrency
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
            let skipped = skipped.counts();
            if !skipped.is_empty() {
                text.push_str(&format!(
                    "skipped {} trace row(s) (on_bad_row = \"skip\"):\n",
                    skipped.values().sum::<u64>()
                ));
                for (reason, n) in skipped {
                    text.push_str(&format!("  {n:>9}  {reason}\n"));
                }
            }
            print(&text);
            Ok(())
        }
    }
}

fn main() {
    // Ctrl-C and SIGTERM set a flag the engine polls: the run stops, its
    // temporary files are removed and no half-written result is left.
    let _ = ctrlc::set_handler(|| {
        fargate_sim::engine::STOP.store(true, std::sync::atomic::Ordering::Relaxed);
    });
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

/// `path` as seen from the folder `base` (both as given, made absolute).
fn relative_to(path: &std::path::Path, base: &std::path::Path) -> PathBuf {
    let abs = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (abs(path), abs(base));
    let pc: Vec<_> = p.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return p;
    }
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c);
    }
    out
}
