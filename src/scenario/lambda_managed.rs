//! Scenario keys of a Lambda Managed Instances platform (`kind = "function"`
//! on a profile with `billing = "managed_instances"`), validated: the EC2
//! instance type, the instances kept and allowed, the CPU target, and the
//! keys of other function profiles that have no meaning here.

use super::check::{Invalid, invalid};
use super::raw::RawPlatform;
use crate::platform::PlatformSpec;
use crate::platform::function::ManagedSpec;
use crate::pricing::Catalog;
use crate::pricing::functions::FunctionProfile;

/// The fleet of a managed-instances platform, or None on another profile
/// (where `instance_types` is refused). `concurrency` is the validated
/// per-vCPU concurrency, `max_instances` the validated maximum.
pub fn managed(
    f: &RawPlatform,
    key: &str,
    profile: &FunctionProfile,
    catalog: &Catalog,
    concurrency: u32,
    max_instances: u32,
) -> Result<Option<ManagedSpec>, Invalid> {
    let Some(rules) = &profile.managed else {
        if f.instance_types.is_some() {
            return Err(invalid(
                format!("{key}.instance_types"),
                format!(
                    "profile `{}` does not run on EC2 instances; instance_types applies to kind = \"ec2\" and to profile = \"lambda-managed\"",
                    profile.name
                ),
            ));
        }
        return Ok(None);
    };
    let refuse = |k: &str, why: &str| -> Result<(), Invalid> {
        Err(invalid(format!("{key}.{k}"), why.to_string()))
    };
    if f.provisioned_schedule.is_some() {
        refuse(
            "provisioned_schedule",
            "does not apply to Lambda Managed Instances (the fleet is EC2 instances, billed whole); set min_instances, the instances kept",
        )?;
    }
    if f.scale_rate.is_some() {
        refuse(
            "scale_rate",
            "does not apply to Lambda Managed Instances: instances are added when the fleet's CPU utilisation passes target_utilization, each after cold_start (the instance launch)",
        )?;
    }
    let name = match f.instance_types.as_deref() {
        None => rules.instance_type.clone(),
        Some([one]) => one.clone(),
        Some(_) => {
            return Err(invalid(
                format!("{key}.instance_types"),
                "the model runs one instance type per capacity provider; give one, such as instance_types = [\"m7g.large\"]",
            ));
        }
    };
    let at = format!("{key}.instance_types");
    let t = catalog.instance_type(&name).map_err(|m| invalid(&at, m))?;
    let price = *t.on_demand.get(&profile.region).ok_or_else(|| {
        invalid(
            &at,
            format!(
                "`{name}` has no on-demand price for {} in the pricing catalog",
                profile.region
            ),
        )
    })?;
    if t.cpu_milli < 2000 {
        return Err(invalid(
            &at,
            format!(
                "`{name}`: Lambda Managed Instances use .large or larger types (2 vCPU or more)"
            ),
        ));
    }
    let min_instances = match f.min_instances {
        None => rules.min_instances,
        Some(n) if (0..=1_000_000).contains(&n) => n as u32,
        Some(n) => {
            return Err(invalid(
                format!("{key}.min_instances"),
                format!("{n}: need 0 to 1,000,000 EC2 instances"),
            ));
        }
    };
    if min_instances > max_instances {
        return Err(invalid(
            format!("{key}.min_instances"),
            format!("{min_instances} is above max_instances ({max_instances})"),
        ));
    }
    let target_cpu_pct = match f.target_utilization {
        None => rules.target_cpu_pct,
        Some(u) if u.is_finite() && u > 0.0 && u <= 1.0 => ((u * 100.0).round() as u32).max(1),
        Some(u) => {
            return Err(invalid(
                format!("{key}.target_utilization"),
                format!(
                    "{u}: need the fleet's CPU utilisation to aim at, a share above 0 and at most 1, such as 0.5"
                ),
            ));
        }
    };
    Ok(Some(ManagedSpec {
        instance_type: name,
        cpu_milli: t.cpu_milli,
        memory_mib: t.memory_mib,
        price,
        fee_pct: rules.fee_pct,
        granularity: catalog.ec2.billing_granularity,
        minimum: catalog.ec2.minimum_billed,
        min_instances,
        max_instances,
        target_cpu_pct,
        evaluation: rules.evaluation,
        per_vcpu_concurrency: concurrency,
    }))
}

/// Services are not modelled on Lambda Managed Instances: refuses a
/// scenario that gives both.
pub fn no_services(platforms: &[PlatformSpec], has_services: bool) -> Result<(), Invalid> {
    if !has_services {
        return Ok(());
    }
    for (i, p) in platforms.iter().enumerate() {
        if let PlatformSpec::Function(f) = p
            && f.managed.is_some()
        {
            return Err(invalid(
                format!("platforms[{i}].profile"),
                format!(
                    "`{}` (Lambda Managed Instances) runs the workload's tasks only; [[workload.services]] are not modelled on it: give the services another platform or scenario",
                    f.profile.name
                ),
            ));
        }
    }
    Ok(())
}

/// `os` on a function platform: `"linux"`, or `"windows"` on a profile with
/// a Windows software fee (Azure Container Instances); true for Windows.
pub fn windows(f: &RawPlatform, key: &str, profile: &FunctionProfile) -> Result<bool, Invalid> {
    match f.os {
        None | Some(crate::pricing::Os::Linux) => Ok(false),
        Some(crate::pricing::Os::Windows) if profile.windows_vcpu.is_some() => Ok(true),
        Some(crate::pricing::Os::Windows) => Err(invalid(
            format!("{key}.os"),
            format!(
                "profile `{}` runs Linux only in the pricing catalog (no Windows software fee); Windows containers run on profile = \"aci\"",
                profile.name
            ),
        )),
    }
}
