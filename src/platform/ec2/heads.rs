//! Which waiting size class to place next, without looking at every class
//! (issue 24): the oldest head (lowest task id) among the classes that fit
//! in a given room, in time that grows with the number of distinct CPU
//! sizes, not with the number of classes or the backlog.
//!
//! The cluster model places waiting tasks oldest first among the classes
//! that fit somewhere; with a trace of hundreds of task sizes (the Alibaba
//! 2017 sample has 990, over 14 CPU sizes) asking every class on every
//! event made the run crawl. The index keeps, per CPU size, a tree over
//! memory sizes holding the lowest head id below each node, so "the oldest
//! class with cpu ≤ c and memory ≤ m" is one walk of 32 levels per CPU
//! size at most `c`.

use std::collections::BTreeMap;

/// No head: the class is not waiting.
const EMPTY: u64 = u64::MAX;

/// A node of a [`MinTree`]: the lowest head below it, the memory size of
/// the class that holds it, and its children (0: none; the root is never
/// a child).
#[derive(Clone, Copy)]
struct Node {
    min: u64,
    key: u32,
    kids: [u32; 2],
}

impl Node {
    const fn empty() -> Node {
        Node {
            min: EMPTY,
            key: 0,
            kids: [0, 0],
        }
    }
}

/// A binary tree over every memory size (32 bits, a level per bit), with
/// nodes made only along the paths of sizes that ever waited.
struct MinTree {
    nodes: Vec<Node>,
}

impl MinTree {
    fn new() -> MinTree {
        MinTree {
            nodes: vec![Node::empty()],
        }
    }

    /// Sets the head of memory size `key` (EMPTY: none).
    fn set(&mut self, key: u32, head: u64) {
        let mut path = [0u32; 33];
        let mut n = 0u32;
        for depth in 0..32 {
            let bit = ((key >> (31 - depth)) & 1) as usize;
            let mut child = self.nodes[n as usize].kids[bit];
            if child == 0 {
                if head == EMPTY {
                    return; // nothing there to clear
                }
                child = self.nodes.len() as u32;
                self.nodes.push(Node::empty());
                self.nodes[n as usize].kids[bit] = child;
            }
            n = child;
            path[depth + 1] = n;
        }
        self.nodes[n as usize] = Node {
            min: head,
            key,
            kids: [0, 0],
        };
        for depth in (0..32).rev() {
            let p = path[depth] as usize;
            let mut best = (EMPTY, 0);
            for k in self.nodes[p].kids {
                if k != 0 {
                    let c = self.nodes[k as usize];
                    if c.min < best.0 {
                        best = (c.min, c.key);
                    }
                }
            }
            self.nodes[p].min = best.0;
            self.nodes[p].key = best.1;
        }
    }

    /// The lowest head among memory sizes ≤ `mem`, with its size.
    fn lowest_up_to(&self, mem: u32) -> Option<(u64, u32)> {
        let mut best = (EMPTY, 0);
        let mut n = 0usize;
        for depth in 0..32 {
            let bit = (mem >> (31 - depth)) & 1;
            let [left, right] = self.nodes[n].kids;
            if bit == 1 {
                // Every size under the left child is below `mem`.
                if left != 0 {
                    let l = self.nodes[left as usize];
                    if l.min < best.0 {
                        best = (l.min, l.key);
                    }
                }
                if right == 0 {
                    return (best.0 != EMPTY).then_some(best);
                }
                n = right as usize;
            } else {
                if left == 0 {
                    return (best.0 != EMPTY).then_some(best);
                }
                n = left as usize;
            }
        }
        let leaf = self.nodes[n];
        if leaf.min < best.0 {
            best = (leaf.min, leaf.key);
        }
        (best.0 != EMPTY).then_some(best)
    }
}

/// The head (oldest waiting task id) of every waiting size class, indexed
/// by CPU size, then memory size.
#[derive(Default)]
pub struct Heads {
    by_cpu: BTreeMap<u32, MinTree>,
}

impl Heads {
    /// Class `(cpu, mem)` now has head `head` (None: no task waits in it).
    pub fn set(&mut self, class: (u32, u32), head: Option<u64>) {
        match head {
            Some(h) => self
                .by_cpu
                .entry(class.0)
                .or_insert_with(MinTree::new)
                .set(class.1, h),
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
