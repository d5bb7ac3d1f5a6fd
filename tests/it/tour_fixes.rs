//! Defects a newcomer's tour found (issue 34), each with the test that
//! would have caught it.

use crate::common::{bin, excerpt_traces};
use fargate_sim::report::Summary;

fn summary(dir: &std::path::Path, name: &str) -> Summary {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("output/{name}/summary.json"))).unwrap(),
    )
    .unwrap()
}

/// The NASA iPSC excerpt (1,000 jobs) asks for 1 to 128 processors, 2 GiB
/// each (the adapter's default, the log has no memory): 321 + 90 + 88 +
/// 64 + 125 = 688 jobs of at most 16 vCPU and 32 GiB, 176 + 109 + 27 =
/// 312 larger. The built-in catalog's largest m5 is m5.4xlarge (16 vCPU, 64 GiB
/// less ECS's 1.9 %: 62.8 GiB), which holds the 688; m5.xlarge, the
/// starter's type before, held only the 563 jobs of at most 4 vCPU, so the
/// cluster did less work than Fargate. Now every option runs the same 688
/// (and each is still flagged for the 312 nothing here can run).
#[test]
fn new_trace_starter_sizes_the_cluster_from_the_largest_swf_task() {
    let trace = excerpt_traces().join("swf-nasa-ipsc/NASA-iPSC-1993-3.1-cln.swf.gz");
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = bin(
        &["new", "nasa.toml", "--trace", trace.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("nasa.toml")).unwrap();
    assert!(
        text.contains("\ninstance_types = [\"m5.4xlarge\"]\n"),
        "{text}"
    );
    let flat = text
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(
            "No m5.* type in the catalog holds the largest of the trace's 1000 tasks (128 vCPU and 256 GiB): m5.4xlarge offers tasks 16 vCPU and 62.8 GiB after the OS reservation and holds 688 of them; the other 312 cannot run on this cluster (nor on Fargate above 16 vCPU / 120 GiB)"
        ),
        "{flat}"
    );
    assert!(flat.contains("`fargate-sim prices import`"), "{flat}");
    let (code, _, err) = bin(&["run", "nasa.toml", "-q", "--no-task-records"], dir.path());
    assert_eq!(code, 0, "{err}");
    let s = summary(dir.path(), "nasa");
    for p in &s.platforms {
        assert_eq!(
            (p.tasks.completed, p.tasks.unschedulable),
            (688, 312),
            "{}",
            p.name
        );
    }
}

/// A trace whose largest task (6 vCPU, 20 GiB) is above m5.xlarge gets
/// the smallest m5 that holds it, m5.2xlarge (8 vCPU, 32 GiB), and says
/// why; one that fits m5.xlarge keeps it without a comment.
#[test]
fn new_trace_starter_takes_the_smallest_m5_that_holds_every_task() {
    let dir = tempfile::tempdir().unwrap();
    let header = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n";
    std::fs::write(
        dir.path().join("big.csv"),
        format!("{header}a,0,60,0.5,1024\nb,30,120,6,20480\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("small.csv"),
        format!("{header}a,0,60,0.5,1024\nb,30,120,4,8192\n"),
    )
    .unwrap();
    for (trace, scenario) in [("big.csv", "big.toml"), ("small.csv", "small.toml")] {
        let (code, _, err) = bin(&["new", scenario, "--trace", trace], dir.path());
        assert_eq!(code, 0, "{err}");
    }
    let big = std::fs::read_to_string(dir.path().join("big.toml")).unwrap();
    assert!(
        big.contains("# The largest of the trace's 2 tasks asks for 6 vCPU and 20 GiB: m5.2xlarge is\n# the smallest m5.* type that holds it (after the OS reservation).\ninstance_types = [\"m5.2xlarge\"]\n"),
        "{big}"
    );
    let small = std::fs::read_to_string(dir.path().join("small.toml")).unwrap();
    assert!(
        small.contains(
            "# `fargate-sim prices ec2` lists the instance types and their prices.\ninstance_types = [\"m5.xlarge\"]\n"
        ),
        "{small}"
    );
    let (code, _, err) = bin(&["run", "big.toml", "-q"], dir.path());
    assert_eq!(code, 0, "{err}");
    let s = summary(dir.path(), "big");
    assert!(s.platforms.iter().all(|p| p.tasks.completed == 2));
}

/// Fargate on demand and Spot (TINY) do not cross between load 1 and 2:
/// the search ran only the two ends and drew a straight line between them.
/// It now runs the 7 points that cut the range into 8 steps of 0.125, says
/// "no crossing within the range" on the chart and in the text, and draws
/// the 9 points.
#[test]
fn breakeven_without_a_crossing_runs_the_range_and_says_so_on_the_chart() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("t.toml"), crate::common::TINY).unwrap();
    let (code, out, err) = bin(
        &[
            "breakeven",
            "t.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--out",
            "be",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "f and s: no crossing within the range 1 to 2 (9 points run): s is cheaper at every one"
        ),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("be/breakeven.json")).unwrap())
            .unwrap();
    let xs: Vec<f64> = json["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["x"].as_f64().unwrap())
        .collect();
    assert_eq!(xs, [1.0, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 1.875, 2.0]);
    assert!(json["crossing"].is_null());
    let svg = std::fs::read_to_string(d.path().join("be/breakeven.svg")).unwrap();
    assert!(svg.contains("no crossing within the range"), "title");
}

/// Lambda's sub-second starts beside a platform whose starts take minutes
/// printed `0/0/0s` (the column in whole seconds) in the terminal and `0s`
/// in report.html. Fargate here waits 150 s to provision, so its starts are
/// 150 s and the column is in whole seconds; Lambda's cold starts are under
/// a second and print in milliseconds.
#[test]
fn sub_second_starts_print_in_milliseconds_beside_minutes() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("s.toml"),
        r#"name = "subsecond"
seed = 1
horizon = "30min"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "poisson", rate = "2/min" }
duration = "2min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "fargate"
kind = "fargate"
startup = { provisioning = "150s", image_pull = "0s" }
[[platforms]]
name = "lambda"
kind = "function"
profile = "lambda"
"#,
    )
    .unwrap();
    let (code, out, err) = bin(&["run", "s.toml"], d.path());
    assert_eq!(code, 0, "{err}");
    let row = |name: &str| {
        out.lines()
            .find(|l| l.contains(&format!("│ {name} ")))
            .unwrap_or_else(|| panic!("{out}"))
            .to_string()
    };
    assert!(row("fargate").contains("150/150/150s"), "{out}");
    let lambda = row("lambda");
    let start = lambda
        .trim_end_matches('│')
        .rsplit('┆')
        .next()
        .unwrap()
        .trim();
    assert!(start.ends_with("ms"), "{out}");
    assert!(!start.starts_with("0/0/0"), "{out}");
    let html = std::fs::read_to_string(d.path().join("output/subsecond/report.html")).unwrap();
    let table = &html[html.find("<th>start p50</th>").unwrap()..];
    let lambda_row = &table[table.find(">lambda</td>").unwrap()..];
    let lambda_row = &lambda_row[..lambda_row.find("</tr>").unwrap()];
    // The kind as the terminal names it: on demand is the default, a
    // function platform by its profile (was "fargate on_demand").
    assert!(
        lambda_row.starts_with(">lambda</td><td>lambda</td>"),
        "{lambda_row}"
    );
    assert!(
        table.contains("</span>fargate</td><td>fargate</td>"),
        "{table}"
    );
    // p95 and p99: a cold start, under a second, in milliseconds.
    let cells: Vec<&str> = lambda_row.split("<td class=\"n\">").collect();
    let n = cells.len();
    assert!(cells[n - 3].ends_with("ms</td>"), "{lambda_row}");
    assert!(cells[n - 2].ends_with("ms</td>"), "{lambda_row}");
}

/// `commit` and `report` write into the run's folder and take no `--out`:
/// the advice after a write failure names only what each subcommand
/// accepts, checked against every writing subcommand's `--help`.
#[test]
fn write_advice_names_only_flags_the_subcommand_accepts() {
    use fargate_sim::commands::write_advice::{WRITERS, advice};
    let d = tempfile::tempdir().unwrap();
    for command in WRITERS {
        let text = advice(command).unwrap();
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let (code, help, err) = bin(&args, d.path());
        assert_eq!(code, 0, "{command}: {err}");
        for flag in text
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '`')
            .filter(|w| w.starts_with("--"))
        {
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                "`{command}` is told to use {flag}, which it does not take:\n{help}"
            );
        }
    }
    for command in ["commit", "report"] {
        assert!(!advice(command).unwrap().contains("--out"), "{command}");
    }
    // Rendered in place of the generic advice for a read-only folder.
    let e = fargate_sim::Error::Output {
        path: "run/commit.csv".into(),
        source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
    };
    assert_eq!(
        e.render_for(advice("commit")),
        "error: cannot write run/commit.csv: permission denied; `commit` writes into the run's folder: copy the folder to a place you can write to (cp -r RUN_DIR COPY) and run `fargate-sim commit COPY`"
    );
}

/// rightsizing.csv and report.html's per-group table gave each group's
/// bill and risk but not its new size. Ten tasks of group g asking 4 vCPU /
/// 8 GiB, using 50…500 m on average and peaking at 900…1700 MiB and 2500
/// MiB (tests/it/rightsizing_percentile.rs): p90 by nearest rank is 450 m
/// and 1700 MiB, + 15 % = 518 m and 1955 MiB.
#[test]
fn rightsizing_table_and_csv_give_each_groups_new_size() {
    const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n";
    let mut rows = String::from(HEADER);
    for i in 1..=10u32 {
        let peak = if i == 10 { 2500 } else { 800 + 100 * i };
        rows.push_str(&format!(
            "t{i},{i},600,4,8192,g,{},{},{},{peak}\n",
            f64::from(i) / 20.0,
            f64::from(i) / 10.0,
            peak / 2
        ));
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("trace.csv"), rows).unwrap();
    std::fs::write(
        d.path().join("p.toml"),
        r#"name = "pct"
seed = 1
[workload]
trace = "trace.csv"
[[platforms]]
name = "asked"
kind = "fargate"
[[platforms]]
name = "right"
kind = "fargate"
rightsizing = { policy = "usage", cpu = "p90", memory = "p90", headroom = 0.15 }
[[platforms]]
name = "pertask"
kind = "fargate"
rightsizing = { policy = "usage", cpu = "max", memory = "max", headroom = 0.15 }
"#,
    )
    .unwrap();
    let (code, _, err) = bin(&["run", "p.toml", "-q"], d.path());
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(d.path().join("output/pct/rightsizing.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",before_platform,size_cpu_vcpu,size_memory_mib"),
        "{csv}"
    );
    let row = |platform: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("{platform},g,")))
            .unwrap_or_else(|| panic!("{csv}"))
            .to_string()
    };
    assert!(row("right").ends_with(",asked,0.518,1955"), "{csv}");
    assert!(row("pertask").ends_with(",asked,,"), "{csv}");
    let html = std::fs::read_to_string(d.path().join("output/pct/report.html")).unwrap();
    let table = &html[html.find("id=\"rightsizing\"").unwrap()..];
    assert!(table.contains("<th>new size</th>"), "{table}");
    assert!(
        table.contains("<td class=\"n\">0.518 vCPU / 1955 MiB</td>"),
        "{table}"
    );
    assert!(table.contains("<td class=\"n\">per task</td>"), "{table}");
    // explain's right-sizing proposal ended in a period and the list added
    // another: "… prints the sizes per group..". Here right-sizing is the
    // largest saving ($0.329136 − $0.1110834 on `right`).
    let (code, out, err) = bin(&["explain", "output/pct"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("`fargate-sim rightsize` on this run's folder prints the sizes per group.\n"),
        "{out}"
    );
    assert!(!out.lines().any(|l| l.ends_with("..")), "{out}");
}

/// Wrong input met on the tour: `new --trace` on a file of no known format
/// told the user to set `workload.format` in a scenario not yet written,
/// and `breakeven --axis` with an unknown key blamed a `--set` never typed.
#[test]
fn errors_name_the_option_the_user_gave() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("bad.csv"), "a,b\n1,2\n").unwrap();
    let (code, _, err) = bin(&["new", "x.toml", "--trace", "bad.csv"], d.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "write the starter without --trace, then set `trace` and `format` under its [workload]"
        ),
        "{err}"
    );
    assert!(!err.contains("workload.format ="), "{err}");
    std::fs::write(d.path().join("t.toml"), crate::common::TINY).unwrap();
    let (code, _, err) = bin(
        &[
            "breakeven",
            "t.toml",
            "--axis",
            "nope.key",
            "--between",
            "1",
            "2",
            "--out",
            "be",
        ],
        d.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: --axis nope.key: unknown field `nope`"),
        "{err}"
    );
    assert!(!err.contains("--set"), "{err}");
}
