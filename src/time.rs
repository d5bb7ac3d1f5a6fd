//! Simulated time.
//!
//! Time is an integer count of microseconds since the start of the run
//! (`SimTime`). Milliseconds are too coarse for request latencies and
//! Lambda's 1 ms billing; a `u64` of microseconds still spans 580,000 years.
//! Human-readable durations ("90s", "2h", "250ms") are parsed here too, so every
//! part of the tool agrees on their spelling.

/// Simulated instant or span, in microseconds.
pub type SimTime = u64;

/// Microseconds per millisecond.
pub const MS: SimTime = 1_000;
/// Microseconds per second.
pub const SECOND: SimTime = 1_000_000;
/// Microseconds per minute.
pub const MINUTE: SimTime = 60 * SECOND;
/// Microseconds per hour.
pub const HOUR: SimTime = 60 * MINUTE;
/// Microseconds per day.
pub const DAY: SimTime = 24 * HOUR;
/// A month as the free tiers are prorated: an average month, 365.25 / 12
/// = 30.4375 days (`"1mo"`, `"1 month"`).
pub const MONTH: SimTime = 2_629_800 * SECOND;

/// The longest span any input may name: 100 years. Longer values are almost
/// certainly a unit mistake, and refusing them keeps every sum of times far
/// from `u64::MAX`.
pub const MAX_SPAN: SimTime = 100 * 365 * DAY;

/// Converts a number of seconds (from a trace or a scenario) to microseconds,
/// rounding to the nearest microsecond. Returns `None` for NaN, infinities,
/// negative values and spans longer than [`MAX_SPAN`].
pub fn seconds_to_sim(seconds: f64) -> Option<SimTime> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let micros = round(seconds * SECOND as f64);
    if micros > MAX_SPAN as f64 {
        return None;
    }
    // 0 ≤ micros ≤ MAX_SPAN < 2^63: the signed conversion is one
    // instruction, the unsigned one a dozen, and both give this value.
    Some(micros as i64 as SimTime)
}

/// `x.round()` (half away from zero), bit for bit, without the call to
/// libm's `round` that `f64::round` compiles to on x86-64: for 0 < x < 2^52
/// the integer part and the fraction are exact, and the fraction decides.
/// Other values (zero, negatives, huge, NaN) go through `f64::round`. Random
/// draws are rounded to microseconds on the per-request path (issue 24).
#[inline]
pub fn round(x: f64) -> f64 {
    if x > 0.0 && x < (1u64 << 52) as f64 {
        // Signed conversions: one instruction each way (unsigned ones are
        // a dozen on x86-64), exact below 2^52.
        let whole = x as i64;
        if x - whole as f64 >= 0.5 {
            (whole + 1) as f64
        } else {
            whole as f64
        }
    } else {
        x.round()
    }
}

/// `x.round() as SimTime` (saturating: NaN and negatives give 0), exactly,
/// in integer arithmetic for 0 < x < 2^52.
#[inline]
pub fn round_sim(x: f64) -> SimTime {
    if x > 0.0 && x < (1u64 << 52) as f64 {
        let whole = x as i64;
        (whole + i64::from(x - whole as f64 >= 0.5)) as SimTime
    } else {
        x.round() as SimTime
    }
}

/// `x as SimTime` (saturating: NaN and negatives give 0), bit for bit, with
/// the one-instruction signed conversion when `x` is below 2^63.
#[inline]
pub fn to_sim(x: f64) -> SimTime {
    if (0.0..9_223_372_036_854_775_808.0).contains(&x) {
        x as i64 as SimTime
    } else {
        x as SimTime
    }
}

/// Seconds as a float, for reports.
pub fn sim_to_seconds(t: SimTime) -> f64 {
    t as f64 / SECOND as f64
}

/// Parses a human duration: a number followed by a unit, such as `90s`,
/// `1.5h`, `250ms`, `2d`, `30min`. A bare `0` is accepted as zero.
/// Units: `us`, `ms`, `s`, `min` (or `m`), `h`, `d`.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(0);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("`{t}` has no unit; write it as `{t}s`, `{t}min` or `{t}h`"))?;
    let (number, unit) = t.split_at(split);
    let unit_us: SimTime = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => MS,
        "s" | "sec" => SECOND,
        "m" | "min" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "mo" | "month" | "months" => MONTH,
        other => {
            return Err(format!(
                "unknown time unit `{other}` in `{t}`; use us, ms, s, min, h, d or mo (a month)"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{t}` does not start with a number"))?;
    let micros = (value * unit_us as f64).round();
    if !micros.is_finite() || micros > MAX_SPAN as f64 {
        return Err(format!("`{t}` is longer than the 100-year limit"));
    }
    Ok(micros as SimTime)
}

/// Formats a span for people: `0s`, `42s`, `1m30s`, `2h05m`, `3d04h`.
pub fn format_span(t: SimTime) -> String {
    let s = t / SECOND;
    if t < SECOND && t > 0 {
        return format!("{}ms", t / MS);
    }
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_f64_round_bit_for_bit() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            1.0 - f64::EPSILON / 2.0,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            -2.5,
            f64::MIN_POSITIVE,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e300,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Random bit patterns, and values near halves at every scale.
            xs.push(f64::from_bits(x));
            let scale = (1u64 << (x % 53)) as f64;
            xs.push((x >> 11) as f64 / (1u64 << 53) as f64 * scale);
            xs.push((x % 1_000_000) as f64 + 0.5);
        }
        for v in xs {
            assert_eq!(round(v).to_bits(), v.round().to_bits(), "{v:e}");
            assert_eq!(to_sim(v), v as SimTime, "{v:e}");
            assert_eq!(to_sim(round(v)), v.round() as SimTime, "{v:e}");
            assert_eq!(round_sim(v), v.round() as SimTime, "{v:e}");
            assert_eq!(round_sim(v).max(1), v.round().max(1.0) as SimTime, "{v:e}");
        }
        for v in [
            9.223372036854775e18,
            9_223_372_036_854_775_808.0,
            1.8e19,
            2e19,
        ] {
            assert_eq!(to_sim(v), v as SimTime, "{v:e}");
        }
    }

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_duration("90s"), Ok(90 * SECOND));
        assert_eq!(parse_duration("1.5h"), Ok(90 * MINUTE));
        assert_eq!(parse_duration("250ms"), Ok(250 * MS));
        assert_eq!(parse_duration("2d"), Ok(2 * DAY));
        assert_eq!(parse_duration("30min"), Ok(30 * MINUTE));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("7us"), Ok(7));
    }

    #[test]
    fn rejects_missing_or_unknown_units_and_absurd_spans() {
        assert!(parse_duration("90").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("5 weeks")
                .unwrap_err()
                .contains("unknown time unit")
        );
        assert!(
            parse_duration("1000000000d")
                .unwrap_err()
                .contains("100-year")
        );
        assert!(parse_duration("-5s").is_err());
    }

    #[test]
    fn seconds_conversion_rounds_to_the_microsecond() {
        assert_eq!(seconds_to_sim(1.0000004), Some(1_000_000));
        assert_eq!(seconds_to_sim(-1.0), None);
        assert_eq!(seconds_to_sim(f64::NAN), None);
        assert_eq!(seconds_to_sim(f64::INFINITY), None);
    }
}
