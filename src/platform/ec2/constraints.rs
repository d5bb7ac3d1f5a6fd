//! ECS task placement constraints and host ports (issue 21), per workload
//! group: `distinctInstance` (each task of the group on a different
//! container instance), `memberOf` with a cluster query expression on
//! `attribute:ecs.instance-type` or `attribute:ecs.availability-zone`
//! (ECS developer guide, "Amazon ECS task placement constraints" and
//! "Create expressions to define container instances for Amazon ECS
//! tasks"), and a fixed host port in `bridge` or `host` network mode, which
//! two tasks cannot both bind on one instance (ECS developer guide, "Amazon
//! ECS task networking options for the EC2 launch type": a static host port
//! is one per instance; the ECS scheduler places only where the port is
//! free).

use std::sync::Arc;

/// The instance attribute an expression reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribute {
    /// `attribute:ecs.instance-type`, e.g. `c5.large`.
    InstanceType,
    /// `attribute:ecs.availability-zone`, e.g. `us-east-1a`.
    Zone,
}

/// The comparison of a `memberOf` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Eq(String),
    Ne(String),
    /// `=~`: a pattern where `*` is any text (so `c5.*` is every c5 size).
    Like(String),
    /// `!~`: not matching such a pattern.
    NotLike(String),
    In(Vec<String>),
    NotIn(Vec<String>),
}

/// One `memberOf` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub attribute: Attribute,
    pub op: Op,
}

/// Whether `text` matches `pattern`, `*` standing for any text (possibly
/// empty) and every other character for itself.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Expr {
    /// Parses `attribute:ecs.instance-type == c5.large`, `!=`, `=~ c5.*`,
    /// `!~`, `in [c5.large, m5.large]`, `not_in [...]`, on
    /// `attribute:ecs.instance-type` or `attribute:ecs.availability-zone`.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let text = text.trim();
        let (attr, rest) = text.split_once(char::is_whitespace).ok_or_else(|| {
            format!("`{text}`: need `ATTRIBUTE OPERATOR VALUE`, such as \"attribute:ecs.instance-type =~ c5.*\"")
        })?;
        let attribute = match attr {
            "attribute:ecs.instance-type" => Attribute::InstanceType,
            "attribute:ecs.availability-zone" => Attribute::Zone,
            other => {
                return Err(format!(
                    "`{other}`: the model knows the attributes attribute:ecs.instance-type and attribute:ecs.availability-zone"
                ));
            }
        };
        let rest = rest.trim_start();
        let (op, value) = rest.split_once(char::is_whitespace).ok_or_else(|| {
            format!("`{text}`: need an operator and a value after `{attr}`, such as `== c5.large` or `in [c5.large, m5.large]`")
        })?;
        let value = value.trim();
        let word = |v: &str| -> Result<String, String> {
            let v = v.trim();
            if v.is_empty()
                || v.contains(|c: char| c.is_whitespace() || "[](){}+?|^$\\,'\"".contains(c))
            {
                return Err(format!(
                    "`{v}` in `{text}`: a value is a plain name such as c5.large or us-east-1a (`*` matches any text with =~; regular expressions beyond that are not supported)"
                ));
            }
            Ok(v.to_string())
        };
        let list = |v: &str| -> Result<Vec<String>, String> {
            let inner = v
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .or_else(|| v.strip_prefix('(').and_then(|v| v.strip_suffix(')')))
                .ok_or_else(|| format!("`{v}` in `{text}`: a list is written [a, b]"))?;
            inner.split(',').map(word).collect()
        };
        let op = match op {
            "==" => Op::Eq(word(value)?),
            "!=" => Op::Ne(word(value)?),
            "=~" => Op::Like(word(value)?),
            "!~" => Op::NotLike(word(value)?),
            "in" => Op::In(list(value)?),
            "not_in" => Op::NotIn(list(value)?),
            other => {
                return Err(format!(
                    "`{other}` in `{text}`: the operators are ==, !=, =~, !~, in and not_in"
                ));
            }
        };
        Ok(Expr { attribute, op })
    }

    /// Whether an instance of type `instance_type` in zone `zone` (its
    /// name, e.g. `us-east-1a`) matches.
    pub fn matches(&self, instance_type: &str, zone: &str) -> bool {
        let v = match self.attribute {
            Attribute::InstanceType => instance_type,
            Attribute::Zone => zone,
        };
        match &self.op {
            Op::Eq(x) => v == x,
            Op::Ne(x) => v != x,
            Op::Like(p) => glob(p, v),
            Op::NotLike(p) => !glob(p, v),
            Op::In(xs) => xs.iter().any(|x| x == v),
            Op::NotIn(xs) => !xs.iter().any(|x| x == v),
        }
    }
}

/// The name ECS gives zone `zone` (0-based) of `region`: `us-east-1a`, …
pub fn zone_name(region: &str, zone: u32) -> String {
    let letter = char::from(b'a' + (zone % 26) as u8);
    format!("{region}{letter}")
}

/// The placement rules of one workload group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupRules {
    /// The group (a generator's name, `service:NAME`, or a trace's group).
    pub group: Arc<str>,
    /// `distinctInstance`: no two tasks of the group on one instance.
    pub distinct_instance: bool,
    /// `memberOf`: every expression must match the instance.
    pub member_of: Vec<Expr>,
    /// The static host port its tasks bind (`bridge`/`host` mode).
    pub host_port: Option<u32>,
}

/// Every group's placement rules on one cluster (empty: none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    pub groups: Vec<GroupRules>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The rules of `group`, if it has any.
    pub fn of(&self, group: &Option<Arc<str>>) -> Option<usize> {
        let g = group.as_ref()?;
        self.groups.iter().position(|r| r.group == *g)
    }

    /// The rules of `group`, made if missing.
    pub fn entry(&mut self, group: Arc<str>) -> &mut GroupRules {
        let pos = match self.groups.iter().position(|r| r.group == group) {
            Some(p) => p,
            None => {
                self.groups.push(GroupRules {
                    group,
                    ..GroupRules::default()
                });
                self.groups.len() - 1
            }
        };
        &mut self.groups[pos]
    }
}

/// What a pod's scheduling rules ask of its node (issue 21), as
/// Karpenter's scheduling simulation reads them: the instance types and
/// zones its `nodeSelector` / required node affinity on
/// `node.kubernetes.io/instance-type` and `topology.kubernetes.io/zone`
/// allow (`None`: any), and the keys no two pods on one node may share (its
/// group under required pod anti-affinity on `kubernetes.io/hostname`, its
/// `hostPort`). ECS's `distinctInstance`, `memberOf` and host ports map to
/// the same shape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodRule {
    pub types: Option<Vec<bool>>,
    pub zones: Option<Vec<bool>>,
    pub keys: Vec<u64>,
}

impl PodRule {
    /// Whether a node of type `t` is one the rule allows.
    pub fn type_ok(&self, t: usize) -> bool {
        self.types
            .as_ref()
            .is_none_or(|v| v.get(t).copied().unwrap_or(false))
    }

    /// Whether a node in zone `z` is one the rule allows.
    pub fn zone_ok(&self, z: u32) -> bool {
        self.zones
            .as_ref()
            .is_none_or(|v| v.get(z as usize).copied().unwrap_or(false))
    }

    /// Whether a pod under the rule may join pods holding `keys`.
    pub fn keys_ok(&self, keys: &[u64]) -> bool {
        !self.keys.iter().any(|k| keys.contains(k))
    }
}

/// The key of host port `port` among a pod's keys (a group's key is its
/// index, below 2^32).
const PORT_KEY: u64 = 1 << 32;

impl Constraints {
    /// Each group's rules as the autoscalers count them (issue 21), by
    /// group index: the instance types (`type_names`) and zones (`zones`,
    /// by name) its expressions or node selectors allow, and its keys (its
    /// own index under `distinctInstance` / pod anti-affinity, its host
    /// port).
    pub fn pod_rules(&self, type_names: &[&str], zones: &[String]) -> Vec<PodRule> {
        self.groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut rule = PodRule::default();
                for e in &g.member_of {
                    match e.attribute {
                        Attribute::InstanceType => {
                            let mask = rule.types.get_or_insert(vec![true; type_names.len()]);
                            for (t, ok) in type_names.iter().zip(mask.iter_mut()) {
                                *ok &= e.matches(t, "");
                            }
                        }
                        Attribute::Zone => {
                            let mask = rule.zones.get_or_insert(vec![true; zones.len()]);
                            for (z, ok) in zones.iter().zip(mask.iter_mut()) {
                                *ok &= e.matches("", z);
                            }
                        }
                    }
                }
                if g.distinct_instance {
                    rule.keys.push(i as u64);
                }
                if let Some(port) = g.host_port {
                    rule.keys.push(PORT_KEY | u64::from(port));
                }
                rule
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse_and_match() {
        let e = Expr::parse("attribute:ecs.instance-type =~ c5.*").unwrap();
        assert!(e.matches("c5.large", "us-east-1a"));
        assert!(e.matches("c5.4xlarge", "us-east-1a"));
        assert!(!e.matches("m5.large", "us-east-1a"));
        assert!(!e.matches("c5a.large", "us-east-1a"));
        let e = Expr::parse("attribute:ecs.instance-type in [m5.large, c5.large]").unwrap();
        assert!(e.matches("c5.large", "x") && !e.matches("c5.xlarge", "x"));
        let e = Expr::parse("attribute:ecs.availability-zone == us-east-1b").unwrap();
        assert!(e.matches("c5.large", "us-east-1b") && !e.matches("c5.large", "us-east-1a"));
        let e = Expr::parse("attribute:ecs.instance-type != c5.large").unwrap();
        assert!(!e.matches("c5.large", "x") && e.matches("m5.large", "x"));
        assert_eq!(zone_name("us-east-1", 2), "us-east-1c");
    }

    #[test]
    fn bad_expressions_are_refused() {
        for bad in [
            "attribute:ecs.os-type == linux",
            "attribute:ecs.instance-type",
            "attribute:ecs.instance-type >= c5.large",
            "attribute:ecs.instance-type =~ c5.(large|xlarge)",
            "attribute:ecs.instance-type in c5.large",
        ] {
            assert!(Expr::parse(bad).is_err(), "{bad}");
        }
    }
}
