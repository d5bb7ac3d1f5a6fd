//! A validated platform from a scenario, of any kind.

use super::ec2::Ec2Spec;
use super::ec2::spec::TOO_LARGE_FOR_EVERY_TYPE;
use super::fargate::FargateSpec;
use super::fargate::sizing::{SizeMiss, fit};
use super::function::FunctionSpec;
use super::function::sizing::size_task;
use crate::pricing::Catalog;
use crate::time::SimTime;

/// A validated platform from a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum PlatformSpec {
    Fargate(FargateSpec),
    Ec2(Box<Ec2Spec>),
    Function(Box<FunctionSpec>),
}

impl PlatformSpec {
    pub fn name(&self) -> &str {
        match self {
            PlatformSpec::Fargate(f) => &f.name,
            PlatformSpec::Ec2(e) => &e.name,
            PlatformSpec::Function(f) => &f.name,
        }
    }

    /// The `kind` as written in a scenario.
    pub fn kind(&self) -> &'static str {
        match self {
            PlatformSpec::Fargate(_) => "fargate",
            PlatformSpec::Ec2(_) => "ec2",
            PlatformSpec::Function(_) => "function",
        }
    }

    /// Why a task of this size and duration can never run here (the reason
    /// the run would count it unschedulable under), or None when it can.
    pub fn never_runs(
        &self,
        catalog: &Catalog,
        cpu_milli: u32,
        memory_mib: u32,
        duration: SimTime,
    ) -> Option<String> {
        match self {
            PlatformSpec::Fargate(f) => {
                match fit(
                    &catalog.fargate,
                    f.os,
                    f.launch_type,
                    f.sizing,
                    cpu_milli,
                    memory_mib,
                ) {
                    Ok(_) => None,
                    Err(SizeMiss::TooLarge(why)) => Some(why),
                    Err(SizeMiss::NotExact { .. }) => {
                        Some("not an exact Fargate size (sizing = \"exact\" stops the run)".into())
                    }
                }
            }
            PlatformSpec::Ec2(e) => (!e.fits_some_type(cpu_milli, memory_mib))
                .then(|| TOO_LARGE_FOR_EVERY_TYPE.to_string()),
            PlatformSpec::Function(f) if f.managed.is_some() => f.managed.as_ref().and_then(|m| {
                m.never_runs(cpu_milli, memory_mib, f.profile.max_duration, duration)
            }),
            PlatformSpec::Function(f) => {
                size_task(&f.profile, cpu_milli, memory_mib, 0, duration).err()
            }
        }
    }
}
