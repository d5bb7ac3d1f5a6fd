//! `fargate-sim rightsize RUN_DIR`: per-group recommended sizes from the
//! `usage.csv` a right-sizing run wrote, in the forms an ECS task
//! definition (`cpu`, `memory`) and a Kubernetes pod spec
//! (`resources.requests`) take, and as the `rightsizing` block that replays
//! them (`policy = "fixed"`).

use crate::Error;
use crate::io::csv::split_csv;
use crate::platform::fargate::{LaunchType, Sizing, fit};
use crate::pricing::{Catalog, Os};
use std::path::Path;

/// Which figure a recommendation starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// CPU: the 90th percentile of the tasks' peaks (VPA's target
    /// percentile); memory: the 90th percentile of their peaks.
    P90,
    /// The largest peak of any task of the group.
    Max,
}

impl Basis {
    pub fn parse(text: &str, flag: &str) -> Result<Basis, Error> {
        match text {
            "p90" => Ok(Basis::P90),
            "max" => Ok(Basis::Max),
            other => Err(Error::BadInput(format!(
                "{flag} `{other}`: need p90 (the 90th percentile of the tasks' peaks) or max (the largest peak)"
            ))),
        }
    }
}

/// The text `rightsize` prints for the run in `run_dir`.
pub fn rightsize(
    run_dir: &Path,
    cpu: Basis,
    memory: Basis,
    headroom: f64,
) -> Result<String, Error> {
    if !(headroom.is_finite() && (0.0..=10.0).contains(&headroom)) {
        return Err(Error::BadInput(format!(
            "--headroom {headroom}: need a fraction from 0 to 10, such as 0.15 (15 % above the usage)"
        )));
    }
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
    let [g, n, nu, creq, mreq, cp90, cmax, mp90, mmax] = [
        col("group")?,
        col("tasks")?,
        col("tasks_with_usage")?,
        col("cpu_vcpu_requested")?,
        col("memory_mib_requested")?,
        col("cpu_max_p90_vcpu")?,
        col("cpu_max_vcpu")?,
        col("memory_max_p90_mib")?,
        col("memory_max_mib")?,
    ];
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
        let grow = |v: f64| v * (1.0 + headroom);
        let cpu_vcpu = grow(if cpu == Basis::P90 {
            num(cp90)?
        } else {
            num(cmax)?
        });
        let mem_mib = grow(if memory == Basis::P90 {
            num(mp90)?
        } else {
            num(mmax)?
        });
        let cpu_milli = ((cpu_vcpu * 1000.0).ceil() as u32).max(1);
        let mem = (mem_mib.ceil() as u32).max(1);
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
    let basis = |b: Basis| if b == Basis::P90 { "p90" } else { "max" };
    let mut out = format!(
        "recommended sizes from {} (cpu: {} of the tasks' peaks, memory: {} of their peaks, +{}% headroom)\n",
        path.display(),
        basis(cpu),
        basis(memory),
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
