//! The checks every part of a scenario shares: an [`Invalid`] value with its
//! key path, and validators of durations, rates, counts, factors, sizes and
//! span distributions.

use super::raw::*;
use crate::time::{SimTime, parse_duration};
use crate::units::{parse_memory_mib, parse_rate_per_second, vcpu_to_milli};
use crate::workload::SpanDist;
use std::path::Path;

/// A value that failed validation: where, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    /// Dotted key path with indices: `platforms[1].spot.notice`.
    pub key: String,
    pub message: String,
}

pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// The key that set a platform's Region, for an error about it: the
/// platform's own `region` when it has one (`platform` is its key, such as
/// `platforms[0]`), else the scenario's `region` that it inherits.
pub fn region_key(platform: &str, own_region: bool) -> String {
    if own_region {
        format!("{platform}.region")
    } else {
        "region".to_string()
    }
}

pub fn duration(key: &str, text: &str) -> Result<SimTime, Invalid> {
    parse_duration(text).map_err(|m| invalid(key, m))
}

/// Validates a span distribution at `key`.
pub fn span_dist(raw: &RawDist, key: &str) -> Result<SpanDist, Invalid> {
    let t = match raw {
        RawDist::Constant(s) => return Ok(SpanDist::Constant(duration(key, s)?)),
        RawDist::Table(t) => t,
    };
    let need = |field: &str, v: &Option<String>| -> Result<SimTime, Invalid> {
        let k = format!("{key}.{field}");
        match v {
            Some(s) => duration(&k, s),
            None => Err(invalid(
                &k,
                format!("dist = \"{}\" needs `{field}`", t.dist),
            )),
        }
    };
    let allowed: &[&str] = match t.dist.as_str() {
        "constant" => &["value"],
        "exponential" => &["mean"],
        "lognormal" => &["median", "p90", "mu", "sigma"],
        "empirical" => &["values"],
        "uniform" => &["min", "max"],
        other => {
            return Err(invalid(
                format!("{key}.dist"),
                format!(
                    "unknown distribution `{other}`; use constant, exponential, lognormal, uniform or empirical"
                ),
            ));
        }
    };
    let given = [
        ("value", t.value.is_some()),
        ("mean", t.mean.is_some()),
        ("median", t.median.is_some()),
        ("p90", t.p90.is_some()),
        ("mu", t.mu.is_some()),
        ("sigma", t.sigma.is_some()),
        ("values", t.values.is_some()),
        ("min", t.min.is_some()),
        ("max", t.max.is_some()),
    ];
    if let Some((field, _)) = given.iter().find(|(f, g)| *g && !allowed.contains(f)) {
        return Err(invalid(
            format!("{key}.{field}"),
            format!(
                "`{field}` does not apply to dist = \"{}\" (it takes {})",
                t.dist,
                allowed.join(", ")
            ),
        ));
    }
    match t.dist.as_str() {
        "constant" => Ok(SpanDist::Constant(need("value", &t.value)?)),
        "exponential" => Ok(SpanDist::Exponential {
            mean: need("mean", &t.mean)?,
        }),
        "lognormal" => match (t.mu, t.sigma) {
            (Some(mu), Some(sigma)) if t.median.is_none() && t.p90.is_none() => {
                if !mu.is_finite() || !sigma.is_finite() || sigma < 0.0 || mu > 30.0 {
                    return Err(invalid(
                        key,
                        format!(
                            "mu = {mu}, sigma = {sigma}: need finite mu ≤ 30 (ln seconds) and sigma ≥ 0"
                        ),
                    ));
                }
                Ok(SpanDist::LogNormal { mu, sigma })
            }
            (None, None) => SpanDist::lognormal_from_median_p90(
                need("median", &t.median)?,
                need("p90", &t.p90)?,
            )
            .map_err(|m| invalid(key, m)),
            _ => Err(invalid(
                key,
                "give either median and p90, or mu and sigma (of ln seconds), not a mix",
            )),
        },
        "empirical" => {
            let values = t
                .values
                .as_ref()
                .ok_or_else(|| invalid(format!("{key}.values"), "needs a list"))?;
            if values.is_empty() {
                return Err(invalid(
                    format!("{key}.values"),
                    "needs at least one duration",
                ));
            }
            let v = values
                .iter()
                .enumerate()
                .map(|(i, s)| duration(&format!("{key}.values[{i}]"), s))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(SpanDist::Empirical(v))
        }
        "uniform" => {
            let (min, max) = (need("min", &t.min)?, need("max", &t.max)?);
            if max < min {
                return Err(invalid(
                    format!("{key}.max"),
                    format!(
                        "{}: must be at least min ({}); write {{ dist = \"uniform\", min = \"20min\", max = \"40min\" }}",
                        t.max.as_deref().unwrap_or(""),
                        t.min.as_deref().unwrap_or("")
                    ),
                ));
            }
            Ok(SpanDist::Uniform { min, max })
        }
        _ => unreachable!("checked above"),
    }
}

pub fn rate(key: &str, text: &str) -> Result<f64, Invalid> {
    let r = parse_rate_per_second(text).map_err(|m| invalid(key, m))?;
    // 10^7 tasks per second is far beyond any real account; larger is a typo.
    if r > 1e7 {
        return Err(invalid(
            key,
            format!("`{text}` is more than 10 million per second"),
        ));
    }
    Ok(r)
}

/// A task size as a scenario gives it: `cpu` and `memory` written out, or
/// read from an ECS task definition (`task_definition`) or a Kubernetes
/// pod spec or Deployment (`pod`), a path relative to the scenario.
pub struct SizeInput<'a> {
    pub cpu: Option<f64>,
    pub memory: Option<&'a str>,
    pub task_definition: Option<&'a str>,
    pub pod: Option<&'a str>,
}

/// Resolves a [`SizeInput`] to milli-vCPU and MiB, with the file's shape
/// when it came from one.
pub fn size_input(
    s: &SizeInput<'_>,
    key: &str,
    base_dir: &Path,
) -> Result<(u32, u32, Option<super::artifacts::Shape>), Invalid> {
    let file = match (s.task_definition, s.pod) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                format!("{key}.pod"),
                "give either task_definition or pod, not both",
            ));
        }
        (Some(f), None) => Some(("task_definition", f)),
        (None, Some(f)) => Some(("pod", f)),
        (None, None) => None,
    };
    if let Some((k, f)) = file {
        if s.cpu.is_some() || s.memory.is_some() {
            return Err(invalid(
                format!("{key}.{k}"),
                "the size comes from this file; remove cpu and memory (or the file)",
            ));
        }
        let shape = super::artifacts::read(&base_dir.join(f))
            .map_err(|m| invalid(format!("{key}.{k}"), m))?;
        return Ok((shape.cpu_milli, shape.memory_mib, Some(shape)));
    }
    let (Some(cpu), Some(memory)) = (s.cpu, s.memory) else {
        let missing = if s.cpu.is_none() { "cpu" } else { "memory" };
        return Err(invalid(
            format!("{key}.{missing}"),
            "missing: give cpu and memory (such as cpu = 0.5, memory = \"1GiB\"), or task_definition = \"taskdef.json\", or pod = \"pod.yaml\"",
        ));
    };
    let cpu_milli = vcpu_to_milli(cpu).ok_or_else(|| {
        invalid(
            format!("{key}.cpu"),
            format!("{cpu}: need a vCPU count above 0 and at most 1,000,000, such as 0.5"),
        )
    })?;
    let memory_mib = parse_memory_mib(memory).map_err(|m| invalid(format!("{key}.memory"), m))?;
    Ok((cpu_milli, memory_mib, None))
}

pub fn count(key: &str, v: Option<i64>, default: u32, max: u32) -> Result<u32, Invalid> {
    match v {
        None => Ok(default),
        Some(n) if (0..=max as i64).contains(&n) => Ok(n as u32),
        Some(n) => Err(invalid(
            key,
            format!("{n}: need a whole number from 0 to {max}"),
        )),
    }
}

pub fn positive_factor(key: &str, v: Option<f64>) -> Result<f64, Invalid> {
    match v {
        None => Ok(1.0),
        Some(x) if x.is_finite() && x > 0.0 && x <= 1e6 => Ok(x),
        Some(x) => Err(invalid(
            key,
            format!("{x}: need a number above 0 (1 means unchanged)"),
        )),
    }
}

/// Karpenter's `consolidateAfter`: a duration, or "Never" (None: no
/// consolidation at all).
pub fn consolidate_after(key: &str, text: &str) -> Result<Option<SimTime>, Invalid> {
    if text.trim() == "Never" {
        return Ok(None);
    }
    duration(key, text).map(Some).map_err(|e| {
        invalid(
            key,
            format!(
                "{}; or write \"Never\" to turn consolidation off",
                e.message
            ),
        )
    })
}

/// Karpenter's `consolidationPolicy`, spelled as in a NodePool.
pub fn consolidation_policy(
    key: &str,
    text: &str,
) -> Result<crate::platform::ec2::spec::ConsolidationPolicy, Invalid> {
    use crate::platform::ec2::spec::ConsolidationPolicy as P;
    match text {
        "WhenEmptyOrUnderutilized" => Ok(P::WhenEmptyOrUnderutilized),
        "WhenEmpty" => Ok(P::WhenEmpty),
        other => Err(invalid(
            key,
            format!(
                "`{other}`: need \"WhenEmptyOrUnderutilized\" (Karpenter's default: empty and underused nodes) or \"WhenEmpty\" (empty nodes only)"
            ),
        )),
    }
}

/// A NodePool disruption budget's `nodes`: a count ("5") or a percent of
/// the nodes ("10%", at most 100%), as Karpenter's pattern
/// `^((100|[0-9]{1,2})%|[0-9]+)$` allows.
pub fn budget(key: &str, text: &str) -> Result<crate::platform::ec2::spec::Budget, Invalid> {
    use crate::platform::ec2::spec::Budget;
    let t = text.trim();
    let bad = || {
        invalid(
            key,
            format!(
                "`{text}`: need a node count such as \"5\" or a percent of the nodes from \"0%\" to \"100%\" such as \"10%\" (Karpenter's default)"
            ),
        )
    };
    if let Some(p) = t.strip_suffix('%') {
        let p: u64 = p.parse().map_err(|_| bad())?;
        if p > 100 {
            return Err(bad());
        }
        return Ok(Budget::Percent(p));
    }
    t.parse::<u64>().map(Budget::Nodes).map_err(|_| bad())
}
