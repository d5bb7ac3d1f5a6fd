//! Alibaba cluster traces (github.com/alibaba/clusterdata).
//!
//! - `alibaba-2017`: cluster-trace-v2017 `batch_task.csv` (no header in the
//!   original; a header line, as in some copies, is recognised and skipped):
//!   create time, modify time (the end, for Terminated and Failed tasks),
//!   job id, task id, instance count, status,
//!   `plan_cpu` (100 = one core), `plan_mem` (normalised to 0..1 of a
//!   machine's memory). A task runs from its create to its end time; with
//!   `expand_instances` (the default) each instance becomes a task.
//! - `alibaba-2018`: cluster-trace-v2018 `batch_task.csv`: task name,
//!   instance count, job, type, status, start, end, `plan_cpu` (100 = one
//!   core), `plan_mem` (normalised to 0..100).
//! - `alibaba-2018-instances`: `batch_instance.csv`: instance, task, job,
//!   type, status, start, end, machine, seq, total seq, cpu avg, cpu max
//!   (100 = one core), mem avg, mem max (0..100); an instance requests its
//!   maximum use, and carries its average and maximum as its usage (for
//!   right-sizing).
//! - `alibaba-2017-instances`: cluster-trace-v2017 `batch_instance.csv`
//!   (no header): start, end, job id, task id, machine, status, seq, total
//!   seq, `real_cpu_max`, `real_cpu_avg` (CPU numbers: cores, as
//!   trace_201708.md says "cpu numbers" and "Cpu core count is NOT
//!   normalized"), `real_mem_max`, `real_mem_avg` (normalised: a fraction
//!   0..1 of a machine's memory, as `plan_mem`). An instance requests its
//!   maximum use and carries average and maximum as its usage.
//! - `alibaba-gpu-2023`: cluster-trace-gpu-v2023 pod lists, by header:
//!   `cpu_milli`, `memory_mib`, `creation_time`, `scheduled_time`,
//!   `deletion_time` (seconds). A pod is submitted at its creation and runs
//!   from its scheduling to its deletion. GPU requests are not modelled (a
//!   note counts them).

use super::adapter::{Adapter, BadRow, FormatParams, Groups, field, num, seconds, size, task};
use crate::workload::{Task, WorkloadError};
use std::path::Path;
use std::sync::Arc;

/// MiB of a memory value normalised to 0..100 of the machine's memory.
fn percent_of_machine(column: &'static str, v: &str, machine_mib: u32) -> Result<u32, BadRow> {
    let pct = num(column, v)?;
    if pct > 100.0 {
        return Err(BadRow::new(
            column,
            v,
            format!("{column} above 100 (it is a percentage of a machine)"),
        ));
    }
    size(column, v, pct / 100.0 * machine_mib as f64)
}

/// Pushes `count` copies (or one, without expansion) of a task.
fn expand(out: &mut Vec<Task>, t: Task, count: u64, expand: bool) {
    if !expand || count <= 1 {
        out.push(t);
        return;
    }
    for k in 0..count {
        let mut c = t.clone();
        c.label = t.label.as_ref().map(|l| format!("{l}#{k}").into());
        out.push(c);
    }
}

fn instance_count(v: &str) -> Result<u64, BadRow> {
    let n = num("instance_num", v)?;
    if n < 1.0 || n.fract() != 0.0 {
        return Err(BadRow::new(
            "instance_num",
            v,
            "instance_num is not a whole number ≥ 1",
        ));
    }
    if n > 1e6 {
        return Err(BadRow::new(
            "instance_num",
            v,
            "instance_num above 1,000,000",
        ));
    }
    Ok(n as u64)
}

/// Start and end (seconds) into submit and duration; `status` explains a
/// missing end.
fn span(
    start_col: &'static str,
    start_v: &str,
    end_col: &'static str,
    end_v: &str,
    status: &str,
) -> Result<(u64, u64), BadRow> {
    let start = num(start_col, start_v)?;
    let end = num(end_col, end_v)?;
    if end == 0.0 {
        return Err(BadRow::new(
            end_col,
            end_v,
            format!("no end time (status {})", status.trim()),
        ));
    }
    if end < 0.0 {
        return Err(BadRow::new(end_col, end_v, "ended before the trace window"));
    }
    if end < start {
        return Err(BadRow::new(end_col, end_v, "ends before it starts"));
    }
    // Created before the trace window (a negative time): submitted at 0,
    // running until its end.
    let start = start.max(0.0);
    Ok((
        seconds(start_col, start_v, start)?,
        seconds(end_col, end_v, end - start)?,
    ))
}

pub struct Batch2017 {
    machine_memory_mib: u32,
    expand: bool,
    groups: Groups,
}

impl Batch2017 {
    pub fn new(p: &FormatParams) -> Batch2017 {
        Batch2017 {
            machine_memory_mib: p.machine_memory_mib,
            expand: p.expand_instances,
            groups: Groups::default(),
        }
    }
}

/// Whether a first row is a header (its first field is not a number).
fn is_header(fields: &[&str]) -> bool {
    fields
        .first()
        .is_some_and(|f| f.trim().parse::<f64>().is_err())
}

impl Adapter for Batch2017 {
    fn header(&mut self, _path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        Ok(is_header(fields))
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        if f.len() < 8 {
            return Err(BadRow::new(
                "(row)",
                &f.join(","),
                format!("{} fields where batch_task has 8", f.len()),
            ));
        }
        // The second column is the latest state change: the end, for tasks
        // that ended (trace_201708.md).
        let status = f[5].trim();
        status_2017(status, &["Terminated", "Failed"])?;
        let (submit, duration) = span("create_timestamp", f[0], "modify_timestamp", f[1], status)?;
        let count = instance_count(f[4])?;
        let cpu = size("plan_cpu", f[6], num("plan_cpu", f[6])? * 10.0)?;
        let mem_frac = num("plan_mem", f[7])?;
        if mem_frac > 1.0 {
            return Err(BadRow::new(
                "plan_mem",
                f[7],
                "plan_mem above 1 (it is a fraction of a machine)",
            ));
        }
        let mem = size("plan_mem", f[7], mem_frac * self.machine_memory_mib as f64)?;
        let job = field(f, 2, "job_id")?.trim();
        let mut t = task(
            Some(format!("{job}/{}", f[3].trim()).into()),
            submit,
            duration,
            cpu,
            mem,
        );
        t.group = Some(self.groups.get(job));
        expand(out, t, count, self.expand);
        Ok(())
    }
}

pub struct Task2018 {
    machine_memory_mib: u32,
    expand: bool,
    groups: Groups,
}

impl Task2018 {
    pub fn new(p: &FormatParams) -> Task2018 {
        Task2018 {
            machine_memory_mib: p.machine_memory_mib,
            expand: p.expand_instances,
            groups: Groups::default(),
        }
    }
}

impl Adapter for Task2018 {
    fn header(&mut self, _path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        // The first field is a task name, so only a literal header is one.
        Ok(fields.first().is_some_and(|f| f.trim() == "task_name"))
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        if f.len() < 9 {
            return Err(BadRow::new(
                "(row)",
                &f.join(","),
                format!("{} fields where batch_task has 9", f.len()),
            ));
        }
        let count = instance_count(f[1])?;
        let (submit, duration) = span("start_time", f[5], "end_time", f[6], f[4])?;
        let cpu = size("plan_cpu", f[7], num("plan_cpu", f[7])? * 10.0)?;
        let mem = percent_of_machine("plan_mem", f[8], self.machine_memory_mib)?;
        let job = f[2].trim();
        let mut t = task(
            Some(format!("{job}/{}", f[0].trim()).into()),
            submit,
            duration,
            cpu,
            mem,
        );
        t.group = Some(self.groups.get(job));
        expand(out, t, count, self.expand);
        Ok(())
    }
}

pub struct Instance2018 {
    machine_memory_mib: u32,
    groups: Groups,
}

impl Instance2018 {
    pub fn new(p: &FormatParams) -> Instance2018 {
        Instance2018 {
            machine_memory_mib: p.machine_memory_mib,
            groups: Groups::default(),
        }
    }
}

impl Adapter for Instance2018 {
    fn header(&mut self, _path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        Ok(fields.first().is_some_and(|f| f.trim() == "instance_name"))
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        if f.len() < 14 {
            return Err(BadRow::new(
                "(row)",
                &f.join(","),
                format!("{} fields where batch_instance has 14", f.len()),
            ));
        }
        let (submit, duration) = span("start_time", f[5], "end_time", f[6], f[4])?;
        let cpu = size("cpu_max", f[11], num("cpu_max", f[11])? * 10.0)?;
        let mem = percent_of_machine("mem_max", f[13], self.machine_memory_mib)?;
        let job = f[2].trim();
        let mut t = task(Some(f[0].trim().into()), submit, duration, cpu, mem);
        t.group = Some(self.groups.get(job));
        // The averages, when given (an empty or zero field leaves the
        // maximum).
        let cpu_avg = match f[10].trim() {
            "" => None,
            v => Some(num("cpu_avg", v)? * 10.0)
                .filter(|x| *x > 0.0)
                .map(|x| size("cpu_avg", v, x))
                .transpose()?,
        };
        let mem_avg = match f[12].trim() {
            "" => None,
            v if num("mem_avg", v)? <= 0.0 => None,
            v => Some(percent_of_machine("mem_avg", v, self.machine_memory_mib)?),
        };
        t.usage = crate::workload::Usage::from_parts(
            (cpu_avg, Some(cpu)),
            (mem_avg, Some(mem)),
            (cpu, mem),
        )
        .map(Box::new);
        out.push(t);
        Ok(())
    }
}

pub struct Instance2017 {
    machine_memory_mib: u32,
    groups: Groups,
}

impl Instance2017 {
    pub fn new(p: &FormatParams) -> Instance2017 {
        Instance2017 {
            machine_memory_mib: p.machine_memory_mib,
            groups: Groups::default(),
        }
    }

    /// MiB of a memory value normalised to 0..1 of the machine's memory.
    fn memory(&self, column: &'static str, v: &str) -> Result<u32, BadRow> {
        let frac = num(column, v)?;
        if frac > 1.0 {
            return Err(BadRow::new(
                column,
                v,
                format!("{column} above 1 (it is a fraction of a machine)"),
            ));
        }
        size(column, v, frac * self.machine_memory_mib as f64)
    }
}

/// Milli-vCPU of a CPU value in cores.
fn cores(column: &'static str, v: &str) -> Result<u32, BadRow> {
    let c = num(column, v)?;
    if c > 1024.0 {
        return Err(BadRow::new(
            column,
            v,
            format!("{column} above 1024 (it is a number of cores)"),
        ));
    }
    size(column, v, c * 1000.0)
}

impl Adapter for Instance2017 {
    fn header(&mut self, _path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        Ok(is_header(fields))
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        if f.len() < 12 {
            return Err(BadRow::new(
                "(row)",
                &f.join(","),
                format!("{} fields where batch_instance has 12", f.len()),
            ));
        }
        let status = f[5].trim();
        status_2017(status, &["Terminated", "Failed", "Interrupted"])?;
        let (submit, duration) = span("start_timestamp", f[0], "end_timestamp", f[1], status)?;
        // The peaks are the request; the trace leaves some usage out
        // (trace_201708.md, known issues): such a row has no size.
        if f[8].trim().is_empty() || f[10].trim().is_empty() {
            return Err(BadRow::new(
                if f[8].trim().is_empty() {
                    "real_cpu_max"
                } else {
                    "real_mem_max"
                },
                "",
                "no usage recorded: the instance has no size",
            ));
        }
        let cpu = cores("real_cpu_max", f[8])?;
        let mem = self.memory("real_mem_max", f[10])?;
        let job = f[2].trim();
        let mut t = task(
            Some(format!("{job}/{}/{}", f[3].trim(), f[6].trim()).into()),
            submit,
            duration,
            cpu,
            mem,
        );
        t.group = Some(self.groups.get(job));
        // The averages, when given (an empty or zero field leaves the peak).
        let cpu_avg = match f[9].trim() {
            "" => None,
            v if num("real_cpu_avg", v)? <= 0.0 => None,
            v => Some(cores("real_cpu_avg", v)?),
        };
        let mem_avg = match f[11].trim() {
            "" => None,
            v if num("real_mem_avg", v)? <= 0.0 => None,
            v => Some(self.memory("real_mem_avg", v)?),
        };
        t.usage = crate::workload::Usage::from_parts(
            (cpu_avg, Some(cpu)),
            (mem_avg, Some(mem)),
            (cpu, mem),
        )
        .map(Box::new);
        out.push(t);
        Ok(())
    }
}

/// Column positions of the GPU pod list, found by name.
#[derive(Default)]
pub struct Gpu2023 {
    cols: Option<[usize; 6]>,
    group: Option<Arc<str>>,
}

impl Adapter for Gpu2023 {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let names: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
        let find = |n: &str| {
            names
                .iter()
                .position(|x| *x == n)
                .ok_or_else(|| WorkloadError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "alibaba-gpu-2023 needs a `{n}` column; the header has: {}",
                        names.join(", ")
                    ),
                })
        };
        self.cols = Some([
            find("name")?,
            find("cpu_milli")?,
            find("memory_mib")?,
            find("creation_time")?,
            find("scheduled_time")?,
            find("deletion_time")?,
        ]);
        self.group = Some(Arc::from("gpu"));
        let _ = find("num_gpu").map(|_| ());
        Ok(true)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        let [name, cpu_c, mem_c, create_c, sched_c, delete_c] = self.cols.expect("header first");
        let get = |i: usize, col: &'static str| field(f, i, col);
        let create_v = get(create_c, "creation_time")?;
        let create = num("creation_time", create_v)?;
        let delete_v = get(delete_c, "deletion_time")?;
        if delete_v.trim().is_empty() {
            return Err(BadRow::new("deletion_time", delete_v, "no deletion time"));
        }
        let delete = num("deletion_time", delete_v)?;
        let sched_v = get(sched_c, "scheduled_time")?;
        // A pod that was never scheduled has no scheduling time: it never ran.
        if sched_v.trim().is_empty() {
            return Err(BadRow::new("scheduled_time", sched_v, "never scheduled"));
        }
        let sched = num("scheduled_time", sched_v)?;
        if sched < create {
            return Err(BadRow::new(
                "scheduled_time",
                sched_v,
                "scheduled before it was created",
            ));
        }
        if delete < sched {
            return Err(BadRow::new(
                "deletion_time",
                delete_v,
                "deleted before it was scheduled",
            ));
        }
        let cpu_v = get(cpu_c, "cpu_milli")?;
        let cpu = size("cpu_milli", cpu_v, num("cpu_milli", cpu_v)?)?;
        let mem_v = get(mem_c, "memory_mib")?;
        let mem = size("memory_mib", mem_v, num("memory_mib", mem_v)?)?;
        let mut t = task(
            Some(get(name, "name")?.trim().into()),
            seconds("creation_time", create_v, create)?,
            seconds("deletion_time", delete_v, delete - sched)?,
            cpu,
            mem,
        );
        t.group = self.group.clone();
        out.push(t);
        Ok(())
    }
}

/// Refuses a 2017 row whose `status` is not one of `ran` (the states in
/// which the row has an end): still running, never ran, cancelled or unknown.
fn status_2017(status: &str, ran: &[&str]) -> Result<(), BadRow> {
    let why = match status {
        s if ran.contains(&s) => return Ok(()),
        "Running" => "still running when the trace ends (status Running): no end time".to_string(),
        "Waiting" | "Ready" => format!("never ran (status {status})"),
        "Cancelled" => "cancelled (status Cancelled)".to_string(),
        _ => "unknown status".to_string(),
    };
    Err(BadRow::new("status", status, why))
}
