//! Distributions of time spans (task durations, start-up times).
//!
//! Sampled in seconds as floats and returned as integer microseconds, so a
//! run is reproducible from its seed on any machine.

use crate::time::{SECOND, SimTime, seconds_to_sim};
use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal};
use rand_pcg::Pcg64Mcg;

/// The z-score of the 90th percentile of the standard normal distribution
/// (1.2815515655446004), from statrs' inverse CDF.
fn z90() -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(0.9)
}

/// A distribution of spans of simulated time.
#[derive(Clone, Debug, PartialEq)]
pub enum SpanDist {
    /// Always this span.
    Constant(SimTime),
    /// Exponential with this mean.
    Exponential { mean: SimTime },
    /// Log-normal: ln(seconds) ~ Normal(mu, sigma).
    LogNormal { mu: f64, sigma: f64 },
    /// Uniformly one of these spans.
    Empirical(Vec<SimTime>),
    /// Uniform between `min` and `max` (both included), to the microsecond.
    Uniform { min: SimTime, max: SimTime },
}

impl SpanDist {
    /// A log-normal fitted to a median and a 90th percentile (p90 ≥ median > 0).
    pub fn lognormal_from_median_p90(median: SimTime, p90: SimTime) -> Result<SpanDist, String> {
        if median == 0 {
            return Err(
                "a log-normal median must be above zero; use a constant \"0s\" for no delay".into(),
            );
        }
        if p90 < median {
            return Err(format!(
                "p90 ({}s) must be at least the median ({}s)",
                p90 as f64 / SECOND as f64,
                median as f64 / SECOND as f64
            ));
        }
        let mu = (median as f64 / SECOND as f64).ln();
        let sigma = ((p90 as f64 / median as f64).ln()) / z90();
        Ok(SpanDist::LogNormal { mu, sigma })
    }

    /// The mean span in seconds (used for estimates and M/G/∞ checks).
    pub fn mean_seconds(&self) -> f64 {
        match self {
            SpanDist::Constant(t) => *t as f64 / SECOND as f64,
            SpanDist::Exponential { mean } => *mean as f64 / SECOND as f64,
            SpanDist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            SpanDist::Empirical(v) => {
                v.iter().map(|t| *t as f64).sum::<f64>() / v.len().max(1) as f64 / SECOND as f64
            }
            SpanDist::Uniform { min, max } => (*min as f64 + *max as f64) / 2.0 / SECOND as f64,
        }
    }

    /// Draws one span. Constant spans consume no randomness.
    ///
    /// A constant is answered inline; the draws are out of line (issue 24:
    /// a call into the whole match was about 28 instructions for each of a
    /// Fargate task's two constant start-up spans).
    #[inline]
    pub fn sample(&self, rng: &mut Pcg64Mcg) -> SimTime {
        match self {
            SpanDist::Constant(t) => *t,
            _ => self.draw(rng),
        }
    }

    /// [`SpanDist::sample`] for the distributions that draw.
    #[inline(never)]
    fn draw(&self, rng: &mut Pcg64Mcg) -> SimTime {
        match self {
            SpanDist::Constant(t) => *t,
            SpanDist::Exponential { mean } => {
                if *mean == 0 {
                    return 0;
                }
                let d = Exp::new(SECOND as f64 / *mean as f64).expect("positive rate");
                let s: f64 = d.sample(rng);
                seconds_to_sim(s).unwrap_or(crate::time::MAX_SPAN)
            }
            SpanDist::LogNormal { mu, sigma } => {
                let d = LogNormal::new(*mu, *sigma).expect("validated sigma ≥ 0");
                let s: f64 = d.sample(rng);
                seconds_to_sim(s).unwrap_or(crate::time::MAX_SPAN)
            }
            SpanDist::Empirical(values) => values[rng.random_range(0..values.len())],
            SpanDist::Uniform { min, max } => rng.random_range(*min..=*max),
        }
    }
}

/// A [`SpanDist`] prepared for many draws on a hot path (a service's
/// service times): an exponential's rate and its inverse are worked out
/// once, not at every draw. The draws are [`SpanDist::sample`]'s, bit for
/// bit, from the same generator.
#[derive(Clone, Debug)]
pub struct SpanSampler {
    dist: SpanDist,
    /// The exponential, for a positive mean.
    exp: Option<Exp<f64>>,
}

impl SpanSampler {
    pub fn new(dist: &SpanDist) -> SpanSampler {
        let exp = match *dist {
            SpanDist::Exponential { mean } if mean > 0 => {
                Some(Exp::new(SECOND as f64 / mean as f64).expect("positive rate"))
            }
            _ => None,
        };
        SpanSampler {
            dist: dist.clone(),
            exp,
        }
    }

    /// Draws one span, as [`SpanDist::sample`] does.
    #[inline]
    pub fn sample(&self, rng: &mut Pcg64Mcg) -> SimTime {
        match &self.exp {
            Some(d) => {
                let s: f64 = d.sample(rng);
                seconds_to_sim(s).unwrap_or(crate::time::MAX_SPAN)
            }
            None => self.dist.sample(rng),
        }
    }
}

/// Shows a distribution as a scenario would write it: `30s`,
/// `exponential mean 6m00s`, `lognormal median 27s p90 40s`.
impl std::fmt::Display for SpanDist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::time::format_span;
        let secs = |s: f64| format_span(seconds_to_sim(s).unwrap_or(crate::time::MAX_SPAN));
        match self {
            SpanDist::Constant(t) => write!(f, "{}", format_span(*t)),
            SpanDist::Exponential { mean } => write!(f, "exponential mean {}", format_span(*mean)),
            SpanDist::LogNormal { mu, sigma } => write!(
                f,
                "lognormal median {} p90 {}",
                secs(mu.exp()),
                secs((mu + z90() * sigma).exp())
            ),
            SpanDist::Empirical(v) => write!(f, "empirical ({} values)", v.len()),
            SpanDist::Uniform { min, max } => {
                write!(f, "uniform {} to {}", format_span(*min), format_span(*max))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_prepared_sampler_draws_what_sample_draws() {
        for dist in [
            SpanDist::Exponential { mean: 50_000 },
            SpanDist::Exponential { mean: 0 },
            SpanDist::Exponential { mean: 3 },
            SpanDist::Constant(7),
            SpanDist::lognormal_from_median_p90(8 * SECOND, 12 * SECOND).unwrap(),
            SpanDist::Uniform { min: 5, max: 900 },
        ] {
            let sampler = SpanSampler::new(&dist);
            let mut a = Pcg64Mcg::seed_from_u64(11);
            let mut b = Pcg64Mcg::seed_from_u64(11);
            for _ in 0..10_000 {
                assert_eq!(sampler.sample(&mut a), dist.sample(&mut b), "{dist}");
            }
        }
    }

    #[test]
    fn uniform_spans_stay_in_their_range_with_the_middle_as_mean() {
        let d = SpanDist::Uniform {
            min: 20 * 60 * SECOND,
            max: 40 * 60 * SECOND,
        };
        assert_eq!(d.mean_seconds(), 1800.0);
        assert_eq!(d.to_string(), "uniform 20m00s to 40m00s");
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let draws: Vec<SimTime> = (0..100_000).map(|_| d.sample(&mut rng)).collect();
        assert!(
            draws
                .iter()
                .all(|&t| (1200 * SECOND..=2400 * SECOND).contains(&t))
        );
        let mean = draws.iter().map(|&t| t as f64).sum::<f64>() / draws.len() as f64 / 1e6;
        // Standard error of the mean: 1200 s / sqrt(12 × 100,000) ≈ 1.1 s.
        assert!((mean - 1800.0).abs() < 5.0, "{mean}");
        // Both ends can be drawn when the range is one microsecond wide.
        let narrow = SpanDist::Uniform { min: 5, max: 6 };
        let mut seen = [false; 2];
        for _ in 0..100 {
            seen[(narrow.sample(&mut rng) - 5) as usize] = true;
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn lognormal_fit_reproduces_median_and_p90() {
        let d = SpanDist::lognormal_from_median_p90(27 * SECOND, 40 * SECOND).unwrap();
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let mut xs: Vec<SimTime> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        xs.sort_unstable();
        let median = xs[xs.len() / 2] as f64 / 1e6;
        let p90 = xs[xs.len() * 9 / 10] as f64 / 1e6;
        assert!((median - 27.0).abs() < 0.3, "median {median}");
        assert!((p90 - 40.0).abs() < 0.5, "p90 {p90}");
    }

    #[test]
    fn z90_is_the_standard_normal_90th_percentile() {
        assert!((z90() - 1.281_551_565_544_600_4).abs() < 1e-9);
    }

    #[test]
    fn exponential_mean() {
        let d = SpanDist::Exponential { mean: 10 * SECOND };
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let n = 200_000;
        let mean = (0..n).map(|_| d.sample(&mut rng) as f64).sum::<f64>() / n as f64 / 1e6;
        assert!((mean - 10.0).abs() < 0.1, "mean {mean}");
        assert!((d.mean_seconds() - 10.0).abs() < 1e-12);
    }
}
