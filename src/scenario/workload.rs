//! Validates `[workload]`: the trace and the generators (services are in
//! `services.rs`).

use super::check::{
    Invalid, SizeInput, duration, invalid, positive_factor, rate, size_input, span_dist,
};
use super::raw::*;
use crate::scenario::defaults::Defaults;
use crate::time::SimTime;
use crate::units::{parse_memory_mib, vcpu_to_milli};
use crate::workload::synthetic::{Arrivals, Generator, WeightedSize};
use std::path::Path;

/// Validates the trace keys of `[workload]` for the trace at `path`.
pub fn trace_spec(
    w: &RawWorkload,
    path: &Path,
    base_dir: &Path,
    defaults: &Defaults,
) -> Result<crate::workload::trace::TraceSpec, Invalid> {
    use crate::workload::formats::{Format, FormatParams, OnBadRow};
    use crate::workload::shape::Order;
    if !path.is_file() {
        return Err(invalid(
            "workload.trace",
            format!(
                "no trace file at {} (paths are relative to the scenario file)",
                path.display()
            ),
        ));
    }
    let format = match &w.format {
        Some(f) => Format::parse(f).map_err(|m| invalid("workload.format", m))?,
        None => Format::detect(path).map_err(|e| invalid("workload.format", e.to_string()))?,
    };
    let on_bad_row = match w.on_bad_row.as_deref() {
        None | Some("error") => OnBadRow::Error,
        Some("skip") => OnBadRow::Skip,
        Some(other) => {
            return Err(invalid(
                "workload.on_bad_row",
                format!(
                    "`{other}`: use \"error\" (stop at the first bad row) or \"skip\" (skip and count them)"
                ),
            ));
        }
    };
    let order = match w.order.as_deref() {
        None if format.usually_sorted() => Order::Error,
        None | Some("sort") => Order::Sort,
        Some("error") => Order::Error,
        Some(other) => {
            return Err(invalid(
                "workload.order",
                format!(
                    "`{other}`: use \"sort\" (sort by submit time, in bounded memory) or \"error\" (stop at a row out of order)"
                ),
            ));
        }
    };
    let from = w
        .from
        .as_deref()
        .map(|t| duration("workload.from", t))
        .transpose()?;
    let until = w
        .until
        .as_deref()
        .map(|t| duration("workload.until", t))
        .transpose()?;
    if let (Some(a), Some(b)) = (from, until)
        && b <= a
    {
        return Err(invalid("workload.until", "must be after `from`"));
    }
    let sample = match w.sample {
        None => None,
        Some(f) if f > 0.0 && f <= 1.0 => Some(f),
        Some(f) => {
            return Err(invalid(
                "workload.sample",
                format!(
                    "{f}: need a fraction above 0 and at most 1, such as 0.1 for a tenth of the tasks"
                ),
            ));
        }
    };
    let time_scale = positive_factor("workload.time_scale", w.time_scale)?;
    let o = w.options.clone().unwrap_or_default();
    let t = &defaults.traces;
    let machine = match format {
        Format::Alibaba2017 | Format::Alibaba2017Instance => &t.alibaba_2017,
        Format::Alibaba2018Task | Format::Alibaba2018Instance => &t.alibaba_2018,
        _ => &t.google,
    };
    let mem = |key: &str, v: &Option<String>, default: &str| -> Result<u32, Invalid> {
        let text = v.as_deref().unwrap_or(default);
        parse_memory_mib(text).map_err(|m| invalid(format!("workload.options.{key}"), m))
    };
    let cpu = |key: &str, v: Option<f64>, default: f64| -> Result<u32, Invalid> {
        vcpu_to_milli(v.unwrap_or(default)).ok_or_else(|| {
            invalid(
                format!("workload.options.{key}"),
                format!(
                    "{}: need a vCPU count above 0 and at most 1,000,000",
                    v.unwrap_or(default)
                ),
            )
        })
    };
    let dur = |key: &str, v: &Option<String>, default: &str| -> Result<SimTime, Invalid> {
        duration(
            &format!("workload.options.{key}"),
            v.as_deref().unwrap_or(default),
        )
    };
    let (req_cpu, req_mem) = match format {
        Format::AzureLlm2023 => (t.azure_llm.request_cpu, t.azure_llm.request_memory.as_str()),
        _ => (
            t.azure_functions.request_cpu,
            t.azure_functions.request_memory.as_str(),
        ),
    };
    let vcpu_per_processor = o.vcpu_per_processor.unwrap_or(t.swf.vcpu_per_processor);
    if !(vcpu_per_processor.is_finite() && vcpu_per_processor > 0.0) {
        return Err(invalid(
            "workload.options.vcpu_per_processor",
            format!("{vcpu_per_processor}: need a number above 0"),
        ));
    }
    let file = |key: &str, v: &Option<String>| -> Result<Option<std::path::PathBuf>, Invalid> {
        match v {
            None => Ok(None),
            Some(p) => {
                let full = base_dir.join(p);
                if full.is_file() {
                    Ok(Some(full))
                } else {
                    Err(invalid(
                        format!("workload.options.{key}"),
                        format!(
                            "no file at {} (paths are relative to the scenario file)",
                            full.display()
                        ),
                    ))
                }
            }
        }
    };
    let params = FormatParams {
        machine_cpu_milli: cpu("machine_cpu", o.machine_cpu, machine.machine_cpu)?,
        machine_memory_mib: mem("machine_memory", &o.machine_memory, &machine.machine_memory)?,
        expand_instances: o.expand_instances.unwrap_or(true),
        vcpu_per_processor,
        memory_per_processor_mib: mem(
            "memory_per_processor",
            &o.memory_per_processor,
            &t.swf.memory_per_processor,
        )?,
        request_cpu_milli: cpu("request_cpu", o.request_cpu, req_cpu)?,
        request_memory_mib: Some(mem("request_memory", &o.request_memory, req_mem)?),
        llm_overhead_us: dur("llm_overhead", &o.llm_overhead, &t.azure_llm.overhead)?,
        llm_prefill_us_per_token: dur(
            "llm_prefill_per_token",
            &o.llm_prefill_per_token,
            &t.azure_llm.prefill_per_token,
        )?,
        llm_decode_us_per_token: dur(
            "llm_decode_per_token",
            &o.llm_decode_per_token,
            &t.azure_llm.decode_per_token,
        )?,
        durations_file: file("durations_file", &o.durations_file)?,
        memory_file: file("memory_file", &o.memory_file)?,
        usage_file: usage_file(w, format, base_dir)?,
    };
    if format == Format::AzureFunctions2019 && params.durations_file.is_none() {
        return Err(invalid(
            "workload.options.durations_file",
            "azure-functions-2019 needs the day's function_durations_percentiles.anon.dNN.csv",
        ));
    }
    Ok(crate::workload::trace::TraceSpec {
        path: path.to_path_buf(),
        format,
        on_bad_row,
        order,
        from,
        until,
        sample,
        time_scale,
        params,
    })
}

/// `workload.usage`: a Container Insights performance log, only beside an
/// export of the account's own tasks or pods.
fn usage_file(
    w: &RawWorkload,
    format: crate::workload::formats::Format,
    base_dir: &Path,
) -> Result<Option<std::path::PathBuf>, Invalid> {
    use crate::workload::formats::Format;
    let Some(p) = &w.usage else {
        return Ok(None);
    };
    // One key for every trace whose usage comes in a second file: a
    // Container Insights performance log beside an ECS or pods export, the
    // usage table of the Google traces.
    if !matches!(
        format,
        Format::EcsTasks | Format::KubernetesPods | Format::Google2019 | Format::Google2011
    ) {
        return Err(invalid(
            "workload.usage",
            format!(
                "\"{p}\": a usage file goes with an ecs-tasks or kubernetes-pods trace (a Container Insights performance log) or a google-2019 or google-2011 trace (its instance_usage or task_usage table), and this trace is {}; remove the key (a format that carries usage gives it in its own columns: docs/traces.md)",
                format.name()
            ),
        ));
    }
    let full = base_dir.join(p);
    if !full.is_file() {
        return Err(invalid(
            "workload.usage",
            format!(
                "no file at {} (paths are relative to the scenario file); {}",
                full.display(),
                if matches!(format, Format::Google2019 | Format::Google2011) {
                    "give the trace's usage table (docs/traces.md)"
                } else {
                    "export the performance log events with `aws logs filter-log-events` (docs/traces.md)"
                }
            ),
        ));
    }
    Ok(Some(full))
}

pub fn generator(
    g: &RawGenerator,
    i: usize,
    horizon: Option<SimTime>,
    base_dir: &Path,
) -> Result<Generator, Invalid> {
    let key = format!("workload.generators[{i}]");
    let name = g
        .name
        .clone()
        .unwrap_or_else(|| format!("generator{}", i + 1));
    let arrivals = match &g.arrivals {
        RawArrivals::Poisson { rate: r } => {
            let k = format!("{key}.arrivals.rate");
            let rate_per_s = rate(&k, r)?;
            if rate_per_s <= 0.0 {
                return Err(invalid(
                    k,
                    format!("`{r}` makes no tasks; give a rate above 0 or remove the generator"),
                ));
            }
            Arrivals::Poisson { rate_per_s }
        }
        RawArrivals::Diurnal {
            min_rate,
            max_rate,
            peak_at,
        } => {
            let min_per_s = rate(&format!("{key}.arrivals.min_rate"), min_rate)?;
            let max_per_s = rate(&format!("{key}.arrivals.max_rate"), max_rate)?;
            if max_per_s < min_per_s {
                return Err(invalid(
                    format!("{key}.arrivals.max_rate"),
                    "must be at least min_rate",
                ));
            }
            let peak_at = duration(&format!("{key}.arrivals.peak_at"), peak_at)?;
            if peak_at >= crate::time::DAY {
                return Err(invalid(
                    format!("{key}.arrivals.peak_at"),
                    "is a time of day: from 0h to 24h",
                ));
            }
            Arrivals::Diurnal {
                min_per_s,
                max_per_s,
                peak_at,
            }
        }
        RawArrivals::Burst { at, size } => {
            if *size < 1 || *size > 100_000_000 {
                return Err(invalid(
                    format!("{key}.arrivals.size"),
                    format!("{size}: need 1 to 100,000,000 tasks"),
                ));
            }
            let mut times = at
                .iter()
                .enumerate()
                .map(|(j, s)| duration(&format!("{key}.arrivals.at[{j}]"), s))
                .collect::<Result<Vec<_>, _>>()?;
            if times.is_empty() {
                return Err(invalid(
                    format!("{key}.arrivals.at"),
                    "needs at least one time",
                ));
            }
            times.sort_unstable();
            Arrivals::Burst {
                at: times,
                size: *size as u64,
            }
        }
    };
    let duration_dist = span_dist(&g.duration, &format!("{key}.duration"))?;
    if g.sizes.is_empty() {
        return Err(invalid(
            format!("{key}.sizes"),
            "needs at least one size, such as [{ cpu = 0.25, memory = \"512MiB\" }]",
        ));
    }
    let mut sizes = Vec::new();
    for (j, s) in g.sizes.iter().enumerate() {
        let k = format!("{key}.sizes[{j}]");
        let (cpu_milli, memory_mib, shape) = size_input(
            &SizeInput {
                cpu: s.cpu,
                memory: s.memory.as_deref(),
                task_definition: s.task_definition.as_deref(),
                pod: s.pod.as_deref(),
            },
            &k,
            base_dir,
        )?;
        let storage_gib = match &s.storage {
            None => shape.as_ref().map_or(0, |sh| sh.storage_gib),
            Some(text) => {
                if text.trim().chars().all(|c| c.is_ascii_digit() || c == '.') {
                    return Err(invalid(
                        format!("{k}.storage"),
                        format!("`{text}` has no unit; write it as \"{text}GiB\""),
                    ));
                }
                let mib = parse_memory_mib(text).map_err(|m| invalid(format!("{k}.storage"), m))?;
                mib.div_ceil(1024)
            }
        };
        let weight = s.weight.unwrap_or(1.0);
        if !weight.is_finite() || weight <= 0.0 {
            return Err(invalid(
                format!("{k}.weight"),
                format!("{weight}: need a weight above 0"),
            ));
        }
        let usage = match &s.usage {
            None => None,
            Some(u) => Some(crate::workload::UsageDraw {
                cpu: fraction_range(&u.cpu, &format!("{k}.usage.cpu"))?,
                memory: fraction_range(&u.memory, &format!("{k}.usage.memory"))?,
            }),
        };
        sizes.push(WeightedSize {
            cpu_milli,
            memory_mib,
            storage_gib,
            weight,
            usage,
        });
    }
    let count = match g.count {
        None => None,
        Some(c) if c >= 1 => Some(c as u64),
        Some(c) => {
            return Err(invalid(
                format!("{key}.count"),
                format!("{c}: need at least 1"),
            ));
        }
    };
    let start = g
        .start
        .as_deref()
        .map(|s| duration(&format!("{key}.start"), s))
        .transpose()?
        .unwrap_or(0);
    let until = g
        .until
        .as_deref()
        .map(|s| duration(&format!("{key}.until"), s))
        .transpose()?;
    let ends = count.is_some()
        || until.is_some()
        || horizon.is_some()
        || matches!(arrivals, Arrivals::Burst { .. });
    if !ends {
        return Err(invalid(
            key,
            "this generator never stops: give it `count` or `until`, or give the scenario a `horizon`",
        ));
    }
    Ok(Generator {
        name,
        arrivals,
        duration: duration_dist,
        sizes,
        count,
        start,
        until,
    })
}

/// A range of fractions of a request, `[low, high]` with 0 < low ≤ high ≤ 4
/// (a task may use more than it asked for, up to four times).
fn fraction_range(v: &[f64], key: &str) -> Result<(f64, f64), Invalid> {
    match v {
        [lo, hi] if lo.is_finite() && hi.is_finite() && *lo > 0.0 && lo <= hi && *hi <= 4.0 => {
            Ok((*lo, *hi))
        }
        _ => Err(invalid(
            key,
            format!(
                "{v:?}: need [low, high], fractions of the request with 0 < low <= high <= 4, such as [0.3, 0.8]"
            ),
        )),
    }
}
