//! What a task used, as opposed to what it asked for: average and peak CPU
//! and memory over its run. Traces that publish usage (the native format's
//! optional columns, Alibaba 2018 `batch_instance`) and generators with a
//! `usage` table fill it; right-sizing policies (`platform/rightsize.rs`)
//! read it. A task without usage carries `None` and costs one pointer.

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// Average and peak use over a task's run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Average CPU in milli-vCPU (the work: average × run time).
    pub cpu_avg_milli: u32,
    /// Peak CPU in milli-vCPU.
    pub cpu_max_milli: u32,
    /// Average memory in MiB.
    pub memory_avg_mib: u32,
    /// Peak memory in MiB (the working set a container limit must hold).
    pub memory_max_mib: u32,
    /// Whether the peaks were measured. False when the source gives only
    /// averages (the CUR's `split_line_item_actual_usage`): the peaks then
    /// repeat the averages, a policy sizing at `max` keeps the request, and
    /// a kill is judged against the average (a lower bound on kills).
    pub peak_known: bool,
}

impl Usage {
    /// Usage from whichever of the four values are known: a missing average
    /// takes the peak and a missing peak the average; a dimension with
    /// neither is taken to use what it requested (`request`), so a policy
    /// leaves it as it was. None when nothing is known.
    pub fn from_parts(
        cpu: (Option<u32>, Option<u32>),
        memory: (Option<u32>, Option<u32>),
        request: (u32, u32),
    ) -> Option<Usage> {
        if cpu == (None, None) && memory == (None, None) {
            return None;
        }
        let pair = |(avg, max): (Option<u32>, Option<u32>), req: u32| match (avg, max) {
            (Some(a), Some(m)) => (a.min(m), m.max(a)),
            (Some(a), None) => (a, a),
            (None, Some(m)) => (m, m),
            (None, None) => (req, req),
        };
        let (cpu_avg_milli, cpu_max_milli) = pair(cpu, request.0);
        let (memory_avg_mib, memory_max_mib) = pair(memory, request.1);
        Some(Usage {
            cpu_avg_milli,
            cpu_max_milli,
            memory_avg_mib,
            memory_max_mib,
            peak_known: true,
        })
    }

    /// Usage known only as averages (CPU milli-vCPU, memory MiB): the peaks
    /// repeat them and are marked unknown.
    pub fn averages_only(cpu_avg_milli: u32, memory_avg_mib: u32) -> Usage {
        Usage {
            cpu_avg_milli,
            cpu_max_milli: cpu_avg_milli,
            memory_avg_mib,
            memory_max_mib: memory_avg_mib,
            peak_known: false,
        }
    }
}

/// A generator's usage: for each of CPU and memory, a range of fractions of
/// the request. Each task draws two fractions uniformly from the range: the
/// smaller is its average, the larger its peak.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UsageDraw {
    pub cpu: (f64, f64),
    pub memory: (f64, f64),
}

impl UsageDraw {
    /// One task's usage for a request of `cpu_milli` and `memory_mib`.
    pub fn draw(&self, rng: &mut Pcg64Mcg, cpu_milli: u32, memory_mib: u32) -> Usage {
        let mut pair = |(lo, hi): (f64, f64), request: u32| {
            let a = lo + (hi - lo) * rng.random::<f64>();
            let b = lo + (hi - lo) * rng.random::<f64>();
            let of = |f: f64| ((request as f64 * f).ceil() as u32).max(1);
            (of(a.min(b)), of(a.max(b)))
        };
        let (cpu_avg_milli, cpu_max_milli) = pair(self.cpu, cpu_milli);
        let (memory_avg_mib, memory_max_mib) = pair(self.memory, memory_mib);
        Usage {
            cpu_avg_milli,
            cpu_max_milli,
            memory_avg_mib,
            memory_max_mib,
            peak_known: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn missing_values_fill_from_their_pair_or_the_request() {
        let u = Usage::from_parts((None, Some(800)), (Some(300), None), (1000, 2048)).unwrap();
        assert_eq!(
            (
                u.cpu_avg_milli,
                u.cpu_max_milli,
                u.memory_avg_mib,
                u.memory_max_mib
            ),
            (800, 800, 300, 300)
        );
        let u = Usage::from_parts((Some(200), Some(400)), (None, None), (1000, 2048)).unwrap();
        assert_eq!((u.memory_avg_mib, u.memory_max_mib), (2048, 2048));
        assert_eq!(Usage::from_parts((None, None), (None, None), (1, 1)), None);
    }

    #[test]
    fn draws_stay_in_the_range_and_average_below_peak() {
        let d = UsageDraw {
            cpu: (0.2, 0.6),
            memory: (0.5, 0.5),
        };
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        for _ in 0..1000 {
            let u = d.draw(&mut rng, 1000, 2048);
            assert!((200..=600).contains(&u.cpu_avg_milli));
            assert!(u.cpu_avg_milli <= u.cpu_max_milli && u.cpu_max_milli <= 600);
            assert_eq!((u.memory_avg_mib, u.memory_max_mib), (1024, 1024));
        }
    }
}
