//! Fuzzing, bounded: random and mutated scenario files through the loader,
//! and random rows through every trace adapter. Nothing may panic; every
//! rejection must be an error. The number of inputs per target is
//! `FARGATE_SIM_FUZZ` (default 400; run longer with, for example,
//! `FARGATE_SIM_FUZZ=20000 cargo test --release --test it fuzz -- --nocapture`).
//! Each target prints how many inputs it tried and how long it took.

use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::workload::formats::{self, Format, OnBadRow, SkipCounter};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

fn cases() -> usize {
    std::env::var("FARGATE_SIM_FUZZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

const VALID: &str = r#"name = "fuzz"
seed = 1
horizon = "2h"
[report]
interval = "5m"
[workload]
load_scale = 1
duration_scale = 1
[[workload.generators]]
name = "g"
arrivals = { process = "poisson", rate = "2/min" }
duration = { dist = "lognormal", median = "5min", p90 = "15min" }
sizes = [{ cpu = 1, memory = "2GiB", weight = 2 }, { cpu = 0.25, memory = "512MiB" }]
[[platforms]]
name = "f"
kind = "fargate"
capacity = "spot"
spot = { interruptions_per_hour = 0.1 }
launch_limit = { burst = 10, refill = "2/s" }
[[platforms]]
name = "c"
kind = "ec2"
instance_types = ["m5.large", "c5.xlarge"]
autoscaler = "karpenter"
initial = 1
max = 20
"#;

/// Values that have broken parsers elsewhere.
const NASTY: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0",
    "1e308",
    "1e-320",
    "18446744073709551615",
    "-9223372036854775808",
    "\"\"",
    "\"nan\"",
    "\"-5min\"",
    "\"1e999s\"",
    "\"0s\"",
    "\"99999999999d\"",
    "\"../../etc/passwd\"",
    "\"/abs\"",
    "\"\\u0000\"",
    "[]",
    "{}",
    "[1, \"a\"]",
    "{ dist = \"lognormal\", median = \"0s\", p90 = \"0s\" }",
    "{ dist = \"lognormal\", median = \"9s\", p90 = \"1s\" }",
    "\"1/0s\"",
    "\"0/min\"",
    "\"-3/s\"",
    "\"1e300/s\"",
    "true",
    "\"🙂\"",
    "\"4096TiB\"",
    "\"-2GiB\"",
    "0.0000001",
];

/// Loads `text`; true if it was accepted.
fn check_scenario(text: &str, dir: &Path) -> bool {
    let path = dir.join("fuzz.toml");
    let result = catch_unwind(AssertUnwindSafe(|| {
        match load_str(text, &path, &LoadOptions::default()) {
            Ok((scenario, _)) => {
                // A loadable scenario must also size-check without panicking.
                let _ = scenario.check_size(false);
                true
            }
            Err(_) => false,
        }
    }));
    match result {
        Ok(accepted) => accepted,
        Err(_) => panic!("the loader panicked on:\n{text}"),
    }
}

#[test]
fn fuzz_the_scenario_loader() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Pcg64Mcg::seed_from_u64(0x5eed);
    let n = cases();
    let started = std::time::Instant::now();
    assert!(
        check_scenario(VALID, dir.path()),
        "the fuzzer's base scenario must load"
    );
    let lines: Vec<&str> = VALID.lines().collect();
    let mut accepted = 0;
    for i in 0..n {
        let text = match i % 3 {
            // Replace one value with a nasty one.
            0 => {
                let mut l = lines.clone();
                let k = rng.random_range(0..l.len());
                let owned;
                if let Some((key, _)) = l[k].split_once('=') {
                    owned = format!("{key}= {}", NASTY[rng.random_range(0..NASTY.len())]);
                    l[k] = &owned;
                    l.join("\n")
                } else {
                    l.join("\n")
                }
            }
            // Drop or duplicate lines.
            1 => {
                let mut l = lines.clone();
                let k = rng.random_range(0..l.len());
                if rng.random::<bool>() {
                    l.remove(k);
                } else {
                    let dup = l[k];
                    l.insert(k, dup);
                }
                l.join("\n")
            }
            // Random bytes from TOML's alphabet, spliced in.
            _ => {
                let alphabet = b"[]{}=\",.#\n 0123456789abcdefnsmih-+e_";
                let len = rng.random_range(0..80);
                let noise: String = (0..len)
                    .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                    .collect();
                let at = rng.random_range(0..VALID.len());
                let at = (0..=at)
                    .rev()
                    .find(|p| VALID.is_char_boundary(*p))
                    .unwrap_or(0);
                format!("{}{noise}{}", &VALID[..at], &VALID[at..])
            }
        };
        accepted += usize::from(check_scenario(&text, dir.path()));
    }
    eprintln!(
        "fuzz scenario loader: {n} inputs in {:.2}s ({accepted} accepted, the rest refused), no panic",
        started.elapsed().as_secs_f64()
    );
    assert!(
        accepted > 0,
        "no mutated scenario was accepted: the fuzzer only tests the parser"
    );
}

/// A random field: numbers of every kind, text, nothing.
fn field(rng: &mut Pcg64Mcg) -> String {
    match rng.random_range(0..12) {
        0 => String::new(),
        1 => "-1".into(),
        2 => format!("{}", rng.random::<u32>()),
        3 => format!("{}", rng.random::<f64>() * 1e6),
        4 => "nan".into(),
        5 => "1e400".into(),
        6 => "Terminated".into(),
        7 => "9223372036854775807".into(),
        8 => "2023-11-16 18:17:03.9799600".into(),
        9 => "é,\"q\"".into(),
        10 => format!("-{}", rng.random::<u16>()),
        _ => format!("{}", rng.random_range(0..100)),
    }
}

/// A valid data row of each format.
fn template(format: Format) -> &'static str {
    match format {
        Format::Native => "t1,10,60,1,2048,0,g",
        Format::Alibaba2017 => "6459,6524,3,4,2,Terminated,50,0.0079",
        Format::Alibaba2018Task => "M1,2,j_1,1,Terminated,100,160,50,0.39",
        Format::Alibaba2018Instance => "i_1,M1,j_1,1,Terminated,100,150,m_1,1,1,40,80,0.2,0.3",
        Format::Alibaba2017Instance => "100,150,1,11,7,Terminated,1,1,1.5,0.5,0.01,0.008",
        Format::AlibabaGpu2023 => "p,6000,12288,1,460,,LS,Running,427061,12902960,427061",
        Format::Google2011 => "600000000,,7,0,,0,u,0,0,0.5,0.25,0,0",
        Format::Google2019 => "1000000,SUBMIT,42,0,0.0625,0.03125",
        Format::Swf => "1 0 -1 1451 128 -1 -1 -1 -1 -1 -1 1 1 -1 -1 -1 -1 -1",
        Format::AzureFunctions2021 => "a1,f1,10.5,0.5",
        Format::AzureLlm2023 => "2023-11-16 18:17:03.9799600,4808,10",
        Format::AzureFunctions2019 => "o,a,f,http,1",
        Format::Requests => "12.5,0.08,x",
        Format::AwsCur => "arn:t1,USE1-Fargate-vCPU-Hours:perCPU,2026-11-01T10:00:00Z,0.25,0.01,0,",
        Format::EcsTasks => {
            r#"{"taskArn":"t","createdAt":1,"startedAt":2,"cpu":"256","memory":"512"}"#
        }
        Format::KubernetesPods => {
            r#"{"kind":"Pod","metadata":{"name":"p","creationTimestamp":"2026-01-01T00:00:00Z"}}"#
        }
    }
}

#[test]
fn fuzz_every_trace_adapter() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Pcg64Mcg::seed_from_u64(0xada9);
    let n = cases();
    let headers: &[(Format, &str)] = &[
        (
            Format::Native,
            "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib,group\n",
        ),
        (Format::Alibaba2017, ""),
        (Format::Alibaba2018Task, ""),
        (Format::Alibaba2018Instance, ""),
        (
            Format::AlibabaGpu2023,
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n",
        ),
        (Format::Google2011, ""),
        (
            Format::Google2019,
            "time,type,collection_id,instance_index,resource_request.cpus,resource_request.memory\n",
        ),
        (Format::Swf, "; a comment\n"),
        (
            Format::AzureFunctions2021,
            "app,func,end_timestamp,duration\n",
        ),
        (
            Format::AzureLlm2023,
            "TIMESTAMP,ContextTokens,GeneratedTokens\n",
        ),
        (Format::Requests, "request_s,service_s,note\n"),
        (
            Format::AwsCur,
            "line_item_resource_id,line_item_usage_type,line_item_usage_start_date,split_line_item_reserved_usage,split_line_item_split_cost,split_line_item_unused_cost,split_line_item_parent_resource_id\n",
        ),
    ];
    let params = {
        let text = "name='p'\n[workload]\ntrace='t.csv'\nformat='native'\n[[platforms]]\nname='f'\nkind='fargate'\n";
        std::fs::write(
            dir.path().join("t.csv"),
            "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\na,0,1,1,1\n",
        )
        .unwrap();
        let (s, _) = load_str(text, &dir.path().join("p.toml"), &LoadOptions::default()).unwrap();
        s.workload.trace.unwrap().params
    };
    let started = std::time::Instant::now();
    let mut tasks = 0u64;
    for i in 0..n {
        let (format, header) = headers[i % headers.len()];
        let mut text = header.to_string();
        let sep = if format == Format::Swf { " " } else { "," };
        for _ in 0..rng.random_range(0..6) {
            let row: Vec<String> = if rng.random::<bool>() {
                // A valid row of the format with one field replaced.
                let mut row: Vec<String> =
                    template(format).split(sep).map(str::to_string).collect();
                let k = rng.random_range(0..row.len());
                row[k] = field(&mut rng);
                row
            } else {
                let width = rng.random_range(0..20);
                (0..width).map(|_| field(&mut rng)).collect()
            };
            text.push_str(&row.join(sep));
            text.push_str(if rng.random::<bool>() { "\r\n" } else { "\n" });
        }
        let path = dir.path().join(format!("trace-{i}.csv"));
        std::fs::write(&path, &text).unwrap();
        for policy in [OnBadRow::Error, OnBadRow::Skip] {
            let result = catch_unwind(AssertUnwindSafe(|| {
                let skipped = SkipCounter::default();
                match formats::open(&path, format, &params, policy, true, &skipped) {
                    Ok(opened) => opened.stream.take(10_000).filter(|r| r.is_ok()).count() as u64,
                    Err(_) => 0,
                }
            }));
            match result {
                Ok(k) => tasks += k,
                Err(_) => panic!("the {} adapter panicked on:\n{text}", format.name()),
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    eprintln!(
        "fuzz trace adapters: {n} files × 2 policies in {:.2}s ({tasks} tasks produced), no panic",
        started.elapsed().as_secs_f64()
    );
}

/// For each subcommand, the arguments a fuzzed command line is drawn from:
/// good and bad values of every flag, over the files of
/// [`crate::common::fixture`].
const ARGS: &[(&str, &[&str])] = &[
    (
        "run",
        &[
            "good.toml",
            "sweep.toml",
            "missing.toml",
            "adir",
            "empty.toml",
            "garbage.toml",
            "--out",
            "o1",
            "o2",
            "afile",
            "notrun",
            "run",
            "--force",
            "-q",
            "--format",
            "json",
            "table",
            "xml",
            "--set",
            "horizon=24",
            "workload.load_scale=nan",
            "workload.load_scale=2",
            "platforms.f.capacity=spot",
            "x",
            "=",
            "--seed",
            "7",
            "-1",
            "--pricing",
            "--no-task-records",
            "--allow-huge",
        ],
    ),
    (
        "validate",
        &[
            "good.toml",
            "missing.toml",
            "adir",
            "empty.toml",
            "garbage.toml",
            "--set",
            "region=us-east1",
            "seed=1.5",
            "--seed",
            "3",
            "--pricing",
            "garbage.toml",
            "--format",
            "json",
            "table",
        ],
    ),
    (
        "explain",
        &[
            "run", "notrun", "fakerun", "halfrun", "missing", "afile", "", "--format", "json",
            "xml",
        ],
    ),
    (
        "commit",
        &[
            "run",
            "notrun",
            "fakerun",
            "halfrun",
            "--plan",
            "compute",
            "ec2-instance",
            "x",
            "--discount",
            "0.3",
            "1",
            "nan",
            "-0.5",
            "--commitment",
            "0",
            "1e300",
            "inf",
            "--commitment=-1",
            "--format",
            "json",
        ],
    ),
    (
        "report",
        &[
            "run", "notrun", "fakerun", "halfrun", "afile", "-q", "--format", "json",
        ],
    ),
    (
        "sweep",
        &[
            "sweep.toml",
            "good.toml",
            "sweep-unknown-key.toml",
            "garbage.toml",
            "--out",
            "s1",
            "afile",
            "notrun",
            "--force",
            "-q",
            "-j",
            "0",
            "1",
            "x",
            "--shard",
            "0/2",
            "3/2",
            "1/0",
            "x/y",
            "--shards",
            "2",
            "0",
            "--metric",
            "nope",
            "cost_total_usd",
            "--set",
            "workload.load_scale=2",
            "--format",
            "json",
            "table",
        ],
    ),
    (
        "merge",
        &[
            "shard0",
            "shard1",
            "badshard",
            "adir",
            "missing",
            "afile",
            "--out",
            "m1",
            "afile",
            "notrun",
            "--metric",
            "nope",
            "tasks_completed",
            "--force",
        ],
    ),
    (
        "batch",
        &[
            "good.toml",
            "sweep.toml",
            "garbage.toml",
            "missing.toml",
            "adir",
            "--out",
            "b1",
            "afile",
            "notrun",
            "-j",
            "0",
            "2",
            "-1",
            "--force",
            "-q",
            "--format",
            "json",
            "csv",
        ],
    ),
    (
        "breakeven",
        &[
            "good.toml",
            "one.toml",
            "garbage.toml",
            "--axis",
            "workload.load_scale",
            "horizon",
            "nope",
            "platforms.f.max",
            "--between",
            "1",
            "2",
            "nan",
            "-1",
            "inf",
            "0",
            "--tolerance",
            "0.1",
            "nan",
            "--platforms",
            "f",
            "s",
            "x",
            "--out",
            "be1",
            "afile",
            "notrun",
            "--force",
            "--set",
            "seed=2",
            "--format",
            "json",
        ],
    ),
    (
        "trace",
        &[
            "inspect",
            "convert",
            "good-trace.csv",
            "trace.csv",
            "empty.csv",
            "missing.csv",
            "adir",
            "afile",
            "--format",
            "native",
            "swf",
            "nope",
            "--set",
            "sample=0.5",
            "from=2h",
            "x",
            "--strict",
            "--skip-bad-rows",
            "--to",
            "x.parquet",
            "x.csv",
            "adir",
            "nodir/x.parquet",
            "--force",
            "json",
        ],
    ),
    (
        "prices",
        &[
            "all",
            "fargate",
            "sizes",
            "ec2",
            "functions",
            "import",
            "nope",
            "offer.json",
            "empty.csv",
            "adir",
            "--region",
            "us-east-1",
            "us-east1",
            "--pricing",
            "garbage.toml",
            "--out",
            "p.toml",
            "nodir/p.toml",
            "--format",
            "json",
            "table",
        ],
    ),
    (
        "new",
        &[
            "n.toml",
            "adir",
            "afile",
            "nodir/x.toml",
            "--trace",
            "good-trace.csv",
            "afile",
            "missing.csv",
            "--force",
        ],
    ),
    ("completions", &["bash", "zsh", "fish", "nosh", ""]),
];

#[test]
fn fuzz_every_subcommand_s_arguments() {
    // Regression: the loader and the adapters were fuzzed, the commands not,
    // and two of them panicked (exit 101). Random command lines from each
    // subcommand's flags and values, good and bad: never a panic, and a
    // failure always says something.
    let d = crate::common::fixture();
    let mut rng = Pcg64Mcg::seed_from_u64(0xc11);
    let n = (cases() / 2).max(2 * ARGS.len());
    let started = std::time::Instant::now();
    let mut failed = 0;
    for i in 0..n {
        let (command, pool) = ARGS[i % ARGS.len()];
        // Half the lines start from a command that works and add to it.
        let out = format!("fz{i}");
        let mut args: Vec<&str> = match (rng.random::<bool>(), command) {
            (true, "run") => vec!["run", "good.toml", "-q", "--out", &out],
            (true, "validate") => vec!["validate", "good.toml"],
            (true, "commit") => vec!["commit", "run"],
            (true, "sweep") => vec!["sweep", "sweep.toml", "-q", "--out", &out],
            (true, "merge") => vec!["merge", "shard0", "shard1", "--out", &out],
            (true, "batch") => vec!["batch", "good.toml", "-q", "--out", &out],
            (true, "breakeven") => vec![
                "breakeven",
                "good.toml",
                "--axis",
                "workload.load_scale",
                "--between",
                "1",
                "2",
                "--out",
                &out,
            ],
            (true, "trace") => vec!["trace", "inspect", "good-trace.csv"],
            (true, "prices") => vec!["prices", "ec2"],
            _ => vec![command],
        };
        for _ in 0..rng.random_range(0..5) {
            args.push(pool[rng.random_range(0..pool.len())]);
        }
        let (code, _, err) = crate::common::bin(&args, d.path());
        assert!(
            code != 101 && !err.contains("panicked"),
            "{args:?} panicked:\n{err}"
        );
        assert!(
            code == 0 || ((code == 1 || code == 2) && !err.trim().is_empty()),
            "{args:?}: exit {code}\n{err}"
        );
        failed += usize::from(code != 0);
    }
    eprintln!(
        "fuzz subcommands: {n} command lines in {:.2}s ({failed} refused), no panic",
        started.elapsed().as_secs_f64()
    );
}
