//! Right-sizing from the Alibaba cluster-trace-v2017 `batch_instance.csv`
//! usage columns (issue 27), on a hand-made fixture in the published schema
//! (tests/data/fixtures/SOURCE.md).

use crate::common::{Case, run};

#[test]
fn alibaba_2017_instances_carry_their_usage() {
    // The fixture's first row: real_cpu_max 1.6, real_cpu_avg 0.7 (cores),
    // real_mem_max 0.012, real_mem_avg 0.008 (of a 256 GiB = 262,144 MiB
    // machine, data/defaults.toml [traces.alibaba_2017]).
    // Request = the peak: 1600 m and 0.012 × 262,144 = 3145.7 → 3146 MiB.
    // Fargate bills it as 2 vCPU / 4 GiB (the smallest size holding it).
    // Sized from its 700 m average (no headroom) and its 3146 MiB peak:
    // 1 vCPU (smallest above 0.7), with 4 GiB (1 GiB steps above 3146 MiB).
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fixtures/alibaba-2017-batch_instance.csv");
    let case = Case::new(
        &format!(
            r#"
name = "ali17"
seed = 1
[workload]
trace = "{}"
format = "alibaba-2017-instances"
[[platforms]]
name = "asked"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
[[platforms]]
name = "right"
kind = "fargate"
startup = {{ provisioning = "0s", image_pull = "0s" }}
rightsizing = {{ policy = "usage", cpu = "avg", memory = "max", headroom = 0 }}
"#,
            fixture.display()
        ),
        None,
    );
    let ran = run(&case, &[]);
    let first = ran
        .records_of("asked")
        .into_iter()
        .find(|r| r.task_id == 0)
        .unwrap();
    assert_eq!(
        (first.cpu_milli_requested, first.memory_mib_requested),
        (1600, 3146)
    );
    assert_eq!(
        (first.cpu_milli_billed, first.memory_mib_billed),
        (2000, 4096)
    );
    let right = ran
        .records_of("right")
        .into_iter()
        .find(|r| r.task_id == 0)
        .unwrap();
    assert_eq!(
        (right.cpu_milli_billed, right.memory_mib_billed),
        (1000, 4096)
    );
    let p = ran.platform("right");
    assert_eq!(p.tasks.submitted, 40);
    assert_eq!(p.tasks.completed, 40);
    let r = p.rightsizing.as_ref().unwrap();
    // Memory sized at its peak: nothing is killed.
    assert_eq!(r.oom_kills, 0);
    assert_eq!(r.resized + r.kept, 40);
    assert!(ran.total_atto("right") < ran.total_atto("asked"));
}
