//! AWS Fargate: its size grid, sizing rules and rates, as a profile of the
//! Fargate model (`fargate/model.rs`).
//!
//! Sizing follows AWS: a request is rounded up to the smallest valid
//! (vCPU, memory) combination that covers it; EKS pods first get 256 MiB added
//! for the Kubernetes components; Windows tasks use 1 to 4 vCPU. Billing runs
//! from the start of the image pull to the stop, per second, rounded up, with
//! a one-minute minimum (five for Windows). All of these numbers come from the
//! pricing catalog.

use super::spec::{LaunchType, Sizing};
use crate::pricing::Os;
use crate::pricing::catalog::{FargateCatalog, SizeRow};
use crate::units::{format_memory, format_vcpu};

/// A valid Fargate size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FargateSize {
    pub cpu_milli: u32,
    pub memory_mib: u32,
}

impl std::fmt::Display for FargateSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} vCPU / {}",
            format_vcpu(self.cpu_milli),
            format_memory(self.memory_mib)
        )
    }
}

/// Why a request does not map to a size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeMiss {
    /// Larger than the largest size: the task can never run here.
    TooLarge(String),
    /// Not exactly valid, and sizing is `exact`.
    NotExact { nearest: Vec<FargateSize> },
}

/// The rows of the grid this OS may use.
fn rows_for(grid: &FargateCatalog, os: Os) -> impl Iterator<Item = &SizeRow> {
    grid.size_grid.iter().filter(move |r| {
        os == Os::Linux
            || (r.cpu_milli >= grid.windows_min_cpu_milli
                && r.cpu_milli <= grid.windows_max_cpu_milli)
    })
}

/// The sizes [`fit`] gave for the last requests seen, by request: a trace
/// has few distinct task sizes, and a model's grid, OS, launch type and
/// sizing rule do not change during a run, so the answer for a request is
/// always the same (issue 24: `fit` walked the grid for every task).
/// 16 entries in pairs: a request may sit in either entry of its pair, so
/// two requests that hash alike are both kept; only sizes found are kept.
/// The hash multiplies the request by a large odd constant and keeps the
/// top bits (issue 24: the sum `cpu × 31 + memory` kept only the low bits,
/// which are zero for round sizes; four of the seven sizes of the peers'
/// traces shared one entry and 43 % of the tasks walked the grid again).
#[derive(Clone, Debug, Default)]
pub struct FitMemo {
    entries: [Option<(u32, u32, FargateSize)>; 16],
}

impl FitMemo {
    /// The first entry of the request's pair (the other is the next one).
    #[inline]
    fn slot(cpu_milli: u32, memory_mib: u32) -> usize {
        let key = ((cpu_milli as u64) << 32) | memory_mib as u64;
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 61) as usize * 2
    }

    /// The size found before for this request, if kept.
    #[inline]
    pub fn get(&self, cpu_milli: u32, memory_mib: u32) -> Option<FargateSize> {
        let s = Self::slot(cpu_milli, memory_mib);
        for e in &self.entries[s..s + 2] {
            if let Some((c, m, size)) = *e
                && c == cpu_milli
                && m == memory_mib
            {
                return Some(size);
            }
        }
        None
    }

    /// Keeps the size found for this request in the first entry of its
    /// pair; what was there moves to the second, and what was in the
    /// second (the older of the two) is forgotten.
    #[inline]
    pub fn put(&mut self, cpu_milli: u32, memory_mib: u32, size: FargateSize) {
        let s = Self::slot(cpu_milli, memory_mib);
        if self.entries[s].is_some() {
            self.entries[s + 1] = self.entries[s];
        }
        self.entries[s] = Some((cpu_milli, memory_mib, size));
    }
}

/// Maps a request to the smallest valid size covering it. The smallest CPU row
/// with a memory size large enough is also the cheapest, because both the CPU
/// and the minimum memory grow down the grid.
pub fn fit(
    grid: &FargateCatalog,
    os: Os,
    launch_type: LaunchType,
    sizing: Sizing,
    cpu_milli: u32,
    memory_mib: u32,
) -> Result<FargateSize, SizeMiss> {
    let memory_mib = match launch_type {
        LaunchType::Ecs => memory_mib,
        LaunchType::Eks => memory_mib.saturating_add(grid.eks_pod_overhead_mib),
    };
    let found = rows_for(grid, os).find_map(|row| {
        if row.cpu_milli < cpu_milli {
            return None;
        }
        let mem = *row.memory_mib.iter().find(|m| **m >= memory_mib)?;
        Some(FargateSize {
            cpu_milli: row.cpu_milli,
            memory_mib: mem,
        })
    });
    let Some(size) = found else {
        let largest_cpu = rows_for(grid, os).map(|r| r.cpu_milli).max().unwrap_or(0);
        let largest_mem = rows_for(grid, os)
            .flat_map(|r| r.memory_mib.iter().copied())
            .max()
            .unwrap_or(0);
        let what = if cpu_milli > largest_cpu {
            format!(
                "{} vCPU is above the largest size ({} vCPU)",
                format_vcpu(cpu_milli),
                format_vcpu(largest_cpu)
            )
        } else if memory_mib > largest_mem {
            format!(
                "{} is above the largest size ({})",
                format_memory(memory_mib),
                format_memory(largest_mem)
            )
        } else {
            format!(
                "no size has {} vCPU with {}",
                format_vcpu(cpu_milli),
                format_memory(memory_mib)
            )
        };
        return Err(SizeMiss::TooLarge(what));
    };
    let exact = size.cpu_milli == cpu_milli && size.memory_mib == memory_mib;
    if sizing == Sizing::Exact && !exact {
        return Err(SizeMiss::NotExact {
            nearest: nearest_sizes(grid, os, cpu_milli, memory_mib),
        });
    }
    Ok(size)
}

/// Up to three valid sizes closest to a request (by relative distance).
pub fn nearest_sizes(
    grid: &FargateCatalog,
    os: Os,
    cpu_milli: u32,
    memory_mib: u32,
) -> Vec<FargateSize> {
    let mut all: Vec<(f64, FargateSize)> = rows_for(grid, os)
        .flat_map(|r| {
            r.memory_mib.iter().map(move |m| FargateSize {
                cpu_milli: r.cpu_milli,
                memory_mib: *m,
            })
        })
        .map(|s| {
            let dc = (s.cpu_milli as f64 / cpu_milli.max(1) as f64).ln();
            let dm = (s.memory_mib as f64 / memory_mib.max(1) as f64).ln();
            (dc * dc + dm * dm, s)
        })
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(3).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::Catalog;

    fn grid() -> FargateCatalog {
        Catalog::builtin().fargate
    }

    fn fit_ecs(cpu: u32, mem: u32) -> Result<FargateSize, SizeMiss> {
        fit(
            &grid(),
            Os::Linux,
            LaunchType::Ecs,
            Sizing::RoundUp,
            cpu,
            mem,
        )
    }

    #[test]
    fn the_fit_memo_gives_what_fit_gives_and_keeps_two_requests_a_pair() {
        let mut memo = FitMemo::default();
        for cpu in [100, 250, 256, 500, 1000, 1500, 2000, 4000, 8000] {
            for mem in (256..20_000).step_by(97) {
                if let Ok(size) = fit_ecs(cpu, mem) {
                    memo.put(cpu, mem, size);
                    assert_eq!(memo.get(cpu, mem), Some(size));
                }
            }
        }
        // The seven sizes of the peers' traces are all kept at once.
        let mut memo = FitMemo::default();
        let peers = [
            (250, 512),
            (300, 700),
            (500, 1024),
            (1000, 2048),
            (1000, 3000),
            (2000, 4096),
            (4000, 8192),
        ];
        for (c, m) in peers {
            memo.put(c, m, fit_ecs(c, m).unwrap());
        }
        for (c, m) in peers {
            assert_eq!(memo.get(c, m), Some(fit_ecs(c, m).unwrap()));
        }
        // Three requests of one pair: the third replaces the first, which
        // is then asked of `fit` again; the two newest are kept.
        let same: Vec<u32> = (512..4096)
            .filter(|&m| FitMemo::slot(250, m) == FitMemo::slot(250, 512))
            .take(3)
            .collect();
        assert_eq!(same.len(), 3);
        let mut memo = FitMemo::default();
        for &m in &same {
            memo.put(250, m, fit_ecs(250, m).unwrap());
        }
        assert_eq!(memo.get(250, same[0]), None);
        assert_eq!(memo.get(250, same[1]), Some(fit_ecs(250, same[1]).unwrap()));
        assert_eq!(memo.get(250, same[2]), Some(fit_ecs(250, same[2]).unwrap()));
        assert_eq!(memo.get(500, same[2]), None);
    }

    #[test]
    fn rounds_up_to_the_smallest_covering_size() {
        let s = |c, m| FargateSize {
            cpu_milli: c,
            memory_mib: m,
        };
        assert_eq!(fit_ecs(250, 512), Ok(s(250, 512)));
        assert_eq!(fit_ecs(100, 600), Ok(s(250, 1024)));
        assert_eq!(fit_ecs(250, 3000), Ok(s(500, 3072)));
        assert_eq!(fit_ecs(1500, 1000), Ok(s(2000, 4096)));
        assert_eq!(fit_ecs(4000, 31 * 1024), Ok(s(8000, 32 * 1024)));
        assert_eq!(fit_ecs(8000, 61 * 1024), Ok(s(16000, 64 * 1024)));
        assert!(matches!(fit_ecs(17_000, 1024), Err(SizeMiss::TooLarge(_))));
        assert!(matches!(
            fit_ecs(1000, 121 * 1024),
            Err(SizeMiss::TooLarge(_))
        ));
    }

    #[test]
    fn size_grid_matches_the_ecs_developer_guide() {
        // [AWS] ECS developer guide, "Task definition parameters", task size table: task cpu units → memory MiB (first, last, step).
        let expected: [(u32, &[u32]); 7] = [
            (250, &[512, 1024, 2048]),
            (500, &[1024, 2048, 3072, 4096]),
            (1000, &[2048, 3072, 4096, 5120, 6144, 7168, 8192]),
            (2000, &[]),
            (4000, &[]),
            (8000, &[]),
            (16000, &[]),
        ];
        let ranges = [
            (2000, 4096, 16384, 1024),
            (4000, 8192, 30720, 1024),
            (8000, 16384, 61440, 4096),
            (16000, 32768, 122880, 8192),
        ];
        let grid = grid();
        assert_eq!(grid.size_grid.len(), 7);
        for (row, (cpu, listed)) in grid.size_grid.iter().zip(expected) {
            assert_eq!(row.cpu_milli, cpu);
            if listed.is_empty() {
                let (_, lo, hi, step) = ranges.iter().find(|r| r.0 == cpu).unwrap();
                let want: Vec<u32> = (*lo..=*hi).step_by(*step as usize).collect();
                assert_eq!(row.memory_mib, want, "{cpu}");
            } else {
                assert_eq!(row.memory_mib, listed, "{cpu}");
            }
        }
    }

    #[test]
    fn eks_adds_256_mib_before_rounding() {
        // [AWS] EKS user guide, "Fargate pod configuration": a 1 vCPU / 8 GB pod becomes 2 vCPU / 9 GB.
        let s = fit(
            &grid(),
            Os::Linux,
            LaunchType::Eks,
            Sizing::RoundUp,
            1000,
            8192,
        )
        .unwrap();
        assert_eq!((s.cpu_milli, s.memory_mib), (2000, 9216));
    }

    #[test]
    fn windows_uses_one_to_four_vcpu() {
        let s = fit(
            &grid(),
            Os::Windows,
            LaunchType::Ecs,
            Sizing::RoundUp,
            250,
            512,
        )
        .unwrap();
        assert_eq!((s.cpu_milli, s.memory_mib), (1000, 2048));
        assert!(
            fit(
                &grid(),
                Os::Windows,
                LaunchType::Ecs,
                Sizing::RoundUp,
                8000,
                16384
            )
            .is_err()
        );
    }

    #[test]
    fn exact_sizing_names_nearest_sizes() {
        let e = fit(&grid(), Os::Linux, LaunchType::Ecs, Sizing::Exact, 300, 700).unwrap_err();
        let SizeMiss::NotExact { nearest } = e else {
            panic!()
        };
        assert_eq!(nearest.len(), 3);
        assert!(nearest.contains(&FargateSize {
            cpu_milli: 250,
            memory_mib: 512
        }));
        assert!(
            fit(
                &grid(),
                Os::Linux,
                LaunchType::Ecs,
                Sizing::Exact,
                500,
                2048
            )
            .is_ok()
        );
    }
}
