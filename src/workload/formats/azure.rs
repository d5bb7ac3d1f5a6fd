//! Azure public traces (github.com/Azure/AzurePublicDataset).
//!
//! - `azure-llm-2023`: `TIMESTAMP,ContextTokens,GeneratedTokens`, one LLM
//!   inference request per row. Each request becomes a task submitted at its
//!   timestamp (relative to the first row) and running for
//!   `llm_overhead + context × llm_prefill_per_token + generated ×
//!   llm_decode_per_token`, sized `request_cpu` × `request_memory`.
//! - `azure-functions-2021`: `app,func,end_timestamp,duration` (seconds from
//!   the start of the trace), one invocation per row, submitted at
//!   `end_timestamp − duration`.
//! - `azure-functions-2019`: `invocations_per_function_md.anon.dNN.csv`
//!   (`HashOwner,HashApp,HashFunction,Trigger,1,…,1440`: invocations per
//!   minute of the day). Each invocation becomes a task, spread evenly over
//!   its minute, running for the function's average duration (ms, from
//!   `durations_file`, `function_durations_percentiles.anon.dNN.csv`) with
//!   its app's average allocated memory (MB, from `memory_file`,
//!   `app_memory_percentiles.anon.dNN.csv`, else `request_memory`).

use super::adapter::{Adapter, BadRow, FormatParams, Groups, field, num, seconds, size, task};
use crate::time::SimTime;
use crate::workload::text::TextLines;
use crate::workload::{Task, WorkloadError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Microseconds since 1970-01-01 of `YYYY-MM-DD HH:MM:SS[.fraction]`.
pub fn parse_datetime_us(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, time) = t.split_once([' ', 'T'])?;
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d.next().is_some() || !(1..=12).contains(&m) || day < 1 || day > month_days[(m - 1) as usize]
    {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut p = hms.split(':');
    // Unsigned: a sign is not part of a time of day.
    let h = p.next()?.parse::<u32>().ok()? as i64;
    let mi = p.next()?.parse::<u32>().ok()? as i64;
    let s = p.next()?.parse::<u32>().ok()? as i64;
    if p.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let micros: i64 = format!("{:0<6}", &frac[..frac.len().min(6)]).parse().ok()?;
    // Days from the civil date (proleptic Gregorian), after H. Hinnant.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000) + micros)
}

pub struct Llm2023 {
    origin: Option<i64>,
    cpu_milli: u32,
    memory_mib: u32,
    overhead: SimTime,
    prefill: SimTime,
    decode: SimTime,
    group: Arc<str>,
}

impl Llm2023 {
    pub fn new(p: &FormatParams) -> Llm2023 {
        Llm2023 {
            origin: None,
            cpu_milli: p.request_cpu_milli,
            memory_mib: p.request_memory_mib.unwrap_or(2048),
            overhead: p.llm_overhead_us,
            prefill: p.llm_prefill_us_per_token,
            decode: p.llm_decode_us_per_token,
            group: Arc::from("llm"),
        }
    }
}

fn tokens(column: &'static str, v: &str) -> Result<u64, BadRow> {
    let n = num(column, v)?;
    if n < 0.0 || n.fract() != 0.0 {
        return Err(BadRow::new(
            column,
            v,
            format!("{column} is not a whole number ≥ 0"),
        ));
    }
    Ok(n as u64)
}

impl Adapter for Llm2023 {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let names: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
        if names != ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] {
            return Err(WorkloadError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "azure-llm-2023 expects the header TIMESTAMP,ContextTokens,GeneratedTokens; found {}",
                    names.join(",")
                ),
            });
        }
        Ok(true)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        let ts_v = field(f, 0, "TIMESTAMP")?;
        let ts = parse_datetime_us(ts_v).ok_or_else(|| {
            BadRow::new(
                "TIMESTAMP",
                ts_v,
                "TIMESTAMP is not `YYYY-MM-DD HH:MM:SS.fffffff`",
            )
        })?;
        let origin = *self.origin.get_or_insert(ts);
        if ts < origin {
            return Err(BadRow::new(
                "TIMESTAMP",
                ts_v,
                "earlier than the first request",
            ));
        }
        let context = tokens("ContextTokens", field(f, 1, "ContextTokens")?)?;
        let generated = tokens("GeneratedTokens", field(f, 2, "GeneratedTokens")?)?;
        let duration = self
            .overhead
            .saturating_add(context.saturating_mul(self.prefill))
            .saturating_add(generated.saturating_mul(self.decode))
            .min(crate::time::MAX_SPAN);
        let mut t = task(
            None,
            (ts - origin) as u64,
            duration,
            self.cpu_milli,
            self.memory_mib,
        );
        t.group = Some(self.group.clone());
        out.push(t);
        Ok(())
    }
}

pub struct Functions2021 {
    cpu_milli: u32,
    memory_mib: u32,
    apps: Groups,
    cols: [usize; 4],
}

impl Functions2021 {
    pub fn new(p: &FormatParams) -> Functions2021 {
        Functions2021 {
            cpu_milli: p.request_cpu_milli,
            memory_mib: p.request_memory_mib.unwrap_or(2048),
            apps: Groups::default(),
            cols: [0, 1, 2, 3],
        }
    }
}

impl Adapter for Functions2021 {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let names: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
        let mut cols = [0; 4];
        for (k, n) in ["app", "func", "end_timestamp", "duration"]
            .iter()
            .enumerate()
        {
            cols[k] = names
                .iter()
                .position(|x| x == n)
                .ok_or_else(|| WorkloadError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "azure-functions-2021 needs a `{n}` column; the header has: {}",
                        names.join(", ")
                    ),
                })?;
        }
        self.cols = cols;
        Ok(true)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        let [app, func, end_c, dur_c] = self.cols;
        let end_v = field(f, end_c, "end_timestamp")?;
        let dur_v = field(f, dur_c, "duration")?;
        let end = num("end_timestamp", end_v)?;
        let dur = num("duration", dur_v)?;
        if dur < 0.0 {
            return Err(BadRow::new("duration", dur_v, "negative duration"));
        }
        if end - dur < 0.0 {
            return Err(BadRow::new(
                "end_timestamp",
                end_v,
                "starts before the trace (end − duration < 0)",
            ));
        }
        let mut t = task(
            Some(field(f, func, "func")?.trim().into()),
            seconds("end_timestamp", end_v, end - dur)?,
            seconds("duration", dur_v, dur)?,
            self.cpu_milli,
            self.memory_mib,
        );
        t.group = Some(self.apps.get(field(f, app, "app")?.trim()));
        out.push(t);
        Ok(())
    }
}

pub struct Functions2019 {
    cpu_milli: u32,
    default_memory_mib: Option<u32>,
    /// Average duration (µs) by (owner, app, function).
    durations: HashMap<(String, String, String), SimTime>,
    /// Average allocated memory (MiB) by (owner, app).
    memory: HashMap<(String, String), u32>,
    apps: Groups,
    minutes: usize,
    notes: Vec<String>,
}

/// Reads a CSV with a header into rows of (column name → value).
fn read_table(
    path: &Path,
    key_cols: &[&str],
    value_col: &str,
) -> Result<Vec<(Vec<String>, f64)>, WorkloadError> {
    let mut lines = TextLines::open(path)?;
    let header: Vec<String> = match lines.next_line() {
        Some(r) => crate::io::csv::split_csv(r?.1)
            .iter()
            .map(|s| s.to_string())
            .collect(),
        None => Vec::new(),
    };
    let find = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .ok_or_else(|| WorkloadError::Format {
                path: path.to_path_buf(),
                message: format!("no `{n}` column (found: {})", header.join(", ")),
            })
    };
    let keys: Vec<usize> = key_cols.iter().map(|k| find(k)).collect::<Result<_, _>>()?;
    let value = find(value_col)?;
    let mut out = Vec::new();
    while let Some(r) = lines.next_line() {
        let (line, text) = r?;
        if text.trim().is_empty() {
            continue;
        }
        let f = crate::io::csv::split_csv(text);
        let v: f64 = f
            .get(value)
            .and_then(|v| v.trim().parse().ok())
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| WorkloadError::BadValue {
                path: path.to_path_buf(),
                line,
                column: "value",
                value: f.get(value).unwrap_or(&"").to_string(),
                expected: format!("`{value_col}` should be a number ≥ 0"),
            })?;
        let k: Vec<String> = keys
            .iter()
            .map(|i| f.get(*i).unwrap_or(&"").trim().to_string())
            .collect();
        out.push((k, v));
    }
    Ok(out)
}

impl Functions2019 {
    pub fn new(p: &FormatParams) -> Result<Functions2019, WorkloadError> {
        let mut durations = HashMap::new();
        let mut notes = Vec::new();
        match &p.durations_file {
            Some(path) => {
                for (k, ms) in
                    read_table(path, &["HashOwner", "HashApp", "HashFunction"], "Average")?
                {
                    let [o, a, f]: [String; 3] = k.try_into().expect("three keys");
                    durations.insert((o, a, f), (ms * 1000.0).round() as SimTime);
                }
            }
            None => {
                return Err(WorkloadError::Format {
                    path: std::path::PathBuf::from("(scenario)"),
                    message: "azure-functions-2019 needs workload.options.durations_file (function_durations_percentiles.anon.dNN.csv of the same day)".into(),
                });
            }
        }
        let mut memory = HashMap::new();
        if let Some(path) = &p.memory_file {
            for (k, mb) in read_table(path, &["HashOwner", "HashApp"], "AverageAllocatedMb")? {
                let [o, a]: [String; 2] = k.try_into().expect("two keys");
                memory.insert((o, a), mb.ceil().max(1.0) as u32);
            }
        } else {
            notes.push(format!(
                "azure-functions-2019: no memory_file, every invocation gets request_memory ({} MiB)",
                p.request_memory_mib.unwrap_or(2048)
            ));
        }
        Ok(Functions2019 {
            cpu_milli: p.request_cpu_milli,
            default_memory_mib: p.request_memory_mib,
            durations,
            memory,
            apps: Groups::default(),
            minutes: 0,
            notes,
        })
    }
}

impl Adapter for Functions2019 {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let names: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
        if names.len() < 5
            || names[..4] != ["HashOwner", "HashApp", "HashFunction", "Trigger"]
            || names[4] != "1"
        {
            return Err(WorkloadError::Format {
                path: path.to_path_buf(),
                message: "azure-functions-2019 expects the header HashOwner,HashApp,HashFunction,Trigger,1,2,…,1440".into(),
            });
        }
        self.minutes = names.len() - 4;
        Ok(true)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        if f.len() < 4 + self.minutes {
            return Err(BadRow::new(
                "(row)",
                "",
                format!(
                    "{} fields where the header has {}",
                    f.len(),
                    4 + self.minutes
                ),
            ));
        }
        let (o, a, func) = (f[0].trim(), f[1].trim(), f[2].trim());
        let key = (o.to_string(), a.to_string(), func.to_string());
        let duration = *self.durations.get(&key).ok_or_else(|| {
            BadRow::new("HashFunction", func, "function not in the durations file")
        })?;
        let memory = match self.memory.get(&(key.0.clone(), key.1.clone())) {
            Some(m) => *m,
            None => self.default_memory_mib.unwrap_or(2048),
        };
        let memory = size("memory", "", memory as f64)?;
        let group = self.apps.get(a);
        for m in 0..self.minutes {
            let v = f[4 + m];
            let n = num("invocations", v)?;
            if n < 0.0 || n.fract() != 0.0 {
                return Err(BadRow::new(
                    "invocations",
                    v,
                    "invocation count is not a whole number ≥ 0",
                ));
            }
            if n > 1e6 {
                return Err(BadRow::new(
                    "invocations",
                    v,
                    "more than 1,000,000 invocations in a minute",
                ));
            }
            let n = n as u64;
            for i in 0..n {
                // Spread evenly over the minute: (i + ½) / n of the way through.
                let submit = m as u64 * 60_000_000 + (2 * i + 1) * 60_000_000 / (2 * n);
                let mut t = task(Some(func.into()), submit, duration, self.cpu_milli, memory);
                t.group = Some(group.clone());
                out.push(t);
            }
        }
        Ok(())
    }

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_parse_to_microseconds() {
        assert_eq!(parse_datetime_us("1970-01-01 00:00:00"), Some(0));
        assert_eq!(
            parse_datetime_us("1970-01-02 00:00:01.5"),
            Some(86_401_500_000)
        );
        let a = parse_datetime_us("2023-11-16 18:17:03.9799600").unwrap();
        let b = parse_datetime_us("2023-11-16 18:17:04.0319600").unwrap();
        assert_eq!(b - a, 52_000);
        // 2023-11-16 is day 19677 since the epoch.
        assert_eq!(a / 86_400_000_000, 19_677);
        assert_eq!(parse_datetime_us("2023-02-30x"), None);
        assert_eq!(parse_datetime_us("2023-13-01 00:00:00"), None);
        assert_eq!(parse_datetime_us("2023-02-29 00:00:00"), None);
        assert!(parse_datetime_us("2024-02-29 00:00:00").is_some());
        assert_eq!(parse_datetime_us("2023-01-01 -1:00:00"), None);
    }
}
