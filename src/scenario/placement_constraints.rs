//! Placement rules as a scenario names them (issue 21): on ECS, task
//! placement constraints and host ports (`constraints`, `host_ports`); on
//! EKS, the Kubernetes words for the same things (`pod_anti_affinity`,
//! `node_selector`, `host_ports` as a pod's `hostPort`). Checked against the
//! workload once it is known: a group must be one of the workload's
//! generators or services (or, with a trace, may be one of the trace's
//! groups), so a typo is refused rather than constraining nothing. Every
//! autoscaler counts them (`platform::ec2::autoscale`).

use super::check::{Invalid, invalid};
use super::raw::{PlatformKind, RawLabelValue, RawScenario};
use crate::platform::PlatformSpec;
use crate::platform::ec2::constraints::{Attribute, Constraints, Expr, Op, zone_name};
use crate::platform::ec2::{NetworkMode, Orchestrator};
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
        if p.constraints.is_none()
            && p.host_ports.is_none()
            && p.pod_anti_affinity.is_none()
            && p.node_selector.is_none()
        {
            continue;
        }
        let key = format!("platforms[{i}]");
        let eks = ec2.orchestrator == Orchestrator::Eks;
        if eks && p.constraints.is_some() {
            return Err(invalid(
                format!("{key}.constraints"),
                "ECS task placement constraints are for ECS clusters; on EKS write the Kubernetes rules: pod_anti_affinity = [\"web\"] (required pod anti-affinity on kubernetes.io/hostname: one pod of the group per node) or node_selector = { batch = { \"node.kubernetes.io/instance-type\" = \"c5.large\" } }",
            ));
        }
        if !eks {
            for (k, set) in [
                ("pod_anti_affinity", p.pod_anti_affinity.is_some()),
                ("node_selector", p.node_selector.is_some()),
            ] {
                if set {
                    return Err(invalid(
                        format!("{key}.{k}"),
                        "Kubernetes scheduling rules are for EKS clusters (orchestrator = \"eks\"); on ECS write constraints = [{ type = \"distinctInstance\", group = \"web\" }] or a memberOf expression instead",
                    ));
                }
            }
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
            if !eks && ec2.network_mode == NetworkMode::Awsvpc {
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
        for name in p.pod_anti_affinity.iter().flatten() {
            let g = group("pod_anti_affinity", name)?;
            c.entry(g).distinct_instance = true;
        }
        for (name, labels) in p.node_selector.iter().flatten() {
            let field = format!("node_selector.{name}");
            let g = group(&field, name)?;
            if labels.is_empty() {
                return Err(invalid(
                    format!("{key}.{field}"),
                    "an empty node selector selects nothing; name a label, such as { \"node.kubernetes.io/instance-type\" = \"c5.large\" }, or remove the group",
                ));
            }
            for (label, value) in labels {
                let lkey = format!("{key}.{field}.\"{label}\"");
                let attribute = match label.as_str() {
                    "node.kubernetes.io/instance-type" => Attribute::InstanceType,
                    "topology.kubernetes.io/zone" => Attribute::Zone,
                    other => {
                        return Err(invalid(
                            lkey,
                            format!(
                                "`{other}`: the model knows the well-known labels node.kubernetes.io/instance-type and topology.kubernetes.io/zone"
                            ),
                        ));
                    }
                };
                let values: Vec<String> = match value {
                    RawLabelValue::One(v) => vec![v.clone()],
                    RawLabelValue::Any(vs) => vs.clone(),
                };
                if values.is_empty()
                    || values.iter().any(|v| {
                        v.is_empty() || v.contains(|ch: char| ch.is_whitespace() || ch == '*')
                    })
                {
                    return Err(invalid(
                        lkey,
                        "need a label value such as \"c5.large\" or \"us-east-1a\", or a non-empty list of them (node affinity, operator In); patterns are not labels",
                    ));
                }
                let e = Expr {
                    attribute,
                    op: if values.len() == 1 {
                        Op::Eq(values[0].clone())
                    } else {
                        Op::In(values.clone())
                    },
                };
                let zones: Vec<String> = (0..ec2.zones.max(1))
                    .map(|z| zone_name(&ec2.region, z))
                    .collect();
                let any = ec2
                    .instance_types
                    .iter()
                    .any(|t| zones.iter().any(|z| e.matches(&t.name, z)));
                if !any {
                    return Err(invalid(
                        lkey,
                        format!(
                            "{} matches no node this cluster can have (types: {}; zones: {}), so its pods could never run; fix the value or add a matching type",
                            values.join(", "),
                            ec2.instance_types
                                .iter()
                                .map(|t| t.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            zones.join(", ")
                        ),
                    ));
                }
                c.entry(g.clone()).member_of.push(e);
            }
        }
        ec2.constraints = c;
    }
    Ok(())
}
