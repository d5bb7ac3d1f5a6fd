//! Bills computed by hand from the per-second rates AWS prints in its Fargate
//! pricing examples (data/pricing.toml), with start-up set to zero so the
//! billed span is exactly the task's duration (rounded, with the minimum).

use crate::common::{Case, run, usd};

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib\n";

fn scenario(platform_extra: &str) -> String {
    format!(
        r#"
name = "bill"
seed = 1
[workload]
trace = "trace.csv"
[[platforms]]
name = "p"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
{platform_extra}
"#
    )
}

fn bill(platform_extra: &str, rows: &str) -> u128 {
    let case = Case::new(&scenario(platform_extra), Some(&format!("{HEADER}{rows}")));
    let ran = run(&case, &[]);
    let p = ran.platform("p");
    assert_eq!(p.tasks.completed, p.tasks.submitted);
    ran.total_atto("p")
}

#[test]
fn a_task_shorter_than_the_minimum_pays_one_minute() {
    // 0.25 vCPU × 60 s × $0.000011244 + 0.5 GiB × 60 s × $0.000001235
    // = $0.00016866 + $0.00003705
    assert_eq!(bill("", "a,0,30,0.25,512,\n"), usd("0.00020571"));
}

#[test]
fn a_size_that_rounds_up_and_a_fraction_of_a_second() {
    // 0.3 vCPU / 700 MiB → 0.5 vCPU / 1 GiB; 100.5 s → 101 s.
    // 0.5 × 101 × 0.000011244 = 0.000567822; 1 × 101 × 0.000001235 = 0.000124735
    assert_eq!(bill("", "a,0,100.5,0.3,700,\n"), usd("0.000692557"));
}

#[test]
fn storage_above_twenty_gib_is_billed() {
    // 1 vCPU / 2 GiB / 50 GiB for an hour: 3600 × 0.000011244 = 0.0404784;
    // 2 × 3600 × 0.000001235 = 0.008892; 30 × 3600 × 0.0000000308 = 0.0033264
    assert_eq!(bill("", "a,0,3600,1,2048,50\n"), usd("0.0526968"));
}

#[test]
fn arm_uses_graviton_rates() {
    // 2 vCPU / 4 GiB for 600 s: 2 × 600 × 0.0000089944 = 0.01079328;
    // 4 × 600 × 0.0000009889 = 0.00237336
    assert_eq!(
        bill("arch = \"arm64\"", "a,0,600,2,4096,\n"),
        usd("0.01316664")
    );
}

#[test]
fn windows_has_a_five_minute_minimum_and_a_licence_fee() {
    // 1 vCPU / 2 GiB for 120 s → 300 s: vCPU 300 × 0.0000254167 = 0.00762501;
    // licence 300 × 0.0000127778 = 0.00383334; memory 2 × 300 × 0.0000027778 = 0.00166668
    assert_eq!(
        bill("os = \"windows\"", "a,0,120,1,2048,\n"),
        usd("0.01312503")
    );
}

#[test]
fn several_tasks_add_up_and_components_are_reported() {
    let case = Case::new(
        &scenario(""),
        Some(&format!(
            "{HEADER}a,0,30,0.25,512,\nb,5,100.5,0.3,700,\nc,9,3600,1,2048,50\n"
        )),
    );
    let ran = run(&case, &[]);
    assert_eq!(
        ran.total_atto("p"),
        usd("0.00020571") + usd("0.000692557") + usd("0.0526968")
    );
    let p = ran.platform("p");
    // vCPU-seconds: 0.25 × 60 + 0.5 × 101 + 1 × 3600
    assert_eq!(p.billed.vcpu_seconds, 15.0 + 50.5 + 3600.0);
    assert_eq!(p.billed.memory_gib_seconds, 30.0 + 101.0 + 7200.0);
    assert_eq!(p.billed.storage_gib_seconds, 30.0 * 3600.0);
    assert!((p.cost.components.storage_usd - 0.0033264).abs() < 1e-15);
    assert_eq!(p.cost.components.os_license_usd, 0.0);
}

#[test]
fn eks_pods_get_256_mib_and_pay_the_control_plane() {
    // 1 vCPU / 8 GiB pod → 2 vCPU / 9 GiB (the example in AWS's EKS guide,
    // docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html),
    // for 3600 s:
    // 2 × 3600 × 0.000011244 = 0.0809568; 9 × 3600 × 0.000001235 = 0.040014;
    // cluster: $0.10/h for the 3600 s the run lasts = 0.10.
    let total = bill("launch_type = \"eks\"", "a,0,3600,1,8192,\n");
    assert_eq!(total, usd("0.0809568") + usd("0.040014") + usd("0.10"));
}

#[test]
fn spot_uses_the_spot_rates() {
    // 1 vCPU / 2 GiB for an hour at $0.01264355 per vCPU-hour and
    // $0.00138835 per GiB-hour, no interruptions.
    let total = bill(
        "capacity = \"spot\"\nspot = { interruptions_per_hour = 0.0 }",
        "a,0,3600,1,2048,\n",
    );
    assert_eq!(total, usd("0.01264355") + usd("0.0027767"));
}

#[test]
fn billing_starts_at_the_image_pull_not_at_launch() {
    // Provisioning 10 s (not billed), pull 20 s (billed), run 60 s → 80 s billed.
    let case = Case::new(
        r#"
name = "pull"
[workload]
trace = "trace.csv"
[[platforms]]
name = "p"
kind = "fargate"
startup = { provisioning = "10s", image_pull = "20s" }
"#,
        Some(&format!("{HEADER}a,0,60,1,2048,\n")),
    );
    let ran = run(&case, &[]);
    let p = ran.platform("p");
    assert_eq!(p.billed.task_seconds, 80.0);
    assert_eq!(p.latency.time_to_start.p50, Some(30.0));
    assert_eq!(p.latency.startup.max, Some(30.0));
    assert_eq!(p.latency.wait.max, Some(0.0));
}

#[test]
fn too_large_tasks_are_unschedulable_not_lost() {
    let case = Case::new(
        &scenario(""),
        Some(&format!(
            "{HEADER}a,0,10,32,4096,\nb,1,10,1,200000,\nc,2,10,1,2048,300\nd,3,10,1,2048,\n"
        )),
    );
    let ran = run(&case, &[]);
    let p = ran.platform("p");
    assert_eq!(p.tasks.submitted, 4);
    assert_eq!(p.tasks.unschedulable, 3);
    assert_eq!(p.tasks.completed, 1);
    assert_eq!(p.tasks.unschedulable_reasons.values().sum::<u64>(), 3);
    assert!(
        p.tasks
            .unschedulable_reasons
            .keys()
            .any(|k| k.contains("storage above 200 GiB"))
    );
}

#[test]
fn a_region_uses_its_own_rates_and_a_missing_price_is_an_error() {
    // eu-west-2 Linux/x86: $0.04656 per vCPU-hour, $0.00511 per GB-hour
    // (data/pricing.toml, from theuves/fgcalc). 1 vCPU / 2 GiB for an hour:
    // $0.05678.
    let text = scenario("region = \"eu-west-2\"");
    let case = Case::new(&text, Some(&format!("{HEADER}a,0,3600,1,2048,\n")));
    assert_eq!(run(&case, &[]).total_atto("p"), usd("0.05678"));
    // No ARM rate in eu-west-2: an error that says where ARM is priced.
    let text = scenario("region = \"eu-west-2\"\narch = \"arm64\"");
    let case = Case::new(&text, Some(&format!("{HEADER}a,0,3600,1,2048,\n")));
    let err = fargate_sim::scenario::load(&case.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("no Fargate rate for eu-west-2 Linux/Arm64/OnDemand"),
        "{err}"
    );
    assert!(err.contains("is priced in us-east-1, sa-east-1"), "{err}");
    // A catalog without r5.large's sa-east-1 price (the built-in one prices
    // every type in every Region it has).
    let text = "name = \"r\"\nregion = \"sa-east-1\"\npricing = \"cat.toml\"\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"e\"\nkind = \"ec2\"\ninstance_types = [\"r5.large\"]\n";
    let case = Case::new(text, Some(&format!("{HEADER}a,0,3600,1,2048,\n")));
    std::fs::write(
        case.dir().join("cat.toml"),
        crate::common::catalog_without_price("r5.large", "sa-east-1"),
    )
    .unwrap();
    let err = fargate_sim::scenario::load(&case.path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no sa-east-1 price for r5.large"), "{err}");
}
