//! The Standard Workload Format of the Parallel Workloads Archive (v2.2):
//! one job per line, 18 whitespace-separated fields, `;` comment lines, `-1`
//! for unknown. A job becomes one task: submitted at field 2, running for
//! field 4 (its run time), with (requested, else allocated) processors times
//! `vcpu_per_processor`, and memory per processor (requested, else used, else
//! `memory_per_processor_mib`) times processors. The log's own wait time
//! (field 3) is not used: each platform makes its own.

use super::adapter::{Adapter, BadRow, Fields, FormatParams, field, num, seconds, size, task};
use crate::workload::{Task, WorkloadError};
use std::path::Path;

pub struct Swf {
    vcpu_per_processor: f64,
    memory_per_processor_mib: u32,
}

impl Swf {
    pub fn new(p: &FormatParams) -> Swf {
        Swf {
            vcpu_per_processor: p.vcpu_per_processor,
            memory_per_processor_mib: p.memory_per_processor_mib,
        }
    }
}

/// A field that may be `-1` (unknown).
fn known(column: &'static str, v: &str) -> Result<Option<f64>, BadRow> {
    let x = num(column, v)?;
    if x == -1.0 {
        Ok(None)
    } else if x < 0.0 {
        Err(BadRow::new(column, v, format!("negative {column}")))
    } else {
        Ok(Some(x))
    }
}

impl Adapter for Swf {
    fn fields(&self) -> Fields {
        Fields::Whitespace
    }

    fn is_comment(&self, line: &str) -> bool {
        line.trim_start().starts_with(';')
    }

    fn header(&mut self, _path: &Path, _fields: &[&str]) -> Result<bool, WorkloadError> {
        Ok(false)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        if f.len() < 18 {
            return Err(BadRow::new(
                "(row)",
                &f.join(" "),
                format!("{} fields where SWF has 18", f.len()),
            ));
        }
        let job = field(f, 0, "job")?;
        let submit_v = field(f, 1, "submit")?;
        let submit = match known("submit", submit_v)? {
            Some(s) => seconds("submit", submit_v, s)?,
            None => return Err(BadRow::new("submit", submit_v, "submit time unknown (-1)")),
        };
        let run_v = field(f, 3, "run_time")?;
        let run = match known("run_time", run_v)? {
            Some(s) => seconds("run_time", run_v, s)?,
            None => return Err(BadRow::new("run_time", run_v, "run time unknown (-1)")),
        };
        let procs = match (
            known("requested_processors", f[7])?,
            known("allocated_processors", f[4])?,
        ) {
            (Some(p), _) if p > 0.0 => p,
            (_, Some(p)) if p > 0.0 => p,
            _ => {
                return Err(BadRow::new(
                    "requested_processors",
                    f[7],
                    "processors unknown or zero (requested and allocated)",
                ));
            }
        };
        let cpu_milli = size("processors", f[7], procs * self.vcpu_per_processor * 1000.0)?;
        // Memory per processor, KB: requested (field 10), else used (field 7).
        let per_proc_mib = match (
            known("requested_memory", f[9])?,
            known("used_memory", f[6])?,
        ) {
            (Some(kb), _) if kb > 0.0 => kb / 1024.0,
            (_, Some(kb)) if kb > 0.0 => kb / 1024.0,
            _ => self.memory_per_processor_mib as f64,
        };
        let memory_mib = size("memory", f[9], per_proc_mib * procs)?;
        out.push(task(Some(job.into()), submit, run, cpu_milli, memory_mib));
        Ok(())
    }
}
