//! The one home of number formatting in reports and printed text: counts
//! with thousands separators, dollars, durations and latencies.

/// Groups the digits of a whole number by thousands: `1234567` → `1,234,567`.
pub fn thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Dollars for an axis or label: cents below $100, whole dollars with
/// thousands separators above.
pub fn format_usd(v: f64) -> String {
    let neg = v < 0.0;
    let a = v.abs();
    let text = if a < 100.0 {
        format!("{a:.2}")
    } else {
        thousands(&format!("{a:.0}"))
    };
    format!("{}${text}", if neg { "-" } else { "" })
}

/// Dollars to the cent with thousands separators, for labels and tables.
pub fn format_usd_cents(v: f64) -> String {
    let cents = (v.abs() * 100.0).round() as u128;
    let out = thousands(&(cents / 100).to_string());
    format!(
        "{}${out}.{:02}",
        if v < 0.0 && cents > 0 { "-" } else { "" },
        cents % 100
    )
}

/// Seconds for an axis or label.
pub fn format_seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0}s")
    } else if s < 7200.0 {
        format!("{:.1}min", s / 60.0)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

/// A request latency for text: `72ms`, `2.64s`, then as [`format_seconds`].
pub fn format_latency(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else if s < 10.0 {
        format!("{s:.2}s")
    } else {
        format_seconds(s)
    }
}

/// A latency for a chart axis: `250µs`, `50ms`, `2s` (whole units, unlike
/// [`format_latency`], which prints `2.64s` in text).
pub fn format_latency_axis(s: f64) -> String {
    if s < 0.001 {
        format!("{:.0}µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.0}ms", s * 1e3)
    } else {
        format!("{s:.0}s")
    }
}

/// The name serde gives a unit enum value (`on_demand`, `x86_64`).
pub fn snake<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_as_money() {
        assert_eq!(format_usd(0.5), "$0.50");
        assert_eq!(format_usd(1027.62), "$1,028");
        assert_eq!(format_usd(1234567.0), "$1,234,567");
        assert_eq!(format_usd(-12.5), "-$12.50");
        assert_eq!(format_usd_cents(1027.615), "$1,027.62");
        assert_eq!(format_usd_cents(0.004), "$0.00");
        assert_eq!(format_usd_cents(-1234567.891), "-$1,234,567.89");
    }

    #[test]
    fn latencies_read_in_text_and_on_axes() {
        assert_eq!(format_latency(0.072), "72ms");
        assert_eq!(format_latency(2.644), "2.64s");
        assert_eq!(format_latency(150.0), "2.5min");
        assert_eq!(format_latency_axis(0.0002), "200µs");
        assert_eq!(format_latency_axis(0.05), "50ms");
        assert_eq!(format_latency_axis(2.644), "3s");
    }
}
