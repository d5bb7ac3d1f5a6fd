//! How a function profile sizes a task: memory-only sizing with CPU in
//! proportion (Lambda) or CPU and memory each rounded to a step.

use crate::pricing::functions::{FunctionProfile, FunctionSizing};
use crate::time::SimTime;

/// An instance size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FunctionSize {
    pub cpu_milli: u32,
    /// Memory shown in records, whole MiB (rounded up from the billed size).
    pub memory_mib: u32,
    /// Memory billed, in tenths of a MiB (exact for 0.1 GiB steps).
    pub memory_dmib: u32,
    /// Ephemeral storage billed above the profile's free amount, MiB.
    pub storage_mib: u32,
}

/// Sizes a task: its instance size and its run time there, or why it can
/// never run on this profile.
pub fn size_task(
    profile: &FunctionProfile,
    cpu_milli: u32,
    memory_mib: u32,
    storage_gib: u32,
    duration: SimTime,
) -> Result<(FunctionSize, SimTime), String> {
    let storage_mib = match (&profile.storage, storage_gib) {
        (_, 0) => 0,
        (None, gib) => {
            return Err(format!(
                "asks for {gib} GiB of ephemeral storage, which {} cannot bill (only a profile with storage rates, such as Lambda, can); remove `storage` from the workload or run it on another platform",
                profile.name
            ));
        }
        (Some(st), gib) => {
            let want = gib.saturating_mul(1024);
            if want > st.max_mib {
                return Err(format!(
                    "{gib} GiB of ephemeral storage is above {}'s largest ({} MiB)",
                    profile.name, st.max_mib
                ));
            }
            want.saturating_sub(st.free_mib)
        }
    };
    let up = |v: u32, step: u32| v.div_ceil(step.max(1)) * step.max(1);
    let (size, duration) = match &profile.sizing {
        FunctionSizing::Memory {
            mib_per_vcpu,
            min_mib,
            max_mib,
            step_mib,
        } => {
            if memory_mib > *max_mib {
                return Err(format!(
                    "{memory_mib} MiB is above {}'s largest memory ({max_mib} MiB)",
                    profile.name
                ));
            }
            let for_cpu = (cpu_milli as u64 * *mib_per_vcpu as u64).div_ceil(1000);
            let want = (for_cpu.min(u32::MAX as u64) as u32).max(memory_mib);
            let mem = up(want.max(*min_mib), *step_mib).min(*max_mib);
            // The CPU this memory gives, in milli-vCPU.
            let given = (mem as u64 * 1000) / *mib_per_vcpu as u64;
            let duration = if (given as u32) < cpu_milli && given > 0 {
                ((duration as u128 * cpu_milli as u128).div_ceil(given as u128))
                    .min(crate::time::MAX_SPAN as u128) as SimTime
            } else {
                duration
            };
            (
                FunctionSize {
                    cpu_milli: given as u32,
                    memory_mib: mem,
                    memory_dmib: mem * 10,
                    storage_mib,
                },
                duration,
            )
        }
        FunctionSizing::CpuMemory {
            min_cpu_milli,
            max_cpu_milli,
            step_cpu_milli,
            min_mib,
            max_mib,
            step_dmib,
        } => {
            if cpu_milli > *max_cpu_milli {
                return Err(format!(
                    "{} vCPU is above {}'s largest ({} vCPU)",
                    crate::units::format_vcpu(cpu_milli),
                    profile.name,
                    crate::units::format_vcpu(*max_cpu_milli)
                ));
            }
            if memory_mib > *max_mib {
                return Err(format!(
                    "{memory_mib} MiB is above {}'s largest memory ({max_mib} MiB)",
                    profile.name
                ));
            }
            // Memory rounded up to the step in tenths of a MiB (ACI: 0.1 GiB).
            let dmib = up(memory_mib.max(*min_mib).saturating_mul(10), *step_dmib)
                .min(max_mib.saturating_mul(10));
            (
                FunctionSize {
                    cpu_milli: up(cpu_milli.max(*min_cpu_milli), *step_cpu_milli)
                        .min(*max_cpu_milli),
                    memory_mib: dmib.div_ceil(10),
                    memory_dmib: dmib,
                    storage_mib,
                },
                duration,
            )
        }
    };
    if let Some(max) = profile.max_duration
        && duration > max
    {
        return Err(format!(
            "runs longer than {}'s limit of {}",
            profile.name,
            crate::time::format_span(max)
        ));
    }
    Ok((size, duration))
}
