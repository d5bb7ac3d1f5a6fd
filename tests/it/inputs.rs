//! Task sizes from ECS task definitions and Kubernetes pod specs, run end
//! to end, against the examples of AWS's EKS pod sizing page
//! (docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html).

use crate::common::{Case, run};

fn case_with(scenario: &str, files: &[(&str, &str)]) -> Case {
    let case = Case::new(
        scenario,
        Some("task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n"),
    );
    for (name, text) in files {
        std::fs::write(case.dir().join(name), text).unwrap();
    }
    case
}

const JOBS: &str = r#"
name = "inputs"
seed = 1
[workload]
[[workload.generators]]
name = "jobs"
arrivals = { process = "burst", at = ["0s"], size = 3 }
duration = "10min"
sizes = [{ SIZE }]
"#;

#[test]
fn the_eks_example_a_1_vcpu_8_gb_pod_runs_as_2_vcpu_9_gb() {
    // AWS: "a 1 vCPU / 8 GB request becomes 8 GB + 256 MB, which does not
    // exist for 1 vCPU, so a 2 vCPU / 9 GB task is provisioned".
    let pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n      resources:\n        requests: {cpu: \"1\", memory: 8Gi}\n        limits: {cpu: \"1\", memory: 8Gi}\n";
    let text = JOBS.replace("SIZE", "pod = \"pod.yaml\"")
        + "[[platforms]]\nname = \"eks\"\nkind = \"fargate\"\nlaunch_type = \"eks\"\n";
    let ran = run(&case_with(&text, &[("pod.yaml", pod)]), &[]);
    let recs = ran.records_of("eks");
    assert_eq!(recs.len(), 3);
    for r in recs {
        assert_eq!(
            (r.cpu_milli_requested, r.memory_mib_requested),
            (1000, 8192)
        );
        assert_eq!((r.cpu_milli_billed, r.memory_mib_billed), (2000, 9216));
    }
}

#[test]
fn a_task_definition_sizes_the_tasks_and_sets_the_platform() {
    // Task-level 0.5 vCPU / 1 GB wins over the containers; ARM64 Linux
    // makes the platform Graviton.
    let td = r#"{"taskDefinition": {"family": "web", "cpu": "512", "memory": "1 GB",
        "requiresCompatibilities": ["FARGATE"],
        "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        "containerDefinitions": [{"name": "web", "cpu": 256, "memory": 512}]}}"#;
    let text = JOBS.replace("SIZE", "task_definition = \"td.json\"")
        + "[[platforms]]\nname = \"f\"\nkind = \"fargate\"\ntask_definition = \"td.json\"\n";
    let ran = run(&case_with(&text, &[("td.json", td)]), &[]);
    let p = ran.platform("f");
    assert_eq!(p.options.get("arch").map(String::as_str), Some("arm64"));
    for r in ran.records_of("f") {
        assert_eq!((r.cpu_milli_billed, r.memory_mib_billed), (500, 1024));
    }
}

#[test]
fn a_deployment_gives_a_service_its_size_and_replicas() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: api\n          resources: {requests: {cpu: 500m, memory: 1Gi}}\n";
    let text = r#"
name = "svc"
seed = 1
horizon = "5m"
[[workload.services]]
name = "api"
pod = "deploy.yaml"
service_time = "50ms"
requests = { curve = "constant", rate = "10/s" }
[[platforms]]
name = "f"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
"#;
    let ran = run(&case_with(text, &[("deploy.yaml", deployment)]), &[]);
    let s = &ran.output.platforms[0].services[0];
    // Three replicas from the start (no scaling policy), each 0.5 vCPU / 1 GiB.
    assert_eq!(s.replicas_launched, 3);
    assert!(s.minutes.iter().all(|m| m.desired == 3));
}

#[test]
fn errors_in_these_files_point_at_the_field() {
    let td = r#"{"cpu": "256", "memory": "512", "containerDefinitions": [{"name": "a"}],
        "ephemeralStorage": {"sizeInGiB": "big"}}"#;
    let text = JOBS.replace("SIZE", "task_definition = \"td.json\"")
        + "[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n";
    let case = case_with(&text, &[("td.json", td)]);
    let err = fargate_sim::scenario::load(&case.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("workload.generators[0].sizes[0].task_definition"),
        "{err}"
    );
    assert!(
        err.contains("td.json: ephemeralStorage.sizeInGiB: `\"big\"`"),
        "{err}"
    );
    // cpu and a file at once is refused.
    let text = JOBS.replace("SIZE", "cpu = 1, pod = \"p.yaml\"")
        + "[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n";
    let case = case_with(&text, &[]);
    let err = fargate_sim::scenario::load(&case.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("remove cpu and memory"), "{err}");
    // An EC2-only task definition on a Fargate platform is refused with advice.
    let td = r#"{"cpu": "256", "memory": "512", "requiresCompatibilities": ["EC2"], "containerDefinitions": [{"name": "a"}]}"#;
    let text = JOBS.replace("SIZE", "cpu = 1, memory = \"2GiB\"")
        + "[[platforms]]\nname = \"f\"\nkind = \"fargate\"\ntask_definition = \"td.json\"\n";
    let case = case_with(&text, &[("td.json", td)]);
    let err = fargate_sim::scenario::load(&case.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("does not include FARGATE"), "{err}");
}
