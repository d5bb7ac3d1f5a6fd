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

/// Dollars to the cent, or to a hundredth of a cent under a cent (the
/// gaps between options of a small run, and their intervals).
pub fn format_usd_fine(v: f64) -> String {
    if v.abs() < 0.01 {
        let text = format!("{:.4}", v.abs());
        let zero = text.trim_start_matches(['0', '.']).is_empty();
        format!("{}${text}", if v < 0.0 && !zero { "-" } else { "" })
    } else {
        format_usd_cents(v)
    }
}

/// Seconds for an axis or label; under a second in milliseconds (a
/// sub-second start is `350ms`, never `0s`).
pub fn format_seconds(s: f64) -> String {
    if let Some(ms) = sub_second(s) {
        ms
    } else if s < 120.0 {
        format!("{s:.0}s")
    } else if s < 7200.0 {
        format!("{:.1}min", s / 60.0)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

/// A duration above zero and under a second, in whole milliseconds
/// (`350ms`; `<1ms` below half a millisecond): the one rule for sub-second
/// starts and waits in every table and line. None for zero, a second or
/// more, or not a number.
pub fn sub_second(s: f64) -> Option<String> {
    if !(s > 0.0 && s < 0.9995) {
        return None;
    }
    Some(if s < 0.0005 {
        "<1ms".to_string()
    } else {
        format!("{:.0}ms", s * 1000.0)
    })
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

/// Dollars for one table column, all with the same number of decimals: 2,
/// or 4 when the smallest non-zero value is under 10 cents (so $0.0035 and
/// $26.2500 share a column, never $0.0035 beside $26.25). `—` for none.
pub fn usd_column(values: &[Option<f64>]) -> Vec<String> {
    let smallest = values
        .iter()
        .flatten()
        .map(|v| v.abs())
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let decimals = if smallest < 0.1 { 4 } else { 2 };
    values
        .iter()
        .map(|v| match v {
            None => "—".into(),
            Some(v) => {
                let text = format!("{:.*}", decimals, v.abs());
                let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
                let neg = *v < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
                format!("{}${}.{frac}", if neg { "-" } else { "" }, thousands(whole))
            }
        })
        .collect()
}

/// Durations (seconds) for one table column, all in one unit and with one
/// precision, chosen by the largest: seconds (one decimal below 100 s,
/// whole from there), minutes from 1,000 s, hours from 6,000 s; a value
/// above zero and under a second in milliseconds ([`sub_second`]), so it
/// never rounds to 0 beside minutes. `—` for none.
pub fn seconds_column(values: &[Option<f64>]) -> Vec<String> {
    let largest = values.iter().flatten().fold(0.0, |a: f64, b| a.max(*b));
    let (scale, unit, decimals) = if largest < 100.0 {
        (1.0, "s", 1)
    } else if largest < 1000.0 {
        (1.0, "s", 0)
    } else if largest < 6000.0 {
        (60.0, "min", 1)
    } else {
        (3600.0, "h", 1)
    };
    values
        .iter()
        .map(|v| {
            v.map_or("—".into(), |s| {
                sub_second(s).unwrap_or_else(|| format!("{:.*}{unit}", decimals, s / scale))
            })
        })
        .collect()
}

/// Groups of durations (seconds) for one table column, each group written
/// `a/b/c` with the unit once at the end, all in the unit
/// [`seconds_column`] would choose for the largest: `31.0/55.1/55.1s`. A
/// group all under a second is written in milliseconds (`180/250/310ms`);
/// in a mixed group a sub-second value keeps its own `ms`
/// (`350ms/121/160s`).
pub fn seconds_group_column(groups: &[Vec<Option<f64>>]) -> Vec<String> {
    let all: Vec<Option<f64>> = groups.iter().flatten().copied().collect();
    let cells = seconds_column(&all);
    let unit: String = cells
        .iter()
        .find(|c| c.as_str() != "—" && !c.ends_with("ms"))
        .map_or(String::new(), |c| {
            c.trim_start_matches(|ch: char| ch.is_ascii_digit() || ch == '.')
                .to_string()
        });
    let mut cells = cells.into_iter();
    groups
        .iter()
        .map(|g| {
            let cells: Vec<String> = g.iter().map(|_| cells.next().unwrap_or_default()).collect();
            let ms = |c: &String| c.ends_with("ms");
            let known = |c: &String| c.as_str() != "—";
            if !cells.iter().any(known) {
                return "—".to_string();
            }
            // All under a second (a zero counts as under): milliseconds.
            let zero = |c: &String| {
                c.trim_end_matches(unit.as_str())
                    .trim_matches(['0', '.'])
                    .is_empty()
            };
            if cells.iter().any(ms) && cells.iter().filter(|c| known(c)).all(|c| ms(c) || zero(c)) {
                let parts: Vec<&str> = cells
                    .iter()
                    .map(|c| {
                        if ms(c) {
                            c.strip_suffix("ms").unwrap_or(c)
                        } else if known(c) {
                            "0"
                        } else {
                            c.as_str()
                        }
                    })
                    .collect();
                return format!("{}ms", parts.join("/"));
            }
            let parts: Vec<&str> = cells
                .iter()
                .map(|c| {
                    if ms(c) {
                        c.as_str()
                    } else {
                        c.strip_suffix(unit.as_str()).unwrap_or(c)
                    }
                })
                .collect();
            format!("{}{unit}", parts.join("/"))
        })
        .collect()
}

/// Request latencies (seconds) for one table column, in one unit chosen by
/// the largest: whole milliseconds below 1 s, seconds with two decimals
/// below 10 s, then as [`seconds_column`]; a value under a second is in
/// milliseconds in any column ([`sub_second`]). `—` for none.
pub fn latency_column(values: &[Option<f64>]) -> Vec<String> {
    let largest = values.iter().flatten().fold(0.0, |a: f64, b| a.max(*b));
    if largest < 1.0 {
        values
            .iter()
            .map(|v| v.map_or("—".into(), |s| format!("{:.0}ms", s * 1000.0)))
            .collect()
    } else if largest < 10.0 {
        values
            .iter()
            .map(|v| {
                v.map_or("—".into(), |s| {
                    sub_second(s).unwrap_or_else(|| format!("{s:.2}s"))
                })
            })
            .collect()
    } else {
        seconds_column(values)
    }
}

/// `text` as a sentence: with one final period, added only when it does
/// not already end a sentence (`.`, `!`, `?`), so a line built from a
/// proposal that ends in a period never ends in `..`.
pub fn sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// A number written in text as a person would: `2`, not `2.0`; `0.6`,
/// not `0.6000000000000001` (ten significant digits at most). Text that is
/// not a number is returned as it is.
pub fn clean_number(text: &str) -> String {
    match text.trim().parse::<f64>() {
        Ok(v)
            if v.is_finite()
                && text
                    .trim()
                    .starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
        {
            let digits = 10 - (v.abs().max(1e-300).log10().floor() as i32 + 1);
            let scale = 10f64.powi(digits.clamp(0, 300));
            format!("{}", (v * scale).round() / scale)
        }
        _ => text.to_string(),
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
    fn numbers_in_text_have_no_float_noise() {
        assert_eq!(clean_number("0.6000000000000001"), "0.6");
        assert_eq!(clean_number("2.0"), "2");
        assert_eq!(clean_number("1250"), "1250");
        assert_eq!(clean_number("0.05"), "0.05");
        assert_eq!(clean_number("spot"), "spot");
        assert_eq!(clean_number("inf"), "inf");
    }

    #[test]
    fn a_column_has_one_money_format() {
        let c = usd_column(&[Some(0.984), Some(26.25), None, Some(1234.5)]);
        assert_eq!(c, ["$0.98", "$26.25", "—", "$1,234.50"]);
        let c = usd_column(&[Some(0.0035), Some(26.25), Some(0.0)]);
        assert_eq!(c, ["$0.0035", "$26.2500", "$0.0000"]);
    }

    #[test]
    fn a_column_has_one_unit() {
        // Regression: 118.1s beside 3.4min in one column.
        let c = seconds_column(&[Some(118.1), Some(204.0), None, Some(2.1)]);
        assert_eq!(c, ["118s", "204s", "—", "2s"]);
        assert_eq!(seconds_column(&[Some(35.3), Some(2.0)]), ["35.3s", "2.0s"]);
        assert_eq!(
            seconds_column(&[Some(1200.0), Some(30.0)]),
            ["20.0min", "0.5min"]
        );
        assert_eq!(
            seconds_column(&[Some(9000.0), Some(60.0)]),
            ["2.5h", "0.0h"]
        );
        let g = seconds_group_column(&[
            vec![Some(31.0), Some(55.1), Some(55.14)],
            vec![Some(2.1), Some(113.8), Some(113.8)],
            vec![None, None, None],
        ]);
        assert_eq!(g, ["31/55/55s", "2/114/114s", "—"]);
        let g = seconds_group_column(&[vec![Some(35.3), Some(54.4), Some(62.5)]]);
        assert_eq!(g, ["35.3/54.4/62.5s"]);
        let c = latency_column(&[Some(0.072), Some(2.644)]);
        assert_eq!(c, ["72ms", "2.64s"]);
        assert_eq!(latency_column(&[Some(0.072), Some(0.5)]), ["72ms", "500ms"]);
        assert_eq!(
            latency_column(&[Some(0.072), Some(30.0)]),
            ["72ms", "30.0s"]
        );
    }

    /// Regression (issue 34): Lambda's sub-second starts beside an EC2
    /// cluster's minutes printed `0/0/0s`; one rule everywhere: a value
    /// above zero and under a second is in milliseconds.
    /// Regression (issue 34): explain's right-sizing line ended in `..`.
    #[test]
    fn a_sentence_ends_in_one_period() {
        assert_eq!(
            sentence("prints the sizes per group."),
            "prints the sizes per group."
        );
        assert_eq!(sentence("saves $3.20"), "saves $3.20.");
        assert_eq!(
            sentence("try `fargate-sim breakeven`)"),
            "try `fargate-sim breakeven`)."
        );
        assert_eq!(sentence("really? "), "really?");
    }

    #[test]
    fn sub_second_starts_print_in_milliseconds() {
        assert_eq!(format_seconds(0.35), "350ms");
        assert_eq!(format_seconds(0.0004), "<1ms");
        assert_eq!(format_seconds(0.0), "0s");
        assert_eq!(format_seconds(0.9996), "1s");
        assert_eq!(format_seconds(35.2), "35s");
        assert_eq!(
            seconds_column(&[Some(160.0), Some(0.35), Some(0.0)]),
            ["160s", "350ms", "0s"]
        );
        let g = seconds_group_column(&[
            vec![Some(2.0), Some(121.0), Some(160.0)],
            vec![Some(0.18), Some(0.25), Some(0.31)],
            vec![Some(0.0), Some(0.0), Some(0.3)],
            vec![Some(0.35), Some(121.0), Some(160.0)],
        ]);
        assert_eq!(
            g,
            ["2/121/160s", "180/250/310ms", "0/0/300ms", "350ms/121/160s"]
        );
        // A column all under 100 s keeps its decimals; Lambda's row is in ms.
        let g = seconds_group_column(&[
            vec![Some(35.2), Some(49.6), Some(49.6)],
            vec![Some(0.3), Some(0.3), Some(0.34)],
        ]);
        assert_eq!(g, ["35.2/49.6/49.6s", "300/300/340ms"]);
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
