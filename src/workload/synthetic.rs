//! Synthetic workload generators: Poisson, diurnal and burst arrivals with
//! durations from a distribution and sizes from a weighted list.
//!
//! Each generator draws from its own random stream, so adding a generator to
//! a scenario leaves the tasks of the others unchanged.

use super::dist::SpanDist;
use super::task::{Task, TaskStream};
use crate::time::{DAY, SECOND, SimTime, seconds_to_sim};
use rand::RngExt;
use rand_pcg::Pcg64Mcg;
use std::sync::Arc;

/// How tasks arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// A Poisson process at a constant rate.
    Poisson { rate_per_s: f64 },
    /// A Poisson process whose rate follows a cosine over the day, from
    /// `min_per_s` to `max_per_s`, highest at `peak_at` (time of day).
    Diurnal {
        min_per_s: f64,
        max_per_s: f64,
        peak_at: SimTime,
    },
    /// `size` tasks at once at each of the given times.
    Burst { at: Vec<SimTime>, size: u64 },
}

impl Arrivals {
    /// The arrival rate at time `t`, per second.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        match self {
            Arrivals::Poisson { rate_per_s } => *rate_per_s,
            Arrivals::Diurnal {
                min_per_s,
                max_per_s,
                peak_at,
            } => {
                let phase = ((t % DAY) as f64 - *peak_at as f64) / DAY as f64;
                min_per_s
                    + (max_per_s - min_per_s) * (1.0 + (std::f64::consts::TAU * phase).cos()) / 2.0
            }
            Arrivals::Burst { .. } => 0.0,
        }
    }

    /// The same process with `factor` times as many arrivals.
    pub fn scaled(&self, factor: f64) -> Arrivals {
        match self {
            Arrivals::Poisson { rate_per_s } => Arrivals::Poisson {
                rate_per_s: rate_per_s * factor,
            },
            Arrivals::Diurnal {
                min_per_s,
                max_per_s,
                peak_at,
            } => Arrivals::Diurnal {
                min_per_s: min_per_s * factor,
                max_per_s: max_per_s * factor,
                peak_at: *peak_at,
            },
            Arrivals::Burst { at, size } => Arrivals::Burst {
                at: at.clone(),
                size: (*size as f64 * factor).round() as u64,
            },
        }
    }
}

/// Shows a rate per second as people write it: `2/s`, `10/min`, `3/h`.
fn show_rate(per_s: f64) -> String {
    if per_s >= 1.0 {
        format!("{}/s", (per_s * 1000.0).round() / 1000.0)
    } else if per_s * 60.0 >= 1.0 {
        format!("{}/min", (per_s * 60_000.0).round() / 1000.0)
    } else {
        format!("{}/h", (per_s * 3_600_000.0).round() / 1000.0)
    }
}

impl std::fmt::Display for Arrivals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::time::format_span;
        match self {
            Arrivals::Poisson { rate_per_s } => write!(f, "Poisson, {}", show_rate(*rate_per_s)),
            Arrivals::Diurnal {
                min_per_s,
                max_per_s,
                peak_at,
            } => write!(
                f,
                "diurnal, {} to {}, peak at {} into the day",
                show_rate(*min_per_s),
                show_rate(*max_per_s),
                format_span(*peak_at)
            ),
            Arrivals::Burst { at, size } => write!(f, "{} burst(s) of {size} tasks", at.len()),
        }
    }
}

/// A task size with its relative weight.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedSize {
    pub cpu_milli: u32,
    pub memory_mib: u32,
    pub storage_gib: u32,
    pub weight: f64,
    /// What its tasks use, drawn per task (None: no usage).
    pub usage: Option<super::usage::UsageDraw>,
}

/// A validated generator.
#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    /// Also the `group` of the tasks it makes.
    pub name: String,
    pub arrivals: Arrivals,
    pub duration: SpanDist,
    pub sizes: Vec<WeightedSize>,
    /// Stop after this many tasks.
    pub count: Option<u64>,
    /// First arrival no earlier than this.
    pub start: SimTime,
    /// No arrivals after this time.
    pub until: Option<SimTime>,
}

impl Generator {
    /// The expected number of tasks up to `end` (for estimates before a run).
    pub fn expected_tasks(&self, end: SimTime) -> f64 {
        let end = self.until.map_or(end, |u| u.min(end));
        let n = match &self.arrivals {
            Arrivals::Burst { at, size } => {
                at.iter().filter(|t| **t <= end).count() as f64 * *size as f64
            }
            Arrivals::Poisson { rate_per_s } => {
                rate_per_s * end.saturating_sub(self.start) as f64 / SECOND as f64
            }
            Arrivals::Diurnal {
                min_per_s,
                max_per_s,
                ..
            } => {
                (min_per_s + max_per_s) / 2.0 * end.saturating_sub(self.start) as f64
                    / SECOND as f64
            }
        };
        self.count.map_or(n, |c| n.min(c as f64))
    }

    /// The generator's tasks, in submit order, with ids to be set by the merge.
    pub fn stream(&self, rng: Pcg64Mcg) -> TaskStream {
        let total_weight: f64 = self.sizes.iter().map(|s| s.weight).sum();
        let mut cumulative = Vec::with_capacity(self.sizes.len());
        let mut acc = 0.0;
        for s in &self.sizes {
            acc += s.weight / total_weight;
            cumulative.push(acc);
        }
        // Usage has a stream of its own, so drawing it leaves the arrivals,
        // durations and sizes as they are without it.
        let usage_rng = {
            use rand::SeedableRng;
            Pcg64Mcg::seed_from_u64(rng.clone().random::<u64>() ^ 0x7573_6167_6500_0000)
        };
        Box::new(GeneratorIter {
            usage_rng,
            spec: self.clone(),
            group: Arc::from(self.name.as_str()),
            cumulative,
            rng,
            clock_s: self.start as f64 / SECOND as f64,
            made: 0,
            burst_index: 0,
            burst_left: 0,
        })
    }
}

struct GeneratorIter {
    usage_rng: Pcg64Mcg,
    spec: Generator,
    group: Arc<str>,
    cumulative: Vec<f64>,
    rng: Pcg64Mcg,
    /// The time of the last candidate arrival, in seconds.
    clock_s: f64,
    made: u64,
    burst_index: usize,
    burst_left: u64,
}

impl GeneratorIter {
    fn next_arrival(&mut self) -> Option<SimTime> {
        match &self.spec.arrivals {
            Arrivals::Poisson { rate_per_s } => {
                if *rate_per_s <= 0.0 {
                    return None;
                }
                self.clock_s += exp_sample(&mut self.rng, *rate_per_s);
                seconds_to_sim(self.clock_s)
            }
            Arrivals::Diurnal { max_per_s, .. } => {
                if *max_per_s <= 0.0 {
                    return None;
                }
                // Thinning (Lewis and Shedler): candidates at the peak rate,
                // each kept with probability rate(t) / peak.
                loop {
                    self.clock_s += exp_sample(&mut self.rng, *max_per_s);
                    let t = seconds_to_sim(self.clock_s)?;
                    if self.spec.until.is_some_and(|u| t > u) {
                        return Some(t);
                    }
                    let keep = self.spec.arrivals.rate_at(t) / max_per_s;
                    if self.rng.random::<f64>() < keep {
                        return Some(t);
                    }
                }
            }
            Arrivals::Burst { at, size } => {
                while self.burst_left == 0 {
                    let t = *at.get(self.burst_index)?;
                    self.burst_index += 1;
                    if t >= self.spec.start {
                        self.burst_left = *size;
                    }
                }
                self.burst_left -= 1;
                Some(at[self.burst_index - 1])
            }
        }
    }
}

/// One exponential inter-arrival time in seconds at `rate` per second.
fn exp_sample(rng: &mut Pcg64Mcg, rate: f64) -> f64 {
    // 1 - U is in (0, 1], so the logarithm is finite.
    -(1.0 - rng.random::<f64>()).ln() / rate
}

impl crate::workload::TaskSource for GeneratorIter {}

impl Iterator for GeneratorIter {
    type Item = Result<Task, super::task::WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.spec.count.is_some_and(|c| self.made >= c) {
            return None;
        }
        let submit = self.next_arrival()?;
        if self.spec.until.is_some_and(|u| submit > u) {
            return None;
        }
        let size = if self.cumulative.len() == 1 {
            &self.spec.sizes[0]
        } else {
            let u: f64 = self.rng.random();
            let i = self
                .cumulative
                .partition_point(|c| *c <= u)
                .min(self.spec.sizes.len() - 1);
            &self.spec.sizes[i]
        };
        let (cpu_milli, memory_mib, storage_gib) =
            (size.cpu_milli, size.memory_mib, size.storage_gib);
        let usage = size
            .usage
            .map(|d| Box::new(d.draw(&mut self.usage_rng, cpu_milli, memory_mib)));
        let duration = self.spec.duration.sample(&mut self.rng);
        self.made += 1;
        Some(Ok(Task {
            id: 0,
            label: None,
            submit,
            duration,
            cpu_milli,
            memory_mib,
            storage_gib,
            group: Some(self.group.clone()),
            usage,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR;
    use rand::SeedableRng;

    fn generator(arrivals: Arrivals) -> Generator {
        Generator {
            name: "g".into(),
            arrivals,
            duration: SpanDist::Constant(60 * SECOND),
            sizes: vec![WeightedSize {
                cpu_milli: 250,
                memory_mib: 512,
                storage_gib: 0,
                weight: 1.0,
                usage: None,
            }],
            count: None,
            start: 0,
            until: Some(10 * DAY),
        }
    }

    #[test]
    fn poisson_count_matches_rate() {
        let g = generator(Arrivals::Poisson { rate_per_s: 0.1 });
        let n = g.stream(Pcg64Mcg::seed_from_u64(1)).count() as f64;
        let expected = 0.1 * 10.0 * 86_400.0;
        // Poisson: sd = sqrt(86400) ≈ 294; allow 4 sd.
        assert!(
            (n - expected).abs() < 4.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
        assert!((g.expected_tasks(10 * DAY) - expected).abs() < 1e-6);
    }

    #[test]
    fn diurnal_peaks_at_the_peak_hour() {
        let g = generator(Arrivals::Diurnal {
            min_per_s: 0.0,
            max_per_s: 1.0,
            peak_at: 14 * HOUR,
        });
        let mut by_hour = [0u64; 24];
        for t in g.stream(Pcg64Mcg::seed_from_u64(2)) {
            by_hour[((t.unwrap().submit % DAY) / HOUR) as usize] += 1;
        }
        let peak = by_hour
            .iter()
            .enumerate()
            .max_by_key(|(_, n)| **n)
            .unwrap()
            .0;
        assert!((13..=14).contains(&peak), "peak hour {peak}: {by_hour:?}");
        assert!(by_hour[2] < by_hour[14] / 10);
    }

    #[test]
    fn bursts_come_whole_and_in_order() {
        let mut g = generator(Arrivals::Burst {
            at: vec![HOUR, 3 * HOUR],
            size: 5,
        });
        g.count = Some(7);
        let times: Vec<SimTime> = g
            .stream(Pcg64Mcg::seed_from_u64(0))
            .map(|t| t.unwrap().submit)
            .collect();
        assert_eq!(
            times,
            vec![HOUR, HOUR, HOUR, HOUR, HOUR, 3 * HOUR, 3 * HOUR]
        );
    }
}
