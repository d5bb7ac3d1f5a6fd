//! The `fargate-sim` command: parses arguments, calls the library, renders
//! errors. Exit codes: 0 success, 1 failure while running, 2 bad input or usage.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use fargate_sim::Error;
use fargate_sim::commands;
use fargate_sim::pricing::listing::Section;
use fargate_sim::report::commit::Plan;
use fargate_sim::scenario::LoadOptions;
use std::io::Write;
use std::path::PathBuf;

/// The system allocator, with large page-aligned blocks mapped fresh
/// (`io/alloc.rs`: polars' 8 MB zeroed buffer).
#[global_allocator]
static ALLOCATOR: fargate_sim::io::alloc::Allocator = fargate_sim::io::alloc::Allocator;

#[derive(Parser)]
#[command(
    name = "fargate-sim",
    version,
    about = "Replays a container workload on AWS Fargate, EC2 clusters, Lambda, Cloud Run and Azure Container Instances, and reports what it would cost and how long tasks would wait.",
    after_help = "Examples:\n  fargate-sim run scenarios/quickstart.toml        then open output/quickstart/report.html\n  fargate-sim explain output/quickstart\n  fargate-sim run scenarios/quickstart.toml --set workload.load_scale=2 --out output/double\n  fargate-sim new my-scenario.toml                 a commented starter to edit\n  fargate-sim new mine.toml --from tasks.jsonl     replay your own ECS tasks or pods\n  fargate-sim prices ec2                           what the numbers are\n  fargate-sim validate --self-check                how we know they are right\n\nExit codes: 0 success, 1 failure while running, 2 bad input or usage."
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
        #[arg(long, value_name = "FILE", conflicts_with = "from")]
        trace: Option<PathBuf>,
        /// Replay your account's export (ECS describe-tasks JSON or task
        /// state-change events, or `kubectl get pods -A -o json`) where it
        /// ran and on the alternatives, start-up calibrated from it.
        #[arg(long, value_name = "EXPORT")]
        from: Option<PathBuf>,
        /// With --from pods: `kubectl get nodes -o json`, for the nodes' instance types.
        #[arg(long, value_name = "FILE", requires = "from")]
        nodes: Option<PathBuf>,
        /// With --from: a Container Insights performance log (ECS Task or
        /// EKS Pod events) giving the tasks' usage; adds a right-sized
        /// Fargate alternative.
        #[arg(long, value_name = "FILE", requires = "from")]
        usage: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Fit the start-up your account measured, from an ECS task export or Kubernetes pods
    ///
    /// Per launch type: lognormal fits of each phase with their
    /// Kolmogorov-Smirnov D, a quantile-quantile chart (qq-*.png), and the
    /// `startup` keys a scenario can paste (startup.toml).
    Calibrate {
        /// ECS describe-tasks JSON, "ECS Task State Change" events (JSON
        /// lines or an array), or `kubectl get pods -A -o json`.
        events: PathBuf,
        /// `kubectl get nodes -o json`, for the pods' instance types.
        #[arg(long, value_name = "FILE")]
        nodes: Option<PathBuf>,
        /// Where to write startup.toml and the charts.
        #[arg(long, value_name = "DIR", default_value = "output/calibrate")]
        out: PathBuf,
        /// Stop at the first record that cannot be used (default: skip and count).
        #[arg(long)]
        strict: bool,
        /// Replace the results of an earlier `calibrate` in --out.
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
    Run(RunArgs),
    /// Explain a finished run in plain language: where each platform's money
    /// went, what made tasks wait, how services held their objective, and the
    /// single change that would save the most.
    Explain {
        /// The run's folder (with summary.json).
        run_dir: PathBuf,
        /// What to print on stdout: text for people, or one JSON document
        /// for scripts (docs/outputs.md).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Recommend a Savings Plan commitment for each platform of a finished
    /// run, simulated hour by hour from its time series, with the cost
    /// curve against the commitment (commit.csv, commit.png).
    Commit(CommitArgs),
    /// Re-draw the charts and report.html of a finished run from its files,
    /// without simulating again.
    Report {
        /// The run's folder (the one holding summary.json and timeseries.parquet).
        run_dir: PathBuf,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Per-group recommended task sizes from a right-sizing run's usage.csv,
    /// as a task definition's cpu/memory and a pod spec's resources.requests.
    Rightsize {
        /// The run's folder (the one holding usage.csv).
        run_dir: PathBuf,
        /// CPU: a percentile of the group's average use (p90, the default
        /// from data/defaults.toml, as a run's cpu = "p90"), max (the
        /// largest peak) or peak-p90 (the 90th percentile of the peaks).
        #[arg(long)]
        cpu: Option<String>,
        /// Memory: a percentile of the group's peaks (p90, the default, as
        /// a run's memory = "p90") or max (the largest peak).
        #[arg(long)]
        memory: Option<String>,
        /// Fraction added above the usage (default 0.15: the Vertical Pod
        /// Autoscaler's safety margin).
        #[arg(long, allow_hyphen_values = true)]
        headroom: Option<f64>,
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
        /// What to print on stdout: text for people, or one JSON document
        /// for scripts (docs/outputs.md).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
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
        /// With `import`: replace `--out` if it exists.
        #[arg(long)]
        force: bool,
        /// Only this region (such as us-east-1).
        #[arg(long)]
        region: Option<String>,
        /// List this catalog file instead of the built-in one (with
        /// `import`: the catalog to update).
        #[arg(long, value_name = "FILE")]
        pricing: Option<PathBuf>,
        /// What to print on stdout: text for people, or one JSON document
        /// for scripts (docs/outputs.md).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
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
    Sweep(SweepArgs),
    /// Merge the folders of a sharded sweep into the table one machine writes.
    Merge(MergeArgs),
    /// Run many scenario files once each and write one combined table.
    Batch(BatchArgs),
    /// Find where two platforms' costs cross along one axis, by bisection
    /// (for example the load at which a cluster becomes cheaper than Fargate).
    Breakeven(BreakevenArgs),
    /// Print a shell completion script, for example
    /// `fargate-sim completions bash > ~/.local/share/bash-completion/completions/fargate-sim`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(clap::Args)]
struct RunArgs {
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
    /// Also write the bill as FOCUS rows (focus.csv), one per resource,
    /// charge and hour.
    #[arg(long)]
    focus: bool,
    /// Run N times in all, the others with other seeds (those of a sweep's
    /// replications), and judge the gap between the cheapest options against
    /// their noise; the files are still this run's (summary.json gains
    /// `replications`).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    replications: u32,
}

#[derive(clap::Args)]
struct CommitArgs {
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
    /// What to print on stdout: text for people, or one JSON document
    /// for scripts (docs/outputs.md).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args)]
struct SweepArgs {
    /// The scenario file, with a [sweep] section.
    scenario: PathBuf,
    #[command(flatten)]
    load: LoadArgs,
    /// Folder for the results (default: output/<scenario name>-sweep).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Points run at once (default: the machine's cores; at least 1). The results do not depend on it.
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
    /// Print nothing but errors (no table, no JSON, no progress line).
    #[arg(long, short)]
    quiet: bool,
    /// What to print on stdout: a table of the results (one row per point
    /// and platform), or one JSON document for scripts (docs/outputs.md).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args)]
struct MergeArgs {
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
    /// What to print on stdout: what was merged and written, or one JSON
    /// document for scripts (docs/outputs.md).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args)]
struct BatchArgs {
    /// Scenario files (for example scenarios/*.toml).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Folder for results.parquet and results.csv (default: output/batch).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Files run at once (default: the machine's cores; at least 1).
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Replace the results already in the output folder.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors (no table, no JSON, no progress line).
    #[arg(long, short)]
    quiet: bool,
    /// What to print on stdout: a table of the results (one row per file
    /// and platform), or one JSON document for scripts (docs/outputs.md).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args)]
struct BreakevenArgs {
    scenario: PathBuf,
    #[command(flatten)]
    load: LoadArgs,
    /// The scenario key to vary, e.g. workload.load_scale.
    #[arg(long)]
    axis: String,
    /// The range to search, such as `--between 0.5 4`.
    #[arg(
        long,
        required = true,
        num_args = 2,
        value_names = ["A", "B"],
        allow_negative_numbers = true
    )]
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
    /// What to print on stdout: the evaluations and the crossing, or the
    /// document written to breakeven.json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
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
        /// Replace OUT if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args)]
struct TraceArgs {
    /// The trace's format (detected from the header when left out): native,
    /// alibaba-2017, alibaba-2018, alibaba-2018-instances, alibaba-gpu-2023,
    /// google-2011, google-2019, swf, azure-functions-2019,
    /// azure-functions-2021, azure-llm-2023, alibaba-2017-instances.
    #[arg(long)]
    format: Option<String>,
    /// Any [workload] key, e.g. --set options.machine_memory=96GiB or
    /// --set from=1h (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
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

impl PriceSection {
    /// The part of the listing; none for `import`.
    fn section(self) -> Option<Section> {
        Some(match self {
            PriceSection::All => Section::All,
            PriceSection::Fargate => Section::Fargate,
            PriceSection::Sizes => Section::Sizes,
            PriceSection::Ec2 => Section::Ec2,
            PriceSection::Functions => Section::Functions,
            PriceSection::Import => return None,
        })
    }
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

impl Format {
    fn lib(self) -> commands::Format {
        match self {
            Format::Table => commands::Format::Table,
            Format::Json => commands::Format::Json,
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

fn run(cli: Cli) -> Result<(), Error> {
    let text = match cli.command {
        Command::Run(a) => commands::run::run(&commands::run::Args {
            scenario: a.scenario,
            load: a.load.options(),
            out: a.out,
            print: a.format.lib(),
            quiet: a.quiet,
            no_task_records: a.no_task_records,
            allow_huge: a.allow_huge,
            force: a.force,
            focus: a.focus,
            replications: a.replications,
        })?,
        Command::Trace { command } => match command {
            TraceCommand::Inspect {
                file,
                trace,
                strict,
            } => commands::trace::inspect(&file, trace.format.as_deref(), &trace.set, strict)?,
            TraceCommand::Convert {
                file,
                to,
                trace,
                skip_bad_rows,
                force,
            } => {
                let (format, set) = (trace.format.as_deref(), &trace.set);
                commands::trace::convert(&file, format, set, &to, skip_bad_rows, force)?
            }
        },
        Command::Sweep(a) => commands::sweep::sweep(commands::sweep::Args {
            scenario: a.scenario,
            load: a.load.options(),
            out: a.out,
            jobs: a.jobs,
            shard: a.shard,
            shards: a.shards,
            metrics: a.metrics,
            force: a.force,
            quiet: a.quiet,
            format: a.format.lib(),
        })?,
        Command::Merge(a) => {
            commands::sweep::merge(&a.dirs, &a.out, a.metrics, a.force, a.format.lib())?
        }
        Command::Batch(a) => commands::batch::batch(commands::batch::Args {
            scenarios: a.scenarios,
            out: a.out,
            jobs: a.jobs,
            force: a.force,
            quiet: a.quiet,
            format: a.format.lib(),
        })?,
        Command::Breakeven(a) => commands::breakeven::breakeven(commands::breakeven::Args {
            scenario: a.scenario,
            load: a.load.options(),
            axis: a.axis,
            between: (a.between[0], a.between[1]),
            platforms: a.platforms.map(|p| (p[0].clone(), p[1].clone())),
            tolerance: a.tolerance,
            out: a.out,
            force: a.force,
            format: a.format.lib(),
        })?,
        Command::Completions { shell } => commands::completions::script(shell, &mut Cli::command()),
        Command::Commit(a) => {
            let plan = match a.plan {
                PlanArg::Compute => Plan::Compute,
                PlanArg::Ec2Instance => Plan::Ec2Instance,
            };
            commands::commit::commit(&a.run_dir, plan, a.discount, a.commitment, a.format.lib())?
        }
        Command::Explain { run_dir, format } => commands::explain::explain(&run_dir, format.lib())?,
        Command::New {
            file,
            trace,
            from: Some(from),
            nodes,
            usage,
            force,
        } => {
            let _ = trace;
            commands::new_from::new_from(&file, &from, nodes.as_deref(), usage.as_deref(), force)?
        }
        Command::New {
            file, trace, force, ..
        } => commands::new::new(&file, trace.as_deref(), force)?,
        Command::Calibrate {
            events,
            nodes,
            out,
            strict,
            force,
        } => commands::calibrate::run(&events, nodes.as_deref(), &out, strict, force)?,
        Command::Prices {
            what,
            file,
            out,
            force,
            region,
            pricing,
            format,
        } => match what.section() {
            None => commands::prices::import(
                file.as_deref(),
                &out,
                force,
                pricing.as_deref(),
                format.lib(),
            )?,
            Some(_) if force => {
                return Err(fargate_sim::Error::BadInput(
                    "--force is for `prices import` (to replace its --out file); a listing writes nothing: remove --force".into(),
                ));
            }
            Some(s) => {
                commands::prices::list(s, region.as_deref(), pricing.as_deref(), format.lib())?
            }
        },
        Command::Report { run_dir, quiet } => commands::redraw::redraw(&run_dir, quiet)?,
        Command::Rightsize {
            run_dir,
            cpu,
            memory,
            headroom,
        } => {
            use commands::rightsize::{choices, rightsize};
            let (cpu, memory, headroom) = choices(cpu.as_deref(), memory.as_deref(), headroom)?;
            rightsize(&run_dir, cpu, memory, headroom)?
        }
        Command::Validate {
            self_check: true,
            format,
            ..
        } => {
            let checked =
                commands::check::self_check(commands::check::bundled_scenarios().as_deref())?;
            print(&checked.text(format.lib())?);
            return checked.verdict();
        }
        Command::Validate {
            scenario,
            load,
            format,
            ..
        } => {
            let Some(path) = scenario else {
                return Err(Error::BadInput(
                    "validate needs a scenario file, or --self-check".into(),
                ));
            };
            let found = commands::check::validation(&path, &load.options())?;
            match format {
                Format::Table => found.render(),
                Format::Json => commands::output::json(&found)?,
            }
        }
    };
    print(&text);
    Ok(())
}

/// The subcommand as typed (`run`, `trace convert`), for its write advice.
fn command_name(c: &Command) -> String {
    let name = match c {
        Command::New { .. } => "new",
        Command::Calibrate { .. } => "calibrate",
        Command::Run(_) => "run",
        Command::Explain { .. } => "explain",
        Command::Commit(_) => "commit",
        Command::Report { .. } => "report",
        Command::Rightsize { .. } => "rightsize",
        Command::Validate { .. } => "validate",
        Command::Prices {
            what: PriceSection::Import,
            ..
        } => "prices import",
        Command::Prices { .. } => "prices",
        Command::Trace { command } => match command {
            TraceCommand::Inspect { .. } => "trace inspect",
            TraceCommand::Convert { .. } => "trace convert",
        },
        Command::Sweep(_) => "sweep",
        Command::Merge(_) => "merge",
        Command::Batch(_) => "batch",
        Command::Breakeven(_) => "breakeven",
        Command::Completions { .. } => "completions",
    };
    name.to_string()
}

fn main() {
    fargate_sim::io::alloc::tune();
    // FARGATE_SIM_TIMINGS=1: the phases count from here (issue 24).
    fargate_sim::io::timings::event("main");
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
    let advice = commands::write_advice::advice(&command_name(&cli.command));
    if let Err(e) = run(cli) {
        // Not `eprintln!`: it panics (exit 101) when stderr is a closed pipe,
        // as in `fargate-sim ... 2>&1 | head -1`.
        let _ = writeln!(std::io::stderr().lock(), "{}", e.render_for(advice));
        std::process::exit(e.exit_code());
    }
    fargate_sim::io::timings::event("exit");
}
