//! `fargate-sim validate`: check a scenario and its workload without
//! simulating and describe what was found; or, with `--self-check`, run the
//! validation suite ([`crate::selfcheck`]) and print its table.

use crate::Error;
use crate::platform::PlatformSpec;
use crate::report::format::snake;
use crate::scenario::{self, LoadOptions};
use crate::time::{SimTime, format_span};
use crate::units::format_vcpu;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `validate` found in a scenario and its workload: what it prints,
/// and its `--format json` (docs/outputs.md).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Validation {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    /// Seconds; null without a horizon.
    pub horizon_s: Option<f64>,
    /// The workload's tasks up to the horizon.
    pub tasks: u64,
    /// The first and last submit times, seconds; null without tasks.
    pub first_submit_s: Option<f64>,
    pub last_submit_s: Option<f64>,
    /// The largest request: vCPU and MiB.
    pub largest_vcpu: f64,
    pub largest_memory_mib: u32,
    pub trace: Option<TraceFound>,
    pub generators: Vec<Described>,
    pub services: Vec<Described>,
    pub pricing: PricingFound,
    pub platforms: Vec<PlatformFound>,
    pub notes: Vec<String>,
    /// Trace rows skipped (`on_bad_row = "skip"`), by reason.
    pub skipped_rows: BTreeMap<String, u64>,
    #[serde(skip)]
    first: Option<SimTime>,
    #[serde(skip)]
    last: SimTime,
    #[serde(skip)]
    largest_cpu_milli: u32,
}

/// The scenario's trace.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TraceFound {
    pub path: String,
    pub format: String,
}

/// A generator or service, by name, in one line.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Described {
    pub name: String,
    pub description: String,
}

/// The pricing catalog the scenario uses.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PricingFound {
    pub name: String,
    pub origin: String,
    pub as_of: String,
}

/// A platform, its settings in one line, and the tasks it can never run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PlatformFound {
    pub name: String,
    pub kind: String,
    pub settings: String,
    pub never_runs: u64,
    pub never_runs_reasons: BTreeMap<String, u64>,
}

/// Loads the scenario at `path`, reads its whole workload (up to the
/// horizon) and describes it: tasks, trace, generators, services, pricing,
/// platforms, notes and skipped rows.
pub fn validate(path: &Path, options: &LoadOptions) -> Result<String, Error> {
    Ok(validation(path, options)?.render())
}

/// What [`validate`] prints, as a value.
pub fn validation(path: &Path, options: &LoadOptions) -> Result<Validation, Error> {
    let (scenario, catalog) = scenario::load(path, options)?;
    let (notes, stream, skipped) = scenario.workload.open_counted(scenario.seed)?;
    let mut n = 0u64;
    let (mut first, mut last) = (None, 0);
    let (mut cpu, mut mem) = (0u32, 0u32);
    // Per platform, the tasks it can never run, by reason; a size is asked
    // once per platform.
    let mut never: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); scenario.platforms.len()];
    let mut asked: HashMap<(u32, u32, crate::time::SimTime), Vec<Option<String>>> = HashMap::new();
    // Only function platforms have a run-time limit.
    let by_duration = scenario
        .platforms
        .iter()
        .any(|p| matches!(p, PlatformSpec::Function(_)));
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
        let whys = asked
            .entry((
                t.cpu_milli,
                t.memory_mib,
                if by_duration { t.duration } else { 0 },
            ))
            .or_insert_with(|| {
                scenario
                    .platforms
                    .iter()
                    .map(|p| p.never_runs(&catalog, t.cpu_milli, t.memory_mib, t.duration))
                    .collect()
            });
        for (i, why) in whys.iter().enumerate() {
            if let Some(why) = why {
                *never[i].entry(why.clone()).or_default() += 1;
            }
        }
    }
    let secs = |t: SimTime| t as f64 / 1e6;
    Ok(Validation {
        scenario: scenario.name.clone(),
        description: scenario.description.trim().to_string(),
        seed: scenario.seed,
        horizon_s: scenario.horizon.map(secs),
        tasks: n,
        first_submit_s: first.map(secs),
        last_submit_s: first.map(|_| secs(last)),
        largest_vcpu: cpu as f64 / 1000.0,
        largest_memory_mib: mem,
        trace: scenario.workload.trace.as_ref().map(|t| TraceFound {
            path: t.path.display().to_string(),
            format: t.format.name().to_string(),
        }),
        generators: scenario
            .workload
            .generators
            .iter()
            .map(|g| Described {
                name: g.name.clone(),
                description: g.arrivals.to_string(),
            })
            .collect(),
        services: scenario
            .workload
            .services
            .iter()
            .map(|sv| Described {
                name: sv.name.clone(),
                description: sv.describe(),
            })
            .collect(),
        pricing: PricingFound {
            name: catalog.name.clone(),
            origin: catalog.origin.clone(),
            as_of: catalog.as_of.clone(),
        },
        platforms: scenario
            .platforms
            .iter()
            .zip(never)
            .map(|(p, reasons)| PlatformFound {
                name: p.name().to_string(),
                kind: p.kind().to_string(),
                settings: describe(p),
                never_runs: reasons.values().sum(),
                never_runs_reasons: reasons,
            })
            .collect(),
        notes,
        skipped_rows: skipped.counts(),
        first,
        last,
        largest_cpu_milli: cpu,
    })
}

impl Validation {
    /// The text `validate` prints.
    pub fn render(&self) -> String {
        let n = self.tasks;
        let mut text = format!(
            "scenario `{}` is valid (seed {})\n",
            self.scenario, self.seed
        );
        if !self.description.is_empty() {
            text.push_str(&format!("  {}\n", self.description));
        }
        if n > 0 || self.services.is_empty() {
            text.push_str(&format!(
                "workload: {} task(s), submitted from {} to {}; largest request {} vCPU, {} MiB\n",
                n,
                format_span(self.first.unwrap_or(0)),
                format_span(self.last),
                format_vcpu(self.largest_cpu_milli),
                self.largest_memory_mib
            ));
        } else {
            text.push_str("workload: services only\n");
        }
        if let Some(t) = &self.trace {
            text.push_str(&format!("  trace: {} (format {})\n", t.path, t.format));
        }
        for g in &self.generators {
            text.push_str(&format!("  generator `{}`: {}\n", g.name, g.description));
        }
        for sv in &self.services {
            text.push_str(&format!("  service `{}`: {}\n", sv.name, sv.description));
        }
        let c = &self.pricing;
        text.push_str(&format!(
            "pricing: {} ({}, as of {})\n",
            c.name, c.origin, c.as_of
        ));
        for p in &self.platforms {
            text.push_str(&format!(
                "platform `{}`: kind {} ({})\n",
                p.name, p.kind, p.settings
            ));
        }
        for p in &self.platforms {
            if p.never_runs_reasons.is_empty() {
                continue;
            }
            let why =
                crate::report::compare::counted_reasons(&p.never_runs_reasons, |n| n.to_string());
            text.push_str(&format!(
                "warning: platform `{}` can never run {} of {n} task(s): {}; a run counts them as not run and leaves them out of its cost\n",
                p.name,
                p.never_runs,
                why.join("; ")
            ));
        }
        if n == 0 && self.services.is_empty() {
            text.push_str("warning: the workload submitted no task within the horizon and has no service, so a run costs $0.00 everywhere and compares nothing; check the generators' rates, `start` and `until`, the trace's `from`, `until` and `sample`, and the `horizon`\n");
        }
        for note in &self.notes {
            text.push_str(&format!("note: {note}\n"));
        }
        if !self.skipped_rows.is_empty() {
            text.push_str(&format!(
                "skipped {} trace row(s) (on_bad_row = \"skip\"):\n",
                self.skipped_rows.values().sum::<u64>()
            ));
            for (reason, n) in &self.skipped_rows {
                text.push_str(&format!("  {n:>9}  {reason}\n"));
            }
        }
        text
    }
}

/// One line on a platform's settings.
fn describe(p: &PlatformSpec) -> String {
    match p {
        PlatformSpec::Fargate(f) => format!(
            "{} {}/{}, {}, region {}",
            snake(&f.launch_type),
            snake(&f.os),
            snake(&f.arch),
            f.strategy.label(),
            f.region
        ),
        PlatformSpec::Ec2(e) => format!(
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
        PlatformSpec::Function(f) if f.managed.is_some() => {
            let m = f.managed.as_ref().expect("managed");
            format!(
                "{}, region {}, {} to {} {} instances, CPU target {} %",
                f.profile.provider,
                f.profile.region,
                m.min_instances,
                m.max_instances,
                m.instance_type,
                m.target_cpu_pct
            )
        }
        PlatformSpec::Function(f) => format!(
            "{}, region {}, up to {} instances, {} at once each",
            f.profile.provider, f.profile.region, f.max_instances, f.concurrency
        ),
    }
}

/// The bundled scenarios the self-check runs: `./scenarios`, else the
/// source tree's. Says so on standard error when there are none.
pub fn bundled_scenarios() -> Option<PathBuf> {
    let here = PathBuf::from("scenarios");
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let dir = [here, built].into_iter().find(|d| d.is_dir());
    if dir.is_none() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "note: no scenarios/ folder here; skipping the bundled-scenario checks"
        );
    }
    dir
}

/// The validation suite's table, and whether every check passed.
#[derive(Clone, Debug)]
pub struct SelfCheck {
    pub table: String,
    pub passed: bool,
    /// Every check, for `--format json`.
    pub checks: Vec<crate::selfcheck::Check>,
}

impl SelfCheck {
    /// The table, or the JSON document `{ "passed", "checks": [...] }`.
    pub fn text(&self, format: super::Format) -> Result<String, Error> {
        match format {
            super::Format::Table => Ok(self.table.clone()),
            super::Format::Json => super::output::json(&serde_json::json!({
                "passed": self.passed,
                "checks": self.checks,
            })),
        }
    }

    /// Fails when a check failed (after the table is printed).
    pub fn verdict(&self) -> Result<(), Error> {
        if self.passed {
            Ok(())
        } else {
            Err(Error::Internal(
                "a validation check failed (see the table)".into(),
            ))
        }
    }
}

/// `validate --self-check`: runs every check of the validation suite, with
/// the bundled-scenario invariants when `scenarios` is given.
pub fn self_check(scenarios: Option<&Path>) -> Result<SelfCheck, Error> {
    let checks = crate::selfcheck::run_all(scenarios)?;
    Ok(SelfCheck {
        table: crate::selfcheck::render(&checks),
        passed: checks.iter().all(|c| c.passed),
        checks,
    })
}
