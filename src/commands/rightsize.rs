//! `fargate-sim rightsize RUN_DIR`: per-group recommended sizes from the
//! `usage.csv` a right-sizing run wrote, in the forms an ECS task
//! definition (`cpu`, `memory`) and a Kubernetes pod spec
//! (`resources.requests`) take, and as the `rightsizing` block that replays
//! them (`policy = "fixed"`).

use crate::Error;
use crate::io::csv::split_csv;
use crate::platform::fargate::{LaunchType, Sizing, fit};
use crate::platform::rightsize::grow;
use crate::pricing::{Catalog, Os};
use std::path::Path;

/// Which figure a recommendation starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The group's percentile (nearest rank) of its tasks' average CPU, or
    /// of their memory peaks: what a run's `rightsizing = { cpu = "p90",
    /// memory = "p90" }` sizes from (VPA's target percentiles), with the
    /// same minimum.
    Pct(u8),
    /// The largest peak of any task of the group.
    Max,
    /// The 90th percentile of the tasks' peaks (for CPU, the figure
    /// `rightsize` used before the percentile forms; for memory, `p90`).
    PeakP90,
}

impl Basis {
    pub fn parse(text: &str, flag: &str) -> Result<Basis, Error> {
        match text {
            "max" => Ok(Basis::Max),
            "peak-p90" => Ok(Basis::PeakP90),
            other => crate::platform::rightsize::parse_percentile(other)
                .map(Basis::Pct)
                .ok_or_else(|| {
                    Error::BadInput(format!(
                        "{flag} `{other}`: need a percentile of the group from p1 to p100 such as p90 (CPU: of the tasks' average use; memory: of their peaks), max (the largest peak) or peak-p90 (the 90th percentile of the peaks)"
                    ))
                }),
        }
    }

    /// The usage.csv column holding the figure, for CPU or for memory.
    fn column(self, cpu: bool) -> String {
        match (self, cpu) {
            (Basis::Pct(p), true) => format!("cpu_avg_p{p}_vcpu"),
            (Basis::Pct(p), false) => format!("memory_max_p{p}_mib"),
            (Basis::Max, true) => "cpu_max_vcpu".into(),
            (Basis::Max, false) => "memory_max_mib".into(),
            (Basis::PeakP90, true) => "cpu_max_p90_vcpu".into(),
            (Basis::PeakP90, false) => "memory_max_p90_mib".into(),
        }
    }

    /// The figure in words, for the first line.
    fn words(self, cpu: bool) -> String {
        let of = if cpu {
            "the tasks' average use"
        } else {
            "their peaks"
        };
        match self {
            Basis::Pct(p) => format!("p{p} of {of}"),
            Basis::Max => "max of their peaks".into(),
            Basis::PeakP90 => "p90 of their peaks".into(),
        }
    }
}

/// `rightsize`'s choices, unset ones from `[rightsizing]` in
/// data/defaults.toml (a run's `"usage"` policy's defaults, so both agree).
pub fn choices(
    cpu: Option<&str>,
    memory: Option<&str>,
    headroom: Option<f64>,
) -> Result<(Basis, Basis, f64), Error> {
    let d = crate::scenario::defaults::Defaults::builtin().rightsizing;
    let basis = |given: Option<&str>, default: &str, flag: &str| match given {
        Some(text) => Basis::parse(text, flag),
        // A per-task default ("avg", "max") has no group figure: p90.
        None => Ok(Basis::parse(default, flag).unwrap_or(Basis::Pct(90))),
    };
    Ok((
        basis(cpu, &d.cpu, "--cpu")?,
        basis(memory, &d.memory, "--memory")?,
        headroom.unwrap_or(d.headroom),
    ))
}

/// The text `rightsize` prints for the run in `run_dir`.
pub fn rightsize(
    run_dir: &Path,
    cpu: Basis,
    memory: Basis,
    headroom: f64,
) -> Result<String, Error> {
    if !(headroom.is_finite() && (-0.9..=10.0).contains(&headroom)) {
        return Err(Error::BadInput(format!(
            "--headroom {headroom}: need a fraction from -0.9 to 10, such as 0.15 (15 % above the usage)"
        )));
    }
    let d = crate::scenario::defaults::Defaults::builtin().rightsizing;
    let path = run_dir.join("usage.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::BadInput(format!(
            "{}: {e}; `rightsize` reads the usage.csv a run writes when one of its platforms has a `rightsizing` policy and its tasks carry usage (docs/scenarios.md, Right-sizing)",
            path.display()
        ))
    })?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().map(split_csv).unwrap_or_default();
    let col = |name: &str| -> Result<usize, Error> {
        header.iter().position(|h| *h == name).ok_or_else(|| {
            Error::BadInput(format!(
                "{}: no column `{name}`; it is not a usage.csv written by fargate-sim",
                path.display()
            ))
        })
    };
    // A percentile a run did not name has no column: say how to get it.
    let figure = |b: Basis, is_cpu: bool| -> Result<usize, Error> {
        let name = b.column(is_cpu);
        header.iter().position(|h| *h == name).ok_or_else(|| {
            let flag = if is_cpu { "--cpu" } else { "--memory" };
            let key = if is_cpu { "cpu" } else { "memory" };
            Error::BadInput(format!(
                "{}: no column `{name}` for {flag}: a run writes p50, p90 and max, and the percentiles its platforms' rightsizing names; ask for one of those, or set {key} = \"{}\" in a platform's rightsizing and run again",
                path.display(),
                match b {
                    Basis::Pct(p) => format!("p{p}"),
                    _ => "p90".into(),
                }
            ))
        })
    };
    let [g, n, nu, creq, mreq] = [
        col("group")?,
        col("tasks")?,
        col("tasks_with_usage")?,
        col("cpu_vcpu_requested")?,
        col("memory_mib_requested")?,
    ];
    let (cfig, mfig) = (figure(cpu, true)?, figure(memory, false)?);
    let catalog = Catalog::builtin();
    let mut rows = Vec::new();
    let mut toml = Vec::new();
    for (i, line) in lines.enumerate() {
        let f = split_csv(line);
        let num = |c: usize| -> Result<f64, Error> {
            f.get(c)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    Error::BadInput(format!(
                        "{}, line {}: column `{}` is not a number from 0 up",
                        path.display(),
                        i + 2,
                        header[c]
                    ))
                })
        };
        let name = f
            .get(g)
            .copied()
            .unwrap_or("")
            .trim_matches('"')
            .to_string();
        if num(nu)? == 0.0 {
            rows.push(format!(
                "{name}: {} tasks, none with usage: keep its request",
                num(n)?
            ));
            continue;
        }
        // Usage with averages only (the CUR's actual usage): no peak for a
        // limit to hold, so no size is recommended. Older files have no
        // `tasks_with_peak` column: every task there has peaks.
        if let (Some(np), Some(ma)) = (
            header.iter().position(|h| *h == "tasks_with_peak"),
            header.iter().position(|h| *h == "memory_avg_p90_mib"),
        ) && num(np)? == 0.0
        {
            let cavg = col("cpu_avg_p90_vcpu")?;
            rows.push(format!(
                "{name}: {} tasks, asked {} vCPU / {} MiB; their usage has averages only (p90 of the averages: {} vCPU, {} MiB) and no peak, so no size is recommended: keep the request, or give the tasks' peaks (a Container Insights performance log, workload.usage) and run again",
                num(n)?,
                num(creq)?,
                num(mreq)?,
                num(cavg)?,
                num(ma)?,
            ));
            continue;
        }
        // The run's own arithmetic (platform/rightsize.rs): the figure in
        // milli-vCPU and MiB, raised by the headroom and rounded up; a
        // percentile at least the minimum a run's percentile form keeps.
        let floor = |b: Basis, min: u32| if matches!(b, Basis::Pct(_)) { min } else { 1 };
        let cpu_milli = grow(
            (num(cfig)? * 1000.0).round().min(u32::MAX as f64) as u32,
            headroom,
        )
        .max(floor(cpu, d.min_cpu_milli));
        let mem = grow(num(mfig)?.round().min(u32::MAX as f64) as u32, headroom)
            .max(floor(memory, d.min_memory_mib));
        let fargate = fit(
            &catalog.fargate,
            Os::Linux,
            LaunchType::Ecs,
            Sizing::RoundUp,
            cpu_milli,
            mem,
        );
        let td = match &fargate {
            Ok(s) => format!(
                "\"cpu\": \"{}\", \"memory\": \"{}\" ({s})",
                (s.cpu_milli as u64 * 1024).div_ceil(1000),
                s.memory_mib
            ),
            Err(_) => "larger than every Fargate size".to_string(),
        };
        rows.push(format!(
            "{name}: {} tasks, asked {} vCPU / {} MiB, recommended {} vCPU / {} MiB\n  task definition: {td}\n  pod spec:        resources: {{ requests: {{ cpu: {cpu_milli}m, memory: {mem}Mi }} }}",
            num(n)?,
            num(creq)?,
            num(mreq)?,
            cpu_milli as f64 / 1000.0,
            mem,
        ));
        toml.push(format!(
            "{} = {{ cpu = {}, memory = \"{mem}MiB\" }}",
            crate::io::csv::quote(&name).replace(',', ""),
            cpu_milli as f64 / 1000.0
        ));
    }
    let min = match (cpu, memory) {
        (Basis::Pct(_), Basis::Pct(_)) => {
            format!(", at least {}m / {} MiB", d.min_cpu_milli, d.min_memory_mib)
        }
        (Basis::Pct(_), _) => format!(", at least {}m", d.min_cpu_milli),
        (_, Basis::Pct(_)) => format!(", at least {} MiB", d.min_memory_mib),
        _ => String::new(),
    };
    let mut out = format!(
        "recommended sizes from {} (cpu: {}, memory: {}, {:+}% headroom{min})\n",
        path.display(),
        cpu.words(true),
        memory.words(false),
        (headroom * 100.0 * 1000.0).round() / 1000.0
    );
    for r in rows {
        out.push_str(&r);
        out.push('\n');
    }
    if !toml.is_empty() {
        out.push_str(&format!(
            "replay them on a platform:\nrightsizing = {{ policy = \"fixed\", groups = {{ {} }} }}\n",
            toml.join(", ")
        ));
    }
    Ok(out)
}
