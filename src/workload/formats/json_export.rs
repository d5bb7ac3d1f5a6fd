//! Reading the JSON an account exports (`aws ecs describe-tasks`, archived
//! EventBridge events, `kubectl get … -o json`): JSON lines (one value a
//! line, streamed) or one JSON document (read whole, up to
//! [`DOCUMENT_LIMIT_BYTES`]), gzip-compressed or not; UTC timestamps and
//! Kubernetes quantities.

use crate::workload::WorkloadError;
use crate::workload::text::TextLines;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// The largest single JSON document read (uncompressed bytes). A month of
/// events is archived as JSON lines, which are streamed whatever their size.
pub const DOCUMENT_LIMIT_BYTES: u64 = 512 * 1024 * 1024;

/// Calls `each(record, value)` for each top-level JSON value: each line of a
/// JSON-lines file (record = its line number), or the one document (record
/// 1). A line that is not JSON is passed as `Err(message)`; a document
/// that is not JSON, or over the size limit, is an error.
pub fn each_value(
    path: &Path,
    mut each: impl FnMut(u64, Result<Value, String>) -> Result<(), WorkloadError>,
) -> Result<(), WorkloadError> {
    let mut lines = TextLines::open(path)?;
    // The first non-blank line tells: a whole value on it means JSON lines.
    let mut first: Option<(u64, String)> = None;
    while let Some(r) = lines.next_line() {
        let (n, text) = r?;
        if !text.trim().is_empty() {
            first = Some((n, text.to_string()));
            break;
        }
    }
    let Some((n, text)) = first else {
        return Ok(());
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => {
            each(n, Ok(v))?;
            while let Some(r) = lines.next_line() {
                let (n, text) = r?;
                if text.trim().is_empty() {
                    continue;
                }
                each(
                    n,
                    serde_json::from_str::<Value>(text).map_err(|e| format!("not JSON: {e}")),
                )?;
            }
            Ok(())
        }
        // Not a whole value on one line: one document, or not JSON at all
        // (an error for the file, whatever the bad-row policy).
        Err(_) => each(1, Ok(read_document(path)?)),
    }
}

/// Reads `path` as one JSON document, refusing one over the size limit.
fn read_document(path: &Path) -> Result<Value, WorkloadError> {
    let io = |source| WorkloadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let gz = crate::workload::text::is_gzip(path)?;
    let file = std::fs::File::open(path).map_err(io)?;
    let raw: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut text = String::new();
    raw.take(DOCUMENT_LIMIT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > DOCUMENT_LIMIT_BYTES {
        return Err(WorkloadError::Format {
            path: path.to_path_buf(),
            message: format!(
                "a single JSON document over {} MiB; write it as JSON lines (one task, pod or event a line, e.g. `jq -c '.tasks[]'` or `jq -c '.items[]'`), which are read as a stream",
                DOCUMENT_LIMIT_BYTES / (1024 * 1024)
            ),
        });
    }
    let text = text.trim_start_matches('\u{feff}');
    serde_json::from_str(text).map_err(|e| WorkloadError::Format {
        path: path.to_path_buf(),
        message: format!("not JSON lines and not one JSON document: {e}"),
    })
}

/// Whether the first 64 KiB of `path` look like JSON, and if so the text.
pub fn sniff(path: &Path) -> Result<Option<String>, WorkloadError> {
    let mut lines = TextLines::open(path)?;
    let mut head = String::new();
    while let Some(r) = lines.next_line() {
        let (_, text) = r?;
        // Text before anything but `{` or `[`: not JSON; stop at once.
        if head.trim().is_empty() && !text.trim().is_empty() {
            let t = text.trim_start();
            if !(t.starts_with('{') || t.starts_with('[')) {
                return Ok(None);
            }
        }
        head.push_str(text);
        head.push('\n');
        if head.len() > 64 * 1024 {
            break;
        }
    }
    let t = head.trim_start();
    Ok((t.starts_with('{') || t.starts_with('[')).then_some(head))
}

/// A timestamp in microseconds since 1970-01-01 UTC: RFC 3339 text
/// (`2026-11-30T15:48:29.123Z`, `…-07:00`, as the AWS CLI and Kubernetes
/// print) or a number of seconds since the epoch (the raw ECS API).
pub fn timestamp_us(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => {
            let s = n
                .as_f64()
                .filter(|s| s.is_finite() && s.abs() < 1e11)
                .ok_or_else(|| format!("`{n}` is not a time"))?;
            Ok((s * 1e6).round() as i64)
        }
        Value::String(s) => rfc3339_us(s),
        other => Err(format!("`{other}` is not a time")),
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (a space may replace `T`).
pub fn rfc3339_us(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}`: expected a UTC time such as 2026-11-30T15:48:29.123Z");
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let int = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let (y, mo, d) = (int(&t[0..4])?, int(&t[5..7])?, int(&t[8..10])?);
    let (h, mi, s) = (int(&t[11..13])?, int(&t[14..16])?, int(&t[17..19])?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return Err(bad());
    }
    let mut rest = &t[19..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad());
        }
        let mut scaled = 0i64;
        for (i, c) in frac[..digits].chars().enumerate() {
            if i < 6 {
                scaled = scaled * 10 + c.to_digit(10).unwrap_or(0) as i64;
            }
        }
        for _ in digits..6 {
            scaled *= 10;
        }
        micros = scaled;
        rest = &frac[digits..];
    }
    let offset_s = match rest {
        "Z" | "z" | "" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (int(&o[1..3])? * 3600 + int(&o[4..6])? * 60)
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(y, mo, d);
    Ok(((days * 86_400 + h * 3600 + mi * 60 + s - offset_s) * 1_000_000) + micros)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Microseconds since the epoch as RFC 3339 UTC text (for notes).
pub fn format_utc(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// The text of a scalar (`"256"` or `256`).
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A Kubernetes CPU quantity ("500m", "1", "0.5") in milli-vCPU, rounded up.
pub fn k8s_cpu_milli(v: &Value) -> Result<u64, String> {
    let s = scalar(v).ok_or_else(|| format!("`{v}` is not a CPU quantity"))?;
    crate::units::k8s_cpu_milli(&s)
}

/// A Kubernetes memory quantity in MiB, rounded up (see
/// [`crate::units::k8s_memory_mib`]).
pub fn k8s_memory_mib(v: &Value) -> Result<u64, String> {
    let s = scalar(v).ok_or_else(|| format!("`{v}` is not a memory quantity"))?;
    crate::units::k8s_memory_mib(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_with_offsets_and_fractions() {
        // 2020-01-23T17:57:34Z = 1,579,802,254 s since the epoch.
        assert_eq!(
            rfc3339_us("2020-01-23T17:57:34Z"),
            Ok(1_579_802_254_000_000)
        );
        assert_eq!(
            rfc3339_us("2020-01-23T17:57:34.402Z"),
            Ok(1_579_802_254_402_000)
        );
        // -07:00 is seven hours later in UTC.
        assert_eq!(
            rfc3339_us("2020-01-23T10:57:34.000001-07:00"),
            Ok(1_579_802_254_000_001)
        );
        assert_eq!(
            timestamp_us(&serde_json::json!(1579802254.5)),
            Ok(1_579_802_254_500_000)
        );
        assert!(rfc3339_us("23/01/2020").is_err());
        assert_eq!(format_utc(1_579_802_254_402_000), "2020-01-23T17:57:34Z");
    }

    #[test]
    fn quantities() {
        use serde_json::json;
        assert_eq!(k8s_cpu_milli(&json!("250m")), Ok(250));
        assert_eq!(k8s_cpu_milli(&json!(2)), Ok(2000));
        assert_eq!(k8s_memory_mib(&json!("1Gi")), Ok(1024));
        assert_eq!(k8s_memory_mib(&json!("128974848")), Ok(123));
        assert!(k8s_memory_mib(&json!("lots")).is_err());
    }
}
