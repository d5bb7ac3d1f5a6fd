//! Kubernetes pods as `kubectl get pods -A -o json` prints them (a `List`
//! of `Pod`), or one pod a line (`kubectl … -o json | jq -c '.items[]'`).
//! A pod asks for its containers' requests (their limits where a request is
//! missing); init containers run one after another before the app
//! containers, so the pod asks for max(largest init container, sum of the
//! app containers), for CPU and memory separately, as the scheduler sizes
//! it. It is submitted at `creationTimestamp`, runs from its first
//! container's start (else `status.startTime`) to its last container's
//! finish, and belongs to its owner (a Job; a ReplicaSet's Deployment).
//! The node it ran on says where (an EKS Fargate node, or a node whose
//! instance type a `kubectl get nodes -o json` file gives).

use super::adapter::{BadRow, OnBadRow, SkipCounter};
use super::json_export::{each_value, k8s_cpu_milli, k8s_memory_mib, timestamp_us};
use super::lifecycle::{Export, Launch, Lifecycle, bad_record, check_order, export_notes};
use crate::workload::WorkloadError;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Node name → instance type (and whether it is an EKS Fargate node), from
/// `kubectl get nodes -o json`.
pub type Nodes = BTreeMap<String, Launch>;

/// Reads a nodes file: each node's instance-type label, or Fargate.
pub fn read_nodes(path: &Path) -> Result<Nodes, WorkloadError> {
    let mut nodes = Nodes::new();
    each_value(path, |line, v| {
        let v = v.map_err(|m| WorkloadError::BadValue {
            path: path.to_path_buf(),
            line,
            column: "(json)",
            value: String::new(),
            expected: m,
        })?;
        let items: Vec<&Value> = match v.get("items").and_then(Value::as_array) {
            Some(items) => items.iter().collect(),
            None => vec![&v],
        };
        for n in items {
            let meta = n.get("metadata");
            let Some(name) = meta.and_then(|m| m.get("name")).and_then(Value::as_str) else {
                continue;
            };
            let labels = meta.and_then(|m| m.get("labels"));
            let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
            let launch = if label("eks.amazonaws.com/compute-type") == Some("fargate") {
                Launch::EksFargate
            } else {
                Launch::EksNode(
                    label("node.kubernetes.io/instance-type")
                        .or_else(|| label("beta.kubernetes.io/instance-type"))
                        .map(str::to_string),
                )
            };
            nodes.insert(name.to_string(), launch);
        }
        Ok(())
    })?;
    Ok(nodes)
}

/// The group a pod belongs to: its Job, its ReplicaSet's Deployment (the
/// ReplicaSet's name less its pod-template hash), another owner, else its
/// own name.
fn owner(meta: Option<&Value>, name: &str) -> String {
    let refs = meta
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array);
    let first = refs.and_then(|r| {
        r.iter()
            .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
            .or_else(|| r.first())
    });
    match first {
        Some(o) => {
            let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
            let n = o.get("name").and_then(Value::as_str).unwrap_or(name);
            if kind == "ReplicaSet" {
                match n.rsplit_once('-') {
                    Some((deployment, hash))
                        if !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric()) =>
                    {
                        deployment.to_string()
                    }
                    _ => n.to_string(),
                }
            } else {
                n.to_string()
            }
        }
        None => name.to_string(),
    }
}

/// A container's ask: requests, else limits, per resource (milli-vCPU, MiB).
fn ask(c: &Value, path: &str) -> Result<(u64, u64), BadRow> {
    let r = c.get("resources");
    let get = |res: &str| {
        r.and_then(|r| r.get("requests"))
            .and_then(|q| q.get(res))
            .or_else(|| r.and_then(|r| r.get("limits")).and_then(|q| q.get(res)))
    };
    let cpu = match get("cpu") {
        None => 0,
        Some(v) => k8s_cpu_milli(v)
            .map_err(|m| BadRow::new("resources.cpu", &v.to_string(), format!("{path}: {m}")))?,
    };
    let mem = match get("memory") {
        None => 0,
        Some(v) => k8s_memory_mib(v)
            .map_err(|m| BadRow::new("resources.memory", &v.to_string(), format!("{path}: {m}")))?,
    };
    Ok((cpu, mem))
}

/// Reads one pod into its life.
fn pod(p: &Value, nodes: &Nodes, end: &mut i64) -> Result<Lifecycle, BadRow> {
    let meta = p.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .ok_or_else(|| BadRow::new("metadata.name", "", "a pod without metadata.name"))?;
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .unwrap_or("default");
    let mut time = |v: Option<&Value>, column: &'static str| -> Result<Option<i64>, BadRow> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let us = timestamp_us(v)
                    .map_err(|m| BadRow::new(column, &v.to_string(), format!("{column}: {m}")))?;
                *end = (*end).max(us);
                Ok(Some(us))
            }
        }
    };
    let created = time(
        meta.and_then(|m| m.get("creationTimestamp")),
        "metadata.creationTimestamp",
    )?
    .ok_or_else(|| {
        BadRow::new(
            "metadata.creationTimestamp",
            "",
            "a pod without creationTimestamp",
        )
    })?;
    let spec = p.get("spec");
    let status = p.get("status");
    let list = |v: Option<&Value>, key: &str| -> Vec<Value> {
        v.and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (mut cpu, mut mem) = (0u64, 0u64);
    for (i, c) in list(spec, "containers").iter().enumerate() {
        let (c, m) = ask(c, &format!("spec.containers[{i}]"))?;
        cpu += c;
        mem += m;
    }
    for (i, c) in list(spec, "initContainers").iter().enumerate() {
        let (c, m) = ask(c, &format!("spec.initContainers[{i}]"))?;
        cpu = cpu.max(c);
        mem = mem.max(m);
    }
    if cpu == 0 || mem == 0 {
        return Err(BadRow::new(
            if cpu == 0 {
                "resources.cpu"
            } else {
                "resources.memory"
            },
            "",
            "no CPU or memory request (or limit) on any container; the replay needs a size",
        ));
    }
    let scheduled = list(status, "conditions")
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("PodScheduled"))
        .and_then(|c| c.get("lastTransitionTime").cloned());
    let scheduled = time(scheduled.as_ref(), "status.conditions.lastTransitionTime")?;
    let start_time = time(status.and_then(|s| s.get("startTime")), "status.startTime")?;
    // Containers: the first start and, when every one has terminated, the last finish.
    let (mut first_start, mut last_finish, mut all_done, mut any) =
        (None::<i64>, None::<i64>, true, false);
    for c in list(status, "containerStatuses") {
        any = true;
        let state = c.get("state");
        let running = state.and_then(|s| s.get("running"));
        let terminated = state.and_then(|s| s.get("terminated"));
        let started = running
            .or(terminated)
            .and_then(|s| s.get("startedAt"))
            .filter(|v| !v.is_null());
        if let Some(s) = time(started, "state.startedAt")? {
            first_start = Some(first_start.map_or(s, |f| f.min(s)));
        }
        match terminated
            .and_then(|t| t.get("finishedAt"))
            .filter(|v| !v.is_null())
        {
            Some(f) => {
                if let Some(f) = time(Some(f), "state.terminated.finishedAt")? {
                    last_finish = Some(last_finish.map_or(f, |l| l.max(f)));
                }
            }
            None => all_done = false,
        }
    }
    let started = first_start.or(start_time).ok_or_else(|| {
        let phase = status
            .and_then(|s| s.get("phase"))
            .and_then(Value::as_str)
            .unwrap_or("");
        BadRow::new(
            "status.startTime",
            phase,
            "a pod that never started (Pending)",
        )
    })?;
    let stopped = if any && all_done { last_finish } else { None };
    let node = spec.and_then(|s| s.get("nodeName")).and_then(Value::as_str);
    let launch = match node {
        Some(n) => nodes.get(n).cloned().unwrap_or_else(|| {
            if n.starts_with("fargate-") {
                Launch::EksFargate
            } else {
                Launch::EksNode(None)
            }
        }),
        None => Launch::EksNode(None),
    };
    let life = Lifecycle {
        id: format!("{namespace}/{name}"),
        group: owner(meta, name),
        launch,
        cpu_milli: cpu.min(u32::MAX as u64) as u32,
        memory_mib: mem.min(u32::MAX as u64) as u32,
        windows: spec
            .and_then(|s| s.get("os"))
            .and_then(|o| o.get("name"))
            .and_then(Value::as_str)
            == Some("windows"),
        created,
        pull_started: scheduled,
        pull_stopped: None,
        started,
        stopped,
    };
    check_order(&life)?;
    Ok(life)
}

/// Reads a pods export; `nodes` from a nodes file (may be empty).
pub fn read(
    path: &Path,
    nodes: &Nodes,
    on_bad_row: OnBadRow,
    skipped: &SkipCounter,
) -> Result<Export, WorkloadError> {
    let mut e = Export {
        end: i64::MIN,
        pods: true,
        ..Export::default()
    };
    let mut kinds = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut repeated = 0u64;
    each_value(path, |line, v| {
        let v = match v {
            Ok(v) => v,
            Err(m) => {
                return bad_record(
                    path,
                    line,
                    BadRow::new("(json)", "", m),
                    on_bad_row,
                    skipped,
                );
            }
        };
        let items: Vec<(u64, &Value)> = match v.get("items").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| (i as u64 + 1, x))
                .collect(),
            None => match v.as_array() {
                Some(a) => a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (i as u64 + 1, x))
                    .collect(),
                None => vec![(line, &v)],
            },
        };
        for (n, p) in items {
            let kind = p.get("kind").and_then(Value::as_str).unwrap_or("Pod");
            if kind != "Pod" {
                kinds.insert(kind.to_string());
                continue;
            }
            match pod(p, nodes, &mut e.end) {
                Ok(l) => {
                    // The same pod twice (two exports joined): the later wins.
                    if !seen.insert(l.id.clone()) {
                        repeated += 1;
                        e.lives.retain(|x| x.id != l.id);
                    }
                    e.lives.push(l)
                }
                Err(b) => bad_record(path, n, b, on_bad_row, skipped)?,
            }
        }
        Ok(())
    })?;
    e.lives
        .sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    if repeated > 0 {
        e.notes.push(format!(
            "{}: {repeated} pods appear more than once; the last record of each is used",
            path.display()
        ));
    }
    if !kinds.is_empty() {
        e.notes.push(format!(
            "{}: objects other than pods ignored: {}",
            path.display(),
            kinds.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    e.notes.push(format!(
        "{}: pod fields read: metadata name, namespace, creationTimestamp, ownerReferences; spec containers, initContainers, nodeName, os; status conditions, startTime, containerStatuses; the rest are ignored",
        path.display()
    ));
    export_notes(path, &mut e);
    Ok(e)
}
