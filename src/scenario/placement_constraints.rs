//! ECS task placement constraints and host ports as a scenario names them
//! (`constraints`, `host_ports` on an EC2 platform; issue 21), checked
//! against the workload once it is known: a group must be one of the
//! workload's generators or services (or, with a trace, may be one of the
//! trace's groups), so a typo is refused rather than constraining nothing.

use super::check::{Invalid, invalid};
use super::raw::{PlatformKind, RawScenario};
use crate::platform::PlatformSpec;
use crate::platform::ec2::constraints::{Constraints, Expr, zone_name};
use crate::platform::ec2::{Autoscaler, NetworkMode, Orchestrator};
use crate::service::ServiceSpec;
use crate::workload::synthetic::Generator;
use std::sync::Arc;

/// Fills each EC2 platform's [`Constraints`] from its raw keys.
pub fn resolve(
    raw: &RawScenario,
    platforms: &mut [PlatformSpec],
    generators: &[Generator],
    services: &[ServiceSpec],
    has_trace: bool,
) -> Result<(), Invalid> {
    for (i, (p, spec)) in raw.platforms.iter().zip(platforms.iter_mut()).enumerate() {
        let (PlatformKind::Ec2, PlatformSpec::Ec2(ec2)) = (p.kind, spec) else {
            continue;
        };
        if p.constraints.is_none() && p.host_ports.is_none() {
            continue;
        }
        let key = format!("platforms[{i}]");
        let which = if p.constraints.is_some() {
            "constraints"
        } else {
            "host_ports"
        };
        if ec2.orchestrator != Orchestrator::Ecs {
            return Err(invalid(
                format!("{key}.{which}"),
                "ECS task placement constraints and host ports are for ECS clusters; on EKS (Kubernetes affinity, nodeSelector, hostPort) they are not modelled, so remove the key or write orchestrator = \"ecs\"",
            ));
        }
        if ec2.autoscaler != Autoscaler::None {
            return Err(invalid(
                format!("{key}.{which}"),
                format!(
                    "the {} autoscaler does not yet count which instances a constrained task may use, so its tasks could wait while it sees room; use a fixed fleet (autoscaler = \"none\" with initial = N) with constraints or host ports, or remove them",
                    ec2.autoscaler.name()
                ),
            ));
        }
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
        let mut c = Constraints::default();
        for (j, rc) in p.constraints.iter().flatten().enumerate() {
            let field = format!("constraints[{j}]");
            let g = group(&format!("{field}.group"), &rc.group)?;
            match (rc.kind.as_str(), &rc.expression) {
                ("distinctInstance", None) => c.entry(g).distinct_instance = true,
                ("distinctInstance", Some(_)) => {
                    return Err(invalid(
                        format!("{key}.{field}.expression"),
                        "distinctInstance takes no expression; remove it",
                    ));
                }
                ("memberOf", None) => {
                    return Err(invalid(
                        format!("{key}.{field}.expression"),
                        "memberOf needs an expression, such as expression = \"attribute:ecs.instance-type =~ c5.*\"",
                    ));
                }
                ("memberOf", Some(text)) => {
                    let e = Expr::parse(text)
                        .map_err(|m| invalid(format!("{key}.{field}.expression"), m))?;
                    let any = ec2.instance_types.iter().any(|t| {
                        (0..ec2.zones.max(1))
                            .any(|z| e.matches(&t.name, &zone_name(&ec2.region, z)))
                    });
                    if !any {
                        let zones: Vec<String> = (0..ec2.zones.max(1))
                            .map(|z| zone_name(&ec2.region, z))
                            .collect();
                        return Err(invalid(
                            format!("{key}.{field}.expression"),
                            format!(
                                "`{text}` matches no instance of this cluster (types: {}; zones: {}), so its tasks could never run; fix the expression or add a matching type",
                                ec2.instance_types
                                    .iter()
                                    .map(|t| t.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                zones.join(", ")
                            ),
                        ));
                    }
                    c.entry(g).member_of.push(e);
                }
                (other, _) => {
                    return Err(invalid(
                        format!("{key}.{field}.type"),
                        format!(
                            "`{other}`: the ECS placement constraint types are distinctInstance and memberOf"
                        ),
                    ));
                }
            }
        }
        for (name, &port) in p.host_ports.iter().flatten() {
            let field = format!("host_ports.{name}");
            if ec2.network_mode == NetworkMode::Awsvpc {
                return Err(invalid(
                    format!("{key}.{field}"),
                    "in awsvpc mode every task has its own ENI and address, so host ports never clash; write network_mode = \"bridge\" or \"host\" to model a static host port, or remove host_ports",
                ));
            }
            if !(1..=65_535).contains(&port) {
                return Err(invalid(
                    format!("{key}.{field}"),
                    format!("{port}: need a port from 1 to 65535, such as {name} = 80"),
                ));
            }
            let g = group(&field, name)?;
            c.entry(g).host_port = Some(port as u32);
        }
        ec2.constraints = c;
    }
    Ok(())
}
