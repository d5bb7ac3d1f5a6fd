//! Latency statistics in bounded memory.
//!
//! Up to [`EXACT_LIMIT`] samples are kept as they are and quantiles are exact
//! (nearest rank). Past that the samples move into a log-linear histogram
//! whose buckets are at most 1/1024 of their value wide, so a quantile is
//! within 0.1% of the exact one, and memory stays fixed however long the
//! trace. Count, mean and max are always exact.

use crate::time::{SimTime, sim_to_seconds};
use serde::Serialize;

/// The quantiles a summary gives: p50, p95, p99.
const SUMMARY_QUANTILES: [f64; 3] = [0.50, 0.95, 0.99];

/// Samples kept exactly before switching to the histogram.
pub const EXACT_LIMIT: usize = 1 << 20;
/// log2 of the sub-buckets per power of two.
const SUB_BITS: u32 = 10;
const SUB: u64 = 1 << SUB_BITS;

/// A distribution of spans of simulated time.
#[derive(Clone, Debug, Default)]
pub struct SpanStats {
    count: u64,
    sum: u128,
    max: SimTime,
    exact: Exact,
    histogram: Vec<u64>,
}

/// The exact samples: none while every sample is the same (a wait that is
/// always zero, a constant start-up: the three latency distributions of a
/// 1 M-task run below the launch rate wrote 12 MB of one repeated number
/// from the simulation thread, issue 24), then as 32-bit numbers while
/// every one fits (spans under 71 minutes), then as 64-bit ones. Half the
/// bytes: 64-bit samples were 24 MB written on the simulation thread, its
/// critical path, with a page fault for each 4 KB of it (issue 24).
#[derive(Clone, Debug)]
enum Exact {
    /// `count` samples, every one `value` (any value when there are none).
    Same {
        value: SimTime,
        count: usize,
    },
    Narrow(Vec<u32>),
    Wide(Vec<SimTime>),
}

impl Default for Exact {
    fn default() -> Self {
        Exact::Same { value: 0, count: 0 }
    }
}

impl Exact {
    fn clear(&mut self) {
        match self {
            Exact::Same { count, .. } => *count = 0,
            Exact::Narrow(v) => v.clear(),
            Exact::Wide(v) => v.clear(),
        }
    }

    /// The sample of rank `i` (from 0), the samples reordered around it.
    fn select(&mut self, i: usize) -> SimTime {
        match self {
            Exact::Same { value, .. } => *value,
            Exact::Narrow(v) => *v.select_nth_unstable(i).1 as SimTime,
            Exact::Wide(v) => *v.select_nth_unstable(i).1,
        }
    }

    /// The samples of the sorted `ranks` (see [`rank_values`]).
    fn rank_values(&self, ranks: &[usize]) -> Vec<SimTime> {
        match self {
            Exact::Same { value, .. } => vec![*value; ranks.len()],
            Exact::Narrow(v) => rank_values(v, ranks),
            Exact::Wide(v) => rank_values(v, ranks),
        }
    }

    /// Hands every sample to `f`.
    fn for_each(self, mut f: impl FnMut(SimTime)) {
        match self {
            Exact::Same { value, count } => (0..count).for_each(|_| f(value)),
            Exact::Narrow(v) => v.into_iter().for_each(|x| f(x as SimTime)),
            Exact::Wide(v) => v.into_iter().for_each(f),
        }
    }

    /// `count` copies of `value`, kept one by one as `record` would have
    /// kept them, room included (when a sample that differs comes).
    #[cold]
    #[inline(never)]
    fn one_by_one(value: SimTime, count: usize) -> Exact {
        fn repeated<T: Copy>(x: T, count: usize) -> Vec<T> {
            let mut v = Vec::new();
            (0..count).for_each(|_| {
                push_exact(&mut v, x);
            });
            v
        }
        match u32::try_from(value) {
            Ok(narrow) => Exact::Narrow(repeated(narrow, count)),
            Err(_) => Exact::Wide(repeated(value, count)),
        }
    }

    #[cfg(test)]
    fn capacity(&self) -> usize {
        match self {
            Exact::Same { .. } => 0,
            Exact::Narrow(v) => v.capacity(),
            Exact::Wide(v) => v.capacity(),
        }
    }

    /// Every sample, in the order kept.
    #[cfg(test)]
    fn values(&self) -> Vec<SimTime> {
        match self {
            Exact::Same { value, count } => vec![*value; *count],
            Exact::Narrow(v) => v.iter().map(|&x| x as SimTime).collect(),
            Exact::Wide(v) => v.clone(),
        }
    }
}

/// The 32-bit samples as 64-bit ones, with the same room reserved.
#[cold]
#[inline(never)]
fn widen(narrow: &Vec<u32>) -> Vec<SimTime> {
    let mut wide = Vec::with_capacity(narrow.capacity());
    wide.extend(narrow.iter().map(|&x| x as SimTime));
    wide
}

/// Makes room for more exact samples: doubling up to 65,536, then room
/// for every sample up to the limit at once. Doubling further copied the
/// samples again at each step (the heap's memory, not fresh pages that
/// `realloc` could move) and touched twice the pages; the room reserved
/// past the samples is not touched until used (issue 24).
#[cold]
#[inline(never)]
fn grow_exact<T>(v: &mut Vec<T>) {
    let len = v.len();
    if len < 1 << 16 {
        v.reserve(len.max(64));
    } else {
        v.reserve_exact(EXACT_LIMIT + 1 - len);
    }
}

/// Adds `x` to `v`, making room first when it is full.
#[inline(always)]
fn push_exact<T>(v: &mut Vec<T>, x: T) -> usize {
    if v.len() == v.capacity() {
        grow_exact(v);
    }
    v.push(x);
    v.len()
}

fn bucket_of(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let e = 63 - v.leading_zeros();
    let shift = e - SUB_BITS;
    (((shift as u64 + 1) << SUB_BITS) + ((v >> shift) - SUB)) as usize
}

/// The midpoint of a bucket (its exact value below `SUB`).
fn bucket_value(b: usize) -> u64 {
    let b = b as u64;
    if b < SUB {
        return b;
    }
    let shift = (b >> SUB_BITS) - 1;
    let low = ((b & (SUB - 1)) + SUB) << shift;
    low + ((1u64 << shift) >> 1)
}

impl SpanStats {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sample.
    #[inline]
    pub fn record(&mut self, v: SimTime) {
        self.count += 1;
        self.sum += v as u128;
        self.max = self.max.max(v);
        if !self.histogram.is_empty() {
            self.histogram[bucket_of(v)] += 1;
            return;
        }
        match &mut self.exact {
            Exact::Same { value, count } if *value == v || *count == 0 => {
                *value = v;
                *count += 1;
            }
            _ => self.keep(v),
        }
    }

    /// Keeps `v` among the exact samples.
    #[inline]
    fn keep(&mut self, v: SimTime) {
        let kept = match &mut self.exact {
            Exact::Narrow(n) if v <= u32::MAX as SimTime => push_exact(n, v as u32),
            Exact::Narrow(n) => {
                let mut wide = widen(n);
                let kept = push_exact(&mut wide, v);
                self.exact = Exact::Wide(wide);
                kept
            }
            Exact::Wide(w) => push_exact(w, v),
            &mut Exact::Same { value, count } => return self.first_different(value, count, v),
        };
        if kept > EXACT_LIMIT {
            self.spill_to_histogram();
        }
    }

    /// `v` after `count` samples that were all `value`: from now on the
    /// samples are kept one by one (or counted in the histogram when there
    /// are more than the exact ones may be).
    #[cold]
    #[inline(never)]
    fn first_different(&mut self, value: SimTime, count: usize, v: SimTime) {
        if count >= EXACT_LIMIT {
            let mut histogram = vec![0; bucket_of(u64::MAX) + 1];
            histogram[bucket_of(value)] += count as u64;
            histogram[bucket_of(v)] += 1;
            self.histogram = histogram;
            self.exact = Exact::default();
            return;
        }
        self.exact = Exact::one_by_one(value, count);
        self.keep(v);
    }

    /// Moves the exact samples into the histogram (once, out of line so
    /// that `record` inlines).
    #[cold]
    #[inline(never)]
    fn spill_to_histogram(&mut self) {
        let mut histogram = vec![0; bucket_of(u64::MAX) + 1];
        std::mem::take(&mut self.exact).for_each(|x| histogram[bucket_of(x)] += 1);
        self.histogram = histogram;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Empties it, as new, keeping the room of its exact samples.
    pub fn clear(&mut self) {
        self.count = 0;
        self.sum = 0;
        self.max = 0;
        self.exact.clear();
        self.histogram = Vec::new();
    }

    /// The value of every sample while they are all the same and kept
    /// exactly (any value when there are none).
    fn same(&self) -> Option<SimTime> {
        match self.exact {
            Exact::Same { value, .. } if self.histogram.is_empty() => Some(value),
            _ => None,
        }
    }

    /// Whether recording `v` keeps every sample the same.
    #[inline]
    fn is_same_as(&self, v: SimTime) -> bool {
        matches!(self.exact, Exact::Same { value, count } if count == 0 || value == v)
            && self.histogram.is_empty()
    }

    /// The count, sum and largest of every sample plus `by`, as recording
    /// each so would have made them (no samples kept).
    fn plus_totals(&self, by: SimTime) -> SpanStats {
        SpanStats {
            count: self.count,
            sum: self.sum + self.count as u128 * by as u128,
            max: if self.count > 0 {
                self.max.saturating_add(by)
            } else {
                0
            },
            exact: Exact::default(),
            histogram: Vec::new(),
        }
    }

    /// The distribution of every sample plus `by`, as if each had been
    /// recorded so (its samples kept exactly, in the order recorded).
    fn plus(&self, by: SimTime) -> SpanStats {
        debug_assert!(self.histogram.is_empty());
        let exact = match &self.exact {
            &Exact::Same { value, count } => Exact::Same {
                value: value.saturating_add(by),
                count,
            },
            Exact::Narrow(v) if self.max.saturating_add(by) <= u32::MAX as SimTime => {
                Exact::Narrow(v.iter().map(|&x| x + by as u32).collect())
            }
            Exact::Narrow(v) => Exact::Wide(
                v.iter()
                    .map(|&x| (x as SimTime).saturating_add(by))
                    .collect(),
            ),
            Exact::Wide(v) => Exact::Wide(v.iter().map(|&x| x.saturating_add(by)).collect()),
        };
        SpanStats {
            exact,
            ..self.plus_totals(by)
        }
    }

    /// The exact mean, µs (None when empty).
    pub fn mean_us(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The largest sample (0 when empty).
    pub fn max(&self) -> SimTime {
        self.max
    }

    /// Whether quantiles are exact (false once the histogram took over).
    pub fn is_exact(&self) -> bool {
        self.histogram.is_empty()
    }

    /// The nearest-rank quantile `q` in [0, 1]: the smallest sample with at
    /// least a fraction `q` of samples at or below it.
    pub fn quantile(&mut self, q: f64) -> Option<SimTime> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if self.histogram.is_empty() {
            let i = (rank - 1) as usize;
            return Some(self.exact.select(i));
        }
        let mut seen = 0;
        for (b, n) in self.histogram.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(bucket_value(b).min(self.max));
            }
        }
        Some(self.max)
    }

    /// Several nearest-rank quantiles at once, in the order asked. Exact
    /// samples are partitioned around the middle rank and each side searched
    /// for the ranks that fall in it, so k quantiles of n samples cost about
    /// n·log2(k) steps rather than the n·k of asking one at a time (101
    /// percentiles of a million samples: one selection pass per level, not
    /// 101 passes).
    pub fn quantiles(&mut self, qs: &[f64]) -> Vec<Option<SimTime>> {
        if self.count == 0 {
            return vec![None; qs.len()];
        }
        if !self.histogram.is_empty() {
            return qs.iter().map(|&q| self.quantile(q)).collect();
        }
        // Every sample is at most the largest, so a sum of count × largest
        // means all of them are equal: no search (issue 24: ranging a
        // million samples took 1.1 to 1.6 ms, and a constant start-up or a
        // wait that is always zero is a common distribution).
        if self.sum == self.count as u128 * self.max as u128 {
            return vec![Some(self.max); qs.len()];
        }
        let ranks: Vec<usize> = qs
            .iter()
            .map(|&q| (((q * self.count as f64).ceil() as u64).clamp(1, self.count) - 1) as usize)
            .collect();
        let mut wanted = ranks.clone();
        wanted.sort_unstable();
        wanted.dedup();
        let values = self.exact.rank_values(&wanted);
        ranks
            .iter()
            .map(|r| wanted.binary_search(r).ok().map(|i| values[i]))
            .collect()
    }

    /// The summary a report prints, in seconds.
    pub fn summary(&mut self) -> SpanSummary {
        self.summary_and_quantiles(&[]).0
    }

    /// The summary and the quantiles `qs`, found in one search of the
    /// samples (the time to start's percentiles include the summary's
    /// three: a second search cost as much as the first, issue 24).
    pub fn summary_and_quantiles(&mut self, qs: &[f64]) -> (SpanSummary, Vec<Option<SimTime>>) {
        let (found, q) = self.quantiles_with_summary_ones(qs);
        (self.summary_of(&q), found)
    }

    /// The quantiles `qs`, and the summary's ([`SUMMARY_QUANTILES`]), from
    /// one search of the samples.
    fn quantiles_with_summary_ones(
        &mut self,
        qs: &[f64],
    ) -> (Vec<Option<SimTime>>, Vec<Option<SimTime>>) {
        let mut all = qs.to_vec();
        all.extend(SUMMARY_QUANTILES);
        let mut found = self.quantiles(&all);
        let q = found.split_off(qs.len());
        (found, q)
    }

    /// The summary, given its quantiles p50, p95 and p99.
    fn summary_of(&self, q: &[Option<SimTime>]) -> SpanSummary {
        let s = |v: Option<SimTime>| v.map(sim_to_seconds);
        SpanSummary {
            count: self.count,
            p50: s(q[0]),
            p95: s(q[1]),
            p99: s(q[2]),
            max: s((self.count > 0).then_some(self.max)),
            mean: (self.count > 0).then(|| self.sum as f64 / self.count as f64 / 1e6),
            exact: self.is_exact(),
        }
    }
}

/// The latencies of starting tasks: each task's wait for capacity, its
/// start-up, and their sum, its time to start. The sum is kept as samples
/// of its own only once neither part is constant: while one part is (no
/// task waits below the launch rate; a fixed start-up), the time to start
/// is the other part shifted by it, found from that part's samples when
/// asked for (issue 24: 4 MB a million tasks not written on the
/// simulation thread). Every figure is the one a distribution of the sums
/// recorded one by one gives.
#[derive(Clone, Debug, Default)]
pub struct StartLatency {
    wait: SpanStats,
    startup: SpanStats,
    time_to_start: SpanStats,
    /// Whether `time_to_start` holds the sums (false: it is derived).
    kept: bool,
}

impl StartLatency {
    /// A task waited `wait`, then took `startup` to start.
    #[inline]
    pub fn record(&mut self, wait: SimTime, startup: SimTime) {
        if !self.kept && !self.derivable(wait, startup) {
            self.keep_time_to_start();
        }
        self.wait.record(wait);
        self.startup.record(startup);
        if self.kept {
            self.time_to_start.record(wait.saturating_add(startup));
        }
    }

    /// Whether the time to start stays the shift of one part after this
    /// task: a part is still constant, and the other's samples are still
    /// all kept (a distribution past [`EXACT_LIMIT`] counts them in its
    /// histogram, whose buckets do not shift).
    #[inline]
    fn derivable(&self, wait: SimTime, startup: SimTime) -> bool {
        self.wait.count < EXACT_LIMIT as u64
            && (self.wait.is_same_as(wait) || self.startup.is_same_as(startup))
    }

    /// Builds the time to start's samples from its parts, as they would
    /// be had each sum been recorded, and keeps them from now on.
    #[cold]
    #[inline(never)]
    fn keep_time_to_start(&mut self) {
        self.time_to_start = match (self.wait.same(), self.startup.same()) {
            (Some(w), _) => self.startup.plus(w),
            // One part is still constant whenever this is called: it was
            // before this task (or there were no tasks), see `derivable`.
            (None, s) => {
                debug_assert!(s.is_some(), "neither part of the time to start is constant");
                self.wait.plus(s.unwrap_or(0))
            }
        };
        self.kept = true;
    }

    /// The summaries of the wait, the start-up and the time to start, and
    /// the time to start's quantiles `qs`.
    ///
    /// While the time to start is derived, it is the varying part's
    /// samples shifted by the constant one, and so are its quantiles
    /// (nearest ranks do not move under a shift): one search of that
    /// part's samples answers both. Otherwise the wait and the start-up
    /// are searched on a second thread while this one searches the time
    /// to start, when there are enough samples for a thread to pay
    /// (issue 24: a million samples a distribution, 15 ms).
    pub fn summaries(
        &mut self,
        qs: &[f64],
    ) -> (SpanSummary, SpanSummary, SpanSummary, Vec<Option<SimTime>>) {
        if !self.kept {
            let wait_varies = self.wait.same().is_none();
            let (varying, shift) = if wait_varies {
                (&mut self.wait, self.startup.same().unwrap_or(0))
            } else {
                (&mut self.startup, self.wait.same().unwrap_or(0))
            };
            let (found, own) = varying.quantiles_with_summary_ones(qs);
            let shifted = |q: &Option<SimTime>| q.map(|v| v.saturating_add(shift));
            let summary = varying.summary_of(&own);
            let tts = varying
                .plus_totals(shift)
                .summary_of(&own.iter().map(shifted).collect::<Vec<_>>());
            let found = found.iter().map(shifted).collect();
            return if wait_varies {
                (summary, self.startup.summary(), tts, found)
            } else {
                (self.wait.summary(), summary, tts, found)
            };
        }
        let (wait, startup, tts) = (&mut self.wait, &mut self.startup, &mut self.time_to_start);
        let ((wait, startup), (tts, found)) = if tts.count() < 1 << 16 {
            (
                (wait.summary(), startup.summary()),
                tts.summary_and_quantiles(qs),
            )
        } else {
            std::thread::scope(|s| {
                let other = s.spawn(|| (wait.summary(), startup.summary()));
                let mine = tts.summary_and_quantiles(qs);
                let other = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (other, mine)
            })
        };
        (wait, startup, tts, found)
    }
}

/// Slices this long or shorter are sorted rather than counted.
const SORT_BELOW: usize = 512;
/// log2 of the buckets of one counting pass (4,096 counters: 16 KB, in the
/// first-level cache).
const RADIX_BITS: u32 = 12;

/// The value of each rank in `ranks` (sorted, distinct, each below
/// `v.len()`): the value a full sort would put there. Instead of a
/// selection per rank (101 percentiles of a million samples took about
/// 15 ms, issue 24), one pass counts the samples in 4,096 buckets of equal
/// width over their range, a second gathers the samples of the buckets
/// that hold a wanted rank, and each of those is searched the same way; a
/// bucket one value wide is its answer, a short one is sorted.
fn rank_values<T: Copy + Ord + Into<SimTime>>(v: &[T], ranks: &[usize]) -> Vec<SimTime> {
    if ranks.is_empty() {
        return Vec::new();
    }
    if v.len() <= SORT_BELOW {
        let mut sorted = v.to_vec();
        sorted.sort_unstable();
        return ranks.iter().map(|&r| sorted[r].into()).collect();
    }
    let (lo, hi) = v.iter().fold((SimTime::MAX, 0), |(lo, hi), &x| {
        let x: SimTime = x.into();
        (lo.min(x), hi.max(x))
    });
    let span = hi - lo;
    if span == 0 {
        return vec![lo; ranks.len()];
    }
    let shift = (64 - span.leading_zeros()).saturating_sub(RADIX_BITS);
    let buckets = (span >> shift) as usize + 1;
    let bucket = |x: T| ((x.into() - lo) >> shift) as usize;
    let mut counts = vec![0u32; buckets];
    for &x in v {
        counts[bucket(x)] += 1;
    }
    // The bucket of each rank, and the ranks within it; `slot` numbers the
    // buckets that hold a wanted rank.
    const NONE: u32 = u32::MAX;
    let mut slot = vec![NONE; buckets];
    let mut wanted: Vec<(usize, usize, Vec<usize>)> = Vec::new(); // (bucket, first rank, ranks)
    let mut before = 0usize;
    let mut next = 0;
    for (b, &c) in counts.iter().enumerate() {
        let end = before + c as usize;
        while next < ranks.len() && ranks[next] < end {
            if slot[b] == NONE {
                slot[b] = wanted.len() as u32;
                wanted.push((b, before, Vec::new()));
            }
            let w = wanted.last_mut().expect("a slot was just made");
            w.2.push(ranks[next] - before);
            next += 1;
        }
        before = end;
        if next == ranks.len() {
            break;
        }
    }
    let mut out = Vec::with_capacity(ranks.len());
    if shift == 0 {
        // Each bucket is one value.
        for (b, _, rs) in &wanted {
            out.extend(rs.iter().map(|_| lo + *b as SimTime));
        }
        return out;
    }
    let mut gathered: Vec<Vec<T>> = wanted
        .iter()
        .map(|(b, _, _)| Vec::with_capacity(counts[*b] as usize))
        .collect();
    for &x in v {
        let s = slot[bucket(x)];
        if s != NONE {
            gathered[s as usize].push(x);
        }
    }
    for ((_, _, rs), g) in wanted.iter().zip(&gathered) {
        out.extend(rank_values(g, rs));
    }
    out
}

/// Quantiles of a span distribution, in seconds (`null` when no samples).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct SpanSummary {
    pub count: u64,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    /// False when the quantiles come from the histogram (within 0.1%).
    pub exact: bool,
}

/// Mean, sample standard deviation and 95% Student-t confidence half-width
/// of `xs` (the last two None with fewer than two values); None when empty.
/// The one interval of sweeps, `run --replications` and the self-check.
pub fn mean_ci(xs: &[f64]) -> Option<(f64, Option<f64>, Option<f64>)> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return Some((mean, None, None));
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    let sd = var.sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(f64::NAN);
    Some((mean, Some(sd), Some(t * sd / n.sqrt())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_samples_grow_once_past_65536_and_stay_exact() {
        // 300,000 pseudo-random samples: doubling to 65,536, then room for
        // every sample up to the limit at once (no further copies).
        let mut s = SpanStats::new();
        let mut x: u64 = 12345;
        let mut all = Vec::new();
        for i in 0..300_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (x >> 40) % 1_000_000;
            s.record(v);
            all.push(v);
            if i == 65_535 {
                assert_eq!(s.exact.capacity(), 1 << 16);
            }
            if i == 65_536 {
                assert_eq!(s.exact.capacity(), EXACT_LIMIT + 1);
            }
        }
        assert_eq!(s.exact.capacity(), EXACT_LIMIT + 1);
        all.sort_unstable();
        for q in [0.0, 0.01, 0.5, 0.95, 0.99, 1.0] {
            let rank = ((q * all.len() as f64).ceil() as usize).clamp(1, all.len());
            assert_eq!(s.quantile(q), Some(all[rank - 1]), "q {q}");
        }
        assert!(s.is_exact());
    }

    #[test]
    fn samples_widen_once_when_one_does_not_fit_32_bits() {
        // 70,000 samples that fit 32 bits, then one of two hours (7.2e9
        // µs) and more of both: the kept samples widen once, keep their
        // room, and every quantile is still the sort's.
        let mut s = SpanStats::new();
        let mut all = Vec::new();
        let mut x: u64 = 99;
        for i in 0..90_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = if i == 70_000 || (i > 70_000 && i % 7 == 0) {
                7_200_000_000 + (x >> 40)
            } else {
                (x >> 40) % 4_000_000_000
            };
            if i == 69_999 {
                assert!(matches!(s.exact, Exact::Narrow(_)));
            }
            s.record(v);
            all.push(v);
        }
        assert!(matches!(s.exact, Exact::Wide(_)));
        assert_eq!(s.exact.capacity(), EXACT_LIMIT + 1);
        assert_eq!(s.exact.values(), all);
        all.sort_unstable();
        let qs: Vec<f64> = (0..=100).map(|p| p as f64 / 100.0).collect();
        let at = |q: f64| all[((q * all.len() as f64).ceil() as usize).clamp(1, all.len()) - 1];
        assert_eq!(
            s.quantiles(&qs),
            qs.iter().map(|&q| Some(at(q))).collect::<Vec<_>>()
        );
        assert_eq!(s.quantile(0.9), Some(at(0.9)));
        assert_eq!(s.max(), *all.last().unwrap());
        // Cleared, it keeps its (wide) room and starts again.
        s.clear();
        s.record(5);
        assert_eq!(s.quantiles(&[0.5]), vec![Some(5)]);
    }

    #[test]
    fn exact_nearest_rank() {
        let mut s = SpanStats::new();
        for v in [5, 1, 4, 2, 3] {
            s.record(v);
        }
        assert_eq!(s.quantile(0.5), Some(3));
        assert_eq!(s.quantile(0.95), Some(5));
        assert_eq!(s.quantile(0.0), Some(1));
        let sum = s.summary();
        assert_eq!(sum.mean, Some(3e-6));
        assert!(sum.exact);
    }

    #[test]
    fn many_quantiles_at_once_match_a_full_sort() {
        // Pseudo-random samples with many repeats, quantiles asked out of
        // order and twice: each must be the nearest-rank value of the sorted
        // samples, as one `quantile` call gives.
        let mut s = SpanStats::new();
        let mut x: u64 = 88172645463325252;
        for _ in 0..10_007 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.record(x % 5_000);
        }
        let mut sorted = s.exact.values();
        sorted.sort_unstable();
        let mut qs: Vec<f64> = (0..=100).map(|p| p as f64 / 100.0).collect();
        qs.extend([0.999, 0.5, 0.0001, 0.37]);
        let got = s.quantiles(&qs);
        for (q, v) in qs.iter().zip(got) {
            let rank = ((q * 10_007.0).ceil() as usize).clamp(1, 10_007);
            assert_eq!(v, Some(sorted[rank - 1]), "q = {q}");
            assert_eq!(s.clone().quantile(*q), v, "q = {q}");
        }
        assert_eq!(SpanStats::new().quantiles(&[0.5, 0.9]), vec![None, None]);
    }

    #[test]
    fn buckets_round_trip_within_a_thousandth() {
        for v in [
            0u64,
            1,
            1023,
            1024,
            1025,
            4097,
            1_000_000,
            123_456_789,
            u64::MAX / 3,
        ] {
            let b = bucket_of(v);
            let back = bucket_value(b);
            let err = (back as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err <= 1.0 / 1024.0, "{v} -> {b} -> {back}");
        }
        // Buckets are monotone in the value.
        let mut last = 0;
        for v in (0..5_000_000u64).step_by(997) {
            let b = bucket_of(v);
            assert!(b >= last);
            last = b;
        }
    }

    #[test]
    fn histogram_quantiles_stay_close() {
        let mut s = SpanStats::new();
        let n = EXACT_LIMIT as u64 + 1000;
        for i in 0..n {
            s.record((i * 7919) % 10_000_000);
        }
        assert!(!s.is_exact());
        let p50 = s.quantile(0.5).unwrap() as f64;
        assert!((p50 - 5_000_000.0).abs() / 5e6 < 0.002, "{p50}");
    }
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with
/// `servers` servers and offered load `a` = λ/μ (< servers).
pub fn erlang_c(servers: u32, a: f64) -> f64 {
    // Terms a^k / k! built up one at a time, so large c does not overflow.
    let c = servers as f64;
    let mut term = 1.0;
    let mut below = 0.0;
    for k in 0..servers {
        if k > 0 {
            term *= a / k as f64;
        }
        below += term;
    }
    let top = term * a / c * c / (c - a);
    top / (below + top)
}

/// The mean wait in the queue of an M/M/c system, seconds: C(c, a) / (cμ − λ).
pub fn mmc_mean_wait(servers: u32, arrival_rate: f64, service_rate: f64) -> f64 {
    let a = arrival_rate / service_rate;
    erlang_c(servers, a) / (servers as f64 * service_rate - arrival_rate)
}

#[cfg(test)]
mod queueing_tests {
    use super::*;

    #[test]
    fn erlang_c_known_values() {
        // One server: the probability of waiting is the utilisation.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // Two servers, a = 1: (1/2 · 2) / (1 + 1 + 1) = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/M/1 at λ = 8, μ = 10: Wq = ρ / (μ − λ) = 0.4 s.
        assert!((mmc_mean_wait(1, 8.0, 10.0) - 0.4).abs() < 1e-12);
    }
}

#[cfg(test)]
mod rank_tests {
    use super::*;

    /// Samples that are all equal are known to be so from their sum and
    /// largest; one sample off makes a search that finds it.
    #[test]
    fn equal_samples_need_no_search_and_one_different_is_found() {
        let mut s = SpanStats::new();
        (0..100_000).for_each(|_| s.record(35_000_000));
        assert_eq!(s.quantiles(&[0.0, 0.5, 1.0]), vec![Some(35_000_000); 3]);
        s.record(34_999_999);
        assert_eq!(
            s.quantiles(&[0.0, 0.5, 1.0]),
            vec![Some(34_999_999), Some(35_000_000), Some(35_000_000)]
        );
        let mut zeros = SpanStats::new();
        (0..1_000).for_each(|_| zeros.record(0));
        assert_eq!(zeros.quantiles(&[0.99]), vec![Some(0)]);
        assert_eq!(SpanStats::new().quantiles(&[0.5]), vec![None]);
    }

    /// The time to start, derived from its parts while one is constant and
    /// kept once neither is, is every time the distribution of the sums
    /// recorded one by one: the same samples in the same order, the same
    /// histogram past the exact limit, the same figures.
    #[test]
    fn time_to_start_is_the_sum_whichever_part_is_constant() {
        let mut x: u64 = 3;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % 90_000_000
        };
        type Shape = Box<dyn Fn(usize, u64) -> (u64, u64)>;
        let shapes: Vec<(&str, usize, Shape)> = vec![
            ("no tasks", 0, Box::new(|_, r| (0, r))),
            ("both fixed", 1_000, Box::new(|_, _| (0, 35_000_000))),
            ("no wait", 20_000, Box::new(|_, r| (0, r))),
            ("fixed start-up", 20_000, Box::new(|_, r| (r, 35_000_000))),
            (
                "wait from task 1,000",
                5_000,
                Box::new(|i, r| (if i < 1_000 { 0 } else { r / 7 }, r)),
            ),
            (
                "both fixed, then each varies",
                3_000,
                Box::new(|i, r| {
                    (
                        if i < 2_000 { 5 } else { r },
                        if i < 1_000 { 7 } else { r / 3 },
                    )
                }),
            ),
            (
                "sums past 32 bits",
                3_000,
                Box::new(|_, r| (5_000_000_000, r)),
            ),
            (
                "sums equal, parts not",
                3_000,
                Box::new(|i, _| (i as u64, 10_000 - i as u64)),
            ),
            ("nothing fixed", 3_000, Box::new(|_, r| (r % 1_000, r))),
            (
                "past the exact limit",
                EXACT_LIMIT + 10,
                Box::new(|_, r| (0, r)),
            ),
        ];
        let qs: Vec<f64> = (0..=100).map(|p| p as f64 / 100.0).collect();
        for (name, n, shape) in shapes {
            let mut starts = StartLatency::default();
            let (mut waits, mut startups, mut sums) =
                (SpanStats::new(), SpanStats::new(), SpanStats::new());
            for i in 0..n {
                let (w, s) = shape(i, next());
                starts.record(w, s);
                waits.record(w);
                startups.record(s);
                sums.record(w + s);
            }
            if starts.kept {
                let tts = &starts.time_to_start;
                assert_eq!(
                    (tts.count, tts.sum, tts.max),
                    (sums.count, sums.sum, sums.max)
                );
                assert_eq!(tts.histogram, sums.histogram, "{name}");
                if sums.is_exact() {
                    assert_eq!(tts.exact.values(), sums.exact.values(), "{name}");
                    assert_eq!(
                        std::mem::discriminant(&tts.exact),
                        std::mem::discriminant(&sums.exact),
                        "{name}"
                    );
                }
            }
            let (tts, found) = sums.summary_and_quantiles(&qs);
            assert_eq!(
                starts.summaries(&qs),
                (waits.summary(), startups.summary(), tts, found),
                "{name}"
            );
        }
    }

    /// Equal samples are counted, not kept; the first that differs makes
    /// them kept one by one (narrow or wide, as their values need), and
    /// past the exact limit it moves them to the histogram instead.
    #[test]
    fn equal_samples_are_counted_until_one_differs() {
        let mut s = SpanStats::new();
        (0..70_000).for_each(|_| s.record(0));
        assert_eq!(s.exact.capacity(), 0);
        assert_eq!(s.exact.values().len(), 70_000);
        assert_eq!(s.quantile(0.99), Some(0));
        s.record(3);
        assert!(matches!(s.exact, Exact::Narrow(_)));
        let mut want = vec![0; 70_000];
        want.push(3);
        assert_eq!(s.exact.values(), want);
        // Grown as if kept from the first: room for every exact sample.
        assert_eq!(s.exact.capacity(), EXACT_LIMIT + 1);
        assert_eq!(s.quantiles(&[0.5, 1.0]), vec![Some(0), Some(3)]);
        assert_eq!((s.count(), s.max()), (70_001, 3));

        // A value that does not fit 32 bits: kept wide.
        let mut w = SpanStats::new();
        (0..10).for_each(|_| w.record(7_200_000_000));
        w.record(1);
        assert!(matches!(w.exact, Exact::Wide(_)));
        assert_eq!(w.quantiles(&[0.0, 0.5]), vec![Some(1), Some(7_200_000_000)]);

        // More equal samples than may be kept exactly, then another: the
        // histogram, with every sample counted.
        let mut h = SpanStats::new();
        (0..EXACT_LIMIT + 5).for_each(|_| h.record(35_000_000));
        assert!(h.is_exact());
        assert_eq!(h.quantile(0.5), Some(35_000_000));
        h.record(1_000);
        assert!(!h.is_exact());
        assert_eq!(h.count(), EXACT_LIMIT as u64 + 6);
        assert_eq!(h.histogram.iter().sum::<u64>(), h.count());
        assert_eq!(h.quantile(0.0), Some(1_000));
        let p50 = h.quantile(0.5).unwrap();
        assert!(p50.abs_diff(35_000_000) <= 35_000_000 / 1024, "{p50}");

        // Cleared, it counts equal samples again.
        h.clear();
        (0..3).for_each(|_| h.record(8));
        assert!(h.is_exact());
        assert_eq!(h.quantiles(&[0.0, 1.0]), vec![Some(8), Some(8)]);
    }

    /// The counting search finds what a full sort puts at each rank, on
    /// samples spread, tied, bunched, all equal and at the ends of u64.
    #[test]
    fn ranks_by_counting_are_those_of_a_sort() {
        let mut x: u64 = 7;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 11
        };
        let shapes: Vec<Vec<u64>> = vec![
            (0..300_000).map(|_| next() % 1_000_000_000).collect(),
            (0..100_000).map(|_| 35_000_000 + next() % 3).collect(),
            vec![42; 70_000],
            (0..5_000)
                .map(|i| if i % 2 == 0 { 0 } else { u64::MAX })
                .collect(),
            (0..50_000)
                .map(|i| {
                    if i % 1000 == 0 {
                        next()
                    } else {
                        5 + next() % 7
                    }
                })
                .collect(),
            (0..513).map(|_| next() % 10).collect(),
            vec![9],
        ];
        for v in shapes {
            let n = v.len();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let mut ranks: Vec<usize> = (0..=100).map(|p| (n - 1) * p / 100).collect();
            ranks.dedup();
            assert_eq!(
                rank_values(&v, &ranks),
                ranks.iter().map(|&r| sorted[r]).collect::<Vec<_>>(),
                "n = {n}"
            );
            // Through SpanStats: nearest ranks, in the order asked.
            let mut s = SpanStats::new();
            v.iter().for_each(|&t| s.record(t));
            let q = s.quantiles(&[0.99, 0.5, 0.0, 1.0, 0.5]);
            let at = |q: f64| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
            assert_eq!(
                q,
                [0.99, 0.5, 0.0, 1.0, 0.5].map(|p| Some(at(p))).to_vec(),
                "n = {n}"
            );
            // The summary and the percentiles in one search: the same as
            // each on its own, and as nearest ranks of the sort.
            let percentiles: Vec<f64> = (0..=100).map(|p| p as f64 / 100.0).collect();
            let (summary, found) = s.summary_and_quantiles(&percentiles);
            assert_eq!(summary, s.summary(), "n = {n}");
            assert_eq!(summary.p95, Some(sim_to_seconds(at(0.95))), "n = {n}");
            assert_eq!(found, s.quantiles(&percentiles), "n = {n}");
            assert_eq!(
                found,
                percentiles.iter().map(|&p| Some(at(p))).collect::<Vec<_>>(),
                "n = {n}"
            );
        }
    }
}
