//! Task sizes from the files users already have: ECS task definitions (the
//! JSON `aws ecs describe-task-definition` prints, or the registration
//! JSON) and Kubernetes pod specs and Deployments (YAML).
//!
//! ECS: task-level `cpu` and `memory` win; without them the containers'
//! values are summed (`memory`, else `memoryReservation`).
//! `runtimePlatform`, `ephemeralStorage` and `requiresCompatibilities` are
//! read too. Kubernetes: each container's requests (its limits where a
//! request is missing, as Kubernetes defaults them); the pod asks for the
//! larger of its largest init container and the sum of its app containers,
//! resource by resource, as EKS on Fargate sizes it. The 256 MiB that
//! Fargate adds for the Kubernetes components is added by an EKS platform
//! (`launch_type = "eks"`), not here. Errors name the file and the field.

use crate::pricing::{Arch, Os};
use std::path::Path;

/// What a task definition or pod spec asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub cpu_milli: u32,
    pub memory_mib: u32,
    /// Ephemeral storage asked for, GiB (0: the platform default).
    pub storage_gib: u32,
    pub arch: Option<Arch>,
    pub os: Option<Os>,
    /// A Deployment's `spec.replicas`.
    pub replicas: Option<u32>,
    /// Whether the file says the task can run on Fargate (None: it does
    /// not say).
    pub fargate_compatible: Option<bool>,
}

/// Reads a task definition (`.json`) or a pod spec or Deployment (`.yaml`,
/// `.yml`).
pub fn read(path: &Path) -> Result<Shape, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let at = path.display().to_string();
    match ext.as_str() {
        "json" => task_definition(&text, &at),
        "yaml" | "yml" => pod_spec(&text, &at),
        _ => Err(format!(
            "{at}: expected an ECS task definition (.json) or a Kubernetes pod spec or Deployment (.yaml)"
        )),
    }
}

/// An ECS task definition, bare or wrapped in `{"taskDefinition": …}`.
pub fn task_definition(text: &str, at: &str) -> Result<Shape, String> {
    let root: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{at}: not valid JSON: {e}"))?;
    let td = root.get("taskDefinition").unwrap_or(&root);
    let field = |path: &str, msg: String| format!("{at}: {path}: {msg}");
    let containers = td
        .get("containerDefinitions")
        .and_then(|c| c.as_array())
        .ok_or_else(|| {
            field(
                "containerDefinitions",
                "missing; a task definition lists its containers".into(),
            )
        })?;
    if containers.is_empty() {
        return Err(field("containerDefinitions", "is empty".into()));
    }
    // Task-level cpu: CPU units ("1024") or "1 vCPU"; memory: MiB ("2048")
    // or "2 GB" (ECS's GB is 1024 MiB).
    let cpu_milli = match td.get("cpu").filter(|v| !v.is_null()) {
        Some(v) => Some(ecs_cpu(v).map_err(|m| field("cpu", m))?),
        None => None,
    };
    let memory_mib = match td.get("memory").filter(|v| !v.is_null()) {
        Some(v) => Some(ecs_memory(v).map_err(|m| field("memory", m))?),
        None => None,
    };
    let cpu_milli = match cpu_milli {
        Some(c) => c,
        None => {
            let mut units = 0u64;
            for (i, c) in containers.iter().enumerate() {
                if let Some(v) = c.get("cpu").filter(|v| !v.is_null()) {
                    units += number(v)
                        .filter(|u| *u >= 0.0)
                        .ok_or_else(|| {
                            field(
                                &format!("containerDefinitions[{i}].cpu"),
                                format!("`{v}` is not a number of CPU units (1024 = 1 vCPU)"),
                            )
                        })?
                        .round() as u64;
                }
            }
            if units == 0 {
                return Err(field(
                    "cpu",
                    "no task-level cpu and no container cpu: set \"cpu\": \"1024\" (1 vCPU) on the task".into(),
                ));
            }
            (units * 1000).div_ceil(1024) as u32
        }
    };
    let memory_mib = match memory_mib {
        Some(m) => m,
        None => {
            let mut sum = 0u64;
            for (i, c) in containers.iter().enumerate() {
                let hard = c.get("memory").filter(|v| !v.is_null());
                let soft = c.get("memoryReservation").filter(|v| !v.is_null());
                let (key, v) = match (hard, soft) {
                    (Some(v), _) => ("memory", v),
                    (None, Some(v)) => ("memoryReservation", v),
                    (None, None) => {
                        return Err(field(
                            &format!("containerDefinitions[{i}]"),
                            "no task-level memory, and this container has neither memory nor memoryReservation".into(),
                        ));
                    }
                };
                sum += number(v)
                    .filter(|m| *m > 0.0)
                    .ok_or_else(|| {
                        field(
                            &format!("containerDefinitions[{i}].{key}"),
                            format!("`{v}` is not a number of MiB"),
                        )
                    })?
                    .ceil() as u64;
            }
            sum.min(u32::MAX as u64) as u32
        }
    };
    let storage_gib = match td.pointer("/ephemeralStorage/sizeInGiB") {
        None | Some(serde_json::Value::Null) => 0,
        Some(v) => number(v)
            .filter(|g| *g > 0.0)
            .ok_or_else(|| {
                field(
                    "ephemeralStorage.sizeInGiB",
                    format!("`{v}` is not a number of GiB"),
                )
            })?
            .ceil() as u32,
    };
    let arch = match td
        .pointer("/runtimePlatform/cpuArchitecture")
        .and_then(|v| v.as_str())
    {
        None => None,
        Some(a) => Some(match a.to_ascii_uppercase().as_str() {
            "X86_64" => Arch::X86_64,
            "ARM64" => Arch::Arm64,
            other => {
                return Err(field(
                    "runtimePlatform.cpuArchitecture",
                    format!("`{other}`: expected X86_64 or ARM64"),
                ));
            }
        }),
    };
    let os = match td
        .pointer("/runtimePlatform/operatingSystemFamily")
        .and_then(|v| v.as_str())
    {
        None => None,
        Some(f) if f.eq_ignore_ascii_case("LINUX") => Some(Os::Linux),
        Some(f) if f.to_ascii_uppercase().starts_with("WINDOWS") => Some(Os::Windows),
        Some(other) => {
            return Err(field(
                "runtimePlatform.operatingSystemFamily",
                format!("`{other}`: expected LINUX or a WINDOWS_SERVER_… family"),
            ));
        }
    };
    let fargate_compatible = td
        .get("requiresCompatibilities")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().any(|c| c.as_str() == Some("FARGATE")));
    Ok(Shape {
        cpu_milli,
        memory_mib,
        storage_gib,
        arch,
        os,
        replicas: None,
        fargate_compatible,
    })
}

/// A number, or a string holding one.
fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

/// ECS task cpu: CPU units ("1024", 1024) or vCPU ("1 vCPU", "0.25 vcpu").
fn ecs_cpu(v: &serde_json::Value) -> Result<u32, String> {
    if let Some(units) = number(v) {
        if units <= 0.0 {
            return Err(format!("`{v}` must be above 0"));
        }
        return Ok(((units * 1000.0) / 1024.0).ceil() as u32);
    }
    let s = v.as_str().unwrap_or_default().trim().to_ascii_lowercase();
    let vcpu = s
        .strip_suffix("vcpu")
        .map(str::trim)
        .and_then(|n| n.parse::<f64>().ok())
        .filter(|n| *n > 0.0 && n.is_finite())
        .ok_or_else(|| format!("`{v}`: expected CPU units such as \"1024\" or \"1 vCPU\""))?;
    Ok((vcpu * 1000.0).round() as u32)
}

/// ECS task memory: MiB ("2048", 2048) or GB ("2 GB", "2GB"; 1 GB = 1024 MiB).
fn ecs_memory(v: &serde_json::Value) -> Result<u32, String> {
    if let Some(mib) = number(v) {
        if mib <= 0.0 {
            return Err(format!("`{v}` must be above 0"));
        }
        return Ok(mib.ceil() as u32);
    }
    let s = v.as_str().unwrap_or_default().trim().to_ascii_lowercase();
    let gb = s
        .strip_suffix("gb")
        .map(str::trim)
        .and_then(|n| n.parse::<f64>().ok())
        .filter(|n| *n > 0.0 && n.is_finite())
        .ok_or_else(|| format!("`{v}`: expected MiB such as \"2048\" or GB such as \"2 GB\""))?;
    Ok((gb * 1024.0).ceil() as u32)
}

/// A Kubernetes Pod, or a workload with a pod template (Deployment,
/// StatefulSet, ReplicaSet, DaemonSet, Job).
pub fn pod_spec(text: &str, at: &str) -> Result<Shape, String> {
    let root: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| format!("{at}: not valid YAML: {e}"))?;
    let kind = root.get("kind").and_then(|k| k.as_str()).unwrap_or("Pod");
    let (spec, spec_path, replicas) =
        if kind == "Pod" {
            (root.get("spec"), "spec".to_string(), None)
        } else {
            let replicas =
                match root.get("spec").and_then(|s| s.get("replicas")) {
                    None => Some(1),
                    Some(v) => Some(v.as_u64().filter(|r| *r <= u32::MAX as u64).ok_or_else(
                        || format!("{at}: spec.replicas: `{v:?}` is not a replica count"),
                    )? as u32),
                };
            (
                root.get("spec")
                    .and_then(|s| s.get("template"))
                    .and_then(|t| t.get("spec")),
                "spec.template.spec".to_string(),
                replicas,
            )
        };
    let spec = spec.ok_or_else(|| format!("{at}: {spec_path}: missing (kind {kind})"))?;
    let list = |key: &str| -> Result<Vec<(String, &serde_yaml::Value)>, String> {
        match spec.get(key) {
            None => Ok(Vec::new()),
            Some(v) => v
                .as_sequence()
                .map(|s| {
                    s.iter()
                        .enumerate()
                        .map(|(i, c)| (format!("{spec_path}.{key}[{i}]"), c))
                        .collect()
                })
                .ok_or_else(|| format!("{at}: {spec_path}.{key}: expected a list")),
        }
    };
    let apps = list("containers")?;
    if apps.is_empty() {
        return Err(format!(
            "{at}: {spec_path}.containers: a pod needs at least one container"
        ));
    }
    let inits = list("initContainers")?;
    let want = |(path, c): &(String, &serde_yaml::Value)| -> Result<(u64, u64), String> {
        let get = |res: &str| {
            let r = c.get("resources");
            r.and_then(|r| r.get("requests"))
                .and_then(|q| q.get(res))
                .map(|v| (v, "requests"))
                .or_else(|| {
                    r.and_then(|r| r.get("limits"))
                        .and_then(|q| q.get(res))
                        .map(|v| (v, "limits"))
                })
        };
        let cpu = match get("cpu") {
            None => 0,
            Some((v, which)) => {
                k8s_cpu_milli(v).map_err(|m| format!("{at}: {path}.resources.{which}.cpu: {m}"))?
            }
        };
        let mem = match get("memory") {
            None => 0,
            Some((v, which)) => k8s_memory_mib(v)
                .map_err(|m| format!("{at}: {path}.resources.{which}.memory: {m}"))?,
        };
        Ok((cpu, mem))
    };
    let (mut cpu, mut mem) = (0u64, 0u64);
    for c in &apps {
        let (c, m) = want(c)?;
        cpu += c;
        mem += m;
    }
    for c in &inits {
        let (c, m) = want(c)?;
        cpu = cpu.max(c);
        mem = mem.max(m);
    }
    Ok(Shape {
        cpu_milli: cpu.min(u32::MAX as u64) as u32,
        memory_mib: mem.min(u32::MAX as u64) as u32,
        storage_gib: 0,
        arch: None,
        os: None,
        replicas,
        fargate_compatible: None,
    })
}

/// The text of a YAML scalar (numbers too: `cpu: 1`).
fn scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.trim().to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A Kubernetes CPU quantity ("500m", "1", "0.5") in milli-vCPU, rounded up.
pub fn k8s_cpu_milli(v: &serde_yaml::Value) -> Result<u64, String> {
    let s = scalar(v).ok_or_else(|| format!("`{v:?}` is not a CPU quantity"))?;
    crate::units::k8s_cpu_milli(&s)
}

/// A Kubernetes memory quantity in MiB, rounded up (see
/// [`crate::units::k8s_memory_mib`]).
pub fn k8s_memory_mib(v: &serde_yaml::Value) -> Result<u64, String> {
    let s = scalar(v).ok_or_else(|| format!("`{v:?}` is not a memory quantity"))?;
    crate::units::k8s_memory_mib(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_level_values_win_over_containers() {
        let td = r#"{"taskDefinition": {"cpu": "1024", "memory": "3 GB",
            "containerDefinitions": [{"name": "a", "cpu": 256, "memory": 512}],
            "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
            "ephemeralStorage": {"sizeInGiB": 40}, "requiresCompatibilities": ["FARGATE"]}}"#;
        let s = task_definition(td, "td.json").unwrap();
        assert_eq!((s.cpu_milli, s.memory_mib, s.storage_gib), (1000, 3072, 40));
        assert_eq!(
            (s.arch, s.os, s.fargate_compatible),
            (Some(Arch::Arm64), Some(Os::Linux), Some(true))
        );
    }

    #[test]
    fn containers_are_summed_without_task_level_values() {
        // 512 + 256 CPU units = 0.75 vCPU; memory 1024 (hard) + 512 (soft).
        let td = r#"{"containerDefinitions": [
            {"name": "app", "cpu": 512, "memory": 1024},
            {"name": "sidecar", "cpu": 256, "memoryReservation": 512}],
            "requiresCompatibilities": ["EC2"]}"#;
        let s = task_definition(td, "td.json").unwrap();
        assert_eq!((s.cpu_milli, s.memory_mib), (750, 1536));
        assert_eq!(s.fargate_compatible, Some(false));
    }

    #[test]
    fn task_definition_errors_name_the_field() {
        let e = task_definition(
            r#"{"containerDefinitions": [{"name": "a", "cpu": 256}]}"#,
            "td.json",
        )
        .unwrap_err();
        assert!(
            e.contains("td.json: containerDefinitions[0]") && e.contains("memoryReservation"),
            "{e}"
        );
        let e = task_definition(
            r#"{"cpu": "lots", "memory": "1024", "containerDefinitions": [{}]}"#,
            "td.json",
        )
        .unwrap_err();
        assert!(e.starts_with("td.json: cpu: `\"lots\"`"), "{e}");
        let e = task_definition(r#"{"cpu": "256", "memory": "512"}"#, "td.json").unwrap_err();
        assert!(e.contains("containerDefinitions: missing"), "{e}");
    }

    #[test]
    fn a_pod_takes_the_larger_of_its_largest_init_container_and_its_app_containers() {
        let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: migrate
      resources: {requests: {cpu: "2", memory: 1Gi}}
  containers:
    - name: app
      resources: {requests: {cpu: 500m, memory: 2Gi}}
    - name: proxy
      resources: {limits: {cpu: 250m, memory: 256Mi}}
"#;
        let s = pod_spec(pod, "pod.yaml").unwrap();
        // CPU: max(2000, 500 + 250); memory: max(1024, 2048 + 256).
        assert_eq!((s.cpu_milli, s.memory_mib, s.replicas), (2000, 2304, None));
    }

    #[test]
    fn a_deployment_gives_its_template_and_replicas() {
        let d = r#"
apiVersion: apps/v1
kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          resources:
            requests: {cpu: 1, memory: "8G"}
"#;
        let s = pod_spec(d, "d.yaml").unwrap();
        // 8 G = 8e9 bytes = 7629.39… MiB, rounded up.
        assert_eq!(
            (s.cpu_milli, s.memory_mib, s.replicas),
            (1000, 7630, Some(3))
        );
    }

    #[test]
    fn pod_errors_name_the_field() {
        let e = pod_spec(
            "kind: Pod\nspec:\n  containers:\n    - name: a\n      resources: {requests: {cpu: lots}}\n",
            "p.yaml",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "p.yaml: spec.containers[0].resources.requests.cpu: `lots`: expected a CPU quantity such as \"500m\" or \"1\""
        );
    }
}
