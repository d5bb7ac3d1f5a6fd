//! `--format json` end to end: for each command that prints results, stdout
//! is one JSON document and nothing else, and its values are the run's (by
//! hand from the catalog's rates, or the same numbers as the files the
//! command wrote). Then the tables `batch` and `sweep` print, and the
//! refusals (`-j 0`, `trace convert` over an existing file).

use crate::common::{TINY, TINY_SWEEP, bin};
use serde_json::Value;
use std::path::Path;

/// Two tasks on Fargate with start-up set to zero, so each bill is the
/// task's duration at the catalog's us-east-1 rates: on demand and Spot.
const HAND: &str = r#"name = "hand"
seed = 1
[workload]
trace = "trace.csv"
[[platforms]]
name = "f"
kind = "fargate"
startup = { provisioning = "0s", image_pull = "0s" }
bill = { leave_out = ["public_ipv4"] }
[[platforms]]
name = "s"
kind = "fargate"
capacity = "spot"
spot = { interruptions_per_hour = 0 }
startup = { provisioning = "0s", image_pull = "0s" }
bill = { leave_out = ["public_ipv4"] }
"#;

const TRACE: &str =
    "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\na,0,3600,1,2048\nb,60,600,0.25,512\n";

/// On demand: a = 1 vCPU × 3600 s × $0.000011244 + 2 GiB × 3600 s ×
/// $0.000001235 = $0.0404784 + $0.008892; b = 0.25 × 600 × 0.000011244 +
/// 0.5 × 600 × 0.000001235 = $0.0016866 + $0.0003705.
const ON_DEMAND: f64 = 0.0404784 + 0.008892 + 0.0016866 + 0.0003705;
/// Spot ($0.01264355 per vCPU-hour, $0.00138835 per GiB-hour): a = 1 h ×
/// (1 × 0.01264355 + 2 × 0.00138835); b = 1/6 h × (0.25 × 0.01264355 +
/// 0.5 × 0.00138835).
const SPOT: f64 = (0.01264355 + 2.0 * 0.00138835) + (0.25 * 0.01264355 + 0.5 * 0.00138835) / 6.0;

/// Whether every line of the table's frame fits 100 columns.
fn fits(text: &str) -> bool {
    text.lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
        .all(|l| l.chars().count() <= 100)
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// Runs the binary; the exit code must be 0 and stdout one JSON document.
fn json(args: &[&str], dir: &Path) -> Value {
    let (code, out, err) = bin(args, dir);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}):\n{out}"))
}

fn hand_run() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("hand.toml"), HAND).unwrap();
    std::fs::write(d.path().join("trace.csv"), TRACE).unwrap();
    let (code, _, err) = bin(&["run", "hand.toml", "--out", "run", "-q"], d.path());
    assert_eq!(code, 0, "{err}");
    d
}

#[test]
fn run_validate_explain_and_commit_print_json_with_the_bills_worked_by_hand() {
    let d = hand_run();
    let p = d.path();
    // run: summary.json, bills by hand.
    let run = json(
        &["run", "hand.toml", "--out", "run2", "--format", "json"],
        p,
    );
    let total = |v: &Value, i: usize| v["platforms"][i]["cost"]["total_usd"].as_f64().unwrap();
    assert!(near(total(&run, 0), ON_DEMAND), "{}", total(&run, 0));
    assert!(near(total(&run, 1), SPOT), "{}", total(&run, 1));

    // validate: the two rows of the trace.
    let v = json(&["validate", "hand.toml", "--format", "json"], p);
    assert_eq!(v["scenario"], "hand");
    assert_eq!(v["tasks"], 2);
    assert_eq!(v["first_submit_s"], 0.0);
    assert_eq!(v["last_submit_s"], 60.0);
    assert_eq!(v["largest_vcpu"], 1.0);
    assert_eq!(v["largest_memory_mib"], 2048);
    assert_eq!(v["trace"]["format"], "native");
    assert_eq!(v["horizon_s"], Value::Null);
    let names: Vec<&str> = v["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["f", "s"]);
    assert_eq!(v["platforms"][0]["never_runs"], 0);

    // explain: where the money went, the cheapest, the best saving.
    let e = json(&["explain", "run", "--format", "json"], p);
    assert_eq!(e["scenario"], "hand");
    assert!(near(
        e["money"][0]["total_usd"].as_f64().unwrap(),
        ON_DEMAND
    ));
    assert!(near(
        e["money"][0]["components"]["vcpu_usd"].as_f64().unwrap(),
        0.0404784 + 0.0016866
    ));
    assert_eq!(e["cheapest"]["platforms"], serde_json::json!(["s"]));
    // Spot would save f's compute × (1 − Spot rate / on-demand rate): both
    // vCPU rates per hour, $0.01264355 and 3600 × $0.000011244.
    let best = &e["savings"][0];
    assert_eq!(best["platform"], "f");
    let spot_saving = ON_DEMAND * (1.0 - 0.01264355 / (3600.0 * 0.000011244));
    assert!(
        (best["usd"].as_f64().unwrap() - spot_saving).abs() < 1e-9,
        "{best}"
    );
    assert!(best["text"].as_str().unwrap().contains("Fargate Spot"));
    // The text prints the same sentences.
    let (_, text, _) = bin(&["explain", "run"], p);
    assert!(
        text.contains(e["money"][0]["text"].as_str().unwrap()),
        "{text}"
    );
    assert!(
        text.contains(e["cheapest"]["text"].as_str().unwrap()),
        "{text}"
    );

    // commit: Spot is not covered by a Savings Plan; f's on-demand bill is.
    let c = json(
        &["commit", "run", "--discount", "0.2", "--format", "json"],
        p,
    );
    assert_eq!(c["plan"], "compute");
    assert_eq!(c["platforms"].as_array().unwrap().len(), 1);
    let f = &c["platforms"][0];
    assert_eq!(f["platform"], "f");
    assert_eq!(f["discount"], 0.2);
    assert!(near(f["on_demand_usd"].as_f64().unwrap(), ON_DEMAND));
    assert!(c["not_eligible"][0].as_str().unwrap().starts_with("s: "));
    assert_eq!(
        c["files"],
        serde_json::json!(["commit.csv", "commit.png", "commit.svg"])
    );
    // The best plan never costs more than on demand, and saves what it says.
    let b = &f["best"];
    let cost = b["cost_usd"].as_f64().unwrap();
    assert!(cost <= ON_DEMAND + 1e-12);
    assert!(near(b["saving_usd"].as_f64().unwrap(), ON_DEMAND - cost));
    assert_eq!(f["asked"], Value::Null);
}

#[test]
fn prices_print_the_catalog_s_rates_as_json() {
    let d = tempfile::tempdir().unwrap();
    let p = json(
        &[
            "prices",
            "fargate",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(p["region"], "us-east-1");
    assert!(p.get("ec2").is_none() && p.get("sizes").is_none());
    let rates = p["fargate"]["rates"].as_array().unwrap();
    assert!(rates.iter().all(|r| r["region"] == "us-east-1"));
    let od = rates
        .iter()
        .find(|r| r["os"] == "linux" && r["arch"] == "x86_64" && r["capacity"] == "on_demand")
        .unwrap();
    // $0.000011244 per vCPU-second and $0.000001235 per GiB-second (AWS's
    // Fargate pricing examples), per hour.
    assert!(near(od["vcpu_usd_per_hour"].as_f64().unwrap(), 0.0404784));
    assert!(near(
        od["memory_gib_usd_per_hour"].as_f64().unwrap(),
        0.004446
    ));
    assert_eq!(p["fargate"]["minimum_billed_linux_s"], 60.0);
    let e = json(&["prices", "ec2", "--format", "json"], d.path());
    let m5 = e["ec2"]["instance_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "m5.large")
        .unwrap();
    assert_eq!(
        (m5["vcpu"].as_f64(), m5["memory_mib"].as_u64()),
        (Some(2.0), Some(8192))
    );
    assert!(near(
        m5["on_demand_usd_per_hour"]["us-east-1"].as_f64().unwrap(),
        0.096
    ));
    let all = json(&["prices", "--format", "json"], d.path());
    for part in ["fargate", "sizes", "ec2", "functions"] {
        assert!(all.get(part).is_some(), "{part}");
    }
    // The size grid: 0.25 vCPU takes 512 MiB, 1 GiB or 2 GiB.
    assert_eq!(all["sizes"]["grid"][0]["vcpu"], 0.25);
    assert_eq!(
        all["sizes"]["grid"][0]["memory_mib"],
        serde_json::json!([512, 1024, 2048])
    );
    // import: the same counts the line says.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/price-list-offer.json"),
        d.path().join("offer.json"),
    )
    .unwrap();
    let (_, line, _) = bin(
        &["prices", "import", "offer.json", "--out", "a.toml"],
        d.path(),
    );
    let i = json(
        &[
            "prices",
            "import",
            "offer.json",
            "--out",
            "b.toml",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(i["out"], "b.toml");
    let n = i["ec2_prices"].as_u64().unwrap();
    assert!(n > 0);
    assert!(line.contains(&format!("{n} EC2 instance prices")), "{line}");
    assert!(
        line.contains(&format!("{} Fargate rates", i["fargate_rates"])),
        "{line}"
    );
}

/// The `aggregate` rows of results.csv: (point, platform) → cost_total_usd.
fn csv_costs(path: &Path) -> Vec<(String, String, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (point, row, platform, cost) = (
        col("point"),
        col("row"),
        col("platform"),
        col("cost_total_usd"),
    );
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[row] == "aggregate")
        .map(|f| {
            (
                f[point].to_string(),
                f[platform].to_string(),
                f[cost].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn sweep_and_batch_print_a_table_or_their_rows_as_json() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("good.toml"), TINY).unwrap();
    std::fs::write(p.join("sweep.toml"), format!("{TINY}{TINY_SWEEP}")).unwrap();
    std::fs::write(p.join("hand.toml"), HAND).unwrap();
    std::fs::write(p.join("trace.csv"), TRACE).unwrap();

    // sweep: 2 points × 2 platforms, the costs of results.csv.
    let s = json(
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "sw",
            "--format",
            "json",
            "-j",
            "2",
        ],
        p,
    );
    assert_eq!(
        (s["points_run"].as_u64(), s["points_total"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(s["axes"], serde_json::json!(["workload.load_scale"]));
    let rows = s["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let csv = csv_costs(&p.join("sw/results.csv"));
    for (r, (point, platform, cost)) in rows.iter().zip(&csv) {
        assert_eq!(r["point"].to_string(), *point);
        assert_eq!(r["platform"].as_str().unwrap(), platform);
        assert!(near(r["cost_total_usd"].as_f64().unwrap(), *cost), "{r}");
    }
    assert_eq!(rows[0]["settings"]["workload.load_scale"], 1);
    assert_eq!(rows[2]["settings"]["workload.load_scale"], 2);
    assert_eq!(rows[0]["replications"], 1);
    assert_eq!(rows[0]["cost_total_usd_ci95"], Value::Null);
    let submitted = |i: usize| rows[i]["tasks_submitted"].as_f64().unwrap();
    assert!(submitted(2) > submitted(0), "twice the load submits more");

    // The table: one row per point × platform, within 100 columns.
    let (code, table, err) = bin(&["sweep", "sweep.toml", "--out", "sw", "--force"], p);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("workload.load_scale"), "{table}");
    assert!(fits(&table), "{table}");
    let body: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with('│') && (l.contains(" f ") || l.contains(" s ")))
        .collect();
    assert_eq!(body.len(), 4, "{table}");
    assert!(
        body[0].contains("│ 1 ") && body[2].contains("│ 2 "),
        "{table}"
    );

    // batch: each file's rows are its run's figures, to the cent and below.
    let b = json(
        &[
            "batch",
            "hand.toml",
            "good.toml",
            "--out",
            "b",
            "--format",
            "json",
        ],
        p,
    );
    let rows = b["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["settings"]["scenario"], "hand.toml");
    assert_eq!(rows[2]["settings"]["scenario"], "good.toml");
    assert!(near(rows[0]["cost_total_usd"].as_f64().unwrap(), ON_DEMAND));
    assert!(near(rows[1]["cost_total_usd"].as_f64().unwrap(), SPOT));
    assert_eq!(rows[0]["tasks_submitted"], 2.0);
    assert_eq!(rows[0]["tasks_completed"], 2.0);
    assert_eq!(rows[0]["tasks_not_run"], 0.0);
    // Start-up is zero and nothing waits: every task starts at once.
    assert_eq!(rows[0]["time_to_start_p95_s"], 0.0);
    let good = json(&["run", "good.toml", "--out", "g", "--format", "json"], p);
    assert_eq!(
        rows[2]["cost_total_usd"],
        good["platforms"][0]["cost"]["total_usd"]
    );
    assert_eq!(
        rows[3]["tasks_completed"].as_f64().unwrap(),
        good["platforms"][1]["tasks"]["completed"].as_f64().unwrap()
    );
    let (code, table, err) = bin(
        &["batch", "hand.toml", "good.toml", "--out", "b", "--force"],
        p,
    );
    assert_eq!(code, 0, "{err}");
    assert!(fits(&table), "{table}");
    // Files by name, without folder or extension, when the names differ.
    assert!(
        table.contains("│ hand ") && table.contains("│ good "),
        "{table}"
    );
    assert!(table.contains("$0.0514"), "on demand, 4 decimals: {table}");
    assert!(table.contains("2/2"), "{table}");
    assert!(table.contains("ran 2 scenario(s)"), "{table}");
}

#[test]
fn breakeven_prints_the_document_it_writes() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("good.toml"), TINY).unwrap();
    let (code, out, err) = bin(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--out",
            "be",
            "--format",
            "json",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    let written = std::fs::read_to_string(d.path().join("be/breakeven.json")).unwrap();
    assert_eq!(out, written);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["a"].as_str(), v["b"].as_str()), (Some("f"), Some("s")));
    let evals = v["evaluations"].as_array().unwrap();
    assert_eq!(evals[0]["x"], 1.0);
    // Spot is cheaper than on demand at every load: no crossing.
    assert!(
        evals
            .iter()
            .all(|e| e["cost_b_usd"].as_f64() < e["cost_a_usd"].as_f64())
    );
    assert_eq!(v["crossing"], Value::Null);
}

#[test]
fn jobs_zero_and_converting_over_a_file_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("good.toml"), TINY).unwrap();
    std::fs::write(p.join("sweep.toml"), format!("{TINY}{TINY_SWEEP}")).unwrap();
    std::fs::write(p.join("trace.csv"), TRACE).unwrap();
    for args in [
        &["batch", "good.toml", "-j", "0", "--out", "b"][..],
        &["sweep", "sweep.toml", "-j", "0", "--out", "s"][..],
    ] {
        let (code, _, err) = bin(args, p);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("-j 0") && err.contains("at least 1"), "{err}");
        assert!(!p.join(args[5]).join("results.csv").exists());
    }
    std::fs::write(p.join("old.csv"), "mine\n").unwrap();
    let (code, _, err) = bin(&["trace", "convert", "trace.csv", "--to", "old.csv"], p);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("old.csv") && err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(p.join("old.csv")).unwrap(),
        "mine\n"
    );
    let (code, _, err) = bin(
        &[
            "trace",
            "convert",
            "trace.csv",
            "--to",
            "old.csv",
            "--force",
        ],
        p,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(p.join("old.csv"))
            .unwrap()
            .contains("task_id")
    );
    let (code, _, err) = bin(
        &[
            "trace",
            "convert",
            "trace.csv",
            "--to",
            "trace.csv",
            "--force",
        ],
        p,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("being converted"), "{err}");
}
