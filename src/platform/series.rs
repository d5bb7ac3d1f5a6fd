//! The time series a platform records while it runs: at every interval
//! boundary, what was waiting, starting and running, the capacity paid for
//! and the capacity used, and the cost accrued so far.
//!
//! The engine asks a model when its next sample is due
//! ([`crate::engine::Model::next_sample_at`]) and calls
//! [`crate::engine::Model::sample`] before it handles anything at or after
//! that time, so a row describes the state at its end time, after every
//! event strictly before it. The cumulative cost of a row counts every
//! finished bill plus the usage accrued by what is still running; the last
//! row, taken after the run is settled, equals the platform's total cost.
//!
//! Rows past the first [`IN_MEMORY_ROWS`] wait in a spool file
//! (`series_spool.rs`, issue 24): the recorder keeps at most that many in
//! memory, however long the run, and readers stream them back in order.

pub use super::series_row::{Gauges, SeriesRow};
use super::series_spool::SeriesSpool;
use crate::pricing::Money;
use crate::time::SimTime;
use std::path::PathBuf;

/// Rows kept in memory before older ones go to the spool file: a week of
/// minutes, so the bundled scenarios never touch the disk.
pub const IN_MEMORY_ROWS: usize = 16_384;

/// Collects rows at a fixed interval.
#[derive(Debug)]
pub struct SeriesRecorder {
    every: SimTime,
    next: SimTime,
    last_end: SimTime,
    last_submitted: u64,
    last_completed: u64,
    /// The newest rows (all of them in a short run); older ones are in
    /// `spool`.
    rows: Vec<SeriesRow>,
    spool: Option<SeriesSpool>,
    /// Rows kept in memory before spilling (at least 2).
    chunk: usize,
    /// The spool file could not be made or written: every row then stays
    /// in memory, and the run stops with this error.
    error: Option<(PathBuf, std::io::Error)>,
    broken: bool,
}

impl SeriesRecorder {
    /// A recorder taking a row every `every` µs (at least 1 µs).
    pub fn new(every: SimTime) -> SeriesRecorder {
        SeriesRecorder::with_chunk(every, IN_MEMORY_ROWS)
    }

    /// A recorder that keeps `chunk` rows in memory (tests use small ones).
    pub fn with_chunk(every: SimTime, chunk: usize) -> SeriesRecorder {
        let every = every.max(1);
        SeriesRecorder {
            every,
            next: every,
            last_end: 0,
            last_submitted: 0,
            last_completed: 0,
            rows: Vec::new(),
            spool: None,
            chunk: chunk.max(2),
            error: None,
            broken: false,
        }
    }

    /// Rows recorded.
    pub fn len(&self) -> u64 {
        self.spool.as_ref().map_or(0, |s| s.rows()) + self.rows.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows in order, from the spool file and then memory.
    pub fn rows(&self) -> SeriesRows<'_> {
        SeriesRows {
            spool: self.spool.as_ref().map(|s| (s, None)),
            memory: self.rows.iter(),
        }
    }

    /// Every row in a vector (for short runs and tests).
    pub fn to_vec(&self) -> Result<Vec<SeriesRow>, (PathBuf, std::io::Error)> {
        self.rows().collect()
    }

    /// Takes the error met writing the spool file, if any.
    pub fn take_error(&mut self) -> Option<(PathBuf, std::io::Error)> {
        self.error.take()
    }

    /// Moves every row but the newest (which a row at the same instant, or
    /// the settlement, may still change) to the spool file.
    fn spill(&mut self) {
        if self.spool.is_none() {
            match SeriesSpool::create() {
                Ok(s) => self.spool = Some(s),
                Err(e) => {
                    self.error = Some(e);
                    self.broken = true;
                    return;
                }
            }
        }
        let Some(spool) = self.spool.as_mut() else {
            return;
        };
        let keep = self.rows.len() - 1;
        if let Err(e) = spool.append(&self.rows[..keep]) {
            self.error = Some((spool.path().to_path_buf(), e));
            self.broken = true;
            return;
        }
        self.rows.drain(..keep);
    }

    /// When the next row is due.
    #[inline]
    pub fn next_at(&self) -> SimTime {
        self.next
    }

    /// Records the state at `at` (a boundary, or the end of the run). A
    /// second row at the same instant replaces the first.
    pub fn push(
        &mut self,
        at: SimTime,
        submitted: u64,
        completed: u64,
        gauges: Gauges,
        cost_cumulative: Money,
    ) {
        if let Some(last) = self.rows.last_mut()
            && last.end == at
        {
            last.tasks_submitted += submitted - self.last_submitted;
            last.tasks_completed += completed - self.last_completed;
            last.gauges = gauges;
            last.cost_cumulative = last.cost_cumulative.max(cost_cumulative);
        } else {
            self.rows.push(SeriesRow {
                start: self.last_end,
                end: at,
                tasks_submitted: submitted - self.last_submitted,
                tasks_completed: completed - self.last_completed,
                gauges,
                cost_cumulative,
            });
        }
        if self.rows.len() > self.chunk && !self.broken {
            self.spill();
        }
        self.last_end = at;
        self.last_submitted = submitted;
        self.last_completed = completed;
        while self.next <= at {
            self.next = self.next.saturating_add(self.every);
        }
    }

    /// Sets the final cumulative cost after the run is settled (bills of
    /// tasks and instances still running are closed then).
    pub fn settle(&mut self, total: Money, completed: u64) {
        if let Some(last) = self.rows.last_mut() {
            last.cost_cumulative = last.cost_cumulative.max(total);
            last.tasks_completed += completed - self.last_completed;
            self.last_completed = completed;
        }
    }
}

/// The rows of a [`SeriesRecorder`], in order: a spool file's, then the
/// ones in memory. A spool that cannot be read back gives its error once.
pub struct SeriesRows<'a> {
    spool: Option<(&'a SeriesSpool, Option<super::series_spool::SpoolReader>)>,
    memory: std::slice::Iter<'a, SeriesRow>,
}

impl Iterator for SeriesRows<'_> {
    type Item = Result<SeriesRow, (PathBuf, std::io::Error)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((spool, reader)) = self.spool.as_mut() {
            let failed = |e| Some(Err((spool.path().to_path_buf(), e)));
            if reader.is_none() {
                match spool.reader() {
                    Ok(r) => *reader = Some(r),
                    Err(e) => {
                        self.spool = None;
                        self.memory = [].iter();
                        return failed(e);
                    }
                }
            }
            match reader.as_mut().and_then(|r| r.next_row()) {
                Some(Ok(row)) => return Some(Ok(row)),
                Some(Err(e)) => {
                    let err = failed(e);
                    self.spool = None;
                    self.memory = [].iter();
                    return err;
                }
                None => self.spool = None,
            }
        }
        self.memory.next().map(|r| Ok(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cover_time_without_gaps_and_merge_at_equal_instants() {
        let mut r = SeriesRecorder::new(60);
        r.push(60, 3, 1, Gauges::default(), Money(10));
        assert_eq!(r.next_at(), 120);
        r.push(90, 5, 2, Gauges::default(), Money(15));
        r.push(90, 6, 2, Gauges::default(), Money(12));
        r.settle(Money(20), 4);
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.len(), 2);
        assert_eq!((r.rows[1].start, r.rows[1].end), (60, 90));
        assert_eq!(r.rows[1].tasks_submitted, 3);
        assert_eq!(r.rows[1].tasks_completed, 3);
        assert_eq!(r.rows[1].cost_cumulative, Money(20));
        assert_eq!(r.rows[1].cost_since(r.rows[0].cost_cumulative), Money(10));
    }

    #[test]
    fn a_spilled_series_reads_back_as_the_one_kept_in_memory() {
        // 1,000 rows with merges at equal instants and a settlement: kept
        // whole in memory, and with 7 rows in memory (the rest spooled).
        let fill = |r: &mut SeriesRecorder| {
            for i in 1..=1_000u64 {
                let g = Gauges {
                    tasks_waiting: i * i,
                    instances_running: (i % 5 != 0).then_some(i / 3),
                    ..Gauges::default()
                };
                r.push(i * 60, 3 * i, 2 * i, g, Money(u128::from(i) * 1_000_003));
                if i % 97 == 0 {
                    r.push(i * 60, 3 * i + 1, 2 * i, g, Money(u128::from(i) * 999));
                }
            }
            r.push(60_030, 4_000, 2_001, Gauges::default(), Money(7));
            r.settle(Money(10u128.pow(30)), 2_500);
        };
        let mut whole = SeriesRecorder::new(60);
        fill(&mut whole);
        let mut small = SeriesRecorder::with_chunk(60, 7);
        fill(&mut small);
        assert_eq!(whole.len(), 1_001);
        assert_eq!(small.len(), 1_001);
        assert!(small.rows.len() <= 8);
        assert!(small.spool.is_some() && whole.spool.is_none());
        let want = whole.to_vec().unwrap();
        assert_eq!(want.len(), 1_001);
        assert_eq!(want[999].tasks_submitted, 3);
        assert_eq!(want[1_000].tasks_submitted, 1_000);
        assert_eq!(want[1_000].cost_cumulative, Money(10u128.pow(30)));
        assert_eq!(want[1_000].tasks_completed, 500);
        // Twice: a reader starts at the first row each time.
        assert_eq!(small.to_vec().unwrap(), want);
        assert_eq!(small.to_vec().unwrap(), want);
        assert!(small.take_error().is_none());
    }
}
