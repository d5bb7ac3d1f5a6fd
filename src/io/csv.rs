//! CSV text helpers: quoting a field for writing, splitting a line into
//! fields for reading (the native trace, the trace formats, price imports).

/// Quotes a CSV field when it needs it.
pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Splits one CSV line into fields. Double-quoted fields may hold commas;
/// their quotes are removed (a doubled quote inside stays doubled, which no
/// native column needs).
pub fn split_csv(line: &str) -> Vec<&str> {
    let mut fields = Vec::with_capacity(8);
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut in_quotes = false;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => {
                fields.push(unquote(&line[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(unquote(&line[start..]));
    fields
}

/// The fields of one CSV line as byte ranges of `line`, split and unquoted
/// exactly as [`split_csv`] does, into `out` (cleared first): a reader keeps
/// one `out` for every line and so allocates nothing per line.
pub fn split_csv_ranges(line: &str, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let bytes = line.as_bytes();
    let base = line.as_ptr() as usize;
    let mut push = |field: &str| {
        let f = unquote(field);
        let s = f.as_ptr() as usize - base;
        out.push((s, s + f.len()));
    };
    let mut start = 0;
    let mut in_quotes = false;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => {
                push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(&line[start..]);
}

/// Powers of ten that an f64 holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A plain decimal (`123`, `-4.5`, `0.125`: an optional minus, digits, and
/// optionally a point followed by digits) parsed to exactly the f64 that
/// `str::parse` gives, or `None` for any other text (the caller then
/// parses it the usual way). With at most 2^53 as the digits' integer and
/// at most 22 digits after the point, both operands of the one division
/// are exact, and IEEE division rounds correctly, as `parse` does.
#[inline]
pub fn parse_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut m: u64 = 0;
    let mut point = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => m = m * 10 + u64::from(c - b'0'),
            b'.' if point.is_none() && i > 0 && i + 1 < digits.len() => point = Some(i),
            _ => return None,
        }
    }
    let frac = point.map_or(0, |p| digits.len() - p - 1);
    if m > 1 << 53 {
        return None;
    }
    let v = m as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

/// A field trimmed, without its surrounding double quotes if it has them.
pub fn unquote(field: &str) -> &str {
    // Nothing to trim when both ends are visible ASCII (the usual field).
    let b = field.as_bytes();
    let t = match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => field,
        _ => field.trim(),
    };
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        &t[1..t.len() - 1]
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(super::quote("a,b"), "\"a,b\"");
        assert_eq!(super::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::quote("x\"y,"), "\"x\"\"y,\"");
        assert_eq!(super::quote("plain"), "plain");
    }

    #[test]
    fn ranges_match_split_csv() {
        let mut out = Vec::new();
        for line in [
            " a ,\"b,c\", \"d\" ,",
            "",
            "x",
            "1,2.5,,\"\",  ",
            "é, ü ,\"q\"\"r\"",
        ] {
            super::split_csv_ranges(line, &mut out);
            let got: Vec<&str> = out.iter().map(|&(s, e)| &line[s..e]).collect();
            assert_eq!(got, super::split_csv(line), "{line:?}");
        }
    }

    #[test]
    fn plain_decimals_parse_exactly_as_std() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "1",
            "0.1",
            "0.3",
            "1.005",
            "35",
            "120.000",
            "9007199254740992",
            "9007199254740993",
            "900719925474099.3",
            "0.0000000000000000000001",
            "12345678901234567890",
            "1e3",
            "+1",
            ".5",
            "5.",
            "1.2.3",
            "",
            "-",
            " 1",
            "1,5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A spread of the shapes traces hold: up to 19 digits, points anywhere.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 19 + 1) as usize;
            let n = (x >> 8) % 10u64.pow(digits as u32 - 1).max(1) * 10 + (x >> 40) % 10;
            let mut t = format!("{n:0digits$}");
            let p = ((x >> 20) as usize) % (digits + 1);
            if p > 0 && p < t.len() {
                t.insert(p, '.');
            }
            if x & 1 == 1 {
                t.insert(0, '-');
            }
            cases.push(t);
        }
        for c in &cases {
            match super::parse_decimal(c) {
                Some(v) => {
                    let std: f64 = c.parse().unwrap();
                    assert_eq!(v.to_bits(), std.to_bits(), "{c}");
                }
                None => {
                    // Refused: only forms outside the fast path.
                    let b = c.trim_start_matches('-');
                    let plain = !b.is_empty()
                        && b.bytes().all(|c| c.is_ascii_digit() || c == b'.')
                        && b.matches('.').count() <= 1
                        && !b.starts_with('.')
                        && !b.ends_with('.')
                        && b.len() <= 19
                        && b.replace('.', "").parse::<u64>().is_ok_and(|m| m > 1 << 53);
                    let other = b.is_empty()
                        || !b.bytes().all(|c| c.is_ascii_digit() || c == b'.')
                        || b.matches('.').count() > 1
                        || b.starts_with('.')
                        || b.ends_with('.')
                        || b.len() > 19;
                    assert!(plain || other, "{c} refused");
                }
            }
        }
        assert_eq!(super::parse_decimal("120.5"), Some(120.5));
        assert_eq!(
            super::parse_decimal("-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
    }

    #[test]
    fn splits_quoted_fields_with_commas() {
        assert_eq!(
            super::split_csv(" a ,\"b,c\", \"d\" ,"),
            vec!["a", "b,c", "d", ""]
        );
    }
}
