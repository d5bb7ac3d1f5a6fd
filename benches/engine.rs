//! Engine benchmarks: events per second in the hold model (pop one event,
//! push one) at 1,000 and 100,000 pending events, and arrivals per second
//! through the ordered-arrival path (a generator merged from its cursor).
//!
//! Run: `cargo bench --bench engine`. Each figure is the best of five
//! repetitions; compare ratios between runs on the same machine.

use fargate_sim::engine::{EventQueue, Model, Schedule, run};
use fargate_sim::workload::synthetic::{Arrivals, Generator, WeightedSize};
use fargate_sim::workload::{SpanDist, Task};
use rand::SeedableRng;
use std::hint::black_box;
use std::time::Instant;

/// Pops one event and schedules one at a pseudo-random later time.
fn hold(pending: usize, ops: u64) -> f64 {
    let mut q: EventQueue<u32> = EventQueue::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % 1_000_000
    };
    for i in 0..pending {
        q.schedule_at(next(), i as u32);
    }
    let start = Instant::now();
    for _ in 0..ops {
        let (_, e) = q.pop().expect("pending");
        let d = next();
        q.schedule_in(d, black_box(e));
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

/// A model that only counts arrivals.
struct Count(u64);
impl Model for Count {
    type Event = ();
    type Arrival = Task;
    fn on_arrival(&mut self, task: Task, _: &mut impl Schedule<()>) {
        self.0 += black_box(task.cpu_milli) as u64;
    }
    fn on_event(&mut self, _: (), _: &mut impl Schedule<()>) {}
}

fn arrivals(n: u64) -> f64 {
    let g = Generator {
        name: "bench".into(),
        arrivals: Arrivals::Poisson { rate_per_s: 100.0 },
        duration: SpanDist::Constant(1_000_000),
        sizes: vec![WeightedSize {
            cpu_milli: 250,
            memory_mib: 512,
            storage_gib: 0,
            weight: 1.0,
            usage: None,
        }],
        count: Some(n),
        start: 0,
        until: None,
    };
    let mut stream = g.stream(rand_pcg::Pcg64Mcg::seed_from_u64(1));
    let mut m = Count(0);
    let start = Instant::now();
    let end = run(&mut m, &mut stream, None).expect("generator never fails");
    assert_eq!(end.events, n);
    n as f64 / start.elapsed().as_secs_f64()
}

fn best<F: FnMut() -> f64>(mut f: F) -> f64 {
    (0..5).map(|_| f()).fold(0.0, f64::max)
}

fn main() {
    println!("engine benchmarks (best of 5)");
    for pending in [1_000usize, 100_000] {
        let rate = best(|| hold(pending, 5_000_000));
        println!(
            "  hold model, {pending:>7} pending: {:>6.1} M events/s",
            rate / 1e6
        );
    }
    let rate = best(|| arrivals(2_000_000));
    println!(
        "  ordered arrivals (Poisson generator): {:>6.1} M arrivals/s",
        rate / 1e6
    );
}
