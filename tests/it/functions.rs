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
    // 0.3 vCPU / 1,536 MiB → 1 vCPU / 1,600 MiB (100 MiB steps); the 20 s
    // start-up plus 100.2 s of work = 120.2 s → 121 s.
    // 121 × $0.0405/3600 + 1600/1024 × 121 × $0.00445/3600
    let r = ran("profile = \"aci\"", "a,0,100.2,0.3,1536,\n");
    assert_eq!(r.total_atto("p"), usd("0.001594952256944444"));
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
    // One provisioned 1 GiB instance from 0 to the end at 101 s:
    // 101 × $0.0000041667; the 1 s invocation on it at the provisioned
    // duration rate $0.0000097222; one request $0.0000002.
    let r = ran(
        "profile = \"lambda\"\nmin_instances = 1",
        "a,100,1,0.25,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.0004307589"));
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!((f.cold_starts, f.warm_invocations), (0, 1));
    assert!((f.kept_warm_usd - 101.0 * 0.0000041667).abs() < 1e-15);
}
