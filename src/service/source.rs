//! Request streams: a rate curve drawn as arrivals, or a request trace read
//! through the workload's trace adapters (one request per task they yield).

use super::spec::{ArrivalProcess, RateCurve, RequestSource};
use crate::time::{SECOND, SimTime};
use crate::workload::WorkloadError;
use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// One request as its source gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub arrival: SimTime,
    /// The trace's own service time, when it has one.
    pub work: Option<SimTime>,
}

/// Requests in arrival order. A rate curve is drawn in place (its `next`
/// inlines into the caller's per-request path); a trace goes through its
/// adapter's stream.
pub struct RequestStream(Stream);

enum Stream {
    Curve(CurveRequests),
    Trace(Box<dyn Iterator<Item = Result<Request, WorkloadError>> + Send>),
}

impl Iterator for RequestStream {
    type Item = Result<Request, WorkloadError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            Stream::Curve(c) => c.next(),
            Stream::Trace(t) => t.next(),
        }
    }
}

/// Opens a service's requests. Curves stop at `end` (the horizon); `rng` is
/// the service's own arrival stream.
pub fn open(
    source: &RequestSource,
    seed: u64,
    end: Option<SimTime>,
    rng: Pcg64Mcg,
) -> Result<(Vec<String>, RequestStream), WorkloadError> {
    match source {
        RequestSource::Curve { curve, arrivals } => Ok((
            Vec::new(),
            RequestStream(Stream::Curve(CurveRequests {
                curve: curve.clone(),
                process: *arrivals,
                max_rate: curve.max_rate(),
                rng,
                t: 0,
                end: end.unwrap_or(SimTime::MAX),
            })),
        )),
        RequestSource::Trace(spec) => {
            let (notes, stream, _skipped) = spec.open(seed)?;
            Ok((
                notes,
                RequestStream(Stream::Trace(Box::new(stream.map(|r| {
                    r.map(|t| Request {
                        arrival: t.submit,
                        work: Some(t.duration),
                    })
                })))),
            ))
        }
    }
}

/// Arrivals following a [`RateCurve`].
struct CurveRequests {
    curve: RateCurve,
    process: ArrivalProcess,
    max_rate: f64,
    rng: Pcg64Mcg,
    t: SimTime,
    end: SimTime,
}

impl Iterator for CurveRequests {
    type Item = Result<Request, WorkloadError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.max_rate <= 0.0 {
            return None;
        }
        loop {
            match self.process {
                ArrivalProcess::Poisson => {
                    // Thinning: candidates at the highest rate, each kept
                    // with probability rate(t) / highest rate.
                    let u: f64 = self.rng.random();
                    let gap = -(1.0 - u).ln() / self.max_rate * SECOND as f64;
                    // `round(gap).max(1.0) as SimTime`, in integers.
                    self.t = self.t.saturating_add(crate::time::round_sim(gap).max(1));
                    if self.t >= self.end {
                        return None;
                    }
                    let rate = self.curve.rate_at(self.t);
                    if rate >= self.max_rate || self.rng.random::<f64>() * self.max_rate < rate {
                        return Some(Ok(Request {
                            arrival: self.t,
                            work: None,
                        }));
                    }
                }
                ArrivalProcess::Even => {
                    let rate = self.curve.rate_at(self.t);
                    if rate <= 0.0 {
                        self.t = self.curve.next_change(self.t)?;
                        continue;
                    }
                    let gap =
                        crate::time::to_sim(crate::time::round(SECOND as f64 / rate).max(1.0));
                    self.t = self.t.saturating_add(gap);
                    if self.t >= self.end {
                        return None;
                    }
                    return Some(Ok(Request {
                        arrival: self.t,
                        work: None,
                    }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(curve: RateCurve, arrivals: ArrivalProcess, end: SimTime) -> Vec<SimTime> {
        let source = RequestSource::Curve { curve, arrivals };
        let (_, s) = open(&source, 1, Some(end), crate::engine::rng::stream(1, "t")).unwrap();
        s.map(|r| r.unwrap().arrival).collect()
    }

    #[test]
    fn even_arrivals_follow_a_step_exactly() {
        let t = curve(
            RateCurve::Step {
                before: 2.0,
                after: 4.0,
                at: 10 * SECOND,
            },
            ArrivalProcess::Even,
            20 * SECOND,
        );
        // 0.5 s apart up to 10 s (20 requests, 0.5 … 10.0: the gap is set by
        // the rate where it starts), then 0.25 s apart (10.25 … 19.75).
        assert_eq!(t[0], SECOND / 2);
        assert_eq!(t.iter().filter(|&&x| x <= 10 * SECOND).count(), 20);
        assert_eq!(t.iter().filter(|&&x| x > 10 * SECOND).count(), 39);
    }

    #[test]
    fn poisson_counts_match_the_rate() {
        let t = curve(
            RateCurve::Spike {
                base: 10.0,
                peak: 100.0,
                at: 1000 * SECOND,
                length: 100 * SECOND,
            },
            ArrivalProcess::Poisson,
            2000 * SECOND,
        );
        let in_spike = t
            .iter()
            .filter(|&&x| (1000 * SECOND..1100 * SECOND).contains(&x))
            .count() as f64;
        let outside = t.len() as f64 - in_spike;
        // Expected 10,000 and 19,000; five standard deviations.
        assert!((in_spike - 10_000.0).abs() < 5.0 * 100.0, "{in_spike}");
        assert!((outside - 19_000.0).abs() < 5.0 * 138.0, "{outside}");
        assert!(t.windows(2).all(|w| w[0] < w[1]));
    }
}
