//! Right-sizing per group (issue 27): each group's bill before (on the
//! as-requested twin) and after, its kills and slowdowns; and the sweep
//! recipe's saving-against-risk charts.

use crate::common::{Case, bin, run};
use std::path::Path;

const TRACE: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n\
a1,0,3600,1,2048,api,0.2,0.25,512,512\n\
b1,0,3600,1,4096,batch,0.8,1,1500,3000\n";

fn scenario(kind: &str) -> String {
    let platform = |name: &str, extra: &str| match kind {
        "fargate" => format!(
            "[[platforms]]\nname = \"{name}\"\nkind = \"fargate\"\nstartup = {{ provisioning = \"0s\", image_pull = \"0s\" }}\n{extra}\n"
        ),
        _ => format!(
            "[[platforms]]\nname = \"{name}\"\nkind = \"ec2\"\ninstance_types = [\"m5.xlarge\"]\nautoscaler = \"none\"\ninitial = 1\nmax = 1\ncontainer_start = {{ image_pull = \"0s\", cached = \"0s\" }}\n{extra}\n"
        ),
    };
    format!(
        "name = \"groups\"\nseed = 1\n[workload]\ntrace = \"trace.csv\"\n{}{}",
        platform("asked", ""),
        platform(
            "right",
            "rightsizing = { policy = \"usage\", cpu = \"max\", memory = \"avg\", headroom = 0 }"
        )
    )
}

#[test]
fn fargate_bill_per_group_before_and_after_by_hand() {
    // Fargate Linux/x86 in the default Region: $0.000011244 per vCPU-second
    // and $0.000001235 per GB-second (data/pricing.toml); no start-up, so
    // each task bills its hour.
    // api: 1 vCPU / 2 GiB asked: 3,600 × (0.000011244 + 2 × 0.000001235)
    //   = 3,600 × 0.000013714 = $0.0493704. Sized at its CPU peak 0.25 and
    //   its 512 MiB average: 0.25 vCPU / 0.5 GiB = 3,600 × 0.0000034285 =
    //   $0.0123426. Saving $0.0370278.
    // batch: 1 vCPU / 4 GiB asked: 3,600 × 0.000016184 = $0.0582624. Sized
    //   at 1 vCPU and its 1,500 MiB average: 1 vCPU / 2 GiB, below its 3,000
    //   MiB peak: killed half way (1,800 s × 0.000013714 = $0.0246852,
    //   billed), then run again as asked ($0.0582624): $0.0829476. It costs
    //   $0.0246852 more, the lost half hour its extra time.
    let case = Case::new(&scenario("fargate"), Some(TRACE));
    let ran = run(&case, &[]);
    let r = ran.platform("right").rightsizing.as_ref().unwrap();
    let row = |g: &str| r.groups.iter().find(|x| x.group == g).unwrap().clone();
    let close = |a: Option<f64>, b: f64| {
        assert!(a.is_some_and(|a| (a - b).abs() < 1e-9), "{a:?} against {b}")
    };
    let api = row("api");
    assert_eq!((api.tasks, api.resized, api.tasks_killed), (1, 1, 0));
    close(api.before_usd, 0.0493704);
    close(api.cost_usd, 0.0123426);
    close(api.saving_usd, 0.0370278);
    let batch = row("batch");
    assert_eq!((batch.tasks, batch.resized, batch.tasks_killed), (1, 1, 1));
    assert_eq!(batch.kill_rate, Some(1.0));
    assert_eq!(batch.oom_lost_seconds, 1800.0);
    close(batch.before_usd, 0.0582624);
    close(batch.cost_usd, 0.0829476);
    close(batch.saving_usd, -0.0246852);
    // Nothing outside the groups on Fargate: the rest is zero.
    let rest = row("(rest)");
    close(rest.cost_usd, 0.0);
    close(rest.before_usd, 0.0);
}

#[test]
fn ec2_bill_per_group_is_its_share_of_the_instance() {
    // One m5.xlarge (4 vCPU, 16 GiB) holds both tasks. As asked, api holds
    // 1/4 of its CPU (1 of 4 vCPU, more than 2 of 16 GiB) and batch 1/4 too
    // (1 vCPU, against 4 of 16 GiB): equal shares of the same hour. After,
    // api holds 0.25 of 4 vCPU (1/16) and batch 1 vCPU (1/4) for its
    // killed half hour and its hour again. The instance's idle part is the
    // rest; groups and rest add up to the compute bill.
    let case = Case::new(&scenario("ec2"), Some(TRACE));
    let ran = run(&case, &[]);
    let p = ran.platform("right");
    let r = p.rightsizing.as_ref().unwrap();
    let row = |g: &str| r.groups.iter().find(|x| x.group == g).unwrap().clone();
    let (api, batch, rest) = (row("api"), row("batch"), row("(rest)"));
    let (a0, b0) = (api.before_usd.unwrap(), batch.before_usd.unwrap());
    assert!(a0 > 0.0 && (a0 - b0).abs() < 1e-12, "{a0} {b0}");
    let (a1, b1) = (api.cost_usd.unwrap(), batch.cost_usd.unwrap());
    assert!((a1 - a0 / 4.0).abs() < 1e-9, "{a1} against {a0}/4");
    assert!((b1 - b0 * 1.5).abs() < 1e-9, "{b1} against {b0}×1.5");
    assert_eq!(batch.tasks_killed, 1);
    let total = ran.total_atto("right") as f64 / 1e18;
    assert!((a1 + b1 + rest.cost_usd.unwrap() - total).abs() < 1e-9);
    let total0 = ran.total_atto("asked") as f64 / 1e18;
    assert!((a0 + b0 + rest.before_usd.unwrap() - total0).abs() < 1e-9);
}

#[test]
fn a_run_writes_rightsizing_csv_and_the_report_its_table() {
    let case = Case::new(&scenario("fargate"), Some(TRACE));
    let (code, _, err) = bin(
        &[
            "run",
            &case.path.display().to_string(),
            "--out",
            "out",
            "-q",
        ],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(case.dir().join("out/rightsizing.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "platform,group,tasks,resized,tasks_killed,kill_rate,oom_lost_s,slowed,slowed_rate,slowed_extra_s,cost_usd,before_usd,saving_usd,before_platform,size_cpu_vcpu,size_memory_mib"
    );
    assert_eq!(
        lines[1],
        "right,api,1,1,0,0.000000,0.000,0,0.000000,0.000,0.012343,0.049370,0.037028,asked,,"
    );
    assert!(
        lines[2].starts_with("right,batch,1,1,1,1.000000,1800.000,"),
        "{csv}"
    );
    let html = std::fs::read_to_string(case.dir().join("out/report.html")).unwrap();
    assert!(html.contains("Right-sizing per group"));
    let summary = std::fs::read_to_string(case.dir().join("out/summary.csv")).unwrap();
    assert!(
        summary
            .lines()
            .next()
            .unwrap()
            .contains("rightsizing_kill_rate")
    );
}

#[test]
fn the_bundled_sweep_draws_saving_against_risk() {
    let d = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/rightsizing.toml");
    let (code, _, err) = bin(
        &[
            "sweep",
            &file.display().to_string(),
            "-j",
            "2",
            "--out",
            "sw",
            "-q",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    for f in [
        "sweep_rightsizing_kills.png",
        "sweep_rightsizing_kills.svg",
        "sweep_rightsizing_slowed.png",
    ] {
        assert!(d.path().join("sw").join(f).is_file(), "{f}");
    }
    // Below the peaks tasks are killed; at or above them none is.
    let csv = std::fs::read_to_string(d.path().join("sw/results.csv")).unwrap();
    let mut rows = csv.lines();
    let head: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (h, p, k, row) = (
        col("platforms.fargate-right.rightsizing.headroom"),
        col("platform"),
        col("rightsizing_kill_rate"),
        col("row"),
    );
    for line in rows {
        let f: Vec<&str> = line.split(',').collect();
        if f[row] != "aggregate" || f[p] != "fargate-right" {
            continue;
        }
        let headroom: f64 = f[h].parse().unwrap();
        let kills: f64 = f[k].parse().unwrap();
        assert_eq!(kills > 0.0, headroom < 0.0, "{line}");
    }
}
