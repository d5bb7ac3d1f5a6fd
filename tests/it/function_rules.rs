//! Issue 23: the function platforms' rules as the vendors publish them, each
//! bill worked by hand from data/pricing.toml: provisioned concurrency
//! serves first and is billed in five-minute increments (also on a daily
//! schedule), Lambda's ephemeral storage, ACI's 0.1 GB memory steps, Cloud
//! Run's 60 % concurrency target and Lambda's scaling rate.

use crate::common::{Case, run, usd};

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib\n";

/// Runs one function platform `p` over trace rows, with extra top-level
/// scenario lines (a horizon).
fn ran_with(top: &str, platform: &str, rows: &str) -> crate::common::Ran {
    let text = format!(
        "name = \"fn\"\nseed = 1\n{top}\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"p\"\nkind = \"function\"\n{platform}\n"
    );
    run(&Case::new(&text, Some(&format!("{HEADER}{rows}"))), &[])
}

const NO_COLD: &str = "cold_start = { dist = \"constant\", value = \"0s\" }";

#[test]
fn provisioned_concurrency_serves_before_a_warm_on_demand_environment() {
    // Provisioned concurrency 1, three 10 s invocations of 1 GiB: a at 0 on
    // the provisioned environment (0–10 s), b at 5 on an on-demand one
    // (5–15 s), c at 20 when both are idle: it must run on the provisioned
    // one (before issue 23 it took the on-demand one, the most recently
    // freed). The run ends at 75 s (b's environment reclaimed 60 s after
    // 15 s); provisioned concurrency billed 75 s → 300 s (five minutes):
    //   300 s × $0.0000041667            = $0.00125001
    //   a + c: 20 s × $0.0000097222      = $0.000194444
    //   b: 10 s × $0.0000166667          = $0.000166667
    //   3 requests × $0.0000002          = $0.0000006
    //   total                              $0.001611721
    let r = ran_with(
        "",
        &format!("profile = \"lambda\"\nmin_instances = 1\nkeep_alive = \"60s\"\n{NO_COLD}"),
        "a,0,10,0.25,1024,\nb,5,10,0.25,1024,\nc,20,10,0.25,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.001611721"));
    let recs = r.records_of("p");
    let (a, b, c) = (
        recs[0].instance.unwrap(),
        recs[1].instance.unwrap(),
        recs[2].instance.unwrap(),
    );
    // Records come in end order: a (10 s), b (15 s), c (30 s).
    assert_ne!(a, b);
    assert_eq!(
        a, c,
        "the third invocation runs on the provisioned environment"
    );
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!(f.cold_starts, 1);
    assert!((f.kept_warm_usd - 300.0 * 0.0000041667).abs() < 1e-15);
}

#[test]
fn a_62_minute_provisioned_window_is_billed_as_65_minutes() {
    // provisioned_schedule 00:00–01:02, one 1 GiB environment, horizon 2 h;
    // one 1 s invocation at 0 runs on it. 62 min → 65 min = 3,900 s:
    //   3,900 s × $0.0000041667 = $0.01625013
    //   1 s × $0.0000097222 + $0.0000002 request
    //   total $0.0162600522
    let r = ran_with(
        "horizon = \"2h\"",
        &format!(
            "profile = \"lambda\"\nprovisioned_schedule = [{{ from = \"00:00\", to = \"01:02\", concurrency = 1 }}]\n{NO_COLD}"
        ),
        "a,0,1,0.25,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("0.0162600522"));
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!((f.cold_starts, f.warm_invocations), (0, 1));
    assert!((f.kept_warm_usd - 3900.0 * 0.0000041667).abs() < 1e-12);
}

#[test]
fn a_daily_provisioned_schedule_pays_only_its_hours() {
    // The Lambda pricing page's first provisioned-concurrency example has
    // 100 environments for 8 hours a day. Two days, 08:00–16:00, 100 × 1 GiB:
    //   2 × 8 h × 3,600 s × 100 GiB × $0.0000041667 = $24.000192
    // and one 1 s on-demand invocation at 0 (before the window opens):
    //   $0.0000166667 + $0.0000002 → total $24.0002088667.
    let r = ran_with(
        "horizon = \"48h\"",
        &format!(
            "profile = \"lambda\"\nprovisioned_schedule = [{{ from = \"08:00\", to = \"16:00\", concurrency = 100 }}]\n{NO_COLD}"
        ),
        "a,0,1,0.25,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("24.0002088667"));
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!(f.peak_instances, 100);
}

#[test]
fn lambda_bills_ephemeral_storage_above_512_mb_per_gb_second() {
    // The Lambda pricing page's ephemeral-storage example, scaled 1:1,000:
    // 3,000 invocations of 120 ms with 10,240 MB of ephemeral storage, of
    // which 512 MB are free: 360 s × 9,728/1,024 GB × $0.0000000309 =
    // $0.000105678 (the page's 3 M invocations give $0.105678 ≈ $0.11).
    let rows: String = (0..3000)
        .map(|i| format!("t{i},{i},0.12,0.25,512,10\n"))
        .collect();
    let r = ran_with("", &format!("profile = \"lambda\"\n{NO_COLD}"), &rows);
    let p = r.platform("p");
    assert_eq!(p.tasks.completed, 3000);
    let c = &r.output.platforms[0].cost;
    assert_eq!(c.storage.0, usd("0.000105678"));
    // Duration and requests as before: 360 s × 0.5 GiB × $0.0000166667 +
    // 3,000 × $0.0000002.
    assert_eq!(
        c.total().0,
        usd("0.000105678") + usd("0.003000006") + usd("0.0006")
    );
}

#[test]
fn storage_is_refused_where_a_profile_cannot_bill_it() {
    // A trace row on Cloud Run with storage: not runnable, with the reason.
    let r = ran_with("", "profile = \"cloud-run\"", "a,0,1,0.25,512,10\n");
    let p = r.platform("p");
    assert_eq!(p.tasks.unschedulable, 1);
    let reasons = format!("{:?}", p.tasks.unschedulable_reasons);
    assert!(reasons.contains("ephemeral storage"), "{reasons}");
    // A generator with storage on Cloud Run: refused when the file is read.
    let text = r#"
name = "x"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "poisson", rate = "1/min" }
duration = "1s"
count = 1
sizes = [{ cpu = 0.25, memory = "512MiB", storage = "30GiB" }]
[[platforms]]
name = "cr"
kind = "function"
profile = "cloud-run"
"#;
    let case = Case::new(text, None);
    let err = match fargate_sim::scenario::load_str(&case.text, &case.path, &Default::default()) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("workload.generators[0].sizes[0].storage") && err.contains("cloud-run"),
        "{err}"
    );
}

#[test]
fn aci_rounds_memory_up_to_a_tenth_of_a_gb() {
    // 1 vCPU / 2.15 GiB (2,202 MiB in the trace) → 2.2 GiB, not 2,300 MiB
    // (2.246 GiB) as 100 MiB steps gave. 20 s start-up + 100 s = 120 s:
    //   120 × $0.0405/3,600 + 2.2 × 120 × $0.00445/3,600 = $0.001676333…
    let r = ran_with("", "profile = \"aci\"", "a,0,100,1,2202,\n");
    assert_eq!(r.total_atto("p"), usd("0.001676333333333333"));
    let rec = &r.records_of("p")[0];
    assert_eq!(rec.memory_mib_billed, 2253); // 2.2 GiB = 2,252.8 MiB, shown rounded up
}

/// A service of concurrency 10 on Cloud Run: 60 requests a second, evenly
/// spaced, 0.99 s each, so about 60 are in flight at once.
fn steady_on_cloud_run(extra: &str) -> crate::common::Ran {
    let text = format!(
        r#"
name = "svc"
seed = 1
horizon = "2m"
[[workload.services]]
name = "api"
cpu = 1
memory = "1GiB"
replicas = {{ min = 1, max = 100, desired = 1 }}
concurrency = 10
service_time = {{ dist = "constant", value = "990ms" }}
requests = {{ curve = "constant", rate = "60/s", arrivals = "even" }}
[[platforms]]
name = "p"
kind = "function"
profile = "cloud-run"
cold_start = {{ dist = "constant", value = "0s" }}
{extra}
"#
    );
    run(&Case::new(&text, None), &[])
}

#[test]
fn cloud_run_keeps_instances_at_60_percent_of_their_concurrency() {
    // At most 60 requests in flight; each instance takes 60 % of 10 = 6
    // before another starts: 60 / 6 = 10 instances (filled to the hard
    // limit of 10, as before issue 23: 6).
    let r = steady_on_cloud_run("");
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!(f.peak_instances, 10);
    let old = steady_on_cloud_run("target_utilization = 1.0");
    let f = old.platform("p").function.clone().unwrap();
    assert_eq!(f.peak_instances, 6);
}

#[test]
fn lambda_adds_at_most_1000_environments_every_10_seconds() {
    // 5,000 one-minute invocations at once, the concurrency limit raised to
    // 10,000, cold start 1 s. Asynchronous (queued): 1,000 environments are
    // created at 0, 10, 20, 30 and 40 s; the last invocations start at 41 s.
    // Bill (INIT billed): 5,000 × 61 s × 1 GiB × $0.0000166667 + 5,000 ×
    // $0.0000002 = $5.0843435.
    let rows: String = (0..5000)
        .map(|i| format!("t{i},0,60,0.25,1024,\n"))
        .collect();
    let platform = "profile = \"lambda\"\nmax_instances = 10000\ncold_start = { dist = \"constant\", value = \"1s\" }";
    let r = ran_with("", platform, &rows);
    let p = r.platform("p");
    assert_eq!(p.tasks.completed, 5000);
    assert_eq!(r.total_atto("p"), usd("5.0843435"));
    let f = p.function.clone().unwrap();
    assert_eq!((f.peak_instances, f.cold_starts), (5000, 5000));
    assert_eq!(f.throttles, 4000);
    assert_eq!(f.cold_time_to_start.max, Some(41.0));
    // Synchronous (a 429 for each beyond the rate): 1,000 run, 4,000 fail.
    let r = ran_with("", &format!("{platform}\non_throttle = \"fail\""), &rows);
    let p = r.platform("p");
    assert_eq!((p.tasks.completed, p.tasks.failed), (1000, 4000));
    // The old behaviour on request: everything starts at once.
    let r = ran_with(
        "",
        &format!("{platform}\nscale_rate = \"unlimited\""),
        &rows,
    );
    let f = r.platform("p").function.clone().unwrap();
    assert_eq!((f.throttles, f.cold_time_to_start.max), (0, Some(1.0)));
}

#[test]
fn a_month_is_the_free_tiers_month() {
    use fargate_sim::time::parse_duration;
    assert_eq!(parse_duration("1mo"), Ok(2_629_800_000_000));
    assert_eq!(parse_duration("1 month"), parse_duration("30.4375d"));
}

#[test]
fn an_eks_cluster_on_extended_support_pays_sixty_cents_an_hour() {
    // One m5.large for 1 h on EKS: $0.096 for the instance, then $0.10 for
    // the cluster on standard support or $0.60 on extended support.
    let text = |support: &str| {
        format!(
            r#"
name = "eks"
seed = 1
horizon = "1h"
[workload]
[[workload.generators]]
name = "g"
arrivals = {{ process = "burst", at = ["0s"], size = 1 }}
duration = "10s"
sizes = [{{ cpu = 0.25, memory = "512MiB" }}]
[[platforms]]
name = "p"
kind = "ec2"
orchestrator = "eks"
instance_types = ["m5.large"]
{support}
"#
        )
    };
    let fee = |support: &str| {
        let r = run(&Case::new(&text(support), None), &[]);
        r.output.platforms[0].cost.control_plane.0
    };
    assert_eq!(fee(""), usd("0.1"));
    assert_eq!(fee("support = \"standard\""), usd("0.1"));
    assert_eq!(fee("support = \"extended\""), usd("0.6"));
    // On an ECS cluster the key is refused, never ignored.
    let bad = text("support = \"extended\"").replace("\"eks\"", "\"ecs\"");
    let case = Case::new(&bad, None);
    let err = match fargate_sim::scenario::load_str(&case.text, &case.path, &Default::default()) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("platforms[0].support"), "{err}");
}

#[test]
fn cloud_run_instance_based_billing_has_its_free_tier_over_one_month() {
    // One 1 vCPU / 1 GiB instance alive for the whole of `horizon = "1mo"`
    // (2,629,800 s, the free tier's month): the month's whole allowance,
    // 240,000 vCPU-s and 450,000 GiB-s, comes off:
    //   (2,629,800 − 240,000) × $0.000018 + (2,629,800 − 450,000) × $0.000002
    //   = $43.0164 + $4.3596 = $47.376
    let r = ran_with(
        "horizon = \"1mo\"",
        "profile = \"cloud-run-instance\"\nfree_tier = true\ncold_start = { dist = \"constant\", value = \"0s\" }",
        "a,0,2629800,1,1024,\n",
    );
    assert_eq!(r.total_atto("p"), usd("47.376"));
    let f = r.platform("p").function.clone().unwrap();
    assert!((f.free_tier_usd - 5.22).abs() < 1e-9, "{}", f.free_tier_usd);
}
