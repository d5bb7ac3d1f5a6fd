//! Which waiting size class to place next, without looking at every class
//! (issue 24): the oldest head (lowest task id) among the classes that fit
//! in a given room, in time that grows with the number of distinct CPU
//! sizes, not with the number of classes or the backlog.
//!
//! The cluster model places waiting tasks oldest first among the classes
//! that fit somewhere; with a trace of hundreds of task sizes (the Alibaba
//! 2017 sample has 990, over 14 CPU sizes) asking every class on every
//! event made the run crawl. The index keeps, per CPU size, a tree over
//! memory sizes cut into blocks of 32 with each block's lowest head id, so
//! "the oldest class with cpu ≤ c and memory ≤ m" reads, per CPU size at
//! most `c`, the block minima below `m` and at most one block.

use std::collections::BTreeMap;

/// No head: the class is not waiting.
const EMPTY: u64 = u64::MAX;

/// Entries per block of a [`ByMemory`].
const BLOCK: usize = 32;

/// The heads of one CPU size's classes, ordered by memory size, with the
/// lowest head of each block of [`BLOCK`] entries: "the lowest head with
/// memory ≤ m" reads the blocks below m and at most one block's entries.
/// A memory size, once seen, keeps its entry (EMPTY when not waiting), so
/// entries are inserted only the first time a size waits.
#[derive(Default)]
struct ByMemory {
    keys: Vec<u32>,
    heads: Vec<u64>,
    /// Per block: the lowest head and its entry's index.
    blocks: Vec<(u64, usize)>,
}

impl ByMemory {
    fn lowest_in(&self, from: usize, to: usize) -> (u64, usize) {
        (from..to)
            .map(|i| (self.heads[i], i))
            .min()
            .unwrap_or((EMPTY, 0))
    }

    fn rebuild_from(&mut self, block: usize) {
        let n = self.keys.len().div_ceil(BLOCK);
        self.blocks.truncate(block);
        for b in block..n {
            let m = self.lowest_in(b * BLOCK, ((b + 1) * BLOCK).min(self.keys.len()));
            self.blocks.push(m);
        }
    }

    /// Sets the head of memory size `key` (EMPTY: none).
    fn set(&mut self, key: u32, head: u64) {
        match self.keys.binary_search(&key) {
            Ok(i) => {
                self.heads[i] = head;
                let b = i / BLOCK;
                self.blocks[b] = self.lowest_in(b * BLOCK, ((b + 1) * BLOCK).min(self.keys.len()));
            }
            Err(i) => {
                if head == EMPTY {
                    return;
                }
                self.keys.insert(i, key);
                self.heads.insert(i, head);
                self.rebuild_from(i / BLOCK);
            }
        }
    }

    /// The lowest head among memory sizes ≤ `mem`, with its size.
    fn lowest_up_to(&self, mem: u32) -> Option<(u64, u32)> {
        let n = self.keys.partition_point(|&k| k <= mem);
        let full = n / BLOCK;
        let best = self.blocks[..full]
            .iter()
            .copied()
            .min()
            .unwrap_or((EMPTY, 0))
            .min(self.lowest_in(full * BLOCK, n));
        (best.0 != EMPTY).then(|| (best.0, self.keys[best.1]))
    }
}

/// The head (oldest waiting task id) of every waiting size class, indexed
/// by CPU size, then memory size.
#[derive(Default)]
pub struct Heads {
    by_cpu: BTreeMap<u32, ByMemory>,
}

impl Heads {
    /// Class `(cpu, mem)` now has head `head` (None: no task waits in it).
    pub fn set(&mut self, class: (u32, u32), head: Option<u64>) {
        match head {
            Some(h) => self.by_cpu.entry(class.0).or_default().set(class.1, h),
            None => {
                if let Some(t) = self.by_cpu.get_mut(&class.0) {
                    t.set(class.1, EMPTY);
                }
            }
        }
    }

    /// The oldest head among the classes that fit in `cpu` and `mem`, with
    /// its class.
    pub fn oldest_fitting(&self, cpu: u32, mem: u32) -> Option<(u64, (u32, u32))> {
        self.by_cpu
            .range(..=cpu)
            .filter_map(|(&c, t)| t.lowest_up_to(mem).map(|(h, m)| (h, (c, m))))
            .min()
    }

    /// Forgets every class.
    pub fn clear(&mut self) {
        self.by_cpu.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index against a scan of every class, on a few hundred random
    /// changes and queries.
    #[test]
    fn oldest_fitting_matches_a_scan_of_every_class() {
        let mut heads = Heads::default();
        let mut all: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        let mut x: u64 = 12345;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        for step in 0..2000u64 {
            let class = (
                [250, 500, 1000, 2000][(next() % 4) as usize],
                (next() % 64) as u32 * 512 + if step % 7 == 0 { u32::MAX - 600 } else { 0 },
            );
            if next() % 3 == 0 {
                all.remove(&class);
                heads.set(class, None);
            } else {
                let h = next() % 100_000;
                all.insert(class, h);
                heads.set(class, Some(h));
            }
            let (c, m) = ((next() % 2500) as u32, (next() % 40_000) as u32);
            let m = if step % 11 == 0 { u32::MAX } else { m };
            let scan = all
                .iter()
                .filter(|(k, _)| k.0 <= c && k.1 <= m)
                .map(|(k, h)| (*h, *k))
                .min();
            assert_eq!(heads.oldest_fitting(c, m), scan, "step {step}");
        }
    }

    #[test]
    fn a_room_takes_the_oldest_class_that_fits_it() {
        let mut heads = Heads::default();
        heads.set((500, 1024), Some(7));
        heads.set((500, 2048), Some(3));
        heads.set((1000, 512), Some(1));
        // Room for 0.5 vCPU and 1.5 GiB: only (500, 1024) fits.
        assert_eq!(heads.oldest_fitting(500, 1536), Some((7, (500, 1024))));
        // 1 vCPU and 2 GiB: all three fit; task 1 is the oldest.
        assert_eq!(heads.oldest_fitting(1000, 2048), Some((1, (1000, 512))));
        heads.set((1000, 512), None);
        assert_eq!(heads.oldest_fitting(1000, 2048), Some((3, (500, 2048))));
        assert_eq!(heads.oldest_fitting(499, u32::MAX), None);
        heads.clear();
        assert_eq!(heads.oldest_fitting(u32::MAX, u32::MAX), None);
    }
}
