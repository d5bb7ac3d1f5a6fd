//! Lambda Managed Instances (issue 23): bills worked by hand from the
//! catalog (data/pricing.toml: m7g.large $0.0816 an hour in us-east-1, a 15 %
//! management fee, $0.20 per million requests, EC2's per-second billing with
//! a 60 s minimum), and the scaler's scale-out and scale-in counted by hand.

use crate::common::{Case, run, usd};

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib\n";

fn ran(scenario: &str, rows: &str) -> crate::common::Ran {
    let case = Case::new(scenario, Some(&format!("{HEADER}{rows}")));
    run(&case, &[])
}

#[test]
fn one_m7g_large_for_an_hour_plus_the_fee_plus_a_million_requests() {
    // One instance (min = max = 1) for the hour: $0.0816; the fee, 15 % of
    // it: $0.01224; 1,000,000 requests × $0.0000002 = $0.20. No duration
    // charge. Total $0.29384.
    let text = r#"
name = "lmi"
seed = 1
horizon = "1h"
[workload]
[[workload.generators]]
name = "calls"
arrivals = { process = "burst", at = ["0s"], size = 1000000 }
duration = { dist = "constant", value = "1ms" }
sizes = [{ cpu = 0.001, memory = "1MiB" }]
[[platforms]]
name = "p"
kind = "function"
profile = "lambda-managed"
min_instances = 1
max_instances = 1
"#;
    let r = run(&Case::new(text, None), &[]);
    assert_eq!(r.total_atto("p"), usd("0.29384"));
    let p = r.platform("p");
    assert_eq!(p.cost.components.instances_usd, 0.0816);
    assert_eq!(p.cost.components.control_plane_usd, 0.01224);
    assert_eq!(p.cost.components.requests_usd, 0.2);
    assert_eq!(
        p.cost.components.vcpu_usd + p.cost.components.memory_usd,
        0.0
    );
    let f = p.function.as_ref().unwrap();
    assert_eq!(f.invocations, 1_000_000);
    assert_eq!(p.tasks.completed, 1_000_000);
}

#[test]
fn the_fleet_scales_out_on_cpu_after_the_launch_and_back_in_when_idle() {
    // One m7g.large (2 vCPU) kept, CPU target 0.5, the scaler every minute,
    // an instance serving 40 s after its launch, no idle time kept.
    // t=0: four 1-vCPU invocations; two fill the instance's CPU, two are
    // throttled and wait. t=60: demand 4 vCPU / (2 × 0.5) = 4 instances:
    // three launched, ready at 100, where the two waiting start (on the
    // oldest with room). t=600: the first two end; the tick then wants 2 and
    // retires the two idle newest (life 60-600: 540 s each). t=700: the
    // last two end; the tick at 720 wants 1 and retires the one left (life
    // 60-720: 660 s). The kept one runs the whole 900 s. (keep_alive = 0:
    // scale-in follows the latest want alone.)
    // Instance time 900 + 660 + 2 × 540 = 2,640 s × $0.0816/3600 = $0.05984,
    // + 15 % = $0.008976, + 4 × $0.0000002 = $0.0688168.
    let text = r#"
name = "lmi"
seed = 1
horizon = "15min"
[workload]
trace = "trace.csv"
[[platforms]]
name = "p"
kind = "function"
profile = "lambda-managed"
min_instances = 1
target_utilization = 0.5
keep_alive = "0s"
cold_start = { dist = "constant", value = "40s" }
"#;
    let r = ran(
        text,
        "a,0,600,1,1024,\nb,0,600,1,1024,\nc,0,600,1,1024,\nd,0,600,1,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.0688168"));
    let p = r.platform("p");
    let f = p.function.as_ref().unwrap();
    assert_eq!((f.throttles, f.cold_starts, f.peak_instances), (2, 3, 4));
    assert_eq!((f.warm_invocations, f.cold_invocations), (2, 2));
    assert_eq!(p.latency.wait.max, Some(100.0));
    assert_eq!(p.tasks.completed, 4);
}

#[test]
fn throttled_invocations_fail_when_asked_and_oversized_ones_never_run() {
    // One instance, no scale-out (max 1): 2 vCPU are taken at t=0, the third
    // 1-vCPU invocation fails; a 4-vCPU one is larger than an m7g.large and
    // a 20-minute one is over Lambda's 15-minute timeout.
    let text = r#"
name = "lmi"
seed = 1
horizon = "30min"
[workload]
trace = "trace.csv"
[[platforms]]
name = "p"
kind = "function"
profile = "lambda-managed"
min_instances = 1
max_instances = 1
on_throttle = "fail"
"#;
    let r = ran(
        text,
        "a,0,60,1,1024,\nb,0,60,1,1024,\nc,0,60,1,1024,\nd,1,60,4,1024,\ne,1,1200,1,1024,\n",
    );
    let p = r.platform("p");
    assert_eq!(
        (p.tasks.completed, p.tasks.failed, p.tasks.unschedulable),
        (2, 1, 2)
    );
    // 30 minutes of one instance: $0.0408 + 15 % + 2 requests.
    assert_eq!(r.total_atto("p"), usd("0.0469204"));
}

#[test]
fn another_instance_type_is_billed_at_its_own_price() {
    // instance_types = ["m7g.xlarge"] (4 vCPU, $0.1632 an hour): three kept
    // (the default, "three by default for AZ resiliency") for ten minutes:
    // 3 × 600 s × $0.1632/3600 = $0.0816, + 15 % = $0.09384, + one request
    // ($0.0000002) = $0.0938402.
    let text = r#"
name = "lmi"
seed = 1
horizon = "10min"
[workload]
trace = "trace.csv"
[[platforms]]
name = "p"
kind = "function"
profile = "lambda-managed"
instance_types = ["m7g.xlarge"]
"#;
    let r = ran(text, "a,0,1,1,1024,\n");
    assert_eq!(r.total_atto("p"), usd("0.0938402"));
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!(f.peak_instances, 3);
}

#[test]
fn aci_windows_adds_the_software_fee_per_vcpu_second() {
    // As tests/it/functions.rs's ACI case: 0.3 vCPU / 1,536 MiB → 1 vCPU /
    // 1.5 GiB, 20 s start-up + 100.2 s of work = 120.2 s → 121 s billed.
    // Linux: 121 × $0.0405/3600 + 1.5 × 121 × $0.00445/3600 = $0.00158559583…
    // Windows adds 121 vCPU-s × $0.000012 = $0.001452 (os_license).
    let text = |os: &str| {
        format!(
            "name = \"w\"\nseed = 1\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"p\"\nkind = \"function\"\nprofile = \"aci\"\n{os}\n"
        )
    };
    let linux = ran(&text(""), "a,0,100.2,0.3,1536,\n");
    let windows = ran(&text("os = \"windows\""), "a,0,100.2,0.3,1536,\n");
    assert_eq!(
        windows.total_atto("p") - linux.total_atto("p"),
        usd("0.001452")
    );
    let c = &windows.platform("p").cost.components;
    assert_eq!(c.os_license_usd, 0.001452);
    // Written out: "linux" is the same bill as no os at all.
    let written = ran(&text("os = \"linux\""), "a,0,100.2,0.3,1536,\n");
    assert_eq!(written.total_atto("p"), linux.total_atto("p"));
}

fn random_fleet(
    rate: u32,
    max: u32,
    min: u32,
    target: u32,
    keep_s: u32,
    fail: bool,
    seed: u64,
) -> String {
    let on_throttle = if fail { "fail" } else { "queue" };
    format!(
        r#"
name = "prop"
seed = {seed}
horizon = "40min"
[workload]
[[workload.generators]]
name = "jobs"
arrivals = {{ process = "poisson", rate = "{rate}/min" }}
duration = {{ dist = "lognormal", median = "20s", p90 = "8min" }}
sizes = [{{ cpu = 0.25, memory = "512MiB", weight = 3 }}, {{ cpu = 2, memory = "4GiB" }}, {{ cpu = 4, memory = "1GiB" }}]
[[platforms]]
name = "p"
kind = "function"
profile = "lambda-managed"
max_instances = {max}
min_instances = {min}
target_utilization = 0.{target}
keep_alive = "{keep_s}s"
on_throttle = "{on_throttle}"
cold_start = {{ dist = "lognormal", median = "40s", p90 = "60s" }}
"#
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, .. proptest::prelude::ProptestConfig::default() })]

    /// Conservation, Little's law, the instance limit, an instance's CPU and
    /// memory never exceeded, billed ≥ run time, and the bill's parts (the
    /// fee exactly 15 % of the instances), on random traffic.
    #[test]
    fn managed_instances_invariants(rate in 1u32..40, max in 1u32..12, min in 0u32..4,
            target in 1u32..10, keep_s in 0u32..900, fail in proptest::bool::ANY, seed in 0u64..1000) {
        let min = min.min(max);
        let ran = run(&Case::new(&random_fleet(rate, max, min, target, keep_s, fail, seed), None), &[]);
        let p = ran.platform("p");
        let t = &p.tasks;
        proptest::prop_assert_eq!(t.submitted,
            t.completed + t.failed + t.unschedulable + t.running_at_end + t.waiting_at_end);
        proptest::prop_assert!(p.littles_law.relative_error < 1e-9, "{:?}", p.littles_law);
        let f = p.function.as_ref().unwrap();
        proptest::prop_assert!(f.peak_instances <= max as u64);
        proptest::prop_assert_eq!(f.cold_invocations + f.warm_invocations, f.invocations);
        let c = &p.cost.components;
        proptest::prop_assert!((c.requests_usd - 0.0000002 * f.invocations as f64).abs() < 1e-12);
        proptest::prop_assert!((c.control_plane_usd - 0.15 * c.instances_usd).abs() < 1e-12);
        proptest::prop_assert!((c.instances_usd + c.control_plane_usd + c.requests_usd - p.cost.total_usd).abs() < 1e-9);
        // The instances kept for the whole 40 minutes are billed at least.
        proptest::prop_assert!(c.instances_usd + 1e-12 >= min as f64 * 0.0816 * 40.0 / 60.0);
        // Each instance's CPU (2 vCPU) and memory (8 GiB) at every instant.
        let mut events: std::collections::BTreeMap<u32, Vec<(u64, i64, i64)>> = Default::default();
        for r in ran.records_of("p") {
            proptest::prop_assert!(r.billed_span >= r.run_span, "{:?}", r);
            if let (Some(i), Some(s), Some(e)) = (r.instance, r.running, r.end) {
                let v = events.entry(i).or_default();
                v.push((e, -(r.cpu_milli_requested as i64), -(r.memory_mib_requested as i64)));
                v.push((s, r.cpu_milli_requested as i64, r.memory_mib_requested as i64));
            }
        }
        for (_, mut v) in events {
            v.sort();
            let (mut cpu, mut mem) = (0i64, 0i64);
            for (_, dc, dm) in v {
                cpu += dc;
                mem += dm;
                proptest::prop_assert!(cpu <= 2000 && mem <= 8192, "cpu {cpu} mem {mem}");
            }
        }
    }
}

#[test]
fn scale_in_waits_until_the_want_has_stayed_lower_for_keep_alive() {
    // Two 1-vCPU invocations for 120 s on one kept m7g.large at a 0.5 target:
    // the tick at 60 s wants 2 and launches one (serving at 100 s, idle: the
    // kept instance runs both). From 120 s the want is 1, but the look-back
    // of 5 minutes still holds the 2 of 60 s until the tick at 360 s, which
    // retires the second instance after 300 s. The kept one: 1,200 s.
    // 1,500 s × $0.0816/3600 = $0.034, + 15 % = $0.0051, + 2 requests:
    // $0.0391004.
    let text = r#"
name = "lmi"
seed = 1
horizon = "20min"
[workload]
trace = "trace.csv"
[[platforms]]
name = "p"
kind = "function"
profile = "lambda-managed"
min_instances = 1
target_utilization = 0.5
keep_alive = "5min"
cold_start = { dist = "constant", value = "40s" }
"#;
    let r = ran(text, "a,0,120,1,1024,\nb,0,120,1,1024,\n");
    assert_eq!(r.total_atto("p"), usd("0.0391004"));
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!((f.cold_starts, f.peak_instances, f.throttles), (1, 2, 0));
}
