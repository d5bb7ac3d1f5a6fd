//! `fargate-sim new`: write a commented starter scenario that runs as
//! written, replaying a trace when one is given.

use super::new_instance::InstanceTally;
use crate::Error;
use crate::io::files::write_atomic;
use crate::scenario::load::{LoadOptions, load_str};
use crate::scenario::starter::{self, BadRowScan, StarterInstance, StarterTrace};
use crate::workload::formats::Format;
use crate::workload::formats::adapter::{OnBadRow, SkipCounter};
use std::path::{Path, PathBuf};

/// At most this many tasks of a trace are read to look for rows that cannot
/// be replayed (about half a second of reading; the Alibaba 2017 sample's
/// first unusable row is its line 4).
const SCAN_TASKS: u64 = 5_000_000;

/// Writes the starter scenario to `file` (replacing it only with `force`),
/// replaying `trace` (its format detected from the file) when given.
pub fn new(file: &Path, trace: Option<&Path>, force: bool) -> Result<String, Error> {
    if file.is_dir() {
        return Err(Error::BadInput(format!(
            "{} is a folder; name the scenario file to write, such as {}",
            file.display(),
            file.join("scenario.toml").display()
        )));
    }
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
    let detected = match trace {
        Some(t) => {
            if !t.is_file() {
                let why = if t.is_dir() {
                    "it is a folder"
                } else {
                    "no such file"
                };
                return Err(Error::BadInput(format!(
                    "--trace {}: {why}; give the path of a trace file (CSV, gzip-compressed CSV, SWF or native Parquet)",
                    t.display()
                )));
            }
            // `new` takes no format: the message names what to write instead
            // of a `workload.format` key in a scenario that does not exist yet.
            let format = Format::detect(t).map_err(|e| {
                let text = e.to_string();
                if text.contains("name it with workload.format =") {
                    Error::BadInput(text.replace(
                        "name it with workload.format =",
                        "`new --trace` only writes formats it can tell; write the starter without --trace, then set `trace` and `format` under its [workload], format being",
                    ))
                } else {
                    Error::from(e)
                }
            })?;
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
    let starter = |scan: Option<&TraceScan>| {
        starter::text(
            &name,
            detected
                .as_ref()
                .zip(trace)
                .map(|((rel, format), given)| StarterTrace {
                    given,
                    from_scenario: rel,
                    format: *format,
                    bad_rows: scan.map(|s| &s.bad_rows),
                    instance: scan.and_then(|s| s.instance.as_ref()),
                }),
        )
    };
    let mut text = starter(None);
    if trace.is_some()
        && let Some(scan) = scan_trace(file, &text)
    {
        text = starter(Some(&scan));
    }
    write_atomic(file, text.as_bytes())?;
    Ok(format!(
        "wrote {}; run it with `fargate-sim run {}`\n",
        file.display(),
        file.display()
    ))
}

/// What reading a starter's trace found.
#[derive(Debug)]
pub struct TraceScan {
    pub bad_rows: BadRowScan,
    /// The EC2 cluster's instance type, sized from the tasks read.
    pub instance: Option<StarterInstance>,
}

/// Reads the trace of the starter `text` (to be written at `file`) through
/// its adapter, in file order, with `on_bad_row = "skip"`: up to
/// [`SCAN_TASKS`] tasks, counting the rows that cannot be replayed and
/// which instance type holds the tasks. `None` when the starter's trace
/// cannot be opened as written (a format that needs a second file, say):
/// the starter then leaves the option commented and keeps m5.xlarge.
pub fn scan_trace(file: &Path, text: &str) -> Option<TraceScan> {
    let options = LoadOptions {
        overrides: vec!["workload.on_bad_row=\"skip\"".into()],
        ..LoadOptions::default()
    };
    let (scenario, catalog) = load_str(text, file, &options).ok()?;
    let mut tally = InstanceTally::new(&scenario, &catalog);
    let t = scenario.workload.trace.as_ref()?;
    let skipped = SkipCounter::default();
    let opened = crate::workload::formats::open::open(
        &t.path,
        t.format,
        &t.params,
        OnBadRow::Skip,
        false,
        &skipped,
    )
    .ok()?;
    let mut scan = BadRowScan {
        whole: true,
        ..BadRowScan::default()
    };
    for task in opened.stream {
        let task = task.ok()?;
        tally.add(task.cpu_milli, task.memory_mib);
        scan.tasks += 1;
        if scan.tasks >= SCAN_TASKS {
            scan.whole = false;
            break;
        }
    }
    scan.skipped = skipped.counts();
    Some(TraceScan {
        instance: tally.choose(scan.whole),
        bad_rows: scan,
    })
}

/// `path` as seen from the folder `base` (both as given, made absolute).
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
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
