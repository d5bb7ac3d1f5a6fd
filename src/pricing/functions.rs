//! The function platforms' profiles (AWS Lambda, Google Cloud Run, Azure
//! Container Instances): sizing and billing rules, rates, limits and free
//! tiers, read from the pricing catalog. The model that runs them is
//! `platform::function`.

use super::money::{Price, Rate};
use crate::time::SimTime;

/// How a profile turns a task's CPU and memory into an instance size.
#[derive(Clone, Debug, PartialEq)]
pub enum FunctionSizing {
    /// Memory only, CPU in proportion (Lambda: one vCPU per 1,769 MiB). A
    /// task gets the memory that gives it the CPU it asks for; where the
    /// largest memory still gives less, the task runs longer in proportion
    /// (its work is taken to be CPU-bound).
    Memory {
        mib_per_vcpu: u32,
        min_mib: u32,
        max_mib: u32,
        step_mib: u32,
    },
    /// CPU and memory chosen separately, each rounded up to its step.
    CpuMemory {
        min_cpu_milli: u32,
        max_cpu_milli: u32,
        step_cpu_milli: u32,
        min_mib: u32,
        max_mib: u32,
        /// Memory step in tenths of a MiB, so that a step of 0.1 GiB
        /// (Azure Container Instances: 102.4 MiB) is exact.
        step_dmib: u32,
    },
}

/// What is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionBilling {
    /// Each task's run time (Lambda).
    Invocation,
    /// Each instance's busy time, start-up included (Cloud Run request-based).
    InstanceActive,
    /// Each instance's whole life (Cloud Run instance-based, ACI).
    InstanceLifetime,
    /// EC2 instances of a capacity provider, at their on-demand price plus a
    /// management fee, with requests packed on them (Lambda Managed
    /// Instances; rules in [`FunctionProfile::managed`]).
    ManagedInstances,
}

/// A provider's rules and rates, from the pricing catalog.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionProfile {
    pub name: String,
    pub provider: String,
    pub region: String,
    pub sizing: FunctionSizing,
    pub billing: FunctionBilling,
    pub granularity: SimTime,
    pub minimum_billed: SimTime,
    /// Longest a task may run (Lambda: 15 minutes); longer tasks are not
    /// runnable here.
    pub max_duration: Option<SimTime>,
    pub concurrency: u32,
    pub max_instances: u32,
    pub keep_alive: SimTime,
    pub cold_start: SimTime,
    pub vcpu: Rate,
    pub memory_gib: Rate,
    pub request: Price,
    /// Rates for keeping a minimum instance warm, paid for its whole life.
    pub warm_vcpu: Rate,
    pub warm_memory_gib: Rate,
    /// Rates for work done on a minimum instance (Lambda bills provisioned
    /// concurrency's duration at a lower rate); the normal rates if absent.
    pub warm_active_vcpu: Option<Rate>,
    pub warm_active_memory_gib: Option<Rate>,
    /// The monthly free tier, when the provider has one: vCPU-seconds,
    /// GiB-seconds and requests a month.
    pub free_tier: Option<FreeTier>,
    /// Whether an invocation that starts a new instance also pays for the
    /// instance's initialisation (Lambda since 1 August 2025).
    pub bill_init: bool,
    /// Whether a minimum instance pays its kept-warm rate while busy too
    /// (Lambda provisioned concurrency: yes; Cloud Run's idle rate: no).
    pub warm_while_busy: bool,
    /// Kept-warm time is billed in whole multiples of this (Lambda
    /// provisioned concurrency: five minutes); 1 µs where not rounded.
    pub warm_granularity: SimTime,
    /// Ephemeral storage the profile bills, if it bills any.
    pub storage: Option<FunctionStorage>,
    /// How fast one function may add instances, if limited (Lambda: 1,000
    /// execution environments every 10 seconds).
    pub scale_rate: Option<ScaleRate>,
    /// The share of an instance's concurrency the autoscaler aims at, in
    /// percent (Cloud Run: 60); 100 fills an instance before adding one.
    pub target_utilization_pct: u32,
    /// The Windows software fee per vCPU of a billed instance (Azure
    /// Container Instances on Windows), when the profile runs Windows.
    pub windows_vcpu: Option<Rate>,
    /// Lambda Managed Instances' rules (`billing = "managed_instances"`).
    pub managed: Option<super::lambda_managed::ManagedRules>,
    pub source: String,
}

/// Ephemeral storage billed per GiB-second above a free amount (Lambda).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FunctionStorage {
    pub free_mib: u32,
    pub max_mib: u32,
    pub rate: Rate,
}

/// At most `instances` new instances per function in any `per` µs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleRate {
    pub instances: u32,
    pub per: SimTime,
}

/// A monthly free allowance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FreeTier {
    pub vcpu_seconds: u64,
    pub gib_seconds: u64,
    pub requests: u64,
}

/// An average month (365.25 / 12 days), for prorating a monthly free tier
/// over a run that covers part of one.
pub const MONTH: SimTime = crate::time::MONTH;
