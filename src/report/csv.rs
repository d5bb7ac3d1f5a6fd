//! `summary.csv`: one row per platform with flat columns, for spreadsheets,
//! notebooks and DuckDB. Column names are the summary.json paths joined
//! with `_`; a field that does not apply (cluster fields on Fargate, a
//! latency with no samples) is left empty. Each service adds columns
//! `service_<name>_…` (served, latency percentiles, SLO minutes, cost).

use super::summary::{PlatformSummary, Summary};
use crate::io::csv::quote;
use crate::stats::SpanSummary;

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn latency(prefix: &str, s: &SpanSummary, header: &mut Vec<String>, row: &mut Vec<String>) {
    for (name, v) in [
        ("p50", s.p50),
        ("p95", s.p95),
        ("p99", s.p99),
        ("max", s.max),
        ("mean", s.mean),
    ] {
        header.push(format!("latency_{prefix}_{name}_s"));
        row.push(opt(v));
    }
}

fn columns(p: &PlatformSummary) -> (Vec<String>, Vec<String>) {
    let mut h: Vec<String> = Vec::new();
    let mut r: Vec<String> = Vec::new();
    let mut put = |name: &str, value: String| {
        h.push(name.to_string());
        r.push(value);
    };
    let c = &p.cost.components;
    put("name", quote(&p.name));
    put("kind", p.kind.clone());
    put("cost_total_usd", p.cost.total_usd.to_string());
    put(
        "cost_per_completed_task_usd",
        opt(p.cost.per_completed_task_usd),
    );
    put("cost_vcpu_usd", c.vcpu_usd.to_string());
    put("cost_memory_usd", c.memory_usd.to_string());
    put("cost_storage_usd", c.storage_usd.to_string());
    put("cost_os_license_usd", c.os_license_usd.to_string());
    put("cost_instances_usd", c.instances_usd.to_string());
    put("cost_control_plane_usd", c.control_plane_usd.to_string());
    put("cost_requests_usd", c.requests_usd.to_string());
    put("cost_compute_usd", p.cost.compute().to_string());
    put("cost_around_usd", p.cost.around_usd.to_string());
    // One column per charge around compute, always present.
    for comp in crate::pricing::around::Component::ALL {
        let v: f64 = p
            .cost
            .around
            .iter()
            .filter(|l| l.component == comp.name())
            .map(|l| l.cost_usd)
            .sum();
        put(&format!("cost_around_{}_usd", comp.name()), v.to_string());
    }
    put("billed_vcpu_seconds", p.billed.vcpu_seconds.to_string());
    put(
        "billed_memory_gib_seconds",
        p.billed.memory_gib_seconds.to_string(),
    );
    put(
        "billed_storage_gib_seconds",
        p.billed.storage_gib_seconds.to_string(),
    );
    put("billed_task_seconds", p.billed.task_seconds.to_string());
    let t = &p.tasks;
    put("tasks_submitted", t.submitted.to_string());
    put("tasks_completed", t.completed.to_string());
    put("tasks_failed", t.failed.to_string());
    put("tasks_interrupted", t.interrupted.to_string());
    put("tasks_unschedulable", t.unschedulable.to_string());
    put("tasks_running_at_end", t.running_at_end.to_string());
    put("tasks_waiting_at_end", t.waiting_at_end.to_string());
    put("tasks_wasted_seconds", t.wasted_seconds.to_string());
    put(
        "tasks_wasted_billed_seconds",
        t.wasted_billed_seconds.to_string(),
    );
    put("tasks_wasted_cost_usd", t.wasted_cost_usd.to_string());
    let cl = p.cluster.as_ref();
    let f = |g: &dyn Fn(&super::summary::ClusterSummary) -> String| cl.map(g).unwrap_or_default();
    put(
        "cluster_instances_launched",
        f(&|c| c.instances_launched.to_string()),
    );
    put(
        "cluster_instance_hours",
        f(&|c| c.instance_hours.to_string()),
    );
    put(
        "cluster_peak_instances",
        f(&|c| c.peak_instances.to_string()),
    );
    put(
        "cluster_mean_instances",
        f(&|c| c.mean_instances.to_string()),
    );
    put(
        "cluster_nodes_consolidated",
        f(&|c| c.nodes_consolidated.to_string()),
    );
    put("cluster_pods_moved", f(&|c| c.pods_moved.to_string()));
    put("cluster_allocated_usd", f(&|c| c.allocated_usd.to_string()));
    put("cluster_idle_usd", f(&|c| c.idle_usd.to_string()));
    put("simulated_end_s", p.simulated_end_s.to_string());
    latency("wait", &p.latency.wait, &mut h, &mut r);
    latency("startup", &p.latency.startup, &mut h, &mut r);
    latency("time_to_start", &p.latency.time_to_start, &mut h, &mut r);
    // Right-sizing (issue 27): empty on a platform that runs tasks as
    // requested, so a sweep over the headroom can chart saving against risk.
    let rs = p.rightsizing.as_ref();
    for (name, v) in [
        ("rightsizing_resized", rs.map(|x| x.resized as f64)),
        (
            "rightsizing_tasks_killed",
            rs.map(|x| x.tasks_killed as f64),
        ),
        ("rightsizing_kill_rate", rs.and_then(|x| x.kill_rate)),
        ("rightsizing_oom_lost_s", rs.map(|x| x.oom_lost_seconds)),
        ("rightsizing_slowed", rs.map(|x| x.slowed as f64)),
        ("rightsizing_slowed_rate", rs.and_then(|x| x.slowed_rate)),
        (
            "rightsizing_slowed_extra_s",
            rs.map(|x| x.slowed_extra_seconds),
        ),
    ] {
        h.push(name.to_string());
        r.push(opt(v));
    }
    // Services: every platform runs the same ones, so the columns line up.
    for sv in &p.services {
        let key = crate::io::files::safe_file_name(&sv.name);
        let q = &sv.requests;
        let l = &sv.latency_s;
        let columns: [(&str, String); 14] = [
            ("arrived", q.arrived.to_string()),
            ("served", q.served.to_string()),
            ("timed_out", q.timed_out.to_string()),
            ("rejected", q.rejected.to_string()),
            ("failed", q.failed.to_string()),
            ("latency_p50_s", opt(l.p50)),
            ("latency_p99_s", opt(l.p99)),
            ("latency_p99_9_s", opt(l.p99_9)),
            ("latency_mean_s", opt(l.mean)),
            (
                "slo_minutes_violated",
                sv.slo
                    .as_ref()
                    .map(|o| o.minutes_violated.to_string())
                    .unwrap_or_default(),
            ),
            ("replicas_mean", sv.replicas.mean_running.to_string()),
            ("replicas_peak", sv.replicas.peak_running.to_string()),
            ("cost_usd", sv.cost_usd.to_string()),
            (
                "cost_per_million_served_usd",
                opt(sv.cost_per_million_served_usd),
            ),
        ];
        for (name, value) in columns {
            h.push(format!("service_{key}_{name}"));
            r.push(value);
        }
    }
    (h, r)
}

/// Every metric of a platform's summary by its flat name (the numeric
/// columns of summary.csv), None where it does not apply.
pub fn metrics(p: &PlatformSummary) -> Vec<(String, Option<f64>)> {
    let (h, r) = columns(p);
    h.into_iter()
        .zip(r)
        .filter(|(name, _)| name != "name" && name != "kind")
        .map(|(name, v)| {
            let x = v.parse::<f64>().ok();
            (name, x)
        })
        .collect()
}

/// The CSV text: a header and one row per platform.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    for (i, p) in summary.platforms.iter().enumerate() {
        let (h, r) = columns(p);
        if i == 0 {
            out.push_str(&h.join(","));
            out.push('\n');
        }
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}
