//! Spot interruption rates in the unit the EC2 Spot Instance Advisor uses.
//!
//! The Advisor's "frequency of interruption represents the rate at which
//! Spot has reclaimed capacity during the trailing month", in the buckets
//! "< 5%, 5-10%, 10-15%, 15-20% and >20%" ([AWS] spot-advisor-data.json, as
//! quoted by grailbio/base cloud/spotadvisor). It is a share of capacity over
//! a month, not a rate per instance-hour. The model interrupts each Spot
//! instance or task at a constant hazard λ per hour (exponential time to the
//! notice); a share `p` reclaimed over a month of `H` hours is the chance
//! that a unit running the whole month is interrupted, 1 − e^(−λH), so
//! λ = −ln(1 − p) / H. (Dividing p by H, as this model did before, is the
//! first-order approximation: 2.5 % low for 5 %, 10 % low for 20 %.)

/// Hours in the Advisor's trailing month: 30 days (its savings are
/// "calculated over the last 30 days").
pub const ADVISOR_MONTH_HOURS: f64 = 720.0;

/// The per-hour hazard for a share `share` (0 ≤ share < 1) of capacity
/// reclaimed over the Advisor's month.
pub fn hazard_per_hour(share: f64) -> f64 {
    -(1.0 - share).ln() / ADVISOR_MONTH_HOURS
}

/// The share of capacity reclaimed over the Advisor's month at hazard
/// `per_hour` (the inverse of [`hazard_per_hour`]).
pub fn monthly_share(per_hour: f64) -> f64 {
    1.0 - (-per_hour * ADVISOR_MONTH_HOURS).exp()
}

/// The Advisor's buckets with the share the model takes for each: the
/// bucket's upper bound ("at most"), so a bucket is never flattered. The
/// open bucket "> 20%" has no bound and is not in the list.
pub const BUCKETS: [(&str, f64); 4] = [
    ("<5%", 0.05),
    ("5-10%", 0.10),
    ("10-15%", 0.15),
    ("15-20%", 0.20),
];

/// A bucket label as the Advisor writes it ("< 5%", "5-10%", …; spaces
/// ignored), or a share as a percentage ("7%", "7.5 %"): the monthly share
/// it stands for. Err says what to write instead.
pub fn parse_frequency(text: &str) -> Result<f64, String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.replace('–', "-");
    if let Some((_, share)) = BUCKETS.iter().find(|(label, _)| *label == t) {
        return Ok(*share);
    }
    if t == ">20%" {
        return Err(format!(
            "`{text}` is the Advisor's open bucket, with no upper bound: write the share you expect, such as \"30%\""
        ));
    }
    let expected = "a Spot Instance Advisor bucket (\"<5%\", \"5-10%\", \"10-15%\", \"15-20%\") or a monthly share such as \"7%\"";
    let Some(number) = t.strip_suffix('%') else {
        return Err(format!("`{text}`: need {expected}"));
    };
    match number.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..100.0).contains(&v) => Ok(v / 100.0),
        Ok(_) => Err(format!(
            "`{text}`: a share reclaimed in a month must be from 0% up to (not including) 100%"
        )),
        Err(_) => Err(format!("`{text}`: need {expected}")),
    }
}

/// A monthly reclaimed share as the percent the reports print, to six
/// significant decimals (0.05 → 5).
pub fn share_percent(share: f64) -> f64 {
    (share * 1e8).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "<5%" taken as 5 % a month: λ = −ln(0.95) / 720 h
    /// = 0.051293294 / 720 = 0.0000712407 per hour, not 0.05 / 720 =
    /// 0.0000694444.
    #[test]
    fn five_percent_a_month_is_a_hazard_of_0_0000712_per_hour() {
        let l = hazard_per_hour(parse_frequency("<5%").unwrap());
        assert!((l - 0.000_071_240_7).abs() < 1e-10, "{l}");
        assert!((monthly_share(l) - 0.05).abs() < 1e-12);
        // A 20 % month: −ln(0.8)/720 = 0.000309922, 11.6 % above 0.2/720.
        let l20 = hazard_per_hour(0.20);
        assert!((l20 - 0.000_309_922).abs() < 1e-9, "{l20}");
    }

    #[test]
    fn labels_and_percentages_parse_and_bad_text_says_what_to_write() {
        assert_eq!(parse_frequency("< 5%"), Ok(0.05));
        assert_eq!(parse_frequency("10–15%"), Ok(0.15));
        assert_eq!(parse_frequency("7.5%"), Ok(0.075));
        assert!(parse_frequency(">20%").unwrap_err().contains("\"30%\""));
        assert!(parse_frequency("5").unwrap_err().contains("\"<5%\""));
        assert!(parse_frequency("100%").is_err());
    }
}
