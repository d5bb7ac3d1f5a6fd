//! Karpenter's pod-level disruption controls as a scenario names them
//! (`karpenter.do_not_disrupt`, `karpenter.pod_disruption_budgets`), checked
//! against the workload once it is known: a name must be one of the
//! workload's generators or services (or, with a trace, may be one of the
//! trace's groups), so a typo is refused rather than protecting nothing.

use super::check::{Invalid, invalid};
use super::raw::{PlatformKind, RawScenario};
use crate::platform::PlatformSpec;
use crate::platform::ec2::PodDisruption;
use crate::service::ServiceSpec;
use crate::workload::synthetic::Generator;
use std::sync::Arc;

/// Fills each Karpenter platform's [`PodDisruption`] from its raw table.
pub fn resolve(
    raw: &RawScenario,
    platforms: &mut [PlatformSpec],
    generators: &[Generator],
    services: &[ServiceSpec],
    has_trace: bool,
) -> Result<(), Invalid> {
    for (i, (p, spec)) in raw.platforms.iter().zip(platforms.iter_mut()).enumerate() {
        let (PlatformKind::Ec2, Some(k), PlatformSpec::Ec2(ec2)) = (p.kind, &p.karpenter, spec)
        else {
            continue;
        };
        let key = format!("platforms[{i}].karpenter");
        let group = |field: &str, name: &str| -> Result<Arc<str>, Invalid> {
            if services.iter().any(|s| s.name == name) {
                return Ok(Arc::from(format!("service:{name}")));
            }
            if generators.iter().any(|g| g.name == name) || has_trace {
                return Ok(Arc::from(name));
            }
            let mut known: Vec<String> = generators.iter().map(|g| g.name.clone()).collect();
            known.extend(services.iter().map(|s| s.name.clone()));
            Err(invalid(
                format!("{key}.{field}"),
                format!(
                    "`{name}` names no workload group; use the name of a [[workload.generators]] or [[workload.services]] entry ({}), or a trace's group",
                    if known.is_empty() {
                        "none here".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ))
        };
        let mut pd = PodDisruption::default();
        for name in k.do_not_disrupt.iter().flatten() {
            let g = group("do_not_disrupt", name)?;
            if !pd.do_not_disrupt.contains(&g) {
                pd.do_not_disrupt.push(g);
            }
        }
        for (name, pdb) in k.pod_disruption_budgets.iter().flatten() {
            let field = format!("pod_disruption_budgets.{name}");
            let g = group(&field, name)?;
            let n = pdb.max_unavailable;
            if !(0..=1_000_000).contains(&n) {
                return Err(invalid(
                    format!("{key}.{field}.max_unavailable"),
                    format!(
                        "{n}: need a whole number of pods from 0 to 1,000,000, such as max_unavailable = 1 (a percentage is not supported)"
                    ),
                ));
            }
            pd.max_unavailable.push((g, n as u64));
        }
        ec2.pod_disruption = pd;
    }
    Ok(())
}
