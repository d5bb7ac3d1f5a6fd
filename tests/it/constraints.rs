//! ECS task placement constraints and host ports (issue 21): placements
//! worked by hand on small fixed fleets, and the refusals (the autoscalers
//! with rules: tests/it/autoscaled_rules.rs).

use crate::common::{Case, run};

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group\n";

/// A fixed ECS fleet of `types` (one instance each, in that order: ids 0,
/// 1, …), instant starts, no reserve, with `extra` keys.
fn fleet(types: &str, extra: &str) -> String {
    let n = types.split(',').count();
    format!(
        r#"
name = "constrained"
[workload]
trace = "trace.csv"
[[platforms]]
name = "c"
kind = "ec2"
instance_types = [{types}]
initial = {n}
container_start = {{ image_pull = "0s", cached = "0s" }}
reserved = {{ memory_percent = 0 }}
{extra}
"#
    )
}

/// (task id → (instance, placed at s)), in trace order.
fn placed(ran: &crate::common::Ran) -> Vec<(u32, f64)> {
    let mut r: Vec<_> = ran
        .records_of("c")
        .iter()
        .map(|r| {
            (
                r.task_id,
                r.instance.unwrap(),
                r.launch.unwrap() as f64 / 1e6,
            )
        })
        .collect();
    r.sort_by_key(|x| x.0);
    r.into_iter().map(|(_, i, at)| (i, at)).collect()
}

#[test]
fn distinct_instance_runs_one_task_of_the_group_per_instance() {
    // Two m5.large (2 vCPU, 8,192 MiB each). Three `web` tasks of 0.25 vCPU
    // / 512 MiB at 0 for 100 s would all fit one instance; under
    // distinctInstance the first two take one instance each and the third
    // waits until one ends at 100 s. A `batch` task beside them is free to
    // share: it starts at 0.
    let trace = format!(
        "{HEADER}w1,0,100,0.25,512,web\nw2,0,100,0.25,512,web\nw3,0,100,0.25,512,web\nb1,0,100,0.25,512,batch\n"
    );
    let extra = r#"constraints = [{ type = "distinctInstance", group = "web" }]"#;
    let ran = run(
        &Case::new(&fleet("\"m5.large\", \"m5.large\"", extra), Some(&trace)),
        &[],
    );
    let p = placed(&ran);
    assert_eq!(p[0].1, 0.0);
    assert_eq!(p[1].1, 0.0);
    assert_ne!(p[0].0, p[1].0, "two web tasks on one instance: {p:?}");
    assert_eq!(p[2].1, 100.0, "the third web task waits for one to end");
    assert_eq!(p[3].1, 0.0, "batch is not constrained");
    assert_eq!(ran.platform("c").simulated_end_s, 200.0);
    assert_eq!(ran.platform("c").tasks.completed, 4);

    // Without the constraint all four start at 0 and the run ends at 100 s.
    let free = run(
        &Case::new(&fleet("\"m5.large\", \"m5.large\"", ""), Some(&trace)),
        &[],
    );
    assert!(placed(&free).iter().all(|x| x.1 == 0.0));
    assert_eq!(free.platform("c").simulated_end_s, 100.0);
}

#[test]
fn member_of_instance_type_keeps_a_group_on_matching_types() {
    // A c5.large (id 0) and an m5.large (id 1). Four `cpu` tasks of 1 vCPU /
    // 1 GiB for 100 s under memberOf c5.*: the c5.large (2 vCPU) runs two
    // at 0 and two at 100, the m5.large never runs one, though it has room.
    let trace = format!(
        "{HEADER}a,0,100,1,1024,cpu\nb,0,100,1,1024,cpu\nc,0,100,1,1024,cpu\nd,0,100,1,1024,cpu\n"
    );
    let extra = r#"constraints = [{ type = "memberOf", group = "cpu", expression = "attribute:ecs.instance-type =~ c5.*" }]"#;
    let ran = run(
        &Case::new(&fleet("\"c5.large\", \"m5.large\"", extra), Some(&trace)),
        &[],
    );
    let p = placed(&ran);
    assert!(p.iter().all(|x| x.0 == 0), "all on the c5.large: {p:?}");
    let mut at: Vec<f64> = p.iter().map(|x| x.1).collect();
    at.sort_by(f64::total_cmp);
    assert_eq!(at, vec![0.0, 0.0, 100.0, 100.0]);
    assert_eq!(ran.platform("c").simulated_end_s, 200.0);

    // `in [...]` naming the m5.large sends them all there instead.
    let extra = r#"constraints = [{ type = "memberOf", group = "cpu", expression = "attribute:ecs.instance-type in [m5.large, m5.xlarge]" }]"#;
    let ran = run(
        &Case::new(&fleet("\"c5.large\", \"m5.large\"", extra), Some(&trace)),
        &[],
    );
    assert!(placed(&ran).iter().all(|x| x.0 == 1));

    // By zone: the two instances are launched in us-east-1a and us-east-1b
    // (the zone with the fewest instances first); `== us-east-1b` keeps the
    // group on the second.
    let extra = r#"constraints = [{ type = "memberOf", group = "cpu", expression = "attribute:ecs.availability-zone == us-east-1b" }]"#;
    let ran = run(
        &Case::new(&fleet("\"c5.large\", \"m5.large\"", extra), Some(&trace)),
        &[],
    );
    assert!(placed(&ran).iter().all(|x| x.0 == 1));
}

#[test]
fn two_tasks_with_the_same_host_port_never_share_an_instance() {
    // Bridge mode, host port 80 for `web` and for `api`: four tasks of 0.25
    // vCPU at 0 for 100 s on two m5.large. Any two of them clash on port 80,
    // so two run at 0 (one per instance) and two at 100 s.
    let trace = format!(
        "{HEADER}w1,0,100,0.25,512,web\na1,0,100,0.25,512,api\nw2,0,100,0.25,512,web\na2,0,100,0.25,512,api\n"
    );
    let extra = "network_mode = \"bridge\"\nhost_ports = { web = 80, api = 80 }";
    let ran = run(
        &Case::new(&fleet("\"m5.large\", \"m5.large\"", extra), Some(&trace)),
        &[],
    );
    let p = placed(&ran);
    let mut at: Vec<f64> = p.iter().map(|x| x.1).collect();
    at.sort_by(f64::total_cmp);
    assert_eq!(at, vec![0.0, 0.0, 100.0, 100.0]);
    // At any time at most one task per instance: the two at 0 differ.
    let at0: Vec<u32> = p.iter().filter(|x| x.1 == 0.0).map(|x| x.0).collect();
    assert_ne!(at0[0], at0[1]);
    // Different ports do not clash: web on 80 and api on 8080 run all four
    // at 0 (two per instance).
    let extra = "network_mode = \"host\"\nhost_ports = { web = 80, api = 8080 }";
    let ran = run(
        &Case::new(&fleet("\"m5.large\", \"m5.large\"", extra), Some(&trace)),
        &[],
    );
    assert!(placed(&ran).iter().all(|x| x.1 == 0.0));
    assert_eq!(ran.platform("c").simulated_end_s, 100.0);
}

#[test]
fn constraints_are_refused_where_they_are_not_modelled() {
    let trace = format!("{HEADER}w1,0,100,0.25,512,web\n");
    let check = |extra: &str, says: &[&str]| {
        let case = Case::new(&fleet("\"m5.large\"", extra), Some(&trace));
        std::fs::write(case.dir().join("s.toml"), fleet("\"m5.large\"", extra)).unwrap();
        let (code, _, err) = crate::common::bin(&["run", "s.toml"], case.dir());
        assert_eq!(code, 2, "{extra}: {err}");
        for s in says {
            assert!(err.contains(s), "{extra}: `{s}` not in {err}");
        }
    };
    check(
        "orchestrator = \"eks\"\nconstraints = [{ type = \"distinctInstance\", group = \"web\" }]",
        &["platforms[0].constraints", "pod_anti_affinity"],
    );
    check(
        "network_mode = \"awsvpc\"\nhost_ports = { web = 80 }",
        &["platforms[0].host_ports.web", "network_mode = \"bridge\""],
    );
    check(
        "constraints = [{ type = \"memberOf\", group = \"web\", expression = \"attribute:ecs.instance-type == c5.large\" }]",
        &["matches no instance", "m5.large"],
    );
    check(
        "constraints = [{ type = \"spread\", group = \"web\" }]",
        &["constraints[0].type", "distinctInstance and memberOf"],
    );
    check("host_ports = { web = 0 }", &["need a port from 1 to 65535"]);
}
