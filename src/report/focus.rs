//! `focus.csv`: the run's bill as FinOps Foundation FOCUS rows (the cost and
//! usage specification AWS Data Exports, Azure and Google also produce), so
//! a simulated bill loads into the FinOps tools a team already uses.
//!
//! One row per platform, resource, charge and hour of the run, from the
//! same lines as the summary: compute (split over the hours by the time
//! series' cost) and every charge around compute (hourly ones in their
//! hour, the rest spread over the hours like compute, or evenly for what is
//! always on). Each line's cost is split in whole pico-dollars with the
//! remainder in its last hour, so the rows of a platform sum to its total
//! to the pico-dollar per line. The simulated clock starts at
//! [`FOCUS_EPOCH`], a date of its own (a scenario has no calendar date).

use crate::platform::{Detail, PlatformSpec};
use crate::pricing::Money;
use crate::pricing::around::{Component, CostLine};
use crate::simulate::PlatformRun;
use crate::time::{HOUR, SimTime};

/// The simulated clock's zero, as a FOCUS timestamp: 2026-01-01T00:00:00Z.
pub const FOCUS_EPOCH: &str = "2026-01-01T00:00:00Z";
/// Days from 1970-01-01 to [`FOCUS_EPOCH`].
const EPOCH_DAYS: i64 = 20_454;

/// The columns written, in order (FOCUS 1.x names; `x_` ones are ours).
pub const COLUMNS: [&str; 31] = [
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "BillingAccountId",
    "BillingAccountName",
    "SubAccountId",
    "SubAccountName",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeFrequency",
    "ChargeDescription",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ListUnitPrice",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ProviderName",
    "PublisherName",
    "InvoiceIssuerName",
    "ServiceName",
    "ServiceCategory",
    "RegionId",
    "ResourceId",
    "x_Platform",
    "x_Component",
];

/// One FOCUS row before it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub cost_pico: u128,
    pub account: String,
    pub platform: String,
    pub hour: u64,
    /// The charge period's end in µs of simulated time (the run's end in
    /// its last hour).
    pub end: SimTime,
    pub description: String,
    pub quantity: f64,
    pub unit: String,
    pub unit_price: Option<f64>,
    pub service: String,
    pub category: String,
    pub region: String,
    pub resource: String,
    pub component: String,
}

/// Civil date of a day count from 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// An ISO 8601 UTC timestamp of simulated time `t` (whole seconds).
pub fn timestamp(t: SimTime) -> String {
    let secs = (t / 1_000_000) as i64;
    let (y, m, d) = civil(EPOCH_DAYS + secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The billing period (calendar month) holding simulated time `t`.
fn billing_period(t: SimTime) -> (String, String) {
    let secs = (t / 1_000_000) as i64;
    let (y, m, _) = civil(EPOCH_DAYS + secs.div_euclid(86_400));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (
        format!("{y:04}-{m:02}-01T00:00:00Z"),
        format!("{ny:04}-{nm:02}-01T00:00:00Z"),
    )
}

fn pico(m: Money) -> u128 {
    (m.0 + 500_000) / 1_000_000
}

/// Splits `total` pico-dollars over `weights`, exactly: each share rounded
/// down, the remainder on the last hour with weight.
fn split(total: u128, weights: &[u128]) -> Vec<u128> {
    let sum: u128 = weights.iter().sum();
    if sum == 0 || weights.is_empty() {
        let mut v = vec![0; weights.len().max(1)];
        v[0] = total;
        return v;
    }
    let mut out: Vec<u128> = weights
        .iter()
        .map(|w| total / sum * w + total % sum * w / sum)
        .collect();
    let given: u128 = out.iter().sum();
    if let Some(last) = weights.iter().rposition(|w| *w > 0) {
        out[last] += total - given;
    }
    out
}

/// Each hour's compute cost (pico-dollars) from the time series, as
/// weights; each hour's length when there is no series.
fn compute_weights(run: &PlatformRun, hours: u64) -> Vec<u128> {
    let end = run.end.end;
    let even: Vec<u128> = (0..hours)
        .map(|h| (((h + 1) * HOUR).min(end) - (h * HOUR).min(end)) as u128)
        .collect();
    let Some(series) = &run.series else {
        return even;
    };
    let mut w = vec![0u128; hours as usize];
    let mut previous = Money::ZERO;
    for r in series.rows() {
        // A spool that cannot be read back: the hours fall back to even
        // weights rather than a bill split on part of the series.
        let Ok(r) = r else {
            return even;
        };
        let h = ((r.end.max(1) - 1) / HOUR).min(hours.saturating_sub(1)) as usize;
        if let Some(slot) = w.get_mut(h) {
            *slot += pico(Money(r.cost_cumulative.0.saturating_sub(previous.0)));
        }
        previous = previous.max(r.cost_cumulative);
    }
    if w.iter().all(|x| *x == 0) { even } else { w }
}

/// The FOCUS rows of one platform's run.
pub fn rows(run: &PlatformRun, scenario_name: &str) -> Vec<Row> {
    let spec = &run.spec;
    let end = run.end.end.max(1);
    let hours = end.div_ceil(HOUR).max(1);
    let region = match spec {
        PlatformSpec::Fargate(f) => f.region.clone(),
        PlatformSpec::Ec2(e) => e.region.clone(),
        PlatformSpec::Function(f) => f.profile.region.clone(),
    };
    let weights = compute_weights(run, hours);
    let even: Vec<u128> = (0..hours)
        .map(|h| (((h + 1) * HOUR).min(end) - (h * HOUR).min(end)) as u128)
        .collect();
    let name = spec.name().to_string();
    let mut out = Vec::new();
    let mut push = |hour: u64,
                    cost: u128,
                    quantity: f64,
                    unit: &str,
                    price: Option<f64>,
                    service: &str,
                    category: &str,
                    resource: &str,
                    component: &str,
                    description: &str| {
        out.push(Row {
            cost_pico: cost,
            account: scenario_name.to_string(),
            platform: name.clone(),
            hour,
            end: ((hour + 1) * HOUR).min(end),
            description: description.to_string(),
            quantity,
            unit: unit.to_string(),
            unit_price: price,
            service: service.to_string(),
            category: category.to_string(),
            region: region.clone(),
            resource: resource.to_string(),
            component: component.to_string(),
        });
    };
    // Compute, by component.
    let c = run.cost;
    let t = &run.tally;
    let (service, resource_kind) = match spec {
        PlatformSpec::Fargate(_) => ("AWS Fargate", "tasks"),
        PlatformSpec::Ec2(_) => ("Amazon Elastic Compute Cloud", "instances"),
        PlatformSpec::Function(_) => ("Serverless functions", "functions"),
    };
    let instance_hours = match &run.detail {
        Detail::Cluster(cl) => cl.billed_instance_us as f64 / HOUR as f64,
        _ => 0.0,
    };
    let compute: [(&str, Money, f64, &str); 7] = [
        (
            "vcpu",
            c.vcpu,
            t.cpu_milli_us as f64 / 1e3 / HOUR as f64,
            "vCPU-Hours",
        ),
        (
            "memory",
            c.memory,
            t.memory_mib_us as f64 / 1024.0 / HOUR as f64,
            "GB-Hours",
        ),
        (
            "storage",
            c.storage,
            t.storage_gib_us as f64 / HOUR as f64,
            "GB-Hours",
        ),
        (
            "os_license",
            c.os_license,
            t.cpu_milli_us as f64 / 1e3 / HOUR as f64,
            "vCPU-Hours",
        ),
        ("instances", c.instances, instance_hours, "Hrs"),
        (
            "control_plane",
            c.control_plane,
            end as f64 / HOUR as f64,
            "Hrs",
        ),
        ("requests", c.requests, 0.0, "Requests"),
    ];
    for (component, money, quantity, unit) in compute {
        let total = pico(money);
        if total == 0 {
            continue;
        }
        let (svc, cat) = if component == "control_plane" {
            ("Amazon Elastic Kubernetes Service", "Containers")
        } else {
            (service, "Compute")
        };
        let wsum: u128 = weights.iter().sum::<u128>().max(1);
        for (h, cost) in split(total, &weights).into_iter().enumerate() {
            if cost == 0 {
                continue;
            }
            let share = weights.get(h).copied().unwrap_or(0) as f64 / wsum as f64;
            push(
                h as u64,
                cost,
                quantity * share,
                unit,
                None,
                svc,
                cat,
                &format!("{name}/{resource_kind}"),
                component,
                &format!("{component} of {name}"),
            );
        }
    }
    // Around compute, line by line.
    for l in &run.around {
        around_rows(l, &weights, &even, &mut push);
    }
    out
}

type Push<'a> = dyn FnMut(u64, u128, f64, &str, Option<f64>, &str, &str, &str, &str, &str) + 'a;

fn around_rows(l: &CostLine, weights: &[u128], even: &[u128], push: &mut Push<'_>) {
    let total = pico(l.cost());
    let c = l.component;
    let args = |push: &mut Push<'_>, h: u64, cost: u128, q: f64| {
        push(
            h,
            cost,
            q,
            l.unit,
            Some(l.price.usd()),
            c.service(),
            c.category(),
            &l.resource,
            c.name(),
            &l.description,
        )
    };
    if let Some(h) = l.hour {
        args(push, h, total, l.pricing_quantity());
        return;
    }
    // Always on: evenly; driven by the fleet or the work: like compute.
    let always_on = matches!(
        c,
        Component::EcrStorage | Component::ContainerInsights | Component::HighResolutionMetrics
    ) || l.resource.ends_with("/nat");
    let w = if always_on { even } else { weights };
    let wsum: u128 = w.iter().sum::<u128>().max(1);
    for (h, cost) in split(total, w).into_iter().enumerate() {
        let share = w.get(h).copied().unwrap_or(0) as f64 / wsum as f64;
        if cost > 0 {
            args(push, h as u64, cost, l.pricing_quantity() * share);
        }
    }
}

fn dollars(pico: u128) -> String {
    format!(
        "{}.{:012}",
        pico / 1_000_000_000_000,
        pico % 1_000_000_000_000
    )
}

fn number(x: f64) -> String {
    if x == 0.0 { "0".into() } else { format!("{x}") }
}

/// The CSV text of `rows` (header included).
pub fn csv(rows: &[Row]) -> String {
    let q = crate::io::csv::quote;
    let mut s = COLUMNS.join(",");
    s.push('\n');
    for r in rows {
        let start = r.hour * HOUR;
        let (bp_start, bp_end) = billing_period(start);
        let cost = dollars(r.cost_pico);
        let fields: Vec<String> = vec![
            cost.clone(),
            cost.clone(),
            cost.clone(),
            cost,
            "USD".into(),
            q(&r.account),
            q(&format!("fargate-sim scenario {}", r.account)),
            q(&r.platform),
            q(&r.platform),
            bp_start,
            bp_end,
            timestamp(start),
            timestamp(r.end),
            "Usage".into(),
            "Usage-Based".into(),
            q(&r.description),
            "Standard".into(),
            number(r.quantity),
            q(&r.unit),
            r.unit_price.map(number).unwrap_or_else(|| "".into()),
            number(r.quantity),
            q(&r.unit),
            "Amazon Web Services".into(),
            "Amazon Web Services".into(),
            "Amazon Web Services".into(),
            q(&r.service),
            q(&r.category),
            q(&r.region),
            q(&r.resource),
            q(&r.platform),
            q(&r.component),
        ];
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s
}

/// Checks the rows against the FOCUS column rules this export implements:
/// every column present, the required ones non-null, costs non-negative
/// decimals, timestamps ISO 8601 UTC, a charge period inside its billing
/// period and ending after it starts, the currency a code.
pub fn validate(text: &str) -> Result<usize, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    if header != COLUMNS {
        return Err(format!("columns are {header:?}, expected {COLUMNS:?}"));
    }
    let col = |n: &str| COLUMNS.iter().position(|c| *c == n).unwrap_or(0);
    let nullable = ["ListUnitPrice"];
    let mut n = 0;
    for (i, line) in lines.enumerate() {
        let f = crate::io::csv::split_csv(line);
        let at = |c: &str| format!("row {} column {c}", i + 1);
        if f.len() != COLUMNS.len() {
            return Err(format!(
                "row {} has {} fields, expected {}",
                i + 1,
                f.len(),
                COLUMNS.len()
            ));
        }
        for (k, c) in COLUMNS.iter().enumerate() {
            if f[k].is_empty() && !nullable.contains(c) {
                return Err(format!("{}: required, is null", at(c)));
            }
        }
        for c in [
            "BilledCost",
            "EffectiveCost",
            "ListCost",
            "ContractedCost",
            "PricingQuantity",
            "ConsumedQuantity",
        ] {
            let v: f64 = f[col(c)]
                .parse()
                .map_err(|_| format!("{}: `{}` is not a decimal", at(c), f[col(c)]))?;
            if v < 0.0 || !v.is_finite() {
                return Err(format!("{}: {v} is negative", at(c)));
            }
        }
        let ts = |c: &str| -> Result<String, String> {
            let v = f[col(c)].to_string();
            let ok = v.len() == 20 && v.ends_with('Z') && v.as_bytes()[10] == b'T';
            if ok {
                Ok(v)
            } else {
                Err(format!("{}: `{v}` is not an ISO 8601 UTC timestamp", at(c)))
            }
        };
        let (bs, be, cs, ce) = (
            ts("BillingPeriodStart")?,
            ts("BillingPeriodEnd")?,
            ts("ChargePeriodStart")?,
            ts("ChargePeriodEnd")?,
        );
        if ce <= cs || cs < bs || ce > be {
            return Err(format!(
                "row {}: charge period {cs}..{ce} is empty or outside billing period {bs}..{be}",
                i + 1
            ));
        }
        if f[col("BillingCurrency")].len() != 3 {
            return Err(format!("{}: not an ISO 4217 code", at("BillingCurrency")));
        }
        if !["Usage", "Purchase", "Tax", "Credit", "Adjustment"].contains(&f[col("ChargeCategory")])
        {
            return Err(format!(
                "{}: not a FOCUS charge category",
                at("ChargeCategory")
            ));
        }
        n += 1;
    }
    Ok(n)
}
