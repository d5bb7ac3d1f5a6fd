//! AWS cost data with split cost allocation (`aws-cur`): an AWS Data Exports
//! "CUR 2.0" table exported with *Include split cost allocation data*, as
//! CSV or Parquet (a legacy CUR with `lineItem/ResourceId`-style headers, and
//! a FOCUS export that carries the same columns, read the same way).
//!
//! With split cost allocation, the export has two usage lines per ECS task
//! or Kubernetes pod and per hour, one for vCPU (`…vCPU-Hours`) and one for
//! memory (`…GB-Hours`): `line_item_resource_id` is the task ARN or pod,
//! `line_item_usage_start_date` the hour, `split_line_item_reserved_usage`
//! (else `line_item_usage_amount`) the reserved vCPU-hours or GB-hours in
//! that hour, `split_line_item_split_cost` the cost split to the task and,
//! on EC2, `split_line_item_unused_cost` its part of the instance's idle
//! capacity (`split_line_item_parent_resource_id` names the instance).
//! Source: AWS Data Exports user guide, "Split line item columns"
//! (table-dictionary-cur2-split-line-item) and "Understanding split cost
//! allocation data".
//!
//! Each task's life is rebuilt from its hours: its size is its largest
//! hourly reservation (exact when it ran one full hour), the fraction of its
//! first hour says when it started (0.25 h in the hour: 15 minutes before
//! the hour's end) and the fraction of its last hour when it stopped. The
//! lines are read in one pass and the file is assumed ordered by
//! `line_item_resource_id`, then `line_item_usage_start_date`: only the task
//! being read is held, plus an 8-byte fingerprint of each one finished, so a
//! month of hourly lines takes memory in tasks, not lines. Lines of a task
//! that come back after another task's are a bad row (sort the export
//! first; docs/traces.md gives the command).
//!
//! The same pass adds up the account's real bill per group (the ECS
//! service, else the EKS workload or namespace, from the resource tags): the
//! [`RealBill`] the report sets beside the simulated bill.

use super::adapter::{Adapter, BadRow, FormatParams, Groups, OnBadRow, SkipCounter, task};
use crate::io::table::ParquetFile;
use crate::pricing::Money;
use crate::time::SimTime;
use crate::workload::{Task, TaskStream, WorkloadError};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Microseconds in an hour.
const HOUR_US: i64 = 3_600_000_000;
/// Atto-dollars in a dollar (`Money`'s unit).
const ATTO: u128 = crate::pricing::money::ATTO_PER_USD;

/// The launch type a task ran on, from its usage type and parent instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LaunchType {
    Fargate,
    Ec2,
}

impl LaunchType {
    pub fn name(self) -> &'static str {
        match self {
            LaunchType::Fargate => "FARGATE",
            LaunchType::Ec2 => "EC2",
        }
    }
}

/// What the account paid for one group's tasks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupBill {
    pub tasks: u64,
    /// `split_line_item_split_cost` (Fargate: the line's cost).
    pub split_cost: Money,
    /// `split_line_item_unused_cost`: the group's part of idle EC2 capacity.
    pub unused_cost: Money,
    /// Split plus unused cost of the group's Fargate lines, and of its EC2 lines.
    pub fargate_cost: Money,
    pub ec2_cost: Money,
}

impl GroupBill {
    /// What the group's tasks cost the account: split plus unused cost.
    pub fn total(&self) -> Money {
        self.split_cost + self.unused_cost
    }
}

/// The account's real compute bill for the tasks of the export, by group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RealBill {
    pub groups: BTreeMap<String, GroupBill>,
    /// The hours the task lines cover (µs since 1970, UTC): first start, last end.
    pub from_unix_us: Option<i64>,
    pub until_unix_us: Option<i64>,
    /// Task lines read, and other lines (instances, storage, other services) passed over.
    pub task_lines: u64,
    pub other_lines: u64,
    /// Tasks spanning fewer than three hours (no middle hour to size them):
    /// their size is their largest hourly reservation, exact if they ran a
    /// whole hour, else understated (and their run time overstated); their
    /// vCPU-hours and GB-hours are kept.
    pub sized_from_partial_hour: u64,
    /// The file's last task, when it had no vCPU or no memory line (a bad
    /// row skipped, or a file cut short): left out of the tasks, its cost
    /// kept in the bill.
    pub unsized_tasks: u64,
    /// Tasks whose lines carry `split_line_item_actual_usage`: they have an
    /// average use (no peak) for right-sizing.
    pub tasks_with_actual_usage: u64,
}

impl RealBill {
    pub fn total(&self) -> Money {
        self.groups.values().map(GroupBill::total).sum()
    }

    pub fn tasks(&self) -> u64 {
        self.groups.values().map(|g| g.tasks).sum()
    }

    /// The launch type most of the bill was spent on.
    pub fn launch_type(&self) -> LaunchType {
        let f: Money = self.groups.values().map(|g| g.fargate_cost).sum();
        let e: Money = self.groups.values().map(|g| g.ec2_cost).sum();
        if e > f {
            LaunchType::Ec2
        } else {
            LaunchType::Fargate
        }
    }
}

/// Column roles, in the order of [`Columns`].
const ROLES: [(&str, &str); 14] = [
    ("resource", "line_item_resource_id"),
    ("usage_type", "line_item_usage_type"),
    ("start", "line_item_usage_start_date"),
    ("reserved", "split_line_item_reserved_usage"),
    ("amount", "line_item_usage_amount"),
    ("split_cost", "split_line_item_split_cost"),
    ("unblended", "line_item_unblended_cost"),
    ("unused", "split_line_item_unused_cost"),
    ("parent", "split_line_item_parent_resource_id"),
    ("tags", "resource_tags"),
    ("line_type", "line_item_line_item_type"),
    ("period", "bill_billing_period_start_date"),
    ("end", "line_item_usage_end_date"),
    ("actual", "split_line_item_actual_usage"),
];

/// Flattened tag columns that name a group, best first.
const TAG_COLUMNS: [(&str, &str); 4] = [
    ("resource_tags_aws_ecs_service_name", "aws:ecs:serviceName"),
    (
        "resource_tags_aws_eks_workload_name",
        "aws:eks:workload-name",
    ),
    ("resource_tags_aws_eks_namespace", "aws:eks:namespace"),
    ("resource_tags_aws_ecs_cluster_name", "aws:ecs:clusterName"),
];

/// A header name in the CUR 2.0 spelling: `lineItem/ResourceId` and
/// `line_item_resource_id` both become `line_item_resource_id`.
pub fn normalise(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.trim().trim_matches('"').chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Whether a header (any spelling) is a cost export with split cost allocation.
pub fn is_split_cost_header(names: &[String]) -> bool {
    let n: Vec<String> = names.iter().map(|s| normalise(s)).collect();
    n.iter().any(|c| c == "line_item_resource_id")
        && n.iter().any(|c| c.starts_with("split_line_item_"))
}

/// The column index of each role, and of the group tag columns.
#[derive(Clone, Debug, Default)]
struct Columns {
    role: [Option<usize>; 14],
    tags: [Option<usize>; 4],
}

/// The task being read.
struct OpenTask {
    id: String,
    group: Arc<str>,
    launch: LaunchType,
    first_hour: i64,
    /// The hour being added up, and its vCPU-hours and GB-hours so far.
    hour: i64,
    cpu: f64,
    mem: f64,
    first_cpu: Option<f64>,
    max_cpu: f64,
    max_mem: f64,
    /// `split_line_item_actual_usage` added up (vCPU-hours, GB-hours), and
    /// the reserved hours of the lines that carry it.
    actual_cpu: f64,
    actual_cpu_reserved: f64,
    actual_mem: f64,
    actual_mem_reserved: f64,
}

/// The `aws-cur` adapter.
pub struct SplitCost {
    cols: Columns,
    groups: Groups,
    open: Option<OpenTask>,
    done: HashSet<u64>,
    /// Simulated time 0: the billing period's start (µs since 1970).
    origin: Option<i64>,
    bill: Arc<Mutex<RealBill>>,
    notes: Vec<String>,
}

impl SplitCost {
    pub fn new(_params: &FormatParams) -> SplitCost {
        SplitCost::with_bill(Arc::new(Mutex::new(RealBill::default())))
    }

    /// An adapter that adds the real bill up into `bill`.
    pub fn with_bill(bill: Arc<Mutex<RealBill>>) -> SplitCost {
        SplitCost {
            cols: Columns::default(),
            groups: Groups::default(),
            open: None,
            done: HashSet::new(),
            origin: None,
            bill,
            notes: Vec::new(),
        }
    }

    fn bill(&self) -> std::sync::MutexGuard<'_, RealBill> {
        match self.bill.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Closes the open task into `out`.
    fn close(&mut self, out: &mut Vec<Task>) -> Result<(), BadRow> {
        let Some(mut o) = self.open.take() else {
            return Ok(());
        };
        end_hour(&mut o);
        let hours = o.hour - o.first_hour + 1;
        if o.max_cpu <= 0.0 || o.max_mem <= 0.0 {
            let what = if o.max_cpu <= 0.0 { "vCPU" } else { "memory" };
            return Err(BadRow::new(
                "line_item_resource_id",
                &o.id,
                format!(
                    "a task with no {what} line (each task has a vCPU and a memory line an hour)"
                ),
            ));
        }
        let full_hour = self.full_hour(&o);
        if !full_hour {
            self.bill().sized_from_partial_hour += 1;
        }
        let f_first = (o.first_cpu.unwrap_or(o.cpu) / o.max_cpu).clamp(0.0, 1.0);
        let f_last = (o.cpu / o.max_cpu).clamp(0.0, 1.0);
        let us = |f: f64| (f * HOUR_US as f64).round() as i64;
        let (start, end) = if hours == 1 {
            let end = (o.first_hour + 1) * HOUR_US;
            (end - us(f_first), end)
        } else {
            (
                (o.first_hour + 1) * HOUR_US - us(f_first),
                o.hour * HOUR_US + us(f_last),
            )
        };
        let origin = self.origin.unwrap_or(0);
        let submit = (start - origin).max(0) as SimTime;
        let duration = (end - start).max(0) as SimTime;
        let cpu = super::adapter::size(
            "split_line_item_reserved_usage",
            "",
            round6(o.max_cpu * 1000.0),
        )?;
        let mem = super::adapter::size(
            "split_line_item_reserved_usage",
            "",
            round6(o.max_mem * 1024.0),
        )?;
        let mut t = task(Some(o.id.clone().into()), submit, duration, cpu, mem);
        t.group = Some(o.group.clone());
        t.usage = actual_usage(&o).map(Box::new);
        if t.usage.is_some() {
            self.bill().tasks_with_actual_usage += 1;
        }
        out.push(t);
        let mut bill = self.bill();
        bill.groups.entry(o.group.to_string()).or_default().tasks += 1;
        Ok(())
    }

    /// Whether the task ran a whole hour (its size is then exact).
    fn full_hour(&self, o: &OpenTask) -> bool {
        // The largest hour is full when the task spans three hours or more
        // (a middle hour), or when its first or last hour was whole; with
        // the size taken from the largest hour, that is what we can tell.
        o.hour - o.first_hour >= 2
    }

    fn get<'a>(&self, fields: &[&'a str], role: usize) -> &'a str {
        self.cols.role[role]
            .and_then(|i| fields.get(i).copied())
            .map(|s| s.trim().trim_matches('"'))
            .unwrap_or("")
    }

    fn group(&mut self, fields: &[&str]) -> Arc<str> {
        let mut found: [Option<String>; 4] = Default::default();
        let tags = self.get(fields, 9);
        if !tags.is_empty()
            && let Ok(map) = serde_json::from_str::<BTreeMap<String, String>>(&unquote(tags))
        {
            for (i, (_, key)) in TAG_COLUMNS.iter().enumerate() {
                if let Some(v) = map.get(*key).filter(|v| !v.is_empty()) {
                    found[i] = Some(v.clone());
                }
            }
        }
        for (i, c) in self.cols.tags.iter().enumerate() {
            if found[i].is_none()
                && let Some(v) = c
                    .and_then(|c| fields.get(c))
                    .map(|v| v.trim().trim_matches('"'))
                && !v.is_empty()
            {
                found[i] = Some(v.to_string());
            }
        }
        let name = match found {
            [Some(service), ..] => service,
            [None, Some(workload), Some(ns), _] => format!("{ns}/{workload}"),
            [None, Some(workload), None, _] => workload,
            [None, None, Some(ns), _] => ns,
            [None, None, None, Some(cluster)] => cluster,
            _ => "(untagged)".to_string(),
        };
        self.groups.get(&name)
    }
}

/// A task's average use from `split_line_item_actual_usage`: the used
/// vCPU-hours (GB-hours) over the hours they cover, those hours being the
/// reserved vCPU-hours (GB-hours) of the same lines over the task's size.
/// Time-weighted over its hours; the CUR has no peak, so the usage is
/// averages only. None unless both a vCPU and a memory line carry it.
fn actual_usage(o: &OpenTask) -> Option<crate::workload::Usage> {
    if o.actual_cpu_reserved <= 0.0 || o.actual_mem_reserved <= 0.0 {
        return None;
    }
    let vcpu = o.actual_cpu * o.max_cpu / o.actual_cpu_reserved;
    let gb = o.actual_mem * o.max_mem / o.actual_mem_reserved;
    let up = |v: f64| round6(v).ceil().clamp(0.0, u32::MAX as f64) as u32;
    Some(crate::workload::Usage::averages_only(
        up(vcpu * 1000.0),
        up(gb * 1024.0),
    ))
}

/// CSV doubles a quote inside a quoted field; a cell read whole may still carry them.
fn unquote(s: &str) -> String {
    s.replace("\"\"", "\"")
}

/// Rounds away float noise below a millionth before sizes are rounded up.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn end_hour(o: &mut OpenTask) {
    if o.first_cpu.is_none() {
        o.first_cpu = Some(o.cpu);
    }
    o.max_cpu = o.max_cpu.max(o.cpu);
    o.max_mem = o.max_mem.max(o.mem);
}

fn fingerprint(id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// A UTC time (`2026-11-01T10:00:00Z`, `2026-11-01 10:00:00.000`,
/// `…+00:00`) in µs since 1970.
pub fn parse_utc(column: &'static str, text: &str) -> Result<i64, BadRow> {
    let bad = || {
        BadRow::new(
            column,
            text,
            format!("{column}: not a UTC time such as 2026-11-01T10:00:00Z"),
        )
    };
    let s = text.trim().trim_matches('"');
    let s = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix("+00:00"))
        .or_else(|| s.strip_suffix(" UTC"))
        .unwrap_or(s);
    if s.len() < 10 || !s.is_char_boundary(10) {
        return Err(bad());
    }
    let (date, time) = s.split_at(10);
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3 {
        return Err(bad());
    }
    let num = |v: &str| v.parse::<i64>().map_err(|_| bad());
    let (y, m, day) = (num(d[0])?, num(d[1])?, num(d[2])?);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let time = time.trim_start_matches(['T', ' ']);
    let (mut hh, mut mm, mut ss_us) = (0, 0, 0i64);
    if !time.is_empty() {
        let t: Vec<&str> = time.split(':').collect();
        if t.len() < 2 || t.len() > 3 {
            return Err(bad());
        }
        hh = num(t[0])?;
        mm = num(t[1])?;
        if let Some(sec) = t.get(2) {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let frac6: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
            ss_us = num(whole)? * 1_000_000 + if frac.is_empty() { 0 } else { num(&frac6)? };
        }
        if hh > 23 || mm > 59 || ss_us >= 61_000_000 {
            return Err(bad());
        }
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400_000_000 + hh * HOUR_US + mm * 60_000_000 + ss_us)
}

/// The first instant of the month of `t` (µs since 1970, UTC).
fn month_start(t: i64) -> i64 {
    let days = t.div_euclid(86_400_000_000);
    // Civil date from days (the inverse of the above).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    (days - (day - 1)) * 86_400_000_000
}

/// A cost cell in dollars, exactly (a decimal, or a float with an exponent).
pub fn parse_usd(column: &'static str, text: &str) -> Result<Money, BadRow> {
    let s = text.trim().trim_matches('"');
    if s.is_empty() {
        return Ok(Money::ZERO);
    }
    let bad = |why: &str| BadRow::new(column, text, format!("{column}: {why}"));
    if s.starts_with('-') {
        let v: f64 = s.parse().map_err(|_| bad("not a number"))?;
        if v == 0.0 {
            return Ok(Money::ZERO);
        }
        return Err(bad(
            "negative (a credit or refund line is not a task's cost)",
        ));
    }
    if s.contains(['e', 'E']) {
        let v: f64 = s.parse().map_err(|_| bad("not a number"))?;
        if !v.is_finite() || v > 1e12 {
            return Err(bad("not a finite amount"));
        }
        return Ok(Money((v * ATTO as f64).round() as u128));
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if !(digits(whole) || whole.is_empty() && digits(frac)) || !(frac.is_empty() || digits(frac)) {
        return Err(bad("not a number"));
    }
    if whole.len() > 12 {
        return Err(bad("absurdly large"));
    }
    let w: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad("not a number"))?
    };
    let f18: String = frac
        .chars()
        .chain(std::iter::repeat('0'))
        .take(18)
        .collect();
    let f: u128 = f18.parse().map_err(|_| bad("not a number"))?;
    // Digits past 18 (below an atto-dollar) round half up.
    let up = frac.as_bytes().get(18).is_some_and(|b| *b >= b'5') as u128;
    Ok(Money(w * ATTO + f + up))
}

fn usage(column: &'static str, text: &str) -> Result<f64, BadRow> {
    let v = super::adapter::num(column, text)?;
    if v < 0.0 {
        return Err(BadRow::new(column, text, format!("negative {column}")));
    }
    Ok(v)
}

impl Adapter for SplitCost {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let names: Vec<String> = fields.iter().map(|f| normalise(f)).collect();
        let mut ignored = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if let Some(r) = ROLES.iter().position(|(_, c)| c == n) {
                self.cols.role[r].get_or_insert(i);
            } else if let Some(t) = TAG_COLUMNS.iter().position(|(c, _)| c == n) {
                self.cols.tags[t].get_or_insert(i);
            } else {
                ignored.push(fields[i].trim().to_string());
            }
        }
        let missing: Vec<&str> = [0usize, 1, 2]
            .iter()
            .filter(|r| self.cols.role[**r].is_none())
            .map(|r| ROLES[*r].1)
            .chain(
                (self.cols.role[3].is_none() && self.cols.role[4].is_none())
                    .then_some("split_line_item_reserved_usage (or line_item_usage_amount)"),
            )
            .chain(
                (self.cols.role[5].is_none() && self.cols.role[6].is_none())
                    .then_some("split_line_item_split_cost (or line_item_unblended_cost)"),
            )
            .collect();
        if !missing.is_empty() {
            return Err(WorkloadError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "an AWS cost export (aws-cur) needs the column(s) {}; export CUR 2.0 from Data Exports with \"Include resource IDs\" and \"Include split cost allocation data\" (docs/traces.md)",
                    missing.join(", ")
                ),
            });
        }
        if !ignored.is_empty() {
            self.notes.push(format!(
                "{}: {} column(s) of the cost export not used by the simulation (e.g. {})",
                path.display(),
                ignored.len(),
                ignored
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(true)
    }

    fn row(&mut self, fields: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        let usage_type = self.get(fields, 1).to_ascii_lowercase();
        let line_type = self.get(fields, 10);
        let is_cpu = usage_type.contains("vcpu-hours");
        let is_mem = usage_type.contains("gb-hours");
        let container = usage_type.contains("fargate")
            || usage_type.contains("ecs-ec2")
            || usage_type.contains("eks-ec2");
        let usage_line = line_type.is_empty()
            || matches!(
                line_type,
                "Usage" | "DiscountedUsage" | "SavingsPlanCoveredUsage"
            );
        let id = self.get(fields, 0);
        if !(container && (is_cpu || is_mem) && usage_line) || id.is_empty() {
            self.bill().other_lines += 1;
            return Ok(());
        }
        let start = parse_utc("line_item_usage_start_date", self.get(fields, 2))?;
        let hour = start.div_euclid(HOUR_US);
        let reserved = match self.get(fields, 3) {
            "" => usage("line_item_usage_amount", self.get(fields, 4))?,
            v => usage("split_line_item_reserved_usage", v)?,
        };
        let actual = match self.get(fields, 13) {
            "" => None,
            v => Some(usage("split_line_item_actual_usage", v)?),
        };
        let split = match self.get(fields, 5) {
            "" => parse_usd("line_item_unblended_cost", self.get(fields, 6))?,
            v => parse_usd("split_line_item_split_cost", v)?,
        };
        let unused = parse_usd("split_line_item_unused_cost", self.get(fields, 7))?;
        let parent = self.get(fields, 8);
        let launch = if !parent.is_empty() || usage_type.contains("-ec2-") {
            LaunchType::Ec2
        } else {
            LaunchType::Fargate
        };
        let origin = match self.origin {
            Some(o) => o,
            None => {
                let o = match self.get(fields, 11) {
                    "" => month_start(start),
                    p => parse_utc("bill_billing_period_start_date", p)?,
                };
                self.origin = Some(o);
                o
            }
        };
        if start < origin {
            return Err(BadRow::new(
                "line_item_usage_start_date",
                self.get(fields, 2),
                "a line before the billing period of the file's first line (export one billing period per file)",
            ));
        }
        let same = self.open.as_ref().is_some_and(|o| o.id == id);
        // Close the task before, then check the new one was not seen already.
        let mut closing = Ok(());
        if !same {
            if let Some(o) = &self.open {
                self.done.insert(fingerprint(&o.id));
            }
            closing = self.close(out);
            if self.done.contains(&fingerprint(id)) {
                return Err(BadRow::new(
                    "line_item_resource_id",
                    id,
                    "lines of a task not together: sort the export by line_item_resource_id, then line_item_usage_start_date (docs/traces.md)",
                ));
            }
            let group = self.group(fields);
            self.open = Some(OpenTask {
                id: id.to_string(),
                group,
                launch,
                first_hour: hour,
                hour,
                cpu: 0.0,
                mem: 0.0,
                first_cpu: None,
                max_cpu: 0.0,
                max_mem: 0.0,
                actual_cpu: 0.0,
                actual_cpu_reserved: 0.0,
                actual_mem: 0.0,
                actual_mem_reserved: 0.0,
            });
        }
        let (group, launch) = {
            let o = self.open.as_mut().expect("opened above");
            if hour < o.hour {
                return Err(BadRow::new(
                    "line_item_usage_start_date",
                    self.get(fields, 2),
                    "a task's hours out of order: sort the export by line_item_resource_id, then line_item_usage_start_date",
                ));
            }
            if hour > o.hour {
                end_hour(o);
                o.hour = hour;
                o.cpu = 0.0;
                o.mem = 0.0;
            }
            if is_cpu {
                o.cpu += reserved;
            } else {
                o.mem += reserved;
            }
            if let Some(a) = actual {
                if is_cpu {
                    o.actual_cpu += a;
                    o.actual_cpu_reserved += reserved;
                } else {
                    o.actual_mem += a;
                    o.actual_mem_reserved += reserved;
                }
            }
            if launch == LaunchType::Ec2 {
                o.launch = LaunchType::Ec2;
            }
            (o.group.to_string(), o.launch)
        };
        let mut bill = self.bill();
        bill.task_lines += 1;
        let end = start - start.rem_euclid(HOUR_US) + HOUR_US;
        bill.from_unix_us = Some(bill.from_unix_us.map_or(start, |f| f.min(start)));
        bill.until_unix_us = Some(bill.until_unix_us.map_or(end, |u| u.max(end)));
        let g = bill.groups.entry(group).or_default();
        g.split_cost += split;
        g.unused_cost += unused;
        match launch {
            LaunchType::Fargate => g.fargate_cost += split + unused,
            LaunchType::Ec2 => g.ec2_cost += split + unused,
        }
        drop(bill);
        closing
    }

    fn finish(&mut self, out: &mut Vec<Task>) {
        // A last task without a vCPU or memory line cannot be sized: it is
        // left out of the tasks and counted (its cost stays in the bill).
        if self.close(out).is_err() {
            self.bill().unsized_tasks += 1;
        }
    }

    fn notes(&self) -> Vec<String> {
        let mut n = self.notes.clone();
        if self.cols.role[13].is_some() {
            n.push("aws-cur: split_line_item_actual_usage gives each task its average vCPU and memory use over its hours; the export has no peak, so a rightsizing policy at \"max\" keeps the request of such tasks and one at \"avg\" judges kills against the average (a lower bound)".into());
        }
        n.push("aws-cur: lines are read in the order of line_item_resource_id, then line_item_usage_start_date; a task's size is its largest hourly reservation (exact when it ran a whole hour)".into());
        n
    }
}

/// Rows read from a Parquet file at a time.
const CHUNK_ROWS: usize = 64 * 1024;

/// A Parquet export read in chunks through the same adapter.
struct ParquetLines {
    path: std::path::PathBuf,
    file: ParquetFile,
    columns: Vec<String>,
    rows: usize,
    offset: usize,
    adapter: Box<SplitCost>,
    on_bad_row: OnBadRow,
    skipped: SkipCounter,
    pending: VecDeque<Task>,
    done: bool,
    failed: bool,
}

/// Opens a Parquet export through the adapter, adding the real bill up
/// into `bill`: the task stream and the notes on the columns.
pub fn open_parquet(
    path: &Path,
    bill: Arc<Mutex<RealBill>>,
    on_bad_row: OnBadRow,
    skipped: &SkipCounter,
) -> Result<(TaskStream, Vec<String>), WorkloadError> {
    let mut adapter = Box::new(SplitCost::with_bill(bill));
    let read_err = |e: crate::io::table::ReadError| WorkloadError::Format {
        path: path.to_path_buf(),
        message: format!("cannot read the Parquet cost export: {e}"),
    };
    let file = ParquetFile::open(path).map_err(read_err)?;
    let probe = file
        .read(file.names(), 0, file.rows().min(1))
        .map_err(read_err)?;
    let mut columns = Vec::new();
    let mut unreadable = Vec::new();
    for n in file.names() {
        let norm = normalise(n);
        let known =
            ROLES.iter().any(|(_, c)| *c == norm) || TAG_COLUMNS.iter().any(|(c, _)| *c == norm);
        if !known {
            continue;
        }
        if probe.text(n).is_ok() {
            columns.push(n.clone());
        } else {
            unreadable.push(n.clone());
        }
    }
    let refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    adapter.header(path, &refs)?;
    let mut notes = adapter.notes();
    let ignored = file.names().len() - columns.len() - unreadable.len();
    if ignored > 0 {
        notes.push(format!(
            "{}: {ignored} column(s) of the cost export not used by the simulation",
            path.display()
        ));
    }
    if !unreadable.is_empty() {
        notes.push(format!(
            "{}: column(s) {} could not be read as text (a map column: export the tags flattened, e.g. resource_tags_aws_ecs_service_name, to group tasks by service)",
            path.display(),
            unreadable.join(", ")
        ));
    }
    let stream = ParquetLines {
        path: path.to_path_buf(),
        rows: file.rows(),
        file,
        columns,
        offset: 0,
        adapter,
        on_bad_row,
        skipped: skipped.clone(),
        pending: VecDeque::new(),
        done: false,
        failed: false,
    };
    Ok((Box::new(stream) as TaskStream, notes))
}

impl ParquetLines {
    fn chunk(&mut self) -> Result<(), WorkloadError> {
        let len = CHUNK_ROWS.min(self.rows - self.offset);
        let table = self
            .file
            .read(&self.columns, self.offset, len)
            .map_err(|e| WorkloadError::Format {
                path: self.path.clone(),
                message: format!("cannot read the Parquet cost export: {e}"),
            })?;
        let texts: Vec<crate::io::table::Text> = self
            .columns
            .iter()
            .map(|c| table.text(c))
            .collect::<Result<_, _>>()
            .map_err(|e| WorkloadError::Format {
                path: self.path.clone(),
                message: format!("cannot read the Parquet cost export: {}", e.0),
            })?;
        let values: Vec<Vec<Option<&str>>> = texts.iter().map(|t| t.values()).collect();
        let mut out = Vec::new();
        for r in 0..len {
            let fields: Vec<&str> = values.iter().map(|v| v[r].unwrap_or("")).collect();
            match self.adapter.row(&fields, &mut out) {
                Ok(()) => {}
                Err(b) => match self.on_bad_row {
                    OnBadRow::Skip => self.skipped.add(&b.reason),
                    OnBadRow::Error => {
                        return Err(WorkloadError::BadValue {
                            path: self.path.clone(),
                            line: (self.offset + r + 1) as u64,
                            column: b.column,
                            value: b.value,
                            expected: format!(
                                "{} (set workload.on_bad_row = \"skip\" to skip such rows and count them)",
                                b.reason
                            ),
                        });
                    }
                },
            }
            self.pending.extend(out.drain(..));
        }
        self.offset += len;
        Ok(())
    }
}

impl crate::workload::TaskSource for ParquetLines {}

impl Iterator for ParquetLines {
    type Item = Result<Task, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(t) = self.pending.pop_front() {
                return Some(Ok(t));
            }
            if self.failed || self.done {
                return None;
            }
            if self.offset >= self.rows {
                self.done = true;
                let mut out = Vec::new();
                self.adapter.finish(&mut out);
                self.pending.extend(out);
                continue;
            }
            if let Err(e) = self.chunk() {
                self.failed = true;
                return Some(Err(e));
            }
        }
    }
}
