//! A latency histogram with bounded relative error: exact below 256 µs, then
//! 128 buckets per power of two (each bucket at most 1/128 ≈ 0.8 % wide). The
//! count, sum and maximum are exact, so means are exact.

use crate::time::SimTime;

const EXACT: u64 = 256;
const PER_OCTAVE: u64 = 128;
/// Buckets for every u64: 256 exact ones, then 56 octaves of 128.
const BUCKETS: usize = (EXACT + 56 * PER_OCTAVE) as usize;

#[derive(Clone, Debug)]
pub struct LatencyHist {
    counts: Vec<u64>,
    pub count: u64,
    /// Sum of the values, µs.
    pub sum: u128,
    pub max: SimTime,
}

impl Default for LatencyHist {
    fn default() -> Self {
        LatencyHist {
            counts: vec![0; BUCKETS],
            count: 0,
            sum: 0,
            max: 0,
        }
    }
}

#[inline]
fn bucket(v: u64) -> usize {
    if v < EXACT {
        return v as usize;
    }
    let e = 63 - v.leading_zeros() as u64; // ≥ 8
    let shift = e - 7;
    let m = v >> shift; // 128..=255
    (EXACT + (e - 8) * PER_OCTAVE + (m - PER_OCTAVE)) as usize
}

/// The largest value in bucket `i`.
fn upper(i: usize) -> u64 {
    let i = i as u64;
    if i < EXACT {
        return i;
    }
    let e = (i - EXACT) / PER_OCTAVE + 8;
    let m = (i - EXACT) % PER_OCTAVE + PER_OCTAVE;
    let shift = e - 7;
    (((m + 1) as u128) << shift)
        .saturating_sub(1)
        .min(u64::MAX as u128) as u64
}

impl LatencyHist {
    #[inline]
    pub fn record(&mut self, v: SimTime) {
        self.counts[bucket(v)] += 1;
        self.count += 1;
        self.sum += v as u128;
        self.max = self.max.max(v);
    }

    /// The mean, µs (0 when empty).
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The `q`-quantile (0 < q ≤ 1) by nearest rank, as the upper edge of its
    /// bucket (never above the largest value seen); None when empty.
    pub fn quantile(&self, q: f64) -> Option<SimTime> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(upper(i).min(self.max));
            }
        }
        Some(self.max)
    }

    /// Empties the histogram.
    pub fn clear(&mut self) {
        if self.count > 0 {
            self.counts.iter_mut().for_each(|c| *c = 0);
        }
        self.count = 0;
        self.sum = 0;
        self.max = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut last = 0;
        for v in (0..2_000_000u64).step_by(7).chain([u64::MAX / 3, u64::MAX]) {
            let b = bucket(v);
            assert!(b >= last);
            last = b;
            assert!(upper(b) >= v);
            assert!((upper(b) - v) as f64 <= v as f64 / 128.0 + 1.0, "{v}");
        }
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let mut h = LatencyHist::default();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), Some(50));
        assert_eq!(h.quantile(0.99), Some(99));
        assert_eq!(h.quantile(1.0), Some(100));
        assert_eq!(h.mean(), 50.5);
        let mut h = LatencyHist::default();
        h.record(1_000_000);
        let q = h.quantile(0.5).unwrap();
        assert_eq!(q, 1_000_000, "clamped to the largest value");
    }
}
