//! Serverless peers (Lambda, Cloud Run, ACI): bills computed by hand from
//! the catalog's rates (data/pricing.toml), keep-alive and cold starts
//! counted by hand, and the limits each provider sets.

use crate::common::{Case, run, usd};

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib\n";

/// Runs one function platform named `p` over the given trace rows.
fn ran(platform: &str, rows: &str) -> crate::common::Ran {
    let text = format!(
        "name = \"fn\"\nseed = 1\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"p\"\nkind = \"function\"\n{platform}\n"
    );
    let case = Case::new(&text, Some(&format!("{HEADER}{rows}")));
    run(&case, &[])
}

#[test]
fn lambda_rounds_each_invocation_up_to_the_millisecond_and_adds_the_request_fee() {
    // 1 GiB (0.25 vCPU needs only 443 MiB; the 1,024 MiB asked wins).
    // 0.1234567 s → 123,457 µs → 124 ms; 2 s stays 2 s.
    // (0.124 + 2) GiB-s × $0.0000166667 + 2 × $0.0000002 = $0.0000358000708
    let r = ran(
        "profile = \"lambda\"\ncold_start = { dist = \"constant\", value = \"0s\" }",
        "a,0,0.1234567,0.25,1024,\nb,10,2,0.25,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.0000358000708"));
    let p = r.platform("p");
    assert_eq!(p.cost.components.requests_usd, 0.0000004);
    let f = p.function.as_ref().unwrap();
    assert_eq!(f.invocations, 2);
}

#[test]
fn cloud_run_request_based_and_instance_based_billing_on_the_same_traffic() {
    // Three requests of 1 vCPU / 512 MiB on one instance (80 at once):
    // at 0 for 1 s and 0.5 for 1 s (busy 0–1.5 s), at 10 for 0.25 s (busy
    // 10–10.25 s, 0.3 s when rounded up to 100 ms). Keep-alive 60 s.
    let rows = "a,0,1,1,512,\nb,0.5,1,1,512,\nc,10,0.25,1,512,\n";
    let common = "cold_start = { dist = \"constant\", value = \"0s\" }\nkeep_alive = \"60s\"";
    // Request-based: busy 1.8 s × (1 vCPU × $0.000024 + 0.5 GiB ×
    // $0.0000025) + 3 × $0.0000004 = $0.00004665.
    let req = ran(&format!("profile = \"cloud-run\"\n{common}"), rows);
    assert_eq!(req.total_atto("p"), usd("0.00004665"));
    let f = req.platform("p").function.clone().unwrap();
    assert_eq!((f.cold_starts, f.peak_instances), (1, 1));
    // Instance-based: the instance lives from 0 until reclaimed 60 s after
    // its last request, 70.25 s → 70.3 s, at $0.000018 per vCPU-s and
    // $0.000002 per GiB-s, no request fee: $0.0013357.
    let inst = ran(&format!("profile = \"cloud-run-instance\"\n{common}"), rows);
    assert_eq!(inst.total_atto("p"), usd("0.0013357"));
    assert_eq!(inst.platform("p").cost.components.requests_usd, 0.0);
}

#[test]
fn aci_bills_each_container_group_per_second_from_its_start() {
    // 0.3 vCPU / 1,536 MiB → 1 vCPU / 1.5 GiB (0.1 GiB steps, issue 23); the
    // 20 s start-up plus 100.2 s of work = 120.2 s → 121 s.
    // 121 × $0.0405/3600 + 1.5 × 121 × $0.00445/3600
    let r = ran("profile = \"aci\"", "a,0,100.2,0.3,1536,\n");
    assert_eq!(r.total_atto("p"), usd("0.001585604166666666"));
}

#[test]
fn keep_alive_decides_warm_or_cold_just_under_and_just_over() {
    // Cold start 1 s, keep-alive 60 s, 0.5 s tasks. The first ends at 1.5 s;
    // the second comes 59.9 s later (warm) and ends at 61.9 s; the third
    // comes 60.1 s after that (cold).
    let r = ran(
        "profile = \"lambda\"\ncold_start = { dist = \"constant\", value = \"1s\" }\nkeep_alive = \"60s\"",
        "a,0,0.5,0.25,512,\nb,61.4,0.5,0.25,512,\nc,122,0.5,0.25,512,\n",
    );
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!(f.cold_starts, 2);
    assert_eq!(f.cold_invocations, 2);
    assert_eq!(f.warm_invocations, 1);
    assert_eq!(f.cold_time_to_start.max, Some(1.0));
    assert_eq!(f.warm_time_to_start.max, Some(0.0));
}

#[test]
fn lambda_tasks_over_fifteen_minutes_are_not_runnable() {
    let r = ran(
        "profile = \"lambda\"",
        "ok,0,900,0.25,512,\nlong,0,900.001,0.25,512,\n",
    );
    let p = r.platform("p");
    assert_eq!(p.tasks.completed, 1);
    assert_eq!(p.tasks.unschedulable, 1);
    let reasons = format!("{:?}", p.tasks.unschedulable_reasons);
    assert!(reasons.contains("limit of 15m"), "{reasons}");
}

#[test]
fn cpu_beyond_the_largest_lambda_runs_longer_in_proportion() {
    // 8 vCPU asks for 14,152 MiB; Lambda stops at 10,240 MiB, which gives
    // 10240/1769 = 5.788 vCPU (5,788 milli), so 60 s of work takes
    // 60 × 8000/5788 = 82.930… s, billed to the millisecond.
    let r = ran(
        "profile = \"lambda\"\ncold_start = { dist = \"constant\", value = \"0s\" }",
        "a,0,60,8,1024,\n",
    );
    let p = r.platform("p");
    assert_eq!(p.tasks.completed, 1);
    // 82.931 s × 10 GiB × $0.0000166667 + $0.0000002
    let expected = 82.931 * 10.0 * 0.0000166667 + 0.0000002;
    assert!(
        (p.cost.total_usd - expected).abs() < 1e-12,
        "{}",
        p.cost.total_usd
    );
}

#[test]
fn over_the_concurrency_limit_work_is_throttled_and_waits_for_a_warm_slot() {
    let r = ran(
        "profile = \"lambda\"\nmax_instances = 1\ncold_start = { dist = \"constant\", value = \"1s\" }",
        "a,0,2,0.25,512,\nb,0,2,0.25,512,\n",
    );
    let p = r.platform("p");
    let f = p.function.clone().unwrap();
    assert_eq!((f.throttles, f.cold_starts, f.warm_invocations), (1, 1, 1));
    // The second waits for the first (1 s cold start + 2 s) and starts warm.
    assert_eq!(p.latency.time_to_start.max, Some(3.0));
    assert_eq!(p.tasks.completed, 2);
}

#[test]
fn provisioned_concurrency_is_paid_for_the_whole_run_and_starts_warm() {
    // One provisioned 1 GiB instance from 0 to the end at 101 s, rounded up
    // to five minutes (Lambda pricing page, issue 23): 300 × $0.0000041667;
    // the 1 s invocation on it at the provisioned duration rate
    // $0.0000097222; one request $0.0000002.
    let r = ran(
        "profile = \"lambda\"\nmin_instances = 1",
        "a,100,1,0.25,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.0012599322"));
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!((f.cold_starts, f.warm_invocations), (0, 1));
    assert!((f.kept_warm_usd - 300.0 * 0.0000041667).abs() < 1e-15);
}

/// A service on function platforms: one request a second, evenly spaced,
/// 100 ms each, for ten minutes. Each request finishes before the next, so
/// one instance serves them all: the service starts warm, with one instance
/// for its one replica of concurrency 1, and never needs a cold start.
fn service_on(platform: &str) -> crate::common::Ran {
    let text = format!(
        r#"
name = "svc"
seed = 1
horizon = "10m"
[[workload.services]]
name = "api"
cpu = 0.25
memory = "1GiB"
replicas = {{ min = 1, max = 4 }}
concurrency = 1
service_time = {{ dist = "constant", value = "100ms" }}
requests = {{ curve = "constant", rate = "1/s", arrivals = "even" }}
[[platforms]]
name = "p"
kind = "function"
cold_start = {{ dist = "constant", value = "0s" }}
{platform}
"#
    );
    run(&Case::new(&text, None), &[])
}

#[test]
fn a_service_on_lambda_pays_each_request_to_the_millisecond() {
    let r = service_on("profile = \"lambda\"");
    let run = &r.output.platforms[0];
    let s = &run.services[0];
    assert!(s.arrived >= 599, "{}", s.arrived);
    assert!(s.conserved());
    let served = s.served as u128;
    // Each: 0.1 s × 1 GiB × $0.0000166667 + $0.0000002 = $0.00000186667.
    assert_eq!(run.cost.total().0, served * usd("0.00000186667"));
    assert_eq!(s.cost, run.cost.total());
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!(
        (f.cold_starts, f.invocations),
        (0, s.served + s.in_flight_at_end)
    );
    assert_eq!(s.latency.max(), 100_000);
}

#[test]
fn a_service_on_cloud_run_pays_each_busy_period_at_request_rates() {
    let r = service_on("profile = \"cloud-run\"");
    let run = &r.output.platforms[0];
    let s = &run.services[0];
    assert!(s.conserved());
    let served = s.served as u128;
    // Each request is its own 100 ms busy period:
    // 0.25 × 0.1 × $0.000024 + 1 × 0.1 × $0.0000025 + $0.0000004 = $0.00000125.
    assert_eq!(run.cost.total().0, served * usd("0.00000125"));
    assert_eq!(s.cost, run.cost.total());
}

fn random_functions(
    rate: u32,
    max_instances: u32,
    keep_alive_s: u32,
    conc: u32,
    min: u32,
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
sizes = [{{ cpu = 0.25, memory = "512MiB", weight = 3 }}, {{ cpu = 2, memory = "4GiB" }}]
[[workload.services]]
name = "api"
cpu = 0.5
memory = "1GiB"
replicas = {{ min = 1, max = 10 }}
concurrency = {conc}
timeout = "20s"
service_time = {{ dist = "exponential", mean = "300ms" }}
requests = {{ curve = "spike", base = "{rate}/s", peak = "{}/s", at = "10min", length = "5min" }}
[[platforms]]
name = "lambda"
kind = "function"
profile = "lambda"
max_instances = {max_instances}
keep_alive = "{keep_alive_s}s"
on_throttle = "{on_throttle}"
cold_start = {{ dist = "lognormal", median = "300ms", p90 = "2s" }}
provisioned_schedule = [{{ from = "00:05", to = "00:20", concurrency = 1 }}]
scale_rate = {{ instances = 3, per = "10s" }}
[[platforms]]
name = "cloud-run"
kind = "function"
profile = "cloud-run"
max_instances = {max_instances}
min_instances = {min}
keep_alive = "{keep_alive_s}s"
[[platforms]]
name = "cloud-run-instance"
kind = "function"
profile = "cloud-run-instance"
max_instances = {max_instances}
[[platforms]]
name = "aci"
kind = "function"
profile = "aci"
max_instances = {max_instances}
on_throttle = "{on_throttle}"
"#,
        rate * 8
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 16, .. proptest::prelude::ProptestConfig::default() })]

    /// Conservation of tasks and requests, Little's law, the instance
    /// limit, billed ≥ run time, and the bill's parts, on random traffic.
    #[test]
    fn function_platform_invariants(rate in 1u32..20, max_instances in 1u32..30,
            keep_alive_s in 0u32..300, conc in 1u32..10, min in 0u32..3,
            fail in proptest::bool::ANY, seed in 0u64..1000) {
        let min = min.min(max_instances);
        let text = random_functions(rate, max_instances, keep_alive_s, conc, min, fail, seed);
        let ran = run(&Case::new(&text, None), &[]);
        for p in &ran.summary.platforms {
            let t = &p.tasks;
            proptest::prop_assert_eq!(t.submitted,
                t.completed + t.failed + t.unschedulable + t.running_at_end + t.waiting_at_end,
                "tasks on {}", p.name);
            proptest::prop_assert!(p.littles_law.relative_error < 1e-9, "{}: {:?}", p.name, p.littles_law);
            let f = p.function.as_ref().unwrap();
            proptest::prop_assert!(f.peak_instances <= max_instances as u64, "{}: {} instances", p.name, f.peak_instances);
            proptest::prop_assert_eq!(f.cold_invocations + f.warm_invocations, f.invocations);
            let fee = if p.name == "lambda" { 0.0000002 } else if p.name == "cloud-run" { 0.0000004 } else { 0.0 };
            proptest::prop_assert!((p.cost.components.requests_usd - fee * f.invocations as f64).abs() < 1e-12);
            let c = &p.cost.components;
            proptest::prop_assert!((c.vcpu_usd + c.memory_usd + c.requests_usd - p.cost.total_usd).abs() < 1e-9);
            for s in &p.services {
                proptest::prop_assert!(s.littles_law.relative_error < 1e-9, "api on {}", p.name);
                let r = &s.requests;
                proptest::prop_assert_eq!(r.arrived, r.served + r.timed_out + r.rejected + r.failed + r.in_flight_at_end, "requests on {}", p.name);
            }
            for r in ran.records_of(&p.name) {
                proptest::prop_assert!(r.billed_span >= r.run_span, "{:?}", r);
            }
        }
        for s in &ran.output.platforms {
            let svc = &s.services[0];
            proptest::prop_assert!(svc.cost.0 <= s.cost.total().0);
            proptest::prop_assert!(svc.minutes.iter().all(|m| m.running + m.starting <= max_instances));
        }
    }
}

#[test]
fn the_monthly_free_tier_is_prorated_to_the_run() {
    // A one-hour run gets 3,600 / 2,629,800 of Lambda's monthly 400,000
    // GB-s and 1 M requests: 5,607,118,412,046 tenth-MiB·µs (547.57 GiB-s;
    // memory is counted in tenths of a MiB since issue 23) and 1,368
    // requests. 2,000 one-second 1 GiB invocations use 2,000 GiB-s:
    // (20,480,000,000,000 − 5,607,118,412,046) tenth-MiB·µs × $0.0000166667
    // per GiB-s = $0.024207212457221965, plus 632 × $0.0000002 = $0.0001264.
    let rows: String = (0..2000)
        .map(|i| format!("t{i},{},1,0.25,1024,\n", i as f64 * 1.5))
        .collect();
    let text = |free: bool| {
        format!(
            "profile = \"lambda\"\ncold_start = {{ dist = \"constant\", value = \"0s\" }}\nfree_tier = {free}"
        )
    };
    let with_horizon = |platform: String| {
        let scenario = format!(
            "name = \"fn\"\nseed = 1\nhorizon = \"1h\"\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"p\"\nkind = \"function\"\n{platform}\n"
        );
        run(&Case::new(&scenario, Some(&format!("{HEADER}{rows}"))), &[])
    };
    let free = with_horizon(text(true));
    assert_eq!(free.total_atto("p"), usd("0.024333612457221965"));
    let paid = with_horizon(text(false));
    // Without it: 2,000 GiB-s × $0.0000166667 + 2,000 × $0.0000002.
    assert_eq!(paid.total_atto("p"), usd("0.0337334"));
    let f = free.platform("p").function.clone().unwrap();
    assert!((f.free_tier_usd - (0.0337334 - 0.024333612457221965)).abs() < 1e-15);
}

#[test]
fn a_profile_without_a_free_tier_refuses_the_option() {
    let text = "name = \"fn\"\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"p\"\nkind = \"function\"\nprofile = \"aci\"\nfree_tier = true\n";
    let case = Case::new(text, Some(&format!("{HEADER}a,0,1,1,1024,\n")));
    let err = fargate_sim::scenario::load_str(text, &case.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("free_tier") && err.contains("no free tier"),
        "{err}"
    );
}

#[test]
fn a_custom_profile_is_data_not_code() {
    // A provider that bills whole instance lives per second at $0.01 per
    // vCPU-hour and $0.001 per GiB-hour, from a catalog of the user's own.
    let builtin = include_str!("../../data/pricing.toml");
    let custom = format!(
        r#"{builtin}
[[functions]]
name = "my-faas"
provider = "Example FaaS"
region = "lab-1"
sizing = "cpu_memory"
vcpu_min = 1
vcpu_max = 2
vcpu_step = 1
memory_min = "1GiB"
memory_max = "4GiB"
memory_step = "1GiB"
billing = "instance_lifetime"
granularity = "1s"
minimum_billed = "10s"
concurrency = 1
max_instances = 10
keep_alive = "0s"
cold_start = "2s"
vcpu = {{ usd = "0.01", per = "hour" }}
memory_gib = {{ usd = "0.001", per = "hour" }}
request_usd = "0"
source = "a test catalog"
"#
    );
    let text = "name = \"fn\"\npricing = \"custom.toml\"\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"p\"\nkind = \"function\"\nprofile = \"my-faas\"\n";
    let case = Case::new(text, Some(&format!("{HEADER}a,0,3598,0.5,1500,\n")));
    std::fs::write(case.dir().join("custom.toml"), custom).unwrap();
    // 0.5 vCPU / 1,500 MiB → 1 vCPU / 2 GiB; 2 s start + 3,598 s = one hour:
    // $0.01 + 2 × $0.001.
    assert_eq!(run(&case, &[]).total_atto("p"), usd("0.012"));
}

#[test]
fn lambda_bills_the_init_phase_of_a_cold_start_once() {
    // Since 1 August 2025 Lambda bills INIT: the first invocation pays its
    // 250 ms cold start with its 1 s; the second, warm, pays 1 s.
    // 2.25 GiB-s × $0.0000166667 + 2 × $0.0000002 = $0.000037900075.
    let r = ran(
        "profile = \"lambda\"\ncold_start = { dist = \"constant\", value = \"250ms\" }",
        "a,0,1,0.25,1024,\nb,60,1,0.25,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.000037900075"));
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!((f.cold_invocations, f.warm_invocations), (1, 1));
}

#[test]
fn a_cloud_run_minimum_instance_pays_the_idle_rate_only_while_idle() {
    // One minimum instance, busy 0–100 s with a 1 vCPU / 1 GiB task, then
    // the run ends: 100 s at the active rates ($0.000024 + $0.0000025) and
    // no idle time, plus one request: $0.0026504. (Lambda's provisioned
    // concurrency, by contrast, is paid busy or not.)
    let r = ran(
        "profile = \"cloud-run\"\nmin_instances = 1",
        "a,0,100,1,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.0026504"));
    // Idle for another 100 s before a second request: 100 s × ($0.0000025
    // + $0.0000025) idle on top, and one more busy period and request.
    let r = ran(
        "profile = \"cloud-run\"\nmin_instances = 1",
        "a,0,100,1,1024,\nb,200,100,1,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.0058008"));
}
