//! The account's real bill beside the simulated one, when the workload came
//! from AWS cost data with split cost allocation (`format = "aws-cur"`).
//!
//! The export says what each task actually cost; the run says what the
//! platform the tasks ran on (the baseline: a Fargate platform for the
//! FARGATE launch type, an EC2 platform for EC2) costs in the model. Their
//! gap, per group and in total, is the tool's accuracy on this account, and
//! the report says it before it says what the alternatives cost.

use crate::platform::PlatformSpec;
use crate::report::format::format_usd_cents;
use crate::scenario::Scenario;
use crate::simulate::RunOutput;
use crate::workload::formats::Format;
use crate::workload::formats::cur::{LaunchType, RealBill};
use crate::workload::formats::cur_bill::read_bill;
use serde::{Deserialize, Serialize};

/// The real bill beside the simulated one (`summary.json`: `real_bill`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RealBillSummary {
    /// The launch type most of the real bill was spent on: `FARGATE` or `EC2`.
    pub launch_type: String,
    /// The scenario's platform simulated as the one the tasks ran on (the
    /// first of the launch type's kind), or null when there is none.
    pub baseline: Option<String>,
    /// The hours the export's task lines cover, UTC.
    pub from: String,
    pub until: String,
    /// Per group (ECS service, EKS workload or namespace), then the total.
    pub groups: Vec<GroupGap>,
    pub total: GroupGap,
    /// Why the two differ.
    pub why: Vec<String>,
}

/// One group's real and simulated bill.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GroupGap {
    pub group: String,
    pub tasks: u64,
    /// Split cost plus unused cost, from the export.
    pub real_usd: f64,
    /// Of which unused (idle EC2) cost.
    pub real_unused_usd: f64,
    /// The baseline's bill for the group (EC2: its tasks' share of the
    /// instances, with the cluster's idle cost spread in proportion, as
    /// split cost allocation does).
    pub simulated_usd: Option<f64>,
    /// (simulated − real) / real, in percent.
    pub gap_percent: Option<f64>,
}

fn gap(real: f64, sim: Option<f64>) -> Option<f64> {
    let s = sim?;
    (real > 0.0).then(|| (s - real) / real * 100.0)
}

/// The comparison, when the scenario's workload is an `aws-cur` export.
pub fn compare(
    scenario: &Scenario,
    output: &RunOutput,
) -> Result<Option<RealBillSummary>, crate::Error> {
    let Some(trace) = scenario.workload.trace.as_ref() else {
        return Ok(None);
    };
    if trace.format != Format::AwsCur {
        return Ok(None);
    }
    let bill = read_bill(&trace.path, trace.on_bad_row).map_err(crate::Error::Workload)?;
    let cut = trace.from.is_some()
        || trace.until.is_some()
        || trace.sample.is_some()
        || trace.time_scale != 1.0
        || scenario.horizon.is_some();
    Ok(Some(summarise(&bill, output, cut)))
}

/// Sets `bill` beside the run's baseline platform.
pub fn summarise(bill: &RealBill, output: &RunOutput, cut: bool) -> RealBillSummary {
    let launch = bill.launch_type();
    let base = output.platforms.iter().find(|p| {
        matches!(
            (&p.spec, launch),
            (PlatformSpec::Fargate(_), LaunchType::Fargate)
                | (PlatformSpec::Ec2(_), LaunchType::Ec2)
        )
    });
    let sim_total = base.map(|p| p.cost.total().usd());
    // Each group's simulated cost; on EC2 the cluster's idle cost is spread
    // in proportion to the groups' shares, as the export spreads unused cost.
    let group_sim = |g: &str| -> Option<f64> {
        let p = base?;
        let costs = p.tally.group_costs.as_ref()?;
        let mine = costs
            .iter()
            .find(|(k, _)| k.as_ref() == g)
            .map_or(0.0, |(_, m)| m.usd());
        match launch {
            LaunchType::Fargate => Some(mine),
            LaunchType::Ec2 => {
                let shares: f64 = costs.values().map(|m| m.usd()).sum();
                Some(if shares > 0.0 {
                    mine / shares * p.cost.total().usd()
                } else {
                    0.0
                })
            }
        }
    };
    let groups: Vec<GroupGap> = bill
        .groups
        .iter()
        .map(|(name, g)| {
            let real = g.total().usd();
            let sim = group_sim(name);
            GroupGap {
                group: name.clone(),
                tasks: g.tasks,
                real_usd: real,
                real_unused_usd: g.unused_cost.usd(),
                simulated_usd: sim,
                gap_percent: gap(real, sim),
            }
        })
        .collect();
    let real_total = bill.total().usd();
    let total = GroupGap {
        group: "total".into(),
        tasks: bill.tasks(),
        real_usd: real_total,
        real_unused_usd: bill.groups.values().map(|g| g.unused_cost.usd()).sum(),
        simulated_usd: sim_total,
        gap_percent: gap(real_total, sim_total),
    };
    let mut why = Vec::new();
    match (base, launch) {
        (None, _) => why.push(format!(
            "The tasks ran on the {} launch type, and the scenario has no {} platform to simulate it: add one to see the tool's accuracy on this account.",
            launch.name(),
            if launch == LaunchType::Fargate { "Fargate" } else { "EC2" }
        )),
        (Some(_), LaunchType::Fargate) => why.push(
            "Fargate bills the reserved vCPU and memory per second, with a one-minute minimum, from the start of the image pull. The export gives each task's billed hours and the fraction it ran in its first and last hour, which the simulation replays as the task's run; the model then adds its own image pull before that run, so the simulated bill is higher by the pulls (set the baseline's startup to image_pull = \"0s\" to replay the billed spans alone). What is left is rounding, discounts the model does not apply (Savings Plans, Spot), and the pricing catalog's rates against the account's.".into(),
        ),
        (Some(_), LaunchType::Ec2) => why.push(format!(
            "On EC2 the export splits each instance's amortized cost among its tasks (vCPU and memory weighted 9:1) and spreads the idle part, {} of {} here, over them as unused cost. The simulated cluster places the same tasks on instances of its own choosing, with its own idle capacity, spread the same way. The gap is packing and instance choice, launch and scale-in times, Reserved Instances and Savings Plans amortized in the real bill, and the catalog's rates.",
            format_usd_cents(total.real_unused_usd),
            format_usd_cents(real_total)
        )),
    }
    if bill.sized_from_partial_hour > 0 {
        why.push(format!(
            "{} task(s) spanned fewer than three hours, so no middle hour gives their size: it is their largest hourly reservation, exact if they ran one whole hour, else understated with the run stretched to fill the hour (their vCPU-hours and GB-hours are kept).",
            bill.sized_from_partial_hour
        ));
    }
    if bill.unsized_tasks > 0 {
        why.push(format!(
            "{} task(s) at the end of the export had no vCPU or no memory line and were left out of the simulation; their cost is in the real bill.",
            bill.unsized_tasks
        ));
    }
    if cut {
        why.push("The scenario cuts the workload (from, until, sample, time_scale or a horizon) while the real bill covers the whole export: the gap is not the tool's accuracy.".into());
    }
    let iso = |us: Option<i64>| us.map(unix_iso).unwrap_or_default();
    RealBillSummary {
        launch_type: launch.name().into(),
        baseline: base.map(|p| p.spec.name().to_string()),
        from: iso(bill.from_unix_us),
        until: iso(bill.until_unix_us),
        groups,
        total,
        why,
    }
}

/// µs since 1970 as `2026-11-01T10:00:00Z`.
fn unix_iso(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let s = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn pct(g: Option<f64>) -> String {
    g.map_or("–".into(), |p| format!("{p:+.1} %"))
}

/// Rows of the comparison: group, tasks, real, of which unused, simulated, gap.
pub fn rows(r: &RealBillSummary) -> Vec<[String; 6]> {
    r.groups
        .iter()
        .chain(std::iter::once(&r.total))
        .map(|g| {
            [
                g.group.clone(),
                g.tasks.to_string(),
                format_usd_cents(g.real_usd),
                format_usd_cents(g.real_unused_usd),
                g.simulated_usd.map_or("–".into(), format_usd_cents),
                pct(g.gap_percent),
            ]
        })
        .collect()
}

/// The heading sentence: what is compared, and the accuracy in one figure.
pub fn headline(r: &RealBillSummary) -> String {
    match (&r.baseline, r.total.gap_percent) {
        (Some(b), Some(g)) => format!(
            "The account's real bill ({} to {}, {} launch type) beside the simulated bill of `{b}`, the platform the tasks ran on: {} real, {} simulated, {:+.1} %. That gap is the tool's accuracy on this account; read the alternatives' costs below with it.",
            r.from,
            r.until,
            r.launch_type,
            format_usd_cents(r.total.real_usd),
            r.total.simulated_usd.map_or("–".into(), format_usd_cents),
            g
        ),
        _ => format!(
            "The account's real bill ({} to {}, {} launch type): {}.",
            r.from,
            r.until,
            r.launch_type,
            format_usd_cents(r.total.real_usd)
        ),
    }
}

/// The block the terminal prints before the comparison table.
pub fn render_text(r: &RealBillSummary) -> String {
    let mut out = format!("{}\n", headline(r));
    let header = [
        "group",
        "tasks",
        "real",
        "of which unused",
        "simulated",
        "gap",
    ];
    let rows = rows(r);
    let width: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain(std::iter::once(header[i].len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    format!("{c:<w$}", w = width[i])
                } else {
                    format!("{c:>w$}", w = width[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
            + "\n"
    };
    out.push_str(&line(header.to_vec()));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    for w in &r.why {
        out.push_str(&format!("why: {w}\n"));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(unix_iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_iso(1_793_527_200_000_000), "2026-11-01T10:00:00Z");
    }
}
