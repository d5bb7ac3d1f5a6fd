//! The per-minute book of a service's requests and the SLO rule that judges
//! each minute: one rule for services on replicas (`host.rs`) and services on
//! function platforms (`platform::function`).

use super::report::ServiceMinute;
use super::spec::Slo;
use crate::stats::SpanStats;
use crate::time::SimTime;

/// The requests of the minute being counted.
#[derive(Default)]
pub struct MinuteBook {
    pub start: SimTime,
    pub arrived: u64,
    pub served: u64,
    pub timed_out: u64,
    pub rejected: u64,
    /// Lost with a replica that stopped or was interrupted while serving.
    pub failed: u64,
    /// Served slower than the SLO's latency.
    pub slow: u64,
    hist: SpanStats,
}

/// The replicas behind a minute, as the host or the platform counted them.
pub struct MinuteGauges {
    pub desired: u32,
    pub running: u32,
    pub starting: u32,
    pub cpu_percent: Option<f64>,
    pub requests_per_target: Option<f64>,
}

impl MinuteBook {
    /// An empty minute from `start`.
    pub fn starting_at(start: SimTime) -> MinuteBook {
        MinuteBook {
            start,
            ..MinuteBook::default()
        }
    }

    /// A request served with `latency`.
    #[inline]
    pub fn served(&mut self, latency: SimTime, slo: Option<Slo>) {
        self.served += 1;
        self.hist.record(latency);
        if slo.is_some_and(|s| latency > s.latency) {
            self.slow += 1;
        }
    }

    /// Whether the minute missed the SLO: more of its finished requests
    /// were bad (slow, timed out, rejected or failed) than the SLO allows.
    pub fn violates(&self, slo: Option<Slo>) -> bool {
        let finished = self.served + self.timed_out + self.rejected + self.failed;
        slo.is_some_and(|slo| {
            let bad = self.slow + self.timed_out + self.rejected + self.failed;
            finished > 0 && bad as f64 * 100.0 > (100.0 - slo.percentile) * finished as f64
        })
    }

    /// The minute's row, closed at `end`.
    pub fn close(mut self, end: SimTime, gauges: MinuteGauges, slo: Option<Slo>) -> ServiceMinute {
        self.row(end, gauges, slo)
    }

    /// Closes the minute at `end`, as [`MinuteBook::close`] does, and starts
    /// the next one from `end` in this book, keeping the room its latency
    /// samples took (no new allocation a minute).
    pub fn roll(&mut self, end: SimTime, gauges: MinuteGauges, slo: Option<Slo>) -> ServiceMinute {
        let row = self.row(end, gauges, slo);
        let mut hist = std::mem::take(&mut self.hist);
        hist.clear();
        *self = MinuteBook {
            start: end,
            hist,
            ..MinuteBook::default()
        };
        row
    }

    fn row(&mut self, end: SimTime, gauges: MinuteGauges, slo: Option<Slo>) -> ServiceMinute {
        let slo_violated = self.violates(slo);
        let q = self.hist.quantiles(&[0.5, 0.95, 0.99, 0.999]);
        ServiceMinute {
            start: self.start,
            end,
            arrived: self.arrived,
            served: self.served,
            timed_out: self.timed_out,
            rejected: self.rejected,
            failed: self.failed,
            p50: q[0],
            p95: q[1],
            p99: q[2],
            p999: q[3],
            mean_latency: self.hist.mean_us(),
            desired: gauges.desired,
            running: gauges.running,
            starting: gauges.starting,
            cpu_percent: gauges.cpu_percent,
            requests_per_target: gauges.requests_per_target,
            slo_violated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MS;

    fn gauges() -> MinuteGauges {
        MinuteGauges {
            desired: 1,
            running: 1,
            starting: 0,
            cpu_percent: None,
            requests_per_target: None,
        }
    }

    #[test]
    fn a_minute_misses_its_slo_when_bad_requests_exceed_the_allowance() {
        let slo = Some(Slo {
            latency: 100 * MS,
            percentile: 99.0,
        });
        // 99 fast and 1 slow: exactly 1 % bad, within a p99 SLO.
        let mut m = MinuteBook::starting_at(0);
        for _ in 0..99 {
            m.served(10 * MS, slo);
        }
        m.served(200 * MS, slo);
        assert!(!m.violates(slo));
        // One failed request more makes 2 bad of 101.
        m.failed += 1;
        assert!(m.violates(slo));
        let row = m.close(60_000_000, gauges(), slo);
        assert!(row.slo_violated);
        assert_eq!((row.served, row.failed), (100, 1));
        // Rolling gives the row closing gives, and an empty book from `end`.
        let mut book = MinuteBook::starting_at(0);
        let mut copy = MinuteBook::starting_at(0);
        for v in [30, 10, 20, 50, 40] {
            book.served(v * MS, slo);
            copy.served(v * MS, slo);
        }
        book.timed_out += 1;
        copy.timed_out += 1;
        assert_eq!(
            book.roll(60_000_000, gauges(), slo),
            copy.close(60_000_000, gauges(), slo)
        );
        assert_eq!(
            (book.start, book.served, book.timed_out, book.slow),
            (60_000_000, 0, 0, 0)
        );
        assert_eq!(book.hist.count(), 0);
        assert!(book.hist.is_exact());
        book.served(7 * MS, slo);
        let row = book.close(120_000_000, gauges(), slo);
        assert_eq!(
            (row.start, row.served, row.p50, row.p999),
            (60_000_000, 1, Some(7 * MS), Some(7 * MS))
        );
        // No SLO, no violation.
        assert!(
            !MinuteBook::starting_at(0)
                .close(1, gauges(), None)
                .slo_violated
        );
    }
}
