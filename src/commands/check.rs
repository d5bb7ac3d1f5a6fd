//! `fargate-sim validate`: check a scenario and its workload without
//! simulating and describe what was found; or, with `--self-check`, run the
//! validation suite ([`crate::selfcheck`]) and print its table.

use crate::Error;
use crate::platform::PlatformSpec;
use crate::report::format::snake;
use crate::scenario::{self, LoadOptions};
use crate::time::format_span;
use crate::units::format_vcpu;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Loads the scenario at `path`, reads its whole workload (up to the
/// horizon) and describes it: tasks, trace, generators, services, pricing,
/// platforms, notes and skipped rows.
pub fn validate(path: &Path, options: &LoadOptions) -> Result<String, Error> {
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
            format_span(first.unwrap_or(0)),
            format_span(last),
            format_vcpu(cpu),
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
        text.push_str(&format!(
            "platform `{}`: kind {} ({})\n",
            p.name(),
            p.kind(),
            describe(p)
        ));
    }
    for (p, reasons) in scenario.platforms.iter().zip(&never) {
        if reasons.is_empty() {
            continue;
        }
        let count: u64 = reasons.values().sum();
        let why: Vec<String> = reasons.iter().map(|(r, k)| format!("{k} {r}")).collect();
        text.push_str(&format!(
            "warning: platform `{}` can never run {count} of {n} task(s): {}; a run counts them as not run and leaves them out of its cost\n",
            p.name(),
            why.join("; ")
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
    Ok(text)
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
        eprintln!("note: no scenarios/ folder here; skipping the bundled-scenario checks");
    }
    dir
}

/// The validation suite's table, and whether every check passed.
#[derive(Clone, Debug)]
pub struct SelfCheck {
    pub table: String,
    pub passed: bool,
}

impl SelfCheck {
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
    })
}
