//! Exact money.
//!
//! Prices are decimal text in the catalog ("0.000011244" dollars per
//! vCPU-second). They are parsed into integer pico-dollars, billed quantities
//! are integers (milli-vCPU·µs, MiB·µs, …), and a cost is their product kept in
//! integer atto-dollars (10⁻¹⁸ USD). Nothing is rounded until a report shows
//! it, so a bill of a million tasks is exact to far below a cent.

use serde::Serialize;
use std::fmt;

/// Atto-dollars per pico-dollar.
const ATTO_PER_PICO: u128 = 1_000_000;
/// Atto-dollars per dollar.
pub const ATTO_PER_USD: u128 = 1_000_000_000_000_000_000;

/// An amount of US dollars, exact, in atto-dollars (10⁻¹⁸ USD).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub u128);

impl Money {
    pub const ZERO: Money = Money(0);

    /// Dollars as a float, for JSON and charts (exact to ~16 significant digits).
    pub fn usd(self) -> f64 {
        let whole = self.0 / ATTO_PER_USD;
        let frac = self.0 % ATTO_PER_USD;
        whole as f64 + frac as f64 / ATTO_PER_USD as f64
    }

    /// The amount rounded half-up to whole cents.
    pub fn cents(self) -> u128 {
        (self.0 + ATTO_PER_USD / 200) / (ATTO_PER_USD / 100)
    }

    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// Divides by a count (cost per task), rounding down to the atto-dollar.
    pub fn per(self, count: u64) -> Option<Money> {
        (count > 0).then(|| Money(self.0 / count as u128))
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        self.saturating_add(other)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = self.saturating_add(other);
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

/// Shows `$12.34`; amounts under a dollar show four decimals (`$0.0123`) so
/// small teaching examples do not all read `$0.00`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < ATTO_PER_USD && self.0 > 0 {
            let ten_thousandths = (self.0 + ATTO_PER_USD / 20_000) / (ATTO_PER_USD / 10_000);
            return write!(
                f,
                "${}.{:04}",
                ten_thousandths / 10_000,
                ten_thousandths % 10_000
            );
        }
        let cents = self.cents();
        let dollars = cents / 100;
        let mut grouped = String::new();
        let digits = dollars.to_string();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "${grouped}.{:02}", cents % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.usd())
    }
}

/// A price: exact pico-dollars per one unit of some quantity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Price {
    pub pico_usd: u128,
}

impl Price {
    /// Parses decimal dollars such as `0.000011244`, exactly, with at most
    /// twelve decimal places.
    pub fn parse(text: &str) -> Result<Price, String> {
        let t = text.trim().trim_start_matches('$');
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let frac = frac.trim_end_matches('0');
        let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !digits_ok(whole) || !digits_ok(frac) {
            return Err(format!(
                "`{text}` is not a decimal dollar amount such as \"0.000011244\""
            ));
        }
        if frac.len() > 12 {
            return Err(format!(
                "`{text}` has more than 12 decimal places; prices are kept in whole pico-dollars"
            ));
        }
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| format!("`{text}` is too large a price"))?
        };
        let frac_pico: u128 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<12}")
                .parse()
                .expect("twelve ASCII digits parse")
        };
        let pico = whole
            .checked_mul(1_000_000_000_000)
            .and_then(|w| w.checked_add(frac_pico))
            .ok_or_else(|| format!("`{text}` is too large a price"))?;
        Ok(Price { pico_usd: pico })
    }

    /// The cost of `quantity` base units when this price is per
    /// `units_per_priced_unit` base units (for example a price per vCPU-second
    /// applied to milli-vCPU·µs has 10⁹ base units per priced unit).
    /// Exact to the atto-dollar (rounded down); saturates instead of wrapping.
    ///
    /// One division: pricing each task's attempt (four parts, three
    /// divisions each as first written) was a sixth of the simulation
    /// thread of a 1 M-task run writing `tasks.parquet` (issue 24). Where
    /// the product in atto-dollars would not fit 128 bits, the quotient
    /// comes first and the remainder's fraction after it, a second
    /// division that fits 64 bits whenever the remainder times 10⁶ does
    /// (a unit of up to 18 × 10¹² base units: an hour is 3.6 × 10⁹ µs).
    #[inline]
    pub fn cost(self, quantity: u128, units_per_priced_unit: u128) -> Money {
        if quantity == 0 || self.pico_usd == 0 {
            return Money::ZERO;
        }
        let units = units_per_priced_unit;
        // Within 64 bits each (every task's attempt), the product is one
        // widening multiplication that cannot saturate.
        let product = match (u64::try_from(quantity), u64::try_from(self.pico_usd)) {
            (Ok(q), Ok(p)) => u128::from(q) * u128::from(p),
            _ => quantity.saturating_mul(self.pico_usd),
        };
        // While the product in atto-dollars fits 128 bits (every real bill),
        // the cost is one division of it: ⌊P·10⁶/u⌋ = ⌊P/u⌋·10⁶ +
        // ⌊(P mod u)·10⁶/u⌋, the two parts below (issue 24: a division is
        // tens of cycles, and an attempt's pricing made two a part).
        if let Some(atto) = product.checked_mul(ATTO_PER_PICO) {
            return Money(atto / units);
        }
        let quotient = product / units;
        let remainder = product - quotient * units;
        let whole = quotient.saturating_mul(ATTO_PER_PICO);
        let scaled = remainder * ATTO_PER_PICO;
        let rest = match (u64::try_from(scaled), u64::try_from(units)) {
            (Ok(scaled), Ok(units)) => (scaled / units) as u128,
            _ => scaled / units,
        };
        Money(whole.saturating_add(rest))
    }

    /// Dollars per unit as a float, for reports.
    pub fn usd(self) -> f64 {
        self.pico_usd as f64 / 1e12
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.pico_usd / 1_000_000_000_000;
        let frac = format!("{:012}", self.pico_usd % 1_000_000_000_000);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            write!(f, "${whole}")
        } else {
            write!(f, "${whole}.{frac}")
        }
    }
}

/// A price with the span of usage it prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub price: Price,
    /// Microseconds in the priced span (10⁶ for per-second, 3.6·10⁹ for per-hour).
    pub per_us: u128,
}

impl Rate {
    /// Cost of `quantity` in resource-sub-units·µs, where `sub_units` of the
    /// quantity make one priced unit (1000 milli-vCPU per vCPU, 1024 MiB per GiB).
    pub fn cost(&self, quantity: u128, sub_units: u128) -> Money {
        self.price.cost(quantity, sub_units * self.per_us)
    }

    /// The rate per hour as a float, for the assumptions table.
    pub fn usd_per_hour(&self) -> f64 {
        self.price.usd() * 3.6e9 / self.per_us as f64
    }
}

/// Exact costs of one platform, before conversion to floats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExactCost {
    pub vcpu: Money,
    pub memory: Money,
    pub storage: Money,
    pub os_license: Money,
    pub instances: Money,
    /// The part of `instances` allocated to tasks (not added to the total again).
    pub instances_allocated: Money,
    pub control_plane: Money,
    /// Per-request fees (Lambda, Cloud Run).
    pub requests: Money,
    /// What Spot capacity saved against the same usage on demand (not part of the total).
    pub spot_savings: Money,
}

impl ExactCost {
    pub fn total(&self) -> Money {
        self.vcpu
            + self.memory
            + self.storage
            + self.os_license
            + self.instances
            + self.control_plane
            + self.requests
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prices_exactly() {
        assert_eq!(Price::parse("0.000011244").unwrap().pico_usd, 11_244_000);
        assert_eq!(Price::parse("0.10").unwrap().pico_usd, 100_000_000_000);
        assert_eq!(Price::parse("2").unwrap().pico_usd, 2_000_000_000_000);
        assert_eq!(Price::parse("0.0000000308").unwrap().pico_usd, 30_800);
        assert!(Price::parse("0.0000000000001").is_err());
        assert!(Price::parse("abc").is_err());
        assert!(Price::parse("-1").is_err());
        assert_eq!(
            Price::parse("0.000011244").unwrap().to_string(),
            "$0.000011244"
        );
    }

    #[test]
    fn sums_and_costs_saturate_at_the_edge_instead_of_wrapping() {
        assert_eq!(Money(u128::MAX - 1) + Money(5), Money(u128::MAX));
        let mut m = Money(u128::MAX);
        m += Money(1);
        assert_eq!(m, Money(u128::MAX));
        let total: Money = [Money(u128::MAX), Money(u128::MAX)].into_iter().sum();
        assert_eq!(total, Money(u128::MAX));
        // A quantity so large its product with the price overflows u128.
        let p = Price::parse("1000").unwrap();
        assert_eq!(p.cost(u128::MAX, 1), Money(u128::MAX));
        // The largest real bill stays far from the edge: a million vCPU for
        // 100 years at $1 a vCPU-second is 3.2e15 dollars = 3.2e33 atto.
        let year_us = 365u128 * 86_400 * 1_000_000;
        let q = 1_000_000u128 * 1000 * 100 * year_us; // milli-vCPU·µs
        let m = Price::parse("1").unwrap().cost(q, 1_000_000_000);
        assert!(m.0 < u128::MAX / 1000, "{}", m.0);
    }

    #[test]
    fn cost_is_exact() {
        // One vCPU for one hour at $0.000011244 per vCPU-second = $0.0404784.
        let p = Price::parse("0.000011244").unwrap();
        let q = 1000u128 * 3600 * 1_000_000; // milli-vCPU·µs
        let m = p.cost(q, 1_000_000_000);
        assert_eq!(m.0, 40_478_400_000_000_000);
        // $0.0416 per hour for 61 seconds = 0.0416 * 61 / 3600 = 0.000704888...
        let h = Price::parse("0.0416").unwrap();
        let m = h.cost(61 * 1_000_000, 3_600_000_000);
        assert_eq!(m.0, 704_888_888_888_888);
    }

    #[test]
    fn displays_money() {
        assert_eq!(
            Money(ATTO_PER_USD * 1234 + ATTO_PER_USD / 2).to_string(),
            "$1,234.50"
        );
        assert_eq!(Money(ATTO_PER_USD / 100 * 3).to_string(), "$0.0300");
        assert_eq!(Money(0).to_string(), "$0.00");
        assert_eq!(Money(ATTO_PER_USD * 5 - 1).to_string(), "$5.00");
    }

    /// The cost as first written: three 128-bit divisions.
    fn cost_by_three_divisions(price: Price, quantity: u128, units: u128) -> Money {
        let product = quantity.saturating_mul(price.pico_usd);
        let whole = (product / units).saturating_mul(ATTO_PER_PICO);
        let rest = (product % units) * ATTO_PER_PICO / units;
        Money(whole.saturating_add(rest))
    }

    #[test]
    fn a_cost_by_hand() {
        // $0.04048 per vCPU-hour, 0.25 vCPU for 61 s: 250 milli-vCPU ×
        // 61 × 10⁶ µs at 10³ milli-vCPU × 3.6 × 10⁹ µs a priced unit.
        let p = Price::parse("0.04048").unwrap();
        let got = p.cost(250 * 61_000_000, 1000 * 3_600_000_000);
        // 0.04048 × 0.25 × 61 / 3600 = 0.000171477777… dollars, rounded
        // down to the atto-dollar.
        assert_eq!(got, Money(171_477_777_777_777));
        assert_eq!(p.cost(0, 1000), Money::ZERO);
        assert_eq!(Price { pico_usd: 0 }.cost(5, 7), Money::ZERO);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 20_000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(24),
            ..proptest::test_runner::Config::default()
        })]

        #[test]
        fn one_division_costs_what_three_did(
            pico in 0u128..=10_000_000_000_000u128,
            quantity in 0u128..=(1u128 << 80),
            units in 1u128..=(1u128 << 70),
            huge in proptest::bool::ANY,
        ) {
            let price = Price { pico_usd: pico };
            // Now and then a quantity whose product saturates.
            let quantity = if huge { u128::MAX / 3 + quantity } else { quantity };
            proptest::prop_assert_eq!(
                price.cost(quantity, units),
                cost_by_three_divisions(price, quantity, units)
            );
        }

        /// Within 64 bits (the path every task's attempt takes): quantities
        /// of real attempts and any others, units of one up to 2⁶⁴ − 1.
        #[test]
        fn the_64_bit_path_costs_what_three_divisions_did(
            pico in 0u64..=u64::MAX,
            quantity in 0u64..=u64::MAX,
            attempt in (1u64..=4_000_000, 1u64..=100_000_000_000),
            units in 1u64..=u64::MAX,
            real in proptest::bool::ANY,
        ) {
            let price = Price { pico_usd: u128::from(pico % 100_000_000_000_000) };
            // A milli-vCPU × µs quantity at a per-hour rate, or anything.
            let (quantity, units) = if real {
                (u128::from(attempt.0) * u128::from(attempt.1), 1000 * 3_600_000_000)
            } else {
                (u128::from(quantity), u128::from(units))
            };
            proptest::prop_assert_eq!(
                price.cost(quantity, units),
                cost_by_three_divisions(price, quantity, units)
            );
            let price = Price { pico_usd: u128::from(pico) };
            proptest::prop_assert_eq!(
                price.cost(quantity, units),
                cost_by_three_divisions(price, quantity, units)
            );
        }
    }
}
