//! The account's Fargate launch rate: a token bucket (a burst, then a steady
//! refill), as the ECS and Fargate throttling documentation describes.

use crate::time::SimTime;

/// Token units in one launch token (tokens are kept as integers).
const UNITS_PER_TOKEN: u64 = 1_000_000_000;

/// The account's launch token bucket, refilled continuously.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    /// Current level in token units.
    level: u64,
    capacity: u64,
    /// Refill in token units per microsecond (= milli-tokens per second).
    refill_per_us: u64,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `per_second`.
    pub fn new(burst: u32, per_second: f64) -> TokenBucket {
        let capacity = burst as u64 * UNITS_PER_TOKEN;
        TokenBucket {
            level: capacity,
            capacity,
            refill_per_us: (per_second * 1000.0).round().max(1.0) as u64,
            last: 0,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let gained = (now - self.last).saturating_mul(self.refill_per_us);
        self.level = self.level.saturating_add(gained).min(self.capacity);
        self.last = now;
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: SimTime) -> bool {
        self.refill(now);
        if self.level >= UNITS_PER_TOKEN {
            self.level -= UNITS_PER_TOKEN;
            true
        } else {
            false
        }
    }

    /// When the next whole token will be there (after a failed `try_take`).
    pub fn next_token_at(&self) -> SimTime {
        let missing = UNITS_PER_TOKEN.saturating_sub(self.level);
        self.last + missing.div_ceil(self.refill_per_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SECOND;

    #[test]
    fn bucket_allows_burst_then_refills_at_rate() {
        let mut b = TokenBucket::new(100, 20.0);
        for _ in 0..100 {
            assert!(b.try_take(0));
        }
        assert!(!b.try_take(0));
        assert_eq!(b.next_token_at(), SECOND / 20);
        assert!(b.try_take(SECOND / 20));
        assert!(!b.try_take(SECOND / 20));
        // After a long idle the bucket is full again, not more.
        let mut n = 0;
        while b.try_take(3600 * SECOND) {
            n += 1;
        }
        assert_eq!(n, 100);
    }
}
