//! Scenario keys of issue 23, validated: a provisioned-
//! concurrency schedule, the autoscaler's target utilisation and the
//! scaling rate, as written in a scenario and as validated.

use super::check::{Invalid, duration, invalid};
use super::raw::{RawProvisionWindow, RawScaleRate};
use crate::platform::function::ProvisionWindow;
use crate::pricing::functions::{FunctionProfile, ScaleRate};
use crate::time::{HOUR, MINUTE};

/// A time of day `"HH:MM"` (00:00 to 24:00) as an offset from midnight.
fn time_of_day(key: &str, text: &str) -> Result<crate::time::SimTime, Invalid> {
    let bad = || {
        invalid(
            key,
            format!(
                "`{text}` is not a time of day; write it as \"HH:MM\", from \"00:00\" to \"24:00\", such as \"08:00\""
            ),
        )
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u64, u64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) || h.to_string().len() > 2 {
        return Err(bad());
    }
    Ok(h * HOUR + m * MINUTE)
}

/// Validates `provisioned_schedule` at `key`.
pub fn provisioned_schedule(
    key: &str,
    raw: Option<&[RawProvisionWindow]>,
    max_instances: u32,
) -> Result<Vec<ProvisionWindow>, Invalid> {
    let mut out = Vec::new();
    for (i, w) in raw.unwrap_or_default().iter().enumerate() {
        let k = format!("{key}.provisioned_schedule[{i}]");
        let from = time_of_day(&format!("{k}.from"), &w.from)?;
        let to = time_of_day(&format!("{k}.to"), &w.to)?;
        if to <= from {
            return Err(invalid(
                format!("{k}.to"),
                format!(
                    "`{}` is not after from (`{}`); a window ends the same day, such as {{ from = \"08:00\", to = \"16:00\" }}",
                    w.to, w.from
                ),
            ));
        }
        if !(1..=max_instances as i64).contains(&w.concurrency) {
            return Err(invalid(
                format!("{k}.concurrency"),
                format!(
                    "{}: need 1 to max_instances ({max_instances})",
                    w.concurrency
                ),
            ));
        }
        out.push(ProvisionWindow {
            from,
            to,
            concurrency: w.concurrency as u32,
        });
    }
    if out.len() > u16::MAX as usize {
        return Err(invalid(
            format!("{key}.provisioned_schedule"),
            "too many windows (at most 65,535)",
        ));
    }
    Ok(out)
}

/// Validates `target_utilization` (a share of concurrency, above 0 and at
/// most 1), in percent; the profile's when absent.
pub fn target_utilization(
    key: &str,
    raw: Option<f64>,
    profile: &FunctionProfile,
) -> Result<u32, Invalid> {
    match raw {
        None => Ok(profile.target_utilization_pct),
        Some(u) if u.is_finite() && u > 0.0 && u <= 1.0 => Ok(((u * 100.0).round() as u32).max(1)),
        Some(u) => Err(invalid(
            format!("{key}.target_utilization"),
            format!(
                "{u}: need a share above 0 and at most 1, such as 0.6 (1 fills each instance before adding another)"
            ),
        )),
    }
}

/// Validates `scale_rate`; the profile's when absent.
pub fn scale_rate(
    key: &str,
    raw: Option<&RawScaleRate>,
    profile: &FunctionProfile,
) -> Result<Option<ScaleRate>, Invalid> {
    let k = format!("{key}.scale_rate");
    match raw {
        None => Ok(profile.scale_rate),
        Some(RawScaleRate::Named(n)) if n == "unlimited" => Ok(None),
        Some(RawScaleRate::Named(n)) => Err(invalid(
            k,
            format!(
                "`{n}` is not a scaling rate; write \"unlimited\" or {{ instances = 1000, per = \"10s\" }}"
            ),
        )),
        Some(RawScaleRate::Rate(r)) => {
            if !(1..=1_000_000).contains(&r.instances) {
                return Err(invalid(
                    format!("{k}.instances"),
                    format!(
                        "{}: need 1 to 1,000,000 (or scale_rate = \"unlimited\")",
                        r.instances
                    ),
                ));
            }
            let per = duration(&format!("{k}.per"), &r.per)?;
            if per == 0 {
                return Err(invalid(
                    format!("{k}.per"),
                    "need a period above zero, such as \"10s\"",
                ));
            }
            Ok(Some(ScaleRate {
                instances: r.instances as u32,
                per,
            }))
        }
    }
}

/// Refuses a generator size with `storage` on a function platform whose
/// profile cannot bill ephemeral storage (a key accepted is a key billed),
/// or above the profile's largest.
pub fn storage_billable(
    generators: &[crate::workload::synthetic::Generator],
    spec: &crate::platform::function::FunctionSpec,
) -> Result<(), Invalid> {
    for (i, g) in generators.iter().enumerate() {
        for (j, s) in g.sizes.iter().enumerate() {
            if s.storage_gib == 0 {
                continue;
            }
            let at = format!("workload.generators[{i}].sizes[{j}].storage");
            match &spec.profile.storage {
                None => {
                    return Err(invalid(
                        at,
                        format!(
                            "{} GiB of ephemeral storage cannot be billed on platform `{}` (profile `{}` has no storage rate; only Lambda bills ephemeral storage); remove `storage` or run these tasks on another platform",
                            s.storage_gib, spec.name, spec.profile.name
                        ),
                    ));
                }
                Some(st) if s.storage_gib as u64 * 1024 > st.max_mib as u64 => {
                    return Err(invalid(
                        at,
                        format!(
                            "{} GiB is above the largest ephemeral storage of profile `{}` ({} MiB) on platform `{}`",
                            s.storage_gib, spec.profile.name, st.max_mib, spec.name
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// Validates `support` (`"standard"` or `"extended"`): the EKS cluster's
/// Kubernetes support, which sets its fee. Only on an EKS platform.
pub fn eks_support(
    key: &str,
    raw: Option<&str>,
    is_eks: bool,
    eks_key: &str,
    catalog: &crate::pricing::Catalog,
) -> Result<crate::pricing::catalog::EksSupport, Invalid> {
    use crate::pricing::catalog::EksSupport;
    let k = format!("{key}.support");
    let Some(v) = raw else {
        return Ok(EksSupport::Standard);
    };
    if !is_eks {
        return Err(invalid(
            k,
            format!("applies to an EKS cluster's fee; set {eks_key} = \"eks\" or remove `support`"),
        ));
    }
    match v {
        "standard" => Ok(EksSupport::Standard),
        "extended" if catalog.eks_control_plane_extended.is_some() => Ok(EksSupport::Extended),
        "extended" => Err(invalid(
            k,
            "the pricing catalog has no eks.control_plane_extended rate; add one or use \"standard\"",
        )),
        other => Err(invalid(
            k,
            format!(
                "`{other}` is not a support level; write \"standard\" ($0.10 per cluster-hour) or \"extended\" ($0.60)"
            ),
        )),
    }
}
