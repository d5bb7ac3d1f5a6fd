//! Savings Plans, hour by hour, on a finished run: `fargate-sim commit
//! RUN_DIR`.
//!
//! A Savings Plan is a commitment of C dollars an hour. Each hour, eligible
//! usage worth up to C / (1 − d) at on-demand rates is covered and costs
//! the commitment instead (d is the plan's discount); usage above that is
//! billed on demand, and a commitment the hour did not use is paid all the
//! same. The hourly on-demand usage of each platform comes from the run's
//! time series (`timeseries.parquet`, cost per interval, split across hour
//! boundaries in proportion to time), scaled to the eligible share of the
//! bill: Spot capacity, request fees and the EKS control-plane fee are not
//! covered by Savings Plans, and neither are Cloud Run or ACI.
//!
//! The total cost as a function of C is convex and piecewise linear, with
//! its corners where C / (1 − d) equals one hour's usage, so the cheapest
//! commitment is found exactly by trying each corner.

use crate::Error;
use crate::report::PlatformSummary;
use crate::report::format::format_usd;
use crate::report::summary::Summary;
use crate::report::xy_chart::{XyChart, XySeries};
use std::path::Path;

/// Which plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Compute Savings Plans: Fargate, Lambda and EC2, any family or region.
    Compute,
    /// EC2 Instance Savings Plans: one instance family in one region, EC2 only.
    Ec2Instance,
}

/// The outcome of one commitment on one platform's hourly usage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Dollars an hour.
    pub commitment: f64,
    /// What the eligible usage cost under the plan, commitment included.
    pub cost: f64,
    /// What it would have cost on demand.
    pub on_demand: f64,
    /// Share of the on-demand usage the plan covered.
    pub coverage: f64,
    /// Share of the commitment that covered usage.
    pub utilisation: f64,
}

impl Outcome {
    pub fn saving(&self) -> f64 {
        self.on_demand - self.cost
    }
}

/// Applies a commitment of `commitment` $/h at discount `discount` to the
/// hourly on-demand usage `hours` ($ per hour).
pub fn evaluate(hours: &[f64], commitment: f64, discount: f64) -> Outcome {
    evaluate_part(hours, 1.0, commitment, discount)
}

/// [`evaluate`] for a run whose last hour is only `last` (0 to 1) long: the
/// commitment is paid, and covers usage, for that fraction of it.
pub fn evaluate_part(hours: &[f64], last: f64, commitment: f64, discount: f64) -> Outcome {
    let (mut cost, mut on_demand, mut covered, mut paid) = (0.0, 0.0, 0.0, 0.0);
    let n = hours.len();
    for (h, &u) in hours.iter().enumerate() {
        let share = if h + 1 == n { last } else { 1.0 };
        let hour_commitment = commitment * share;
        let c = u.min(hour_commitment / (1.0 - discount));
        covered += c;
        on_demand += u;
        paid += hour_commitment;
        cost += hour_commitment + (u - c);
    }
    Outcome {
        commitment,
        cost,
        on_demand,
        coverage: if on_demand > 0.0 {
            covered / on_demand
        } else {
            0.0
        },
        utilisation: if paid > 0.0 {
            covered * (1.0 - discount) / paid
        } else {
            0.0
        },
    }
}

/// The cheapest commitment (the smallest, on a tie).
pub fn best(hours: &[f64], discount: f64) -> Outcome {
    best_part(hours, 1.0, discount)
}

/// [`best`] for a run whose last hour is `last` long.
pub fn best_part(hours: &[f64], last: f64, discount: f64) -> Outcome {
    let mut best = evaluate_part(hours, last, 0.0, discount);
    let n = hours.len();
    for (h, &u) in hours.iter().enumerate() {
        let share = if h + 1 == n { last.max(1e-9) } else { 1.0 };
        let o = evaluate_part(hours, last, u * (1.0 - discount) / share, discount);
        if o.cost < best.cost - 1e-12
            || (o.cost <= best.cost + 1e-12 && o.commitment < best.commitment)
        {
            best = o;
        }
    }
    best
}

/// A platform's hourly on-demand usage eligible for `plan`, with its
/// discount; None (and why) when the plan does not apply to it.
fn eligible(
    p: &PlatformSummary,
    plan: Plan,
    rates: &crate::pricing::catalog::SavingsPlanRates,
) -> Result<f64, String> {
    let spot = p.options.get("capacity").map(String::as_str);
    match (p.kind.as_str(), plan) {
        ("fargate", _) if spot == Some("spot") => {
            Err("Fargate Spot is not covered by Savings Plans".into())
        }
        ("fargate", _) if spot.is_some_and(|c| c != "on_demand") => Err(
            "its capacity provider strategy puts part of it on Fargate Spot, which Savings Plans do not cover; plan for the FARGATE part alone".into(),
        ),
        ("fargate", Plan::Compute) => Ok(rates.compute_fargate),
        ("ec2", _) if spot != Some("on_demand") => {
            Err("Spot instances are not covered by Savings Plans".into())
        }
        ("ec2", Plan::Compute) => Ok(rates.compute_ec2),
        ("ec2", Plan::Ec2Instance) => Ok(rates.ec2_instance),
        ("function", Plan::Compute)
            if p.options
                .get("profile")
                .is_some_and(|n| n.starts_with("lambda")) =>
        {
            Ok(rates.compute_lambda)
        }
        ("function", _) => Err("only AWS Lambda among the serverless peers".into()),
        _ => Err("EC2 Instance Savings Plans cover EC2 only".into()),
    }
}

/// Each hour's cost of one platform from its time-series rows
/// (interval ends and cumulative cost), splitting intervals at hour
/// boundaries in proportion to time.
pub fn hourly(t_end_s: &[f64], cumulative: &[f64]) -> Vec<f64> {
    let mut hours: Vec<f64> = Vec::new();
    let (mut t0, mut c0) = (0.0f64, 0.0f64);
    for (&t1, &c1) in t_end_s.iter().zip(cumulative) {
        let cost = c1 - c0;
        let span = t1 - t0;
        let mut a = t0;
        while a < t1 {
            let h = (a / 3600.0).floor() as usize;
            let b = ((h + 1) as f64 * 3600.0).min(t1);
            if hours.len() <= h {
                hours.resize(h + 1, 0.0);
            }
            hours[h] += if span > 0.0 {
                cost * (b - a) / span
            } else {
                cost
            };
            a = b;
        }
        if span <= 0.0 && cost != 0.0 {
            let h = (t1 / 3600.0).floor() as usize;
            if hours.len() <= h {
                hours.resize(h + 1, 0.0);
            }
            hours[h] += cost;
        }
        t0 = t1;
        c0 = c1;
    }
    hours
}

/// What `commit` found for one platform.
pub struct PlatformPlan {
    pub platform: String,
    pub discount: f64,
    /// The platform's whole bill on demand, and the part the plan can cover.
    pub total_on_demand: f64,
    pub eligible_on_demand: f64,
    pub hours: Vec<f64>,
    /// The cheapest commitment, and the one asked for (if any).
    pub best: Outcome,
    pub asked: Option<Outcome>,
    /// How much of the last hour the run covers.
    pub last: f64,
}

/// What `commit` found for a run: a plan per eligible platform, and why the
/// others are not eligible.
pub struct Commitment {
    pub scenario: String,
    pub plan: Plan,
    pub plans: Vec<PlatformPlan>,
    pub skipped: Vec<String>,
}

/// The files `commit` writes into the run's folder.
pub const FILES: [&str; 3] = ["commit.csv", "commit.png", "commit.svg"];

/// One commitment's outcome on a platform's whole bill, for JSON.
#[derive(serde::Serialize)]
struct OutcomeJson {
    commitment_usd_per_hour: f64,
    cost_usd: f64,
    saving_usd: f64,
    saving_share: f64,
    coverage: f64,
    utilisation: f64,
}

impl OutcomeJson {
    fn new(o: &Outcome, p: &PlatformPlan) -> OutcomeJson {
        let other = p.total_on_demand - p.eligible_on_demand;
        OutcomeJson {
            commitment_usd_per_hour: o.commitment,
            cost_usd: o.cost + other,
            saving_usd: o.saving(),
            saving_share: o.saving() / p.total_on_demand.max(1e-300),
            coverage: o.coverage,
            utilisation: o.utilisation,
        }
    }
}

impl Commitment {
    /// The table `commit` prints.
    pub fn render(&self) -> String {
        render(&self.scenario, self.plan, &self.plans, &self.skipped)
    }

    /// `commit --format json` (docs/outputs.md).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "scenario": self.scenario,
            "plan": match self.plan {
                Plan::Compute => "compute",
                Plan::Ec2Instance => "ec2_instance",
            },
            "platforms": self.plans.iter().map(|p| serde_json::json!({
                "platform": p.platform,
                "discount": p.discount,
                "hours": p.hours.len(),
                "on_demand_usd": p.total_on_demand,
                "eligible_on_demand_usd": p.eligible_on_demand,
                "best": OutcomeJson::new(&p.best, p),
                "asked": p.asked.as_ref().map(|a| OutcomeJson::new(a, p)),
            })).collect::<Vec<_>>(),
            "not_eligible": self.skipped,
            "files": FILES,
        })
    }
}

/// Runs `commit` on a finished run: recommends (or evaluates) a commitment
/// per platform, writes `commit.csv` and the `commit` chart.
pub fn commit(
    dir: &Path,
    plan: Plan,
    discount: Option<f64>,
    commitment: Option<f64>,
    catalog: &crate::pricing::Catalog,
) -> Result<Commitment, Error> {
    if let Some(d) = discount
        && !(0.0..1.0).contains(&d)
    {
        return Err(Error::BadInput(format!(
            "--discount {d}: need a fraction from 0 up to (not including) 1, such as 0.3"
        )));
    }
    if let Some(c) = commitment
        && !(c.is_finite() && c >= 0.0)
    {
        return Err(Error::BadInput(format!(
            "--commitment {c}: need dollars an hour, 0 or more"
        )));
    }
    let summary: Summary = super::read_summary(dir)?;
    let df = super::timeseries::read(&dir.join("timeseries.parquet"))?;
    let series = super::timeseries::split(&df)?;
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    for p in &summary.platforms {
        let d = match eligible(p, plan, &catalog.savings_plans) {
            Ok(d) => discount.unwrap_or(d),
            Err(why) => {
                skipped.push(format!("{}: {why}", p.name));
                continue;
            }
        };
        let Some(s) = series.iter().find(|s| s.platform == p.name) else {
            skipped.push(format!("{}: no time series", p.name));
            continue;
        };
        // Savings Plans cover compute only, not the bill around it.
        let total = p.cost.compute();
        let c = &p.cost.components;
        let not_covered = c.control_plane_usd + c.requests_usd;
        let share = if total > 0.0 {
            ((total - not_covered) / total).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let hours: Vec<f64> = hourly(&s.t_end_s, &s.cost_cumulative_usd)
            .into_iter()
            .map(|u| u * share)
            .collect();
        let end_s = s.t_end_s.last().copied().unwrap_or(0.0);
        let last = if hours.is_empty() {
            1.0
        } else {
            let frac = end_s / 3600.0 - (hours.len() - 1) as f64;
            frac.clamp(0.0, 1.0)
        };
        let best = best_part(&hours, last, d);
        let asked = commitment.map(|c| evaluate_part(&hours, last, c, d));
        plans.push(PlatformPlan {
            platform: p.name.clone(),
            discount: d,
            total_on_demand: total,
            eligible_on_demand: hours.iter().sum(),
            hours,
            best,
            asked,
            last,
        });
    }
    if plans.is_empty() {
        let why = if skipped.is_empty() {
            "its summary.json lists no platform; run the scenario again".to_string()
        } else {
            skipped.join("; ")
        };
        return Err(Error::BadInput(format!(
            "no platform of {} can use this Savings Plan: {why}",
            dir.display(),
        )));
    }
    write_outputs(dir, &plans)?;
    Ok(Commitment {
        scenario: summary.scenario.name,
        plan,
        plans,
        skipped,
    })
}

fn render(name: &str, plan: Plan, plans: &[PlatformPlan], skipped: &[String]) -> String {
    let kind = match plan {
        Plan::Compute => "Compute Savings Plan",
        Plan::Ec2Instance => "EC2 Instance Savings Plan",
    };
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(vec![
            "platform",
            "discount",
            "hours",
            "on demand",
            "best commitment",
            "cost with it",
            "saving",
            "coverage",
            "utilisation",
        ]);
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let mut rows = |o: &Outcome, p: &PlatformPlan, label: String| {
        let other = p.total_on_demand - p.eligible_on_demand;
        t.add_row(vec![
            p.platform.clone(),
            pct(p.discount),
            p.hours.len().to_string(),
            format_usd(p.total_on_demand),
            label,
            format_usd(o.cost + other),
            format!(
                "{} ({})",
                format_usd(o.saving()),
                pct(o.saving() / p.total_on_demand.max(1e-300))
            ),
            pct(o.coverage),
            pct(o.utilisation),
        ]);
    };
    for p in plans {
        rows(&p.best, p, format!("{}/h", format_usd(p.best.commitment)));
        if let Some(a) = &p.asked {
            rows(a, p, format!("{}/h (asked)", format_usd(a.commitment)));
        }
    }
    let mut out = format!("{name}: {kind}, simulated hour by hour\n{t}\n");
    out.push_str("cost with it = the platform's whole bill with the plan (uncovered parts on demand); coverage = share of eligible on-demand usage the plan covered; utilisation = share of the commitment used\n");
    out.push_str("discounts are the catalog's \"up to\" figures (data/pricing.toml [savings_plans]); pass --discount with your own quote\n");
    for s in skipped {
        out.push_str(&format!("not eligible: {s}\n"));
    }
    out.push_str("wrote commit.csv, commit.png, commit.svg\n");
    out
}

/// `commit.csv` (the cost curve of each platform) and the chart.
fn write_outputs(dir: &Path, plans: &[PlatformPlan]) -> Result<(), Error> {
    let mut csv = String::from(
        "platform,commitment_usd_per_hour,cost_usd,on_demand_usd,coverage,utilisation\n",
    );
    let mut series = Vec::new();
    let top = plans
        .iter()
        .flat_map(|p| p.hours.iter().map(move |u| u * (1.0 - p.discount)))
        .fold(0.0f64, f64::max);
    for (i, p) in plans.iter().enumerate() {
        let other = p.total_on_demand - p.eligible_on_demand;
        let mut points = Vec::new();
        for k in 0..=100 {
            let c = top * k as f64 / 100.0;
            let o = evaluate_part(&p.hours, p.last, c, p.discount);
            csv.push_str(&format!(
                "{},{c},{},{},{},{}\n",
                crate::io::csv::quote(&p.platform),
                o.cost + other,
                p.total_on_demand,
                o.coverage,
                o.utilisation
            ));
            points.push((c, o.cost + other));
        }
        series.push(XySeries {
            name: format!("{} (best {}/h)", p.platform, format_usd(p.best.commitment)),
            color: i,
            points,
            band: Vec::new(),
        });
    }
    crate::io::files::write_atomic(&dir.join("commit.csv"), csv.as_bytes())?;
    let cheapest = plans
        .iter()
        .min_by(|a, b| {
            (a.best.cost + a.total_on_demand - a.eligible_on_demand)
                .total_cmp(&(b.best.cost + b.total_on_demand - b.eligible_on_demand))
        })
        .expect("at least one plan");
    let chart = XyChart {
        title: "Total cost against the Savings Plan commitment".into(),
        x_desc: "commitment ($ per hour)".into(),
        y_desc: "total cost over the run".into(),
        money_y: true,
        money_x: true,
        scatter: false,
        series,
        marker: Some((
            cheapest.best.commitment,
            format!("{}: cheapest", cheapest.platform),
        )),
        frontier: Vec::new(),
        off_frontier: Vec::new(),
    };
    super::xy_chart::render_xy(dir, "commit", &chart)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commitment_below_at_and_above_the_usage_by_hand() {
        // Three hours of $1, $2 and $4 on demand, a 50 % plan at $1/h: it
        // covers $2 of on-demand usage an hour. Hour 1 (below): $1 paid,
        // half of it unused. Hour 2 (at): $1. Hour 3 (above): $1 + $2 on
        // demand. $5 against $7; coverage 5/7; utilisation 2.5/3.
        let o = evaluate(&[1.0, 2.0, 4.0], 1.0, 0.5);
        assert_eq!((o.cost, o.on_demand), (5.0, 7.0));
        assert!((o.coverage - 5.0 / 7.0).abs() < 1e-12);
        assert!((o.utilisation - 2.5 / 3.0).abs() < 1e-12);
        assert_eq!(o.saving(), 2.0);
        // The cheapest commitment is $1/h: $0.50 costs $5.50, $2 costs $6.
        assert_eq!(evaluate(&[1.0, 2.0, 4.0], 0.5, 0.5).cost, 5.5);
        assert_eq!(evaluate(&[1.0, 2.0, 4.0], 2.0, 0.5).cost, 6.0);
        let b = best(&[1.0, 2.0, 4.0], 0.5);
        assert_eq!((b.commitment, b.cost), (1.0, 5.0));
    }

    #[test]
    fn a_last_partial_hour_pays_its_share_of_the_commitment() {
        // Two hours of $2, the second only half an hour long ($2 in it): at
        // $1/h and 50 % off, the half hour pays $0.50 and covers $1.
        let o = evaluate_part(&[2.0, 2.0], 0.5, 1.0, 0.5);
        assert_eq!(o.cost, 1.0 + 0.5 + 1.0);
        assert!((o.utilisation - 1.0).abs() < 1e-12);
    }

    #[test]
    fn no_usage_means_no_commitment() {
        let b = best(&[0.0, 0.0], 0.5);
        assert_eq!((b.commitment, b.cost), (0.0, 0.0));
    }

    #[test]
    fn intervals_are_split_at_hour_boundaries() {
        // 30-minute rows at $1 each, then a row across the 1 h boundary.
        let h = hourly(&[1800.0, 3600.0, 5400.0, 9000.0], &[1.0, 2.0, 3.0, 5.0]);
        // Hour 0: $2; hour 1: $1 + ($2 × 1800/3600) = $2; hour 2: $1.
        assert_eq!(h, vec![2.0, 2.0, 1.0]);
    }
}
