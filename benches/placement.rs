//! Placement benchmark: placements per second with binpack (memory) and with
//! spread then binpack, on clusters of 1,000 and 10,000 instances kept about
//! 80% full, where each placement follows the release of a random running
//! task (tasks finishing at random).
//!
//! Run: `cargo bench --bench placement`. Best of five repetitions.

use fargate_sim::platform::ec2::placement::{Placer, Resource, Strategy};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::time::Instant;

const SIZES: [(u32, u32); 4] = [(250, 512), (500, 1024), (1000, 2048), (2000, 4096)];

fn bench(instances: u32, strategies: &[Strategy], placements: u64) -> f64 {
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    let mut placer = Placer::new(strategies.to_vec(), Pcg64Mcg::seed_from_u64(8));
    for id in 0..instances {
        placer.open(id, 4000, 16_000);
    }
    // Fill to about 80% of CPU.
    let mut running: Vec<(u32, u32, u32)> = Vec::new();
    let target = instances as u64 * 4000 * 8 / 10;
    let mut used = 0u64;
    while used < target {
        let (c, m) = SIZES[rng.random_range(0..SIZES.len())];
        match placer.place(c, m) {
            Some(id) => {
                running.push((id, c, m));
                used += c as u64;
            }
            None => break,
        }
    }
    let start = Instant::now();
    let mut done = 0u64;
    while done < placements {
        let i = rng.random_range(0..running.len());
        let (id, c, m) = running.swap_remove(i);
        placer.release(id, c, m);
        let (c, m) = SIZES[rng.random_range(0..SIZES.len())];
        if let Some(id) = placer.place(c, m) {
            running.push((id, c, m));
        }
        done += 1;
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    println!("placement benchmarks (release + place, ~80% full, best of 5)");
    let binpack = [Strategy::Binpack(Resource::Memory)];
    let spread_binpack = [Strategy::Spread, Strategy::Binpack(Resource::Memory)];
    for (name, s) in [
        ("binpack:memory", &binpack[..]),
        ("spread, binpack", &spread_binpack[..]),
    ] {
        for n in [1_000u32, 10_000] {
            let rate = (0..5).map(|_| bench(n, s, 2_000_000)).fold(0.0, f64::max);
            println!(
                "  {name:<16} {n:>6} instances: {:>5.2} M placements/s",
                rate / 1e6
            );
        }
    }
}
