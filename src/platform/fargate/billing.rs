//! Fargate's billing rules and rates for one platform, looked up once from
//! the catalog: per second from the start of the image pull, rounded up,
//! with a minimum (one minute on Linux, five on Windows).

use super::spec::{FargateSpec, LaunchType};
use crate::pricing::{Capacity, Catalog, Os, Rate};
use crate::time::SimTime;

/// The billing rules and rates a Fargate platform uses.
#[derive(Clone, Debug)]
pub struct FargateBilling {
    pub granularity: SimTime,
    pub minimum: SimTime,
    pub free_storage_gib: u32,
    pub max_storage_gib: u32,
    /// Whether extra ephemeral storage can be configured at all.
    pub storage_configurable: bool,
    pub vcpu: Rate,
    pub memory_gib: Rate,
    pub storage_gib: Rate,
    pub os_license_vcpu: Rate,
    /// The EKS cluster fee, for EKS pods.
    pub control_plane: Option<Rate>,
    pub rates_source: String,
    /// The on-demand rates for the same usage (vCPU, GiB, storage, OS
    /// licence), when this is Spot capacity, to show what Spot saved.
    pub on_demand: Option<[Rate; 4]>,
}

impl FargateBilling {
    /// Looks up the rules and rates for a spec's tasks on `capacity`.
    pub fn for_spec(
        catalog: &Catalog,
        spec: &FargateSpec,
        capacity: Capacity,
    ) -> Result<FargateBilling, String> {
        let rates = catalog.fargate_rates(&spec.region, spec.os, spec.arch, capacity)?;
        let f = &catalog.fargate;
        Ok(FargateBilling {
            granularity: f.billing_granularity,
            minimum: match spec.os {
                Os::Linux => f.minimum_billed_linux,
                Os::Windows => f.minimum_billed_windows,
            },
            free_storage_gib: f.free_storage_gib,
            max_storage_gib: match spec.launch_type {
                LaunchType::Ecs => f.max_storage_gib_ecs,
                LaunchType::Eks => f.max_storage_gib_eks,
            },
            // "This isn't supported for Windows containers on AWS Fargate"
            // [AWS] fargate-task-storage.html
            storage_configurable: spec.os == Os::Linux,
            vcpu: rates.vcpu,
            memory_gib: rates.memory_gib,
            storage_gib: rates.storage_gib,
            os_license_vcpu: rates.os_license_vcpu,
            control_plane: (spec.launch_type == LaunchType::Eks)
                .then_some(catalog.eks_fee(spec.eks_support)),
            rates_source: rates.source.clone(),
            on_demand: if capacity == Capacity::Spot {
                catalog
                    .fargate_rates(&spec.region, spec.os, spec.arch, Capacity::OnDemand)
                    .ok()
                    .map(|r| [r.vcpu, r.memory_gib, r.storage_gib, r.os_license_vcpu])
            } else {
                None
            },
        })
    }

    /// The span billed for a task that ran `span`: rounded up to the
    /// granularity, at least the minimum.
    pub fn billed_span(&self, span: SimTime) -> SimTime {
        span.div_ceil(self.granularity)
            .saturating_mul(self.granularity)
            .max(self.minimum)
    }
}
