//! Issue 26: an account's own exports (ECS tasks and task state-change
//! events, Kubernetes pods), `calibrate`, and `new --from`. The fixtures are
//! in tests/data/account (SOURCE.md says how they were made); every figure
//! below is worked by hand from them.

use crate::common::bin;
use fargate_sim::commands::calibrate;
use fargate_sim::workload::formats::lifecycle::Launch;
use fargate_sim::workload::formats::{
    self, Format, FormatParams, OnBadRow, SkipCounter, ecs_tasks, kube_pods,
};
use std::path::{Path, PathBuf};

const S: i64 = 1_000_000;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/account")
        .join(name)
}

/// 2026-11-02T10:00:00Z in microseconds since the epoch (1,793,613,600 s).
const T0: i64 = 1_793_613_600 * S;

#[test]
fn formats_are_told_from_the_content() {
    assert_eq!(
        Format::detect(&fixture("ecs-events.jsonl")).unwrap(),
        Format::EcsTasks
    );
    assert_eq!(
        Format::detect(&fixture("ecs-describe-tasks.json")).unwrap(),
        Format::EcsTasks
    );
    assert_eq!(
        Format::detect(&fixture("pods.json")).unwrap(),
        Format::KubernetesPods
    );
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"hello\": 1}\n").unwrap();
    let e = Format::detect(&other).unwrap_err().to_string();
    assert!(
        e.contains("neither ECS tasks") && e.contains("workload.format"),
        "{e}"
    );
}

#[test]
fn events_of_one_task_merge_and_a_running_task_is_cut_at_the_end() {
    let skipped = SkipCounter::default();
    let e = ecs_tasks::read(&fixture("ecs-events.jsonl"), OnBadRow::Error, &skipped).unwrap();
    // Nine events, three tasks.
    assert_eq!(e.lives.len(), 3);
    assert_eq!(skipped.total(), 0);
    // The archive's last event: 10:30:19Z.
    assert_eq!(e.end, T0 + 1819 * S);
    let a = &e.lives[0];
    assert_eq!(a.id, "a1b2c3d4e5f60718293a4b5c6d7e8f90");
    assert_eq!(
        (a.group.as_str(), a.launch.clone()),
        ("web", Launch::Fargate)
    );
    assert_eq!((a.cpu_milli, a.memory_mib), (250, 512));
    assert_eq!(a.created, T0);
    assert_eq!(a.pull_started, Some(T0 + 6 * S));
    assert_eq!(a.pull_stopped, Some(T0 + 16 * S));
    assert_eq!(a.started, T0 + 18 * S);
    assert_eq!(a.stopped, Some(T0 + 618 * S + 400_000));
    // b's RUNNING event (version 3) came after its STOPPED one (version 5).
    let b = &e.lives[1];
    assert_eq!(b.stopped, Some(T0 + 101 * S));
    // c is still running at the export's end.
    assert_eq!(e.lives[2].stopped, None);
    assert_eq!(e.still_running(), 1);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("9 task records merged into 3 tasks"))
    );
    assert!(e.notes.iter().any(|n| n.contains("1 tasks still running")));
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("ignored: availabilityZone"))
    );

    // As native tasks: submitted at 0, 60 and 300 s; running 600.4 s, 20 s
    // and, cut at 10:30:19Z, 10:05:19 → 10:30:19 = 1,500 s.
    let opened = formats::open(
        &fixture("ecs-events.jsonl"),
        Format::EcsTasks,
        &params(),
        OnBadRow::Error,
        true,
        &skipped,
    )
    .unwrap();
    let tasks: Vec<_> = opened.stream.map(|t| t.unwrap()).collect();
    let got: Vec<(u64, u64, u32, u32, String)> = tasks
        .iter()
        .map(|t| {
            (
                t.submit,
                t.duration,
                t.cpu_milli,
                t.memory_mib,
                t.group.as_deref().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (0, 600_400_000, 250, 512, "web".into()),
            (60_000_000, 20_000_000, 250, 512, "web".into()),
            (300_000_000, 1_500_000_000, 250, 512, "web".into()),
        ]
    );
}

fn params() -> FormatParams {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\na,0,1,1,1\n",
    )
    .unwrap();
    let text = "name='p'\n[workload]\ntrace='t.csv'\n[[platforms]]\nname='f'\nkind='fargate'\n";
    let (s, _) =
        fargate_sim::scenario::load_str(text, &dir.path().join("p.toml"), &Default::default())
            .unwrap();
    s.workload.trace.unwrap().params
}

#[test]
fn describe_tasks_sizes_offsets_epoch_times_and_a_task_that_never_ran() {
    let skipped = SkipCounter::default();
    let path = fixture("ecs-describe-tasks.json");
    let e = ecs_tasks::read(&path, OnBadRow::Skip, &skipped).unwrap();
    assert_eq!(e.lives.len(), 2);
    assert_eq!(
        skipped.counts().into_iter().collect::<Vec<_>>(),
        [(
            "stopped before it ran (stopCode TaskFailedToStart)".to_string(),
            1
        )]
    );
    // 05:00:00-05:00 is 10:00:00Z; 1,024 CPU units are 1 vCPU.
    let spot = &e.lives[0];
    assert_eq!(spot.launch, Launch::FargateSpot);
    assert_eq!((spot.cpu_milli, spot.memory_mib), (1000, 2048));
    assert_eq!(spot.created, T0);
    assert_eq!(spot.pull_started, Some(T0 + 12_250_000));
    assert_eq!(spot.stopped.unwrap() - spot.started, 1200 * S);
    assert_eq!(spot.group, "nightly");
    // EC2, epoch seconds, no task-level size: 512 + 128 units = 625 milli-vCPU,
    // 1,024 MiB (hard) + 256 MiB (reservation).
    let ec2 = &e.lives[1];
    assert_eq!(ec2.launch, Launch::Ec2);
    assert_eq!((ec2.cpu_milli, ec2.memory_mib), (625, 1280));
    assert_eq!(ec2.created, T0);
    assert_eq!(
        (ec2.started - T0, ec2.stopped.unwrap() - T0),
        (5 * S, 305 * S)
    );
    // Under the default policy, the task that never ran stops the read,
    // naming its record (the third task) and the way out.
    let err = ecs_tasks::read(&path, OnBadRow::Error, &SkipCounter::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 3") && err.contains("stopped before it ran"),
        "{err}"
    );
    assert!(err.contains("on_bad_row = \"skip\""), "{err}");
}

#[test]
fn pods_with_init_containers_owners_and_node_types() {
    let nodes = kube_pods::read_nodes(&fixture("nodes.json")).unwrap();
    let skipped = SkipCounter::default();
    let e = kube_pods::read(&fixture("pods.json"), &nodes, OnBadRow::Skip, &skipped).unwrap();
    assert_eq!(e.lives.len(), 2);
    assert_eq!(skipped.total(), 1, "the Pending pod");
    let job = &e.lives[0];
    assert_eq!(job.id, "batch/report-28472910-x7k2p");
    assert_eq!(job.group, "report-28472910");
    // max(init 500m / 1Gi, apps 250m + 100m (a limit) / 256Mi + 128Mi (a limit)).
    assert_eq!((job.cpu_milli, job.memory_mib), (500, 1024));
    assert_eq!(job.launch, Launch::EksNode(Some("m5.xlarge".into())));
    // Scheduled 10:00:01, first container 10:00:10, last finish 10:05:12.
    assert_eq!(job.pull_started, Some(T0 + S));
    assert_eq!(
        (job.started - T0, job.stopped.unwrap() - T0),
        (10 * S, 312 * S)
    );
    let web = &e.lives[1];
    // ReplicaSet web-7d4b9c8f6d → Deployment web.
    assert_eq!(web.group, "web");
    assert_eq!(web.launch, Launch::EksFargate);
    assert_eq!((web.cpu_milli, web.memory_mib), (1000, 2048));
    // Still running: cut at the export's end, the Pending pod's creation (10:06:00Z).
    assert_eq!(web.stopped, None);
    assert_eq!(e.end, T0 + 360 * S);
    let mut groups = std::collections::BTreeMap::new();
    let t = formats::lifecycle::to_task(web, e.start(), e.end, &mut groups);
    assert_eq!((t.submit, t.duration), (120 * S as u64, 190 * S as u64));
    // Without the nodes file, the node name still tells a Fargate node.
    let e = kube_pods::read(
        &fixture("pods.json"),
        &Default::default(),
        OnBadRow::Skip,
        &SkipCounter::default(),
    )
    .unwrap();
    assert_eq!(e.lives[1].launch, Launch::EksFargate);
    assert_eq!(e.lives[0].launch, Launch::EksNode(None));
}

#[test]
fn calibrate_recovers_a_known_lognormal_at_2000_tasks() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal};
    // Provisioning lognormal with median 8 s and p90 12 s:
    // mu = ln 8, sigma = ln(12/8) / z0.9 = 0.405465 / 1.281552 = 0.316386.
    let (median, p90) = (8.0f64, 12.0f64);
    let sigma = (p90 / median).ln() / 1.281_551_565_544_600_5;
    let dist = LogNormal::new(median.ln(), sigma).unwrap();
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(26);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let mut text = String::new();
    for i in 0..2000u64 {
        let created = 1_793_613_600.0 + i as f64 * 30.0;
        let prov: f64 = dist.sample(&mut rng);
        let pull = created + prov;
        text.push_str(&format!(
            "{{\"taskArn\":\"t{i}\",\"cpu\":\"256\",\"memory\":\"512\",\"launchType\":\"FARGATE\",\"createdAt\":{created},\"pullStartedAt\":{pull:.6},\"pullStoppedAt\":{:.6},\"startedAt\":{:.6},\"stoppedAt\":{:.6}}}\n",
            pull + 10.0,
            pull + 12.0,
            pull + 312.0
        ));
    }
    std::fs::write(&path, text).unwrap();
    let (export, _) = calibrate::read_export(&path, None, true).unwrap();
    let fits = calibrate::calibrate(&export);
    assert_eq!(fits.len(), 1);
    let f = fits[0].phase("provisioning").unwrap();
    assert_eq!(f.n, 2000);
    let (m, q) = (f.median_s(), f.p90_s());
    assert!((m / median - 1.0).abs() < 0.05, "median {m}");
    assert!((q / p90 - 1.0).abs() < 0.05, "p90 {q}");
    // Drawn from the fitted family: the Kolmogorov–Smirnov D is small
    // (its 5 % critical value at n = 2000 is 1.36 / √2000 = 0.030).
    assert!(f.ks_d < 0.030, "D {}", f.ks_d);
    // The keys: provisioning fitted, the billed pull and start a constant 12 s.
    let keys = calibrate::keys(&fits[0]).unwrap();
    assert!(
        keys.starts_with("startup = { provisioning = { dist = \"lognormal\", median = \""),
        "{keys}"
    );
    assert!(
        keys.ends_with("image_pull = { dist = \"constant\", value = \"12s\" } }"),
        "{keys}"
    );
}

#[test]
fn calibrate_writes_startup_keys_a_scenario_takes_and_a_qq_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cal");
    let events = fixture("ecs-events.jsonl");
    let (code, stdout, stderr) = bin(
        &[
            "calibrate",
            events.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    // Provisioning 6, 9 and 7 s: mu = (ln 6 + ln 9 + ln 7) / 3 = 1.9783.
    assert!(stdout.contains("1.9783"), "{stdout}");
    assert!(out.join("qq-fargate.png").is_file());
    let toml_text = std::fs::read_to_string(out.join("startup.toml")).unwrap();
    let parsed: toml::Table = toml::from_str(&toml_text).unwrap();
    let startup = parsed["fargate"]["startup"].as_table().unwrap();
    assert_eq!(
        startup["image_pull"]["value"].as_str(),
        Some("12s"),
        "{toml_text}"
    );
    // Pasted into a platform, the scenario loads.
    let scenario = format!(
        "name='c'\n[workload]\ntrace='{}'\n[[platforms]]\nname='f'\nkind='fargate'\n{}\n",
        events.display(),
        toml_text
            .lines()
            .find(|l| l.starts_with("startup"))
            .unwrap()
    );
    std::fs::write(dir.path().join("c.toml"), scenario).unwrap();
    let (code, _, stderr) = bin(&["validate", "c.toml"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    // Not an export: a clear refusal, exit 2.
    std::fs::write(dir.path().join("t.csv"), "request_s\n1\n").unwrap();
    let (code, _, stderr) = bin(&["calibrate", "t.csv"], dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("has no start-up times"), "{stderr}");
}

#[test]
fn new_from_ecs_events_replays_the_baseline_at_the_bill_worked_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("ecs-events.jsonl"), dir.path().join("events.jsonl")).unwrap();
    let (code, said, stderr) = bin(&["new", "mine.toml", "--from", "events.jsonl"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(said.contains("3 tasks"), "{said}");
    let text = std::fs::read_to_string(dir.path().join("mine.toml")).unwrap();
    for want in [
        "trace = \"events.jsonl\"",
        "format = \"ecs-tasks\"",
        "name = \"baseline-fargate\"",
        "name = \"fargate-spot\"",
        "name = \"ecs-managed\"",
        "name = \"eks-karpenter\"",
        "image_pull = { dist = \"constant\", value = \"12s\" }",
    ] {
        assert!(text.contains(want), "no `{want}` in\n{text}");
    }
    let (code, _, stderr) = bin(&["run", "mine.toml", "--out", "out", "-q"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let base = summary["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "baseline-fargate")
        .unwrap();
    // Fargate bills from the image pull to the task's stop, rounded up to the
    // second, at least a minute:
    //   a: 10:00:06 → 10:10:18.4 = 612.4 s → 613 s
    //   b: 10:01:09 → 10:01:41   =  32 s   →  60 s (the minimum)
    //   c: 10:05:07 → 10:30:19 (the export's end) = 1,512 s
    // 2,185 s of 0.25 vCPU and 0.5 GiB: 546.25 vCPU-s and 1,092.5 GiB-s, at
    // $0.000011244 and $0.000001235 (us-east-1, Linux/x86):
    // 546.25 × 0.000011244 + 1,092.5 × 0.000001235 = 0.006142065 + 0.0013492375
    // = $0.0074912725.
    assert_eq!(base["billed"]["task_seconds"].as_f64(), Some(2185.0));
    assert_eq!(base["billed"]["vcpu_seconds"].as_f64(), Some(546.25));
    assert_eq!(base["billed"]["memory_gib_seconds"].as_f64(), Some(1092.5));
    let total = base["cost"]["total_usd"].as_f64().unwrap();
    assert!((total - 0.0074912725).abs() < 1e-12, "{total}");
}

#[test]
fn new_from_pods_writes_an_eks_baseline_and_no_fargate_spot() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["pods.json", "nodes.json"] {
        std::fs::copy(fixture(f), dir.path().join(f)).unwrap();
    }
    let (code, _, stderr) = bin(
        &[
            "new",
            "k.toml",
            "--from",
            "pods.json",
            "--nodes",
            "nodes.json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("k.toml")).unwrap();
    for want in [
        "format = \"kubernetes-pods\"",
        "on_bad_row = \"skip\"",
        "name = \"baseline-eks-nodes\"",
        "instance_types = [\"m5.xlarge\"]",
        "name = \"baseline-fargate\"",
        "launch_type = \"eks\"",
        "No Fargate Spot alternative",
        "name = \"ecs-managed\"",
    ] {
        assert!(text.contains(want), "no `{want}` in\n{text}");
    }
    let (code, _, stderr) = bin(&["validate", "k.toml"], dir.path());
    assert_eq!(code, 0, "{stderr}");
    // --nodes with an ECS export is refused.
    std::fs::copy(fixture("ecs-events.jsonl"), dir.path().join("e.jsonl")).unwrap();
    let (code, _, stderr) = bin(
        &[
            "new",
            "e.toml",
            "--from",
            "e.jsonl",
            "--nodes",
            "nodes.json",
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("goes with Kubernetes pods"), "{stderr}");
}

#[test]
fn truncated_and_mangled_exports_are_refused_or_skipped_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ecs-events.jsonl", "ecs-describe-tasks.json", "pods.json"] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let pods = name == "pods.json";
        for cut in (0..text.len()).step_by(97) {
            let mut t = text[..cut].to_string();
            if cut % 2 == 0 {
                t.push_str("\n{\"taskArn\": 7, \"kind\": [], \"createdAt\": {}}\n");
            }
            let path = dir.path().join(format!("{cut}-{name}"));
            std::fs::write(&path, t).unwrap();
            for policy in [OnBadRow::Skip, OnBadRow::Error] {
                let result = std::panic::catch_unwind(|| {
                    if pods {
                        kube_pods::read(&path, &Default::default(), policy, &SkipCounter::default())
                            .map(|e| e.lives.len())
                    } else {
                        ecs_tasks::read(&path, policy, &SkipCounter::default())
                            .map(|e| e.lives.len())
                    }
                });
                assert!(result.is_ok(), "{name} cut at {cut} panicked");
            }
        }
    }
}
