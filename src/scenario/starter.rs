//! `fargate-sim new`: a commented starter scenario that runs as written,
//! optionally reading a trace file (its format detected from the file).

use crate::workload::formats::Format;
use std::collections::BTreeMap;
use std::path::Path;

/// A trace for the starter: its path as given on the command line, as the
/// scenario refers to it (relative to the scenario's folder), and its format.
pub struct StarterTrace<'a> {
    pub given: &'a Path,
    pub from_scenario: &'a Path,
    pub format: Format,
    /// What reading the trace through its adapter found, when it could be
    /// read (`fargate-sim new` reads it before writing the starter).
    pub bad_rows: Option<&'a BadRowScan>,
    /// The EC2 cluster's instance type, chosen from the trace's tasks when
    /// they could be read (else m5.xlarge).
    pub instance: Option<&'a StarterInstance>,
}

/// The instance type of a starter's EC2 cluster and the comment lines
/// (without `# `) that say why it was chosen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StarterInstance {
    pub name: String,
    pub comment: Vec<String>,
}

/// `text` as comment lines of at most about 78 characters.
fn comment_lines(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > 78 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    if line.len() > 1 {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Rows of a trace that cannot be replayed, found by reading it (or its
/// first [`BadRowScan::tasks`] tasks) with `on_bad_row = "skip"`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BadRowScan {
    /// Tasks read.
    pub tasks: u64,
    /// Whether the whole trace was read (else its first `tasks` tasks).
    pub whole: bool,
    /// Rows skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
}

/// The `on_bad_row` lines of a starter: `skip` with why when the trace has
/// rows that cannot be replayed (a starter that stops at line 4 does not
/// run as written), else the option left commented.
fn on_bad_row_lines(scan: Option<&BadRowScan>) -> String {
    let Some(scan) = scan.filter(|s| !s.skipped.is_empty()) else {
        return "# on_bad_row = \"skip\"   # count and skip unusable rows instead of stopping\n"
            .to_string();
    };
    let rows: u64 = scan.skipped.values().sum();
    let read = if scan.whole {
        "the whole trace".to_string()
    } else {
        format!("its first {} tasks", scan.tasks)
    };
    let mut text = format!("# Reading {read} found {rows} row(s) that cannot be replayed:\n");
    const SHOWN: usize = 8;
    for (reason, n) in scan.skipped.iter().take(SHOWN) {
        text.push_str(&format!("#   {n} {}\n", reason.replace(['\n', '\r'], " ")));
    }
    if scan.skipped.len() > SHOWN {
        text.push_str(&format!(
            "#   and {} other reason(s)\n",
            scan.skipped.len() - SHOWN
        ));
    }
    text.push_str(
        "# so they are skipped and counted by reason (in summary.json, and by\n# `fargate-sim validate`); \"error\" stops at the first one instead.\non_bad_row = \"skip\"\n",
    );
    text
}

/// The text of a starter scenario named `name`. With a trace, the workload
/// reads it; otherwise it is a synthetic generator to edit.
pub fn text(name: &str, trace: Option<StarterTrace<'_>>) -> String {
    let has_trace = trace.is_some();
    let instance = trace.as_ref().and_then(|t| t.instance);
    let instance_type = instance.map_or("m5.xlarge", |i| i.name.as_str());
    let instance_comment: String = instance
        .map(|i| i.comment.iter().map(|c| comment_lines(c)).collect())
        .unwrap_or_default();
    let workload = match trace {
        Some(StarterTrace {
            given,
            from_scenario: path,
            format,
            bad_rows,
            instance: _,
        }) => {
            let options = match format {
                Format::Alibaba2017
                | Format::Alibaba2017Instance
                | Format::Alibaba2018Task
                | Format::Alibaba2018Instance => {
                    "# Sizes in this trace are shares of a machine; say which machine:\n# options = { machine_cpu = 96, machine_memory = \"512GiB\" }\n"
                }
                Format::Google2011 | Format::Google2019 => {
                    "# Sizes in this trace are normalised to the largest machine; say which:\n# options = { machine_cpu = 32, machine_memory = \"128GiB\" }\n"
                }
                Format::AzureFunctions2019 => {
                    "# Per-minute counts need the durations file of the same day:\noptions = { durations_file = \"function_durations_percentiles.anon.d01.csv\" }\n"
                }
                Format::AzureLlm2023 => {
                    "# Each request's run time is built from its tokens; set them from your model:\n# options = { llm_overhead = \"50ms\", llm_prefill_per_token = \"0.25ms\", llm_decode_per_token = \"25ms\" }\n"
                }
                _ => "",
            };
            format!(
                r#"[workload]
# `fargate-sim trace inspect {given}` shows what the trace holds: rows, time
# span, arrival rate, sizes and durations. Keep a window of it with `from`
# and `until`, a fraction with `sample`, or replay it faster with `time_scale`.
trace = "{path}"
format = "{format}"
{on_bad_row}{options}"#,
                path = path.display().to_string().replace('\\', "/"),
                given = given.display(),
                format = format.name(),
                on_bad_row = on_bad_row_lines(bad_rows),
            )
        }
        None => r#"[workload]
# Tasks from a generator; replace it with `trace = "your-trace.csv"` to replay
# real tasks (see docs/traces.md).
[[workload.generators]]
name = "jobs"
# A Poisson process; also "diurnal" (min_rate, max_rate, peak_at) and "burst".
arrivals = { process = "poisson", rate = "20/min" }
# How long each task runs: a duration, or a distribution.
duration = { dist = "lognormal", median = "3min", p90 = "12min" }
# Task sizes, picked by weight. memory takes "512MiB", "2GiB", …
sizes = [
  { cpu = 0.5, memory = "1GiB", weight = 3 },
  { cpu = 2, memory = "4GiB", weight = 1 },
]

# A long-running service instead of (or as well as) batch tasks: uncomment.
# [[workload.services]]
# name = "api"
# cpu = 0.5
# memory = "1GiB"
# replicas = { min = 2, max = 20 }
# concurrency = 10
# service_time = { dist = "exponential", mean = "50ms" }
# slo = { percentile = 99, latency = "500ms" }
# requests = { curve = "diurnal", min_rate = "20/s", max_rate = "200/s", peak_at = "14h" }
# [[workload.services.scaling]]
# policy = "target_tracking"
# metric = "cpu"
# target = 60
"#
        .to_string(),
    };
    let horizon = if has_trace {
        "# horizon = \"24h\"      # stop here; without it the run goes until the workload drains"
    } else {
        "horizon = \"24h\"        # stop here (a generator needs an end)"
    };
    format!(
        r#"# A fargate-sim scenario. Run it with:
#   fargate-sim run {name}.toml
# and open output/{name}/report.html. Every key is described in
# docs/scenarios.md; change any of them without editing with
#   --set KEY=VALUE, such as --set workload.load_scale=2
name = "{name}"
description = "What question does this scenario answer?"
seed = 1
{horizon}
# region = "us-east-1"

{workload}
# Each platform replays the same tasks. Compare them in the report.

[[platforms]]
name = "fargate"
kind = "fargate"
# arch = "arm64"             # Graviton rates
# capacity = "spot"          # Fargate Spot (interruptions with a 2-minute notice)

[[platforms]]
name = "fargate-spot"
kind = "fargate"
capacity = "spot"

[[platforms]]
name = "ecs-ec2"
kind = "ec2"
# `fargate-sim prices ec2` lists the instance types and their prices.
{instance_comment}instance_types = ["{instance_type}"]
autoscaler = "ecs_managed"  # or "karpenter" (with orchestrator = "eks"), or "none"
initial = 2
min = 1
max = 50
"#,
    )
}
