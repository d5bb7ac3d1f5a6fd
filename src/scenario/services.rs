//! Validates `[[workload.services]]` into [`ServiceSpec`]s.

use super::check::{Invalid, count, duration, invalid, rate, span_dist};
use super::raw::{RawRequests, RawScaling, RawService, RawWorkload};
use super::workload::trace_spec;
use crate::scenario::defaults::Defaults;
use crate::service::scaling::{
    Bound, Metric, Policy, Resolution, ScheduledAction, Step, StepScaling, TargetTracking,
};
use crate::service::{
    ArrivalProcess, LoadBalancer, QueueMode, RateCurve, RequestSource, Routing, ServiceSpec,
    ServiceTime, Slo, StartState,
};
use crate::time::{DAY, HOUR, MINUTE, SimTime};

use std::path::Path;

/// Replicas a service may ask for.
const MAX_REPLICAS: u32 = 100_000;

/// Validates every service of the workload.
pub fn services(
    w: &RawWorkload,
    horizon: Option<SimTime>,
    base_dir: &Path,
    defaults: &Defaults,
) -> Result<Vec<ServiceSpec>, Invalid> {
    let mut out: Vec<ServiceSpec> = Vec::new();
    for (i, s) in w.services.iter().enumerate() {
        let key = format!("workload.services[{i}]");
        let spec = service(s, &key, horizon, base_dir, defaults)?;
        if out.iter().any(|o| o.name == spec.name) {
            return Err(invalid(
                format!("{key}.name"),
                format!("`{}` is used twice; service names must differ", spec.name),
            ));
        }
        out.push(spec);
    }
    if out.len() > u16::MAX as usize {
        return Err(invalid("workload.services", "more than 65,535 services"));
    }
    Ok(out)
}

fn service(
    s: &RawService,
    key: &str,
    horizon: Option<SimTime>,
    base_dir: &Path,
    defaults: &Defaults,
) -> Result<ServiceSpec, Invalid> {
    let d = &defaults.service;
    if s.name.trim().is_empty() {
        return Err(invalid(format!("{key}.name"), "must not be empty"));
    }
    let (cpu_milli, memory_mib, shape) = super::check::size_input(
        &super::check::SizeInput {
            cpu: s.cpu,
            memory: s.memory.as_deref(),
            task_definition: s.task_definition.as_deref(),
            pod: s.pod.as_deref(),
        },
        key,
        base_dir,
    )?;
    let r = &s.replicas;
    // A Deployment's replicas are the service's desired count at the start
    // (and its maximum, unless the scenario sets one).
    let from_file = shape.and_then(|sh| sh.replicas);
    let min = count(&format!("{key}.replicas.min"), r.min, 1, MAX_REPLICAS)?;
    let max = count(
        &format!("{key}.replicas.max"),
        r.max,
        min.max(1).max(from_file.unwrap_or(0)),
        MAX_REPLICAS,
    )?;
    if max < min {
        return Err(invalid(
            format!("{key}.replicas.max"),
            format!("{max} is below min = {min}"),
        ));
    }
    let desired = count(
        &format!("{key}.replicas.desired"),
        r.desired.or(from_file.map(i64::from)),
        min,
        MAX_REPLICAS,
    )?;
    if desired < min || desired > max {
        return Err(invalid(
            format!("{key}.replicas.desired"),
            format!("{desired} is outside min = {min} … max = {max}"),
        ));
    }
    let concurrency = count(
        &format!("{key}.concurrency"),
        s.concurrency,
        d.concurrency,
        1_000_000,
    )?;
    if concurrency == 0 {
        return Err(invalid(
            format!("{key}.concurrency"),
            "0: a replica must serve at least one request at a time",
        ));
    }
    let queue = match s.queue.as_deref() {
        None | Some("replica") => QueueMode::Replica,
        Some("shared") => QueueMode::Shared,
        Some(other) => {
            return Err(invalid(
                format!("{key}.queue"),
                format!(
                    "`{other}`: use \"replica\" (each request waits at the replica the load balancer chose) or \"shared\" (one queue for the service)"
                ),
            ));
        }
    };
    let queue_limit = count(
        &format!("{key}.queue_limit"),
        s.queue_limit,
        d.queue_limit,
        100_000_000,
    )?;
    let timeout = match s.timeout.as_deref() {
        None => Some(d.timeout),
        Some("none") => None,
        Some(t) => {
            let t = duration(&format!("{key}.timeout"), t)?;
            if t == 0 {
                return Err(invalid(
                    format!("{key}.timeout"),
                    "must be above 0; write \"none\" for no timeout",
                ));
            }
            Some(t)
        }
    };
    let requests = requests(
        &s.requests,
        &format!("{key}.requests"),
        horizon,
        base_dir,
        defaults,
    )?;
    let service_time = match &s.service_time {
        Some(super::raw::RawDist::Constant(t)) if t == "trace" => {
            if !matches!(requests, RequestSource::Trace(_)) {
                return Err(invalid(
                    format!("{key}.service_time"),
                    "\"trace\" takes each request's time from a request trace, and these requests come from a curve; give a distribution such as { dist = \"exponential\", mean = \"50ms\" }",
                ));
            }
            ServiceTime::FromTrace
        }
        Some(raw) => ServiceTime::Dist(span_dist(raw, &format!("{key}.service_time"))?),
        None if matches!(requests, RequestSource::Trace(_)) => ServiceTime::FromTrace,
        None => {
            return Err(invalid(
                format!("{key}.service_time"),
                "is needed for requests from a curve, such as { dist = \"exponential\", mean = \"50ms\" }",
            ));
        }
    };
    let resolution = match s.metric_resolution.as_deref() {
        None | Some("standard") => Resolution::Standard,
        Some("high") => Resolution::High,
        Some(other) => {
            return Err(invalid(
                format!("{key}.metric_resolution"),
                format!(
                    "`{other}`: use \"standard\" (one datapoint a minute, the default) or \"high\" (20-second CPU datapoints, ECSServiceAverageCPUUtilizationHighResolution)"
                ),
            ));
        }
    };
    let metric_delay = match s.metric_delay.as_deref() {
        None => None,
        Some(t) => {
            let k = format!("{key}.metric_delay");
            let t = duration(&k, t)?;
            if t > HOUR {
                return Err(invalid(
                    k,
                    "must be at most 1h (the time a datapoint takes to reach the alarm), such as \"180s\"",
                ));
            }
            Some(t)
        }
    };
    if s.scaling.is_empty() {
        let given = [
            ("metric_resolution", s.metric_resolution.is_some()),
            ("metric_delay", s.metric_delay.is_some()),
        ];
        if let Some((k, _)) = given.iter().find(|(_, on)| *on) {
            return Err(invalid(
                format!("{key}.{k}"),
                "applies to the service's scaling policies, and it has none: add a [[workload.services.scaling]] or remove the key",
            ));
        }
    }
    if resolution == Resolution::High && !s.scaling.iter().any(|p| p.metric == "cpu") {
        return Err(invalid(
            format!("{key}.metric_resolution"),
            "\"high\" applies to policies on metric = \"cpu\" (AWS publishes 20-second metrics for CPU and memory only), and this service has none",
        ));
    }
    let scaling = s
        .scaling
        .iter()
        .enumerate()
        .map(|(j, p)| {
            policy(
                p,
                &format!("{key}.scaling[{j}]"),
                defaults,
                resolution,
                metric_delay,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut schedule = Vec::new();
    for (j, a) in s.schedule.iter().enumerate() {
        let k = format!("{key}.schedule[{j}]");
        let at = time_of_day(&format!("{k}.at"), &a.at)?;
        let amin = a
            .min
            .map(|v| count(&format!("{k}.min"), Some(v), 0, MAX_REPLICAS))
            .transpose()?;
        let amax = a
            .max
            .map(|v| count(&format!("{k}.max"), Some(v), 0, MAX_REPLICAS))
            .transpose()?;
        if amin.is_none() && amax.is_none() {
            return Err(invalid(k, "sets neither `min` nor `max`"));
        }
        if let (Some(lo), Some(hi)) = (amin, amax)
            && hi < lo
        {
            return Err(invalid(
                format!("{k}.max"),
                format!("{hi} is below min = {lo}"),
            ));
        }
        schedule.push(ScheduledAction {
            at,
            min: amin,
            max: amax,
        });
    }
    let slo = match &s.slo {
        None => None,
        Some(o) => {
            if !(o.percentile > 0.0 && o.percentile < 100.0) {
                return Err(invalid(
                    format!("{key}.slo.percentile"),
                    format!(
                        "{}: need a percentile above 0 and below 100, such as 99",
                        o.percentile
                    ),
                ));
            }
            Some(Slo {
                percentile: o.percentile,
                latency: duration(&format!("{key}.slo.latency"), &o.latency)?,
            })
        }
    };
    let start = match s.start.as_deref() {
        None | Some("warm") => StartState::Warm,
        Some("cold") => StartState::Cold,
        Some(other) => {
            return Err(invalid(
                format!("{key}.start"),
                format!(
                    "`{other}`: use \"warm\" (the service is already up at time 0: its desired replicas running) or \"cold\" (every replica launches at time 0 and pays its start-up)"
                ),
            ));
        }
    };
    let lb = load_balancer(s, key, queue, d)?;
    Ok(ServiceSpec {
        name: s.name.clone(),
        cpu_milli,
        memory_mib,
        min,
        max,
        desired,
        concurrency,
        queue,
        queue_limit,
        timeout,
        service_time,
        requests,
        scaling,
        schedule,
        slo,
        start,
        lb,
    })
}

/// The load balancer keys of a service behind one (`queue = "replica"`).
fn load_balancer(
    s: &RawService,
    key: &str,
    queue: QueueMode,
    d: &crate::scenario::defaults::ServiceDefaults,
) -> Result<LoadBalancer, Invalid> {
    let keys = [
        ("routing", s.routing.is_some()),
        ("deregistration_delay", s.deregistration_delay.is_some()),
        ("stop_timeout", s.stop_timeout.is_some()),
        ("health_check_interval", s.health_check_interval.is_some()),
    ];
    if queue == QueueMode::Shared {
        if let Some((k, _)) = keys.iter().find(|(_, on)| *on) {
            return Err(invalid(
                format!("{key}.{k}"),
                "applies to replicas behind a load balancer (queue = \"replica\"); a service with queue = \"shared\" is a worker pool fed from one queue: remove the key or use queue = \"replica\"",
            ));
        }
        return Ok(LoadBalancer::NONE);
    }
    let routing = match s.routing.as_deref() {
        None => d.routing,
        Some("round_robin") => Routing::RoundRobin,
        Some("least_outstanding_requests") => Routing::LeastOutstanding,
        Some(other) => {
            return Err(invalid(
                format!("{key}.routing"),
                format!(
                    "`{other}`: use \"round_robin\" (each replica in turn, the ALB's default) or \"least_outstanding_requests\" (the replica holding the fewest requests)"
                ),
            ));
        }
    };
    let span = |k: &str,
                v: &Option<String>,
                default: SimTime,
                max_s: u64,
                what: &str|
     -> Result<SimTime, Invalid> {
        let Some(text) = v else {
            return Ok(default);
        };
        let t = duration(&format!("{key}.{k}"), text)?;
        if t > max_s * crate::time::SECOND {
            return Err(invalid(
                format!("{key}.{k}"),
                format!("`{text}` is above {max_s} s, {what}; write a duration such as \"30s\""),
            ));
        }
        Ok(t)
    };
    let deregistration_delay = span(
        "deregistration_delay",
        &s.deregistration_delay,
        d.deregistration_delay,
        3600,
        "the most a target group allows (0-3600 s)",
    )?;
    let stop_timeout = span(
        "stop_timeout",
        &s.stop_timeout,
        d.stop_timeout,
        120,
        "the most ECS allows on Fargate (0-120 s)",
    )?;
    let health_check_interval = span(
        "health_check_interval",
        &s.health_check_interval,
        d.health_check_interval,
        300,
        "the most a target group allows (5-300 s, or 0 for no health check)",
    )?;
    if health_check_interval > 0 && health_check_interval < 5 * crate::time::SECOND {
        return Err(invalid(
            format!("{key}.health_check_interval"),
            "is below 5 s, the least a target group allows: write a duration from \"5s\" to \"300s\", or \"0s\" for a replica that takes requests the moment it runs",
        ));
    }
    Ok(LoadBalancer {
        routing,
        deregistration_delay,
        stop_timeout,
        health_check_interval,
    })
}

/// `"08:00"` or `"08:30:00"` as a time of day on whole minutes.
fn time_of_day(key: &str, text: &str) -> Result<SimTime, Invalid> {
    let bad = || {
        invalid(
            key,
            format!(
                "`{text}`: need a time of day on a whole minute, such as \"08:00\" or \"17:30\""
            ),
        )
    };
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let num = |p: &str| p.parse::<u64>().map_err(|_| bad());
    let (h, m) = (num(parts[0])?, num(parts[1])?);
    if parts.len() == 3 && num(parts[2])? != 0 {
        return Err(bad());
    }
    if h > 23 || m > 59 {
        return Err(bad());
    }
    let t = (h * 60 + m) * MINUTE;
    debug_assert!(t < DAY);
    Ok(t)
}

fn requests(
    r: &RawRequests,
    key: &str,
    horizon: Option<SimTime>,
    base_dir: &Path,
    defaults: &Defaults,
) -> Result<RequestSource, Invalid> {
    let set: Vec<(&str, bool)> = vec![
        ("rate", r.rate.is_some()),
        ("min_rate", r.min_rate.is_some()),
        ("max_rate", r.max_rate.is_some()),
        ("peak_at", r.peak_at.is_some()),
        ("before", r.before.is_some()),
        ("after", r.after.is_some()),
        ("base", r.base.is_some()),
        ("peak", r.peak.is_some()),
        ("at", r.at.is_some()),
        ("length", r.length.is_some()),
        ("arrivals", r.arrivals.is_some()),
    ];
    let trace_keys: Vec<(&str, bool)> = vec![
        ("format", r.format.is_some()),
        ("on_bad_row", r.on_bad_row.is_some()),
        ("order", r.order.is_some()),
        ("from", r.from.is_some()),
        ("until", r.until.is_some()),
        ("sample", r.sample.is_some()),
        ("time_scale", r.time_scale.is_some()),
        ("options", r.options.is_some()),
    ];
    match (&r.curve, &r.trace) {
        (Some(_), Some(_)) => Err(invalid(
            format!("{key}.trace"),
            "give either a `curve` or a `trace`, not both",
        )),
        (None, None) => Err(invalid(
            key,
            "needs a `curve` (\"constant\", \"diurnal\", \"step\" or \"spike\") or a request `trace`",
        )),
        (None, Some(path)) => {
            if let Some((k, _)) = set.iter().find(|(_, on)| *on) {
                return Err(invalid(
                    format!("{key}.{k}"),
                    "applies to a `curve`, and these requests come from a `trace`",
                ));
            }
            let raw = RawWorkload {
                trace: Some(path.clone()),
                format: r.format.clone(),
                on_bad_row: r.on_bad_row.clone(),
                order: r.order.clone(),
                from: r.from.clone(),
                until: r.until.clone(),
                sample: r.sample,
                time_scale: r.time_scale,
                options: r.options.clone(),
                usage: None,
                load_scale: None,
                duration_scale: None,
                generators: Vec::new(),
                services: Vec::new(),
            };
            trace_spec(&raw, &base_dir.join(path), base_dir, defaults)
                .map(RequestSource::Trace)
                .map_err(|e| Invalid {
                    key: e.key.replacen("workload.", &format!("{key}."), 1),
                    message: e.message,
                })
        }
        (Some(curve), None) => {
            if let Some((k, _)) = trace_keys.iter().find(|(_, on)| *on) {
                return Err(invalid(
                    format!("{key}.{k}"),
                    "applies to a request `trace`, and these requests come from a `curve`",
                ));
            }
            if horizon.is_none() {
                return Err(invalid(
                    format!("{key}.curve"),
                    "a rate curve never ends: give the scenario a `horizon`, such as horizon = \"24h\"",
                ));
            }
            let need = |k: &str, v: &Option<String>| -> Result<f64, Invalid> {
                match v {
                    Some(t) => rate(&format!("{key}.{k}"), t),
                    None => Err(invalid(
                        format!("{key}.{k}"),
                        format!("curve = \"{curve}\" needs `{k}`, such as \"100/s\""),
                    )),
                }
            };
            let need_span = |k: &str, v: &Option<String>| -> Result<SimTime, Invalid> {
                match v {
                    Some(t) => duration(&format!("{key}.{k}"), t),
                    None => Err(invalid(
                        format!("{key}.{k}"),
                        format!("curve = \"{curve}\" needs `{k}`, such as \"2h\""),
                    )),
                }
            };
            let (allowed, c): (&[&str], RateCurve) = match curve.as_str() {
                "constant" => (
                    &["rate"],
                    RateCurve::Constant {
                        rate: need("rate", &r.rate)?,
                    },
                ),
                "diurnal" => {
                    let min = need("min_rate", &r.min_rate)?;
                    let max = need("max_rate", &r.max_rate)?;
                    if max < min {
                        return Err(invalid(
                            format!("{key}.max_rate"),
                            "must be at least min_rate",
                        ));
                    }
                    let peak_at = need_span("peak_at", &r.peak_at)?;
                    if peak_at >= DAY {
                        return Err(invalid(
                            format!("{key}.peak_at"),
                            "is a time of day: from 0h to 24h",
                        ));
                    }
                    (
                        &["min_rate", "max_rate", "peak_at"],
                        RateCurve::Diurnal { min, max, peak_at },
                    )
                }
                "step" => (
                    &["before", "after", "at"],
                    RateCurve::Step {
                        before: need("before", &r.before)?,
                        after: need("after", &r.after)?,
                        at: need_span("at", &r.at)?,
                    },
                ),
                "spike" => {
                    let length = need_span("length", &r.length)?;
                    if length == 0 {
                        return Err(invalid(format!("{key}.length"), "must be above 0"));
                    }
                    (
                        &["base", "peak", "at", "length"],
                        RateCurve::Spike {
                            base: need("base", &r.base)?,
                            peak: need("peak", &r.peak)?,
                            at: need_span("at", &r.at)?,
                            length,
                        },
                    )
                }
                other => {
                    return Err(invalid(
                        format!("{key}.curve"),
                        format!("`{other}`: use \"constant\", \"diurnal\", \"step\" or \"spike\""),
                    ));
                }
            };
            if let Some((k, _)) = set
                .iter()
                .filter(|(k, _)| *k != "arrivals")
                .find(|(k, on)| *on && !allowed.contains(k))
            {
                return Err(invalid(
                    format!("{key}.{k}"),
                    format!(
                        "does not apply to curve = \"{curve}\" (it takes {})",
                        allowed.join(", ")
                    ),
                ));
            }
            let arrivals = match r.arrivals.as_deref() {
                None | Some("poisson") => ArrivalProcess::Poisson,
                Some("even") => ArrivalProcess::Even,
                Some(other) => {
                    return Err(invalid(
                        format!("{key}.arrivals"),
                        format!(
                            "`{other}`: use \"poisson\" (random arrivals) or \"even\" (evenly spaced)"
                        ),
                    ));
                }
            };
            Ok(RequestSource::Curve { curve: c, arrivals })
        }
    }
}

fn policy(
    p: &RawScaling,
    key: &str,
    defaults: &Defaults,
    resolution: Resolution,
    metric_delay: Option<SimTime>,
) -> Result<Policy, Invalid> {
    let d = &defaults.service;
    let metric = match p.metric.as_str() {
        "cpu" => Metric::Cpu,
        "requests_per_target" => Metric::RequestsPerTarget,
        other => {
            return Err(invalid(
                format!("{key}.metric"),
                format!(
                    "`{other}`: use \"cpu\" (average CPU utilisation, %) or \"requests_per_target\" (requests a minute per replica)"
                ),
            ));
        }
    };
    // The high-resolution metric exists for CPU only; ALB request counts
    // stay one-minute datapoints.
    let mut signal = if resolution == Resolution::High && metric == Metric::Cpu {
        d.high_signal
    } else {
        d.standard_signal
    };
    if let Some(delay) = metric_delay {
        signal.delay = delay;
    }
    // Alarm datapoints: `new` (any resolution) or its older spelling `old`
    // (one-minute datapoints), not both.
    let datapoints = |new: &str,
                      v: Option<i64>,
                      old: &str,
                      v_old: Option<i64>,
                      dflt: u32|
     -> Result<u32, Invalid> {
        if v.is_some() && v_old.is_some() {
            return Err(invalid(
                format!("{key}.{old}"),
                format!("is the older spelling of `{new}`: give only `{new}`"),
            ));
        }
        if v_old.is_some() && signal.resolution == Resolution::High {
            return Err(invalid(
                format!("{key}.{old}"),
                format!(
                    "counts one-minute datapoints, and this policy's metric comes every 20 s (metric_resolution = \"high\"): write `{new}` (3 datapoints = 1 minute)"
                ),
            ));
        }
        let (k, v) = if v_old.is_some() {
            (old, v_old)
        } else {
            (new, v)
        };
        let n = count(&format!("{key}.{k}"), v, dflt, 1440)?;
        if n == 0 {
            return Err(invalid(
                format!("{key}.{k}"),
                "must be at least 1 datapoint, such as 3",
            ));
        }
        Ok(n)
    };
    let span = |k: &str, v: &Option<String>, dflt: SimTime| -> Result<SimTime, Invalid> {
        v.as_deref()
            .map_or(Ok(dflt), |t| duration(&format!("{key}.{k}"), t))
    };
    let only = |allowed: &[&str]| -> Result<(), Invalid> {
        let given = [
            ("target", p.target.is_some()),
            ("scale_out_datapoints", p.scale_out_datapoints.is_some()),
            ("scale_in_datapoints", p.scale_in_datapoints.is_some()),
            ("scale_out_minutes", p.scale_out_minutes.is_some()),
            ("scale_in_minutes", p.scale_in_minutes.is_some()),
            ("scale_in_ratio", p.scale_in_ratio.is_some()),
            ("scale_out_cooldown", p.scale_out_cooldown.is_some()),
            ("scale_in_cooldown", p.scale_in_cooldown.is_some()),
            ("disable_scale_in", p.disable_scale_in.is_some()),
            ("datapoints", p.datapoints.is_some()),
            ("minutes", p.minutes.is_some()),
            ("cooldown", p.cooldown.is_some()),
            ("steps", p.steps.is_some()),
        ];
        match given.iter().find(|(k, on)| *on && !allowed.contains(k)) {
            Some((k, _)) => Err(invalid(
                format!("{key}.{k}"),
                format!("does not apply to policy = \"{}\"", p.policy),
            )),
            None => Ok(()),
        }
    };
    match p.policy.as_str() {
        "target_tracking" => {
            only(&[
                "target",
                "scale_out_datapoints",
                "scale_in_datapoints",
                "scale_out_minutes",
                "scale_in_minutes",
                "scale_in_ratio",
                "scale_out_cooldown",
                "scale_in_cooldown",
                "disable_scale_in",
            ])?;
            let target = match p.target {
                Some(t) if t.is_finite() && t > 0.0 && (metric != Metric::Cpu || t <= 100.0) => t,
                Some(t) => {
                    return Err(invalid(
                        format!("{key}.target"),
                        format!("{t}: need a value above 0 (CPU: a percentage up to 100)"),
                    ));
                }
                None => {
                    return Err(invalid(
                        format!("{key}.target"),
                        "target tracking needs a `target`, such as 60 (% CPU) or 1000 (requests a minute per replica)",
                    ));
                }
            };
            let in_ratio = p.scale_in_ratio.unwrap_or(d.scale_in_ratio);
            if !(in_ratio > 0.0 && in_ratio <= 1.0) {
                return Err(invalid(
                    format!("{key}.scale_in_ratio"),
                    format!("{in_ratio}: need a fraction above 0 and at most 1"),
                ));
            }
            Ok(Policy::TargetTracking(TargetTracking {
                metric,
                target,
                signal,
                out_datapoints: datapoints(
                    "scale_out_datapoints",
                    p.scale_out_datapoints,
                    "scale_out_minutes",
                    p.scale_out_minutes,
                    d.scale_out_minutes,
                )?,
                in_datapoints: datapoints(
                    "scale_in_datapoints",
                    p.scale_in_datapoints,
                    "scale_in_minutes",
                    p.scale_in_minutes,
                    d.scale_in_minutes,
                )?,
                in_ratio,
                out_cooldown: span(
                    "scale_out_cooldown",
                    &p.scale_out_cooldown,
                    d.scale_out_cooldown,
                )?,
                in_cooldown: span(
                    "scale_in_cooldown",
                    &p.scale_in_cooldown,
                    d.scale_in_cooldown,
                )?,
                disable_scale_in: p.disable_scale_in.unwrap_or(false),
            }))
        }
        "step" => {
            only(&["datapoints", "minutes", "cooldown", "steps"])?;
            let raw_steps = p.steps.as_deref().unwrap_or(&[]);
            if raw_steps.is_empty() {
                return Err(invalid(
                    format!("{key}.steps"),
                    "step scaling needs steps, such as [{ above = 70, change = 2 }, { below = 30, change = -1 }]",
                ));
            }
            let mut steps = Vec::new();
            for (j, st) in raw_steps.iter().enumerate() {
                let k = format!("{key}.steps[{j}]");
                let bound = match (st.above, st.below) {
                    (Some(a), None) if a.is_finite() => Bound::Above(a),
                    (None, Some(b)) if b.is_finite() => Bound::Below(b),
                    _ => {
                        return Err(invalid(
                            k,
                            "needs exactly one of `above` or `below` (a metric value)",
                        ));
                    }
                };
                let change = i32::try_from(st.change)
                    .ok()
                    .filter(|c| {
                        *c != 0
                            && match bound {
                                Bound::Above(_) => *c > 0,
                                Bound::Below(_) => *c < 0,
                            }
                    })
                    .ok_or_else(|| {
                        invalid(
                            format!("{k}.change"),
                            format!(
                                "{}: an `above` step adds replicas (change > 0), a `below` step removes them (change < 0)",
                                st.change
                            ),
                        )
                    })?;
                steps.push(Step { bound, change });
            }
            Ok(Policy::Step(StepScaling {
                metric,
                signal,
                datapoints: datapoints(
                    "datapoints",
                    p.datapoints,
                    "minutes",
                    p.minutes,
                    d.step_minutes,
                )?,
                cooldown: span("cooldown", &p.cooldown, d.step_cooldown)?,
                steps,
            }))
        }
        other => Err(invalid(
            format!("{key}.policy"),
            format!("`{other}`: use \"target_tracking\" or \"step\""),
        )),
    }
}
