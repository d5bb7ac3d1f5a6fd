//! Bad input gives exit code 2 and a message that names the place.

use crate::common::bin as fargate_sim;

const GOOD: &str = r#"name = "ok"
[workload]
trace = "trace.csv"
[[platforms]]
name = "f"
kind = "fargate"
"#;

const TRACE: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,0,60,1,2048\n";

fn check(scenario: &str, trace: &str, args: &[&str], expect: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("s.toml"), scenario).unwrap();
    std::fs::write(d.path().join("trace.csv"), trace).unwrap();
    let mut all = vec!["run", "s.toml", "--out", "out"];
    all.extend_from_slice(args);
    let (code, _, stderr) = fargate_sim(&all, d.path());
    assert_eq!(code, 2, "{stderr}");
    for e in expect {
        assert!(stderr.contains(e), "expected `{e}` in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !d.path().join("out/summary.json").exists(),
        "no summary after a failed run"
    );
}

#[test]
fn good_input_runs() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("s.toml"), GOOD).unwrap();
    std::fs::write(d.path().join("trace.csv"), TRACE).unwrap();
    let (code, stdout, stderr) = fargate_sim(&["run", "s.toml", "--out", "out"], d.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("$0.0"), "{stdout}");
}

#[test]
fn unknown_key_names_line_and_key() {
    check(
        &GOOD.replace(
            "kind = \"fargate\"",
            "kind = \"fargate\"\ncapasity = \"spot\"",
        ),
        TRACE,
        &[],
        &["s.toml", "line 7", "capasity"],
    );
}

#[test]
fn bad_enum_value_lists_accepted_values() {
    check(
        &GOOD.replace(
            "kind = \"fargate\"",
            "kind = \"fargate\"\ncapacity = \"cheap\"",
        ),
        TRACE,
        &[],
        &["line 7", "cheap", "on_demand", "spot"],
    );
}

#[test]
fn unknown_kind_is_refused() {
    check(
        &GOOD.replace("kind = \"fargate\"", "kind = \"lambada\""),
        TRACE,
        &[],
        &["lambada", "fargate"],
    );
}

#[test]
fn bad_duration_points_at_the_value() {
    check(
        &GOOD.replace(
            "kind = \"fargate\"",
            "kind = \"fargate\"\nstartup = { image_pull = \"20 parsecs\" }",
        ),
        TRACE,
        &[],
        &[
            "s.toml:7:",
            "platforms[0].startup.image_pull",
            "parsecs",
            "^^^",
        ],
    );
}

#[test]
fn windows_spot_is_refused_with_advice() {
    check(
        &GOOD.replace(
            "kind = \"fargate\"",
            "kind = \"fargate\"\nos = \"windows\"\ncapacity = \"spot\"",
        ),
        TRACE,
        &[],
        &["platforms[0].capacity", "Linux only"],
    );
}

#[test]
fn unknown_region_lists_known_ones() {
    check(
        GOOD,
        TRACE,
        &["--set", "platforms.f.region=mars-1"],
        &["mars-1", "us-east-1"],
    );
}

#[test]
fn missing_trace_names_the_path_tried() {
    check(
        &GOOD.replace("trace.csv", "nope.csv"),
        TRACE,
        &[],
        &["nope.csv", "relative to the scenario"],
    );
}

#[test]
fn bad_trace_value_names_file_line_and_column() {
    check(
        GOOD,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,0,60,1,2048\n2,1,sixty,1,2048\n",
        &[],
        &["trace.csv", "line 3", "duration_s", "sixty"],
    );
}

#[test]
fn zero_cpu_in_trace_is_refused() {
    check(
        GOOD,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,0,60,0,2048\n",
        &[],
        &["line 2", "cpu_vcpu"],
    );
}

#[test]
fn nan_in_trace_is_refused() {
    check(
        GOOD,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,NaN,60,1,2048\n",
        &[],
        &["line 2", "submit_s"],
    );
}

#[test]
fn unsorted_trace_is_refused_with_advice() {
    check(
        GOOD,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n1,5,60,1,2048\n2,1,60,1,2048\n",
        &[],
        &["line 3", "sort"],
    );
}

#[test]
fn missing_column_lists_what_was_found() {
    check(
        GOOD,
        "task_id,submit_s,cpu_vcpu,memory_mib\n1,0,1,2048\n",
        &[],
        &["duration_s", "found: task_id, submit_s"],
    );
}

#[test]
fn exact_sizing_names_the_nearest_sizes() {
    check(
        GOOD,
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\nt1,0,60,0.3,700\n",
        &["--set", "platforms.f.sizing=exact"],
        &["`t1`", "nearest valid sizes", "0.25 vCPU / 0.5 GiB"],
    );
}

#[test]
fn bad_override_names_the_assignment() {
    check(
        GOOD,
        TRACE,
        &["--set", "platforms.g.os=linux"],
        &["--set platforms.g.os=linux", "names: f"],
    );
    check(GOOD, TRACE, &["--set", "platforms.f.os=beos"], &["beos"]);
}

#[test]
fn never_ending_generator_is_refused() {
    let s = r#"name = "x"
[workload]
[[workload.generators]]
arrivals = { process = "poisson", rate = "1/s" }
duration = "1s"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "f"
kind = "fargate"
"#;
    check(s, TRACE, &[], &["never stops", "count", "horizon"]);
}

#[test]
fn decimal_gigabytes_are_refused_with_the_reason() {
    let s = r#"name = "x"
[workload]
[[workload.generators]]
arrivals = { process = "burst", at = ["0s"], size = 1 }
duration = "1s"
sizes = [{ cpu = 1, memory = "2GB" }]
[[platforms]]
name = "f"
kind = "fargate"
"#;
    check(
        s,
        TRACE,
        &[],
        &["workload.generators[0].sizes[0].memory", "GiB"],
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(fargate_sim(&["frobnicate"], d.path()).0, 2);
    assert_eq!(fargate_sim(&["run"], d.path()).0, 2);
    let (code, out, _) = fargate_sim(&["run", "--help"], d.path());
    assert_eq!(code, 0);
    assert!(out.contains("--set"));
    let (code, _, err) = fargate_sim(&["run", "missing.toml"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml"), "{err}");
}

#[test]
fn storage_without_a_unit_is_refused() {
    let s = r#"name = "x"
[workload]
[[workload.generators]]
arrivals = { process = "burst", at = ["0s"], size = 1 }
duration = "1s"
sizes = [{ cpu = 1, memory = "2GiB", storage = "40" }]
[[platforms]]
name = "f"
kind = "fargate"
"#;
    check(s, TRACE, &[], &["sizes[0].storage", "40GiB"]);
}

#[test]
fn errors_after_overrides_say_so_and_do_not_point_into_the_file() {
    check(
        GOOD,
        TRACE,
        &["--set", "platforms.f.startup.image_pull=forever"],
        &["forever", "after --set"],
    );
}

#[test]
fn unknown_instance_type_lists_close_matches() {
    let s = GOOD.replace(
        "kind = \"fargate\"",
        "kind = \"ec2\"\ninstance_types = [\"m5.larg\"]",
    );
    check(
        &s,
        TRACE,
        &[],
        &[
            "platforms[0].instance_types[0]",
            "m5.larg",
            "m5.large",
            "s.toml:7:",
        ],
    );
}

#[test]
fn keys_of_the_other_kind_are_refused() {
    let s = GOOD.replace(
        "kind = \"fargate\"",
        "kind = \"fargate\"\ninstance_types = [\"m5.large\"]",
    );
    check(
        &s,
        TRACE,
        &[],
        &[
            "platforms[0].instance_types",
            "does not apply to kind = \"fargate\"",
        ],
    );
    let s = GOOD.replace(
        "kind = \"fargate\"",
        "kind = \"ec2\"\ninstance_types = [\"m5.large\"]\nos = \"windows\"",
    );
    check(&s, TRACE, &[], &["platforms[0].os", "kind = \"ec2\""]);
}

#[test]
fn ecs_managed_with_an_unknown_scale_in_is_refused_with_advice() {
    // Two instance types in one ECS capacity provider are accepted (issue
    // 21, tests/it/ec2.rs); a scale-in that is not "ramp" or "all_at_once"
    // is not.
    let s = GOOD.replace(
        "kind = \"fargate\"",
        "kind = \"ec2\"\ninstance_types = [\"m5.large\", \"c5.large\"]\nautoscaler = \"ecs_managed\"\necs_managed = { scale_in = \"slow\" }",
    );
    check(
        &s,
        TRACE,
        &[],
        &[
            "platforms[0].ecs_managed.scale_in",
            "\"ramp\"",
            "\"all_at_once\"",
        ],
    );
}

#[test]
fn unknown_placement_strategy_is_refused() {
    let s = GOOD.replace(
        "kind = \"fargate\"",
        "kind = \"ec2\"\ninstance_types = [\"m5.large\"]\nplacement = [\"spread\", \"tetris\"]",
    );
    check(
        &s,
        TRACE,
        &[],
        &["platforms[0].placement[1]", "tetris", "binpack"],
    );
}

#[test]
fn a_number_in_quotes_says_to_write_the_number() {
    // Regression: `invalid type: string "2 vcpu", expected f64` said what
    // Rust expected, not what to write; the line and caret stay.
    let s = r#"name = "x"
[workload]
[[workload.generators]]
arrivals = { process = "burst", at = ["0s"], size = 1 }
duration = "1s"
sizes = [{ cpu = "2 vcpu", memory = "2GiB" }]
[[platforms]]
name = "f"
kind = "fargate"
"#;
    check(
        s,
        TRACE,
        &[],
        &[
            "s.toml",
            "line 6",
            "^",
            "invalid type: string \"2 vcpu\", expected f64",
            "hint: `cpu` takes a number, without quotes or units: cpu = 2",
        ],
    );
}

#[test]
fn a_bare_number_for_a_duration_says_to_write_its_unit() {
    // Regression: `horizon = 24` got only "expected a string".
    check(
        &GOOD.replace("name = \"ok\"", "name = \"ok\"\nhorizon = 24"),
        TRACE,
        &[],
        &[
            "line 2",
            "expected a string",
            "hint: `horizon` takes a duration in quotes, with its unit (s, min, h or d), such as horizon = \"24h\"",
        ],
    );
    check(
        GOOD,
        TRACE,
        &["--set", "horizon=24"],
        &["--set horizon=24", "such as --set horizon=24h"],
    );
    check(
        GOOD,
        TRACE,
        &["--set", "report.task_records=yes"],
        &["`task_records` takes true or false, without quotes: --set report.task_records=true"],
    );
}

#[test]
fn a_near_miss_key_or_region_gets_did_you_mean() {
    check(
        &GOOD.replace(
            "kind = \"fargate\"",
            "kind = \"fargate\"\ncapasity = \"spot\"",
        ),
        TRACE,
        &[],
        &["line 7", "capasity", "hint: did you mean `capacity`?"],
    );
    check(
        &GOOD.replace(
            "kind = \"fargate\"",
            "kind = \"fargate\"\ncapacity = \"spott\"",
        ),
        TRACE,
        &[],
        &["spott", "did you mean `spot`?"],
    );
    // The scenario's own `region`, inherited by the platform, is the key
    // named; a platform's own is named as the platform's.
    check(
        &GOOD.replace("name = \"ok\"", "name = \"ok\"\nregion = \"us-east1\""),
        TRACE,
        &[],
        &["`region`", "us-east1", "did you mean `us-east-1`?"],
    );
    check(
        &GOOD.replace(
            "kind = \"fargate\"",
            "kind = \"fargate\"\nregion = \"us-east1\"",
        ),
        TRACE,
        &[],
        &[
            "platforms[0].region",
            "us-east1",
            "did you mean `us-east-1`?",
        ],
    );
    let ec2 = GOOD.replace(
        "kind = \"fargate\"",
        "kind = \"ec2\"\ninstance_types = [\"m5.large\"]\nregion = \"eu-wset-1\"",
    );
    check(
        &ec2,
        TRACE,
        &[],
        &["eu-wset-1", "did you mean `eu-west-1`?"],
    );
}

#[test]
fn a_missing_ec2_price_names_prices_import_and_pricing() {
    // A catalog with Fargate rates in sa-east-1 but no r6i.large price there.
    let cat = tempfile::tempdir().unwrap();
    let path = cat.path().join("cat.toml");
    std::fs::write(
        &path,
        crate::common::catalog_without_price("r6i.large", "sa-east-1"),
    )
    .unwrap();
    let s = GOOD.replace(
        "kind = \"fargate\"",
        "kind = \"ec2\"\ninstance_types = [\"r6i.large\"]\nregion = \"sa-east-1\"",
    );
    check(
        &s,
        TRACE,
        &["--pricing", path.to_str().unwrap()],
        &[
            "platforms[0].instance_types[0]",
            "no sa-east-1 price for r6i.large",
            "fargate-sim prices import",
            "--pricing",
        ],
    );
}

/// An error printed to a pipe whose reader has gone (`... 2>&1 | head -0`)
/// must not turn into a panic: the exit code stays the error's (2), never 101.
#[test]
fn an_error_into_a_closed_pipe_is_not_a_panic() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_fargate-sim"))
        .args(["run", "no-such-scenario.toml"])
        .stdout(writer.try_clone().expect("a second end"))
        .stderr(writer)
        .status()
        .expect("the binary runs");
    assert_eq!(status.code(), Some(2), "{status:?}");
}
