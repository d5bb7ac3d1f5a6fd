//! A Fargate provider's queue of tasks waiting for a launch token, kept on
//! disk past two chunks (issue 24): a trace that outruns the launch rate
//! (the Alibaba 2017 sample, 10.5 M tasks at 175 a second against 20 a
//! second) no longer holds its whole backlog in memory. The queue is first
//! in, first out, so the tasks come back in the order they went in and
//! the results do not change.

use super::sizing::FargateSize;
use crate::platform::rightsize::Attempt;
use crate::platform::spill::{
    Codec, SpillQueue, TaskGroups, get_label, get_u32, get_u64, get_usage, put_label, put_u32,
    put_u64, put_usage,
};
use crate::workload::Task;
use std::io::Read;

/// A task waiting for a launch token. Its provider is the queue's it
/// waits in (or, before it is queued, the one the strategy will pick):
/// kept out of it, the record is 128 bytes, which the compiler moves
/// inline, not by a call to `memcpy` (issue 24).
pub struct Waiting {
    pub task: Task,
    pub size: FargateSize,
    pub storage_extra_gib: u32,
    pub attempt: u32,
    /// What this attempt does at `size` (right-sizing: a stretched run or
    /// a kill for memory); the workload's run otherwise.
    pub plan: Attempt,
}

/// Writes a waiting task as fixed fields, its label's bytes and its group
/// as a number (groups are kept once, in memory: there are as many as the
/// trace's jobs, not its tasks).
pub struct WaitingCodec {
    groups: TaskGroups,
    text: Vec<u8>,
}

impl Codec<Waiting> for WaitingCodec {
    fn write(&mut self, w: &Waiting, out: &mut Vec<u8>) {
        let t = &w.task;
        put_u64(out, t.id);
        put_u64(out, t.submit);
        put_u64(out, t.duration);
        put_u32(out, t.cpu_milli);
        put_u32(out, t.memory_mib);
        put_u32(out, t.storage_gib);
        put_u32(out, w.size.cpu_milli);
        put_u32(out, w.size.memory_mib);
        put_u32(out, w.storage_extra_gib);
        put_u32(out, w.attempt);
        put_label(out, t.label.as_ref());
        self.groups.put(out, t.group.as_ref());
        put_usage(out, t.usage.as_deref());
        put_u64(out, w.plan.run);
        put_u32(out, u32::from(w.plan.oom));
        put_u64(out, w.plan.extra);
    }

    fn read(&mut self, r: &mut impl Read) -> std::io::Result<Waiting> {
        let id = get_u64(r)?;
        let submit = get_u64(r)?;
        let duration = get_u64(r)?;
        let cpu_milli = get_u32(r)?;
        let memory_mib = get_u32(r)?;
        let storage_gib = get_u32(r)?;
        let size = FargateSize {
            cpu_milli: get_u32(r)?,
            memory_mib: get_u32(r)?,
        };
        let storage_extra_gib = get_u32(r)?;
        let attempt = get_u32(r)?;
        let label = get_label(r, &mut self.text)?;
        let group = self.groups.get(r)?;
        let usage = get_usage(r)?;
        let plan = Attempt {
            run: get_u64(r)?,
            oom: get_u32(r)? != 0,
            extra: get_u64(r)?,
        };
        Ok(Waiting {
            task: Task {
                id,
                label,
                submit,
                duration,
                cpu_milli,
                memory_mib,
                storage_gib,
                group,
                usage,
            },
            size,
            storage_extra_gib,
            attempt,
            plan,
        })
    }
}

/// One provider's launch queue.
pub type Queue = SpillQueue<Waiting, WaitingCodec>;

impl Queue {
    /// An empty launch queue.
    pub fn empty() -> Queue {
        SpillQueue::with_chunk(
            WaitingCodec {
                groups: TaskGroups::default(),
                text: Vec::new(),
            },
            crate::platform::spill::CHUNK,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Label;
    use crate::workload::usage::Usage;
    use std::sync::Arc;

    /// Every field of a waiting task comes back from the spill file as it
    /// went in, with labels inline and on the heap and groups shared.
    #[test]
    fn a_waiting_task_round_trips_through_the_codec() {
        let mut codec = WaitingCodec {
            groups: TaskGroups::default(),
            text: Vec::new(),
        };
        let group: Arc<str> = Arc::from("job-17");
        let tasks: Vec<Waiting> = (0..4u64)
            .map(|i| Waiting {
                task: Task {
                    id: 10 + i,
                    label: match i {
                        0 => None,
                        1 => Some(Label::new("t1")),
                        _ => Some(Label::new(&"long-label-".repeat(4))),
                    },
                    submit: 1_000_000 * i,
                    duration: 7 + i,
                    cpu_milli: 250,
                    memory_mib: 512 + i as u32,
                    storage_gib: i as u32,
                    group: (i != 3).then(|| group.clone()),
                    usage: match i {
                        2 => Some(Box::new(Usage {
                            cpu_avg_milli: 100,
                            cpu_max_milli: 240,
                            memory_avg_mib: 300,
                            memory_max_mib: 700,
                            peak_known: true,
                        })),
                        // Averages only (the CUR's actual usage) keep their mark.
                        1 => Some(Box::new(Usage::averages_only(120, 400))),
                        _ => None,
                    },
                },
                size: FargateSize {
                    cpu_milli: 256,
                    memory_mib: 1024,
                },
                storage_extra_gib: 5,
                attempt: i as u32,
                plan: Attempt {
                    run: 7 + i,
                    oom: i == 1,
                    extra: 3 * i,
                },
            })
            .collect();
        let mut bytes = Vec::new();
        for w in &tasks {
            codec.write(w, &mut bytes);
        }
        let mut r: &[u8] = &bytes;
        for w in &tasks {
            let back = codec.read(&mut r).unwrap();
            assert_eq!(back.task, w.task);
            assert_eq!(back.size, w.size);
            assert_eq!(
                (back.storage_extra_gib, back.attempt),
                (w.storage_extra_gib, w.attempt)
            );
            assert_eq!(
                (back.plan.run, back.plan.oom, back.plan.extra),
                (w.plan.run, w.plan.oom, w.plan.extra)
            );
        }
        assert!(r.is_empty());
        assert_eq!(codec.groups.len(), 1, "a group is written once");
        // 128 bytes at most: moved inline, not by a call to `memcpy`.
        assert!(std::mem::size_of::<Waiting>() <= 128);
    }
}
