//! How a function profile sizes a task: memory-only sizing with CPU in
//! proportion (Lambda) or CPU and memory each rounded to a step.

use crate::pricing::functions::{FunctionProfile, FunctionSizing};
use crate::time::SimTime;

/// An instance size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FunctionSize {
    pub cpu_milli: u32,
    pub memory_mib: u32,
}

/// Sizes a task: its instance size and its run time there, or why it can
/// never run on this profile.
pub fn size_task(
    profile: &FunctionProfile,
    cpu_milli: u32,
    memory_mib: u32,
    duration: SimTime,
) -> Result<(FunctionSize, SimTime), String> {
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
            step_mib,
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
            (
                FunctionSize {
                    cpu_milli: up(cpu_milli.max(*min_cpu_milli), *step_cpu_milli)
                        .min(*max_cpu_milli),
                    memory_mib: up(memory_mib.max(*min_mib), *step_mib).min(*max_mib),
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
