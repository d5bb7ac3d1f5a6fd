//! Prices and billing arithmetic: the catalog of rates and exact money.

pub mod catalog;
pub mod import;
pub mod listing;
pub mod money;

pub use catalog::{Arch, Capacity, Catalog, Os, Rate};
pub use money::{Money, Price};

/// Exact costs of one platform, before conversion to floats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExactCost {
    pub vcpu: Money,
    pub memory: Money,
    pub storage: Money,
    pub os_license: Money,
    pub instances: Money,
    /// The part of `instances` allocated to tasks (not added to the total again).
    pub instances_allocated: Money,
    pub control_plane: Money,
    /// Per-request fees (Lambda, Cloud Run).
    pub requests: Money,
    /// What Spot capacity saved against the same usage on demand (not part of the total).
    pub spot_savings: Money,
}

impl ExactCost {
    pub fn total(&self) -> Money {
        self.vcpu
            + self.memory
            + self.storage
            + self.os_license
            + self.instances
            + self.control_plane
            + self.requests
    }
}
