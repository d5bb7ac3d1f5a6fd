//! The broken-input suite: every file in tests/broken/ is a scenario (with
//! its trace under tests/broken/traces/) that must be refused with exit code
//! 2 and a message containing each of its `# expect:` lines, never a panic,
//! and without writing results. One file per mistake, covering every section
//! of the scenario format and every trace adapter. Then every subcommand
//! and flag that takes user input, over a table of wrong inputs (missing,
//! empty and garbage files, folders for files and files for folders, bad
//! numbers, reversed and NaN ranges, unknown keys, axes and regions,
//! unwritable outputs, folders that are not runs): exit 1 or 2, never a
//! panic, and stderr names the file or flag and says what to do.

use crate::common::{bin, fixture};
use std::path::Path;

#[test]
fn every_broken_input_gets_its_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{} broken inputs", files.len());
    let out = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let expect: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expect.is_empty(),
            "{} has no `# expect:` line",
            f.display()
        );
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = out.path().join(&name);
        let (code, _, err) = bin(
            &[
                "run",
                f.to_str().unwrap(),
                "--out",
                dir.to_str().unwrap(),
                "-q",
            ],
            &root,
        );
        let missing: Vec<&&str> = expect.iter().filter(|e| !err.contains(**e)).collect();
        if code != 2
            || !missing.is_empty()
            || err.contains("panicked")
            || dir.join("summary.json").exists()
        {
            failures.push(format!("{name}: exit {code}, missing {missing:?}\n{err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One wrong input: the arguments, and what stderr must say.
struct Wrong {
    args: &'static [&'static str],
    says: &'static [&'static str],
    /// A path the refused command must not have written.
    not_written: Option<&'static str>,
}

const fn wrong(args: &'static [&'static str], says: &'static [&'static str]) -> Wrong {
    Wrong {
        args,
        says,
        not_written: None,
    }
}

/// A small ECS task export (three Fargate tasks), for `calibrate` and `new --from`.
const ECS_EVENTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/account/ecs-events.jsonl"
);

/// Every subcommand and flag that takes user input, with wrong values.
const WRONG: &[Wrong] = &[
    // Usage.
    wrong(&["frobnicate"], &["frobnicate"]),
    wrong(&["run"], &["<SCENARIO>"]),
    wrong(&["run", "good.toml", "--nope"], &["--nope"]),
    // run: the scenario file.
    wrong(
        &["run", "missing.toml"],
        &["missing.toml", "fargate-sim new"],
    ),
    wrong(&["run", "adir"], &["adir", "is a folder"]),
    wrong(&["run", "empty.toml"], &["empty.toml", "`name`", "hint:"]),
    wrong(&["run", "garbage.toml"], &["garbage.toml", "line 1"]),
    // run: overrides, seed, pricing, format.
    wrong(
        &["run", "good.toml", "--set", "x"],
        &["--set x", "KEY=VALUE"],
    ),
    wrong(
        &["run", "good.toml", "--set", "=1"],
        &["--set =1", "key is empty"],
    ),
    wrong(
        &["run", "good.toml", "--set", "horizon=24"],
        &["--set horizon=24", "hint:", "--set horizon=24h"],
    ),
    wrong(
        &["run", "good.toml", "--set", "workload.load_scale=nan"],
        &["workload.load_scale", "above 0"],
    ),
    wrong(
        &["run", "good.toml", "--set", "platforms.f.capasity=spot"],
        &["capasity", "did you mean `capacity`?"],
    ),
    wrong(
        &["run", "good.toml", "--set", "platforms.x.os=linux"],
        &["platforms.x.os", "names: f, s"],
    ),
    wrong(
        &["run", "good.toml", "--set", "region=us-east1"],
        &["us-east1", "did you mean `us-east-1`?"],
    ),
    wrong(&["run", "good.toml", "--seed", "x"], &["--seed", "x"]),
    wrong(&["run", "good.toml", "--format", "xml"], &["xml", "table"]),
    wrong(
        &["run", "good.toml", "--pricing", "missing.toml"],
        &["missing.toml"],
    ),
    wrong(
        &["run", "good.toml", "--pricing", "garbage.toml"],
        &["garbage.toml", "line 1"],
    ),
    wrong(
        &["run", "good.toml", "--pricing", "adir"],
        &["adir", "give a pricing catalog file"],
    ),
    wrong(
        &["run", "good.toml", "--pricing", "good.toml"],
        &["good.toml", "not a pricing catalog", "prices import"],
    ),
    // run: the output folder.
    wrong(
        &["run", "good.toml", "--out", "afile"],
        &["afile is a file, not a folder", "--out"],
    ),
    Wrong {
        args: &["run", "good.toml", "--out", "notrun"],
        says: &["notrun is not empty", "no summary.json", "--out"],
        not_written: Some("notrun/summary.json"),
    },
    Wrong {
        args: &["run", "good.toml", "--out", "notrun", "--force"],
        says: &["notrun is not empty", "--out"],
        not_written: Some("notrun/report.html"),
    },
    wrong(
        &["run", "good.toml", "--out", "run"],
        &["run already holds results", "--force"],
    ),
    wrong(
        &["run", "good.toml", "--out", "afile/sub"],
        &["afile/sub", "--out"],
    ),
    // validate.
    wrong(&["validate"], &["<SCENARIO>"]),
    wrong(&["validate", "missing.toml"], &["missing.toml"]),
    wrong(&["validate", "adir"], &["adir", "is a folder"]),
    wrong(&["validate", "empty.toml"], &["empty.toml", "`name`"]),
    wrong(&["validate", "garbage.toml"], &["garbage.toml", "line 1"]),
    wrong(
        &[
            "validate",
            "good.toml",
            "--set",
            "workload.generators.g.count=1.5",
        ],
        &["count", "whole number"],
    ),
    wrong(
        &["validate", "good.toml", "--pricing", "empty.toml"],
        &["empty.toml", "catalog"],
    ),
    // explain, commit, report: a folder that is not a finished run.
    wrong(
        &["explain", "missing"],
        &["missing/summary.json", "finished run"],
    ),
    wrong(
        &["explain", "notrun"],
        &["notrun/summary.json", "finished run"],
    ),
    wrong(
        &["explain", "afile"],
        &["afile/summary.json", "finished run"],
    ),
    wrong(
        &["explain", "fakerun"],
        &["fakerun/summary.json", "fargate-sim run"],
    ),
    wrong(
        &["explain", "shard0"],
        &[
            "shard0 holds a sweep's results",
            "experiment.html",
            "finished run",
        ],
    ),
    wrong(
        &["commit", "shard0"],
        &["shard0 holds a sweep's results", "finished run"],
    ),
    wrong(&["explain"], &["<RUN_DIR>"]),
    wrong(
        &["rightsize", "run", "--cpu", "p0"],
        &["--cpu `p0`", "p1 to p100"],
    ),
    wrong(
        &["rightsize", "run", "--memory", "p101"],
        &["--memory `p101`", "p90"],
    ),
    wrong(&["rightsize", "run", "--cpu", "p9x"], &["--cpu `p9x`"]),
    wrong(
        &["rightsize", "run", "--headroom", "-2"],
        &["--headroom -2", "-0.9 to 10"],
    ),
    wrong(&["explain", "run", "--format", "xml"], &["xml", "json"]),
    wrong(
        &["explain", "fakerun", "--format", "json"],
        &["fakerun/summary.json", "fargate-sim run"],
    ),
    wrong(&["commit", "run", "--format", "yaml"], &["yaml", "json"]),
    wrong(&["validate", "good.toml", "--format", "x"], &["x", "json"]),
    wrong(
        &["validate", "missing.toml", "--format", "json"],
        &["missing.toml"],
    ),
    wrong(&["prices", "--format", "toml"], &["toml", "json"]),
    // --format where a command prints no results: not offered.
    wrong(&["report", "run", "--format", "json"], &["--format"]),
    wrong(
        &[
            "merge", "shard0", "shard1", "--out", "m", "--format", "yaml",
        ],
        &["yaml", "json"],
    ),
    wrong(&["new", "n.toml", "--format", "json"], &["--format"]),
    wrong(
        &["commit", "missing"],
        &["missing/summary.json", "finished run"],
    ),
    wrong(
        &["commit", "notrun"],
        &["notrun/summary.json", "finished run"],
    ),
    wrong(
        &["commit", "fakerun"],
        &["fakerun/summary.json", "fargate-sim run"],
    ),
    wrong(
        &["commit", "halfrun"],
        &["halfrun/timeseries.parquet", "finished run"],
    ),
    wrong(
        &["commit", "run", "--discount", "1"],
        &["--discount 1", "0.3"],
    ),
    wrong(&["commit", "run", "--discount", "nan"], &["--discount NaN"]),
    wrong(&["commit", "run", "--discount", "x"], &["--discount", "x"]),
    wrong(&["commit", "run", "--commitment=-1"], &["--commitment -1"]),
    wrong(&["commit", "run", "--plan", "x"], &["--plan", "compute"]),
    wrong(
        &["report", "missing"],
        &["missing/summary.json", "finished run"],
    ),
    wrong(&["report", "notrun"], &["notrun/summary.json"]),
    wrong(&["report", "fakerun"], &["fakerun/summary.json"]),
    wrong(&["report", "halfrun"], &["halfrun/timeseries.parquet"]),
    // sweep.
    wrong(
        &["sweep", "good.toml"],
        &["good.toml", "no [sweep] section"],
    ),
    wrong(&["sweep", "missing.toml"], &["missing.toml"]),
    wrong(&["sweep", "adir"], &["adir"]),
    wrong(&["sweep", "garbage.toml"], &["garbage.toml"]),
    wrong(
        &["sweep", "sweep.toml", "--shard", "3/2"],
        &["--shard", "I < N"],
    ),
    wrong(
        &["sweep", "sweep.toml", "--shard", "x"],
        &["--shard", "I/N"],
    ),
    wrong(&["sweep", "sweep.toml", "--shard", "0/0"], &["--shard"]),
    wrong(&["sweep", "sweep.toml", "--shards", "0"], &["--shards"]),
    wrong(&["sweep", "sweep.toml", "--shards", "2"], &["--shard I/2"]),
    wrong(
        &["sweep", "sweep.toml", "--shard", "0/9", "--out", "s9"],
        &["at most 2 shards"],
    ),
    wrong(&["sweep", "sweep.toml", "-j", "x"], &["-j", "x"]),
    Wrong {
        args: &["sweep", "sweep.toml", "-j", "0", "--out", "sj0"],
        says: &["-j 0", "at least 1", "leave -j out"],
        not_written: Some("sj0/results.csv"),
    },
    wrong(
        &["sweep", "sweep.toml", "--format", "xml"],
        &["xml", "table", "json"],
    ),
    Wrong {
        args: &["sweep", "sweep.toml", "--metric", "nope", "--out", "swm"],
        says: &["--metric nope", "cost_total_usd"],
        not_written: Some("swm/results.csv"),
    },
    wrong(
        &["sweep", "sweep-unknown-key.toml", "--out", "swk"],
        &["load_scal", "did you mean `load_scale`?"],
    ),
    wrong(
        &["sweep", "sweep.toml", "--out", "afile"],
        &["afile is a file"],
    ),
    wrong(
        &["sweep", "sweep.toml", "--out", "notrun"],
        &["notrun is not empty"],
    ),
    // merge.
    wrong(&["merge", "--out", "m"], &["<DIRS>"]),
    wrong(&["merge", "shard0"], &["--out"]),
    wrong(
        &["merge", "missing", "--out", "m"],
        &["missing/experiment.json", "sweep --shard"],
    ),
    wrong(&["merge", "adir", "--out", "m"], &["adir/experiment.json"]),
    wrong(
        &["merge", "afile", "--out", "m"],
        &["afile/experiment.json"],
    ),
    wrong(
        &["merge", "badshard", "--out", "m"],
        &[
            "badshard/experiment.json",
            "manifest",
            "run that shard again",
        ],
    ),
    wrong(
        &["merge", "shard0", "--out", "m"],
        &["shard(s) 1/2 missing", "--shard I/2"],
    ),
    wrong(
        &["merge", "shard0", "shard0", "shard1", "--out", "m"],
        &["given twice", "once"],
    ),
    wrong(
        &["merge", "shard0", "shard1", "--out", "afile"],
        &["afile is a file"],
    ),
    wrong(
        &["merge", "shard0", "shard1", "--out", "notrun"],
        &["notrun is not empty"],
    ),
    Wrong {
        args: &[
            "merge", "shard0", "shard1", "--out", "mm", "--metric", "nope",
        ],
        says: &["--metric nope"],
        not_written: Some("mm/results.csv"),
    },
    // batch.
    wrong(&["batch"], &["<SCENARIOS>"]),
    wrong(&["batch", "missing.toml"], &["missing.toml"]),
    wrong(&["batch", "adir"], &["adir"]),
    wrong(
        &["batch", "good.toml", "garbage.toml"],
        &["garbage.toml", "line 1"],
    ),
    wrong(
        &["batch", "good.toml", "--out", "afile"],
        &["afile is a file"],
    ),
    Wrong {
        args: &["batch", "good.toml", "--out", "notrun"],
        says: &["notrun is not empty", "no results.csv"],
        not_written: Some("notrun/results.csv"),
    },
    wrong(&["batch", "good.toml", "-j", "-1"], &["-1"]),
    Wrong {
        args: &["batch", "good.toml", "-j", "0", "--out", "bj0"],
        says: &["-j 0", "at least 1"],
        not_written: Some("bj0/results.csv"),
    },
    wrong(&["batch", "good.toml", "--format", "csv"], &["csv", "json"]),
    // breakeven.
    wrong(
        &["breakeven", "good.toml", "--axis", "workload.load_scale"],
        &["--between"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--format",
            "html",
        ],
        &["html", "json"],
    ),
    wrong(
        &["breakeven", "good.toml", "--between", "1", "2"],
        &["--axis"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
        ],
        &["--between"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "2",
            "1",
        ],
        &["--between 2 1", "the first smaller"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "nan",
            "1",
        ],
        &["--between NaN 1"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "1",
        ],
        &["--between 1 1"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "x",
        ],
        &["x"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--tolerance",
            "nan",
        ],
        &["--tolerance NaN", "0.001"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--tolerance",
            "0",
        ],
        &["--tolerance 0"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--tolerance",
            "5",
        ],
        &["--tolerance 5"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scal",
            "--between",
            "1",
            "2",
        ],
        &["load_scal", "did you mean `load_scale`?"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "nope.key",
            "--between",
            "1",
            "2",
        ],
        &["unknown field `nope`"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "horizon",
            "--between",
            "1",
            "2",
        ],
        &["--axis horizon", "varies a number", "workload.load_scale"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--platforms",
            "a",
            "b",
        ],
        &["no platform `a`", "f, s"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--platforms",
            "f",
            "f",
        ],
        &["--platforms f f", "two different"],
    ),
    wrong(
        &[
            "breakeven",
            "one.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
        ],
        &["two platforms"],
    ),
    wrong(
        &[
            "breakeven",
            "missing.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
        ],
        &["missing.toml"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--out",
            "afile",
        ],
        &["afile is a file"],
    ),
    wrong(
        &[
            "breakeven",
            "good.toml",
            "--axis",
            "workload.load_scale",
            "--between",
            "1",
            "2",
            "--out",
            "notrun",
        ],
        &["notrun is not empty"],
    ),
    // trace inspect and convert.
    wrong(&["trace"], &["inspect"]),
    wrong(
        &["trace", "inspect", "missing.csv"],
        &["missing.csv", "no such file"],
    ),
    wrong(&["trace", "inspect", "adir"], &["adir", "is a folder"]),
    wrong(
        &["trace", "inspect", "empty.csv"],
        &["empty.csv", "name it with --format, one of"],
    ),
    wrong(&["trace", "inspect", "afile"], &["afile", "--format"]),
    wrong(
        &["trace", "inspect", "good-trace.csv", "--format", "nope"],
        &["--format", "nope", "alibaba-2017"],
    ),
    wrong(
        &[
            "trace",
            "inspect",
            "good-trace.csv",
            "--format",
            "google-2019",
        ],
        &["good-trace.csv", "time"],
    ),
    wrong(
        &["trace", "inspect", "good-trace.csv", "--set", "x"],
        &["--set workload.x", "KEY=VALUE"],
    ),
    wrong(
        &["trace", "inspect", "good-trace.csv", "--set", "sample=2"],
        &["good-trace.csv", "--set sample", "fraction"],
    ),
    wrong(
        &[
            "trace",
            "inspect",
            "good-trace.csv",
            "--set",
            "from=2h",
            "--set",
            "until=1h",
        ],
        &["--set until", "after `from`"],
    ),
    wrong(
        &["trace", "inspect", "trace.csv", "--strict"],
        &["trace.csv", "line 3", "sixty"],
    ),
    wrong(&["trace", "convert", "good-trace.csv"], &["--to"]),
    wrong(
        &["trace", "convert", "missing.csv", "--to", "x.parquet"],
        &["missing.csv"],
    ),
    wrong(
        &["trace", "convert", "trace.csv", "--to", "x.parquet"],
        &["trace.csv", "line 3", "sixty"],
    ),
    wrong(
        &["trace", "convert", "good-trace.csv", "--to", "adir"],
        &["adir", "folder"],
    ),
    wrong(
        &[
            "trace",
            "convert",
            "good-trace.csv",
            "--to",
            "nodir/x.parquet",
        ],
        &["nodir/x.parquet", "does not exist"],
    ),
    wrong(
        &["trace", "convert", "good-trace.csv", "--to", "trace.csv"],
        &["--to trace.csv", "exists", "--force"],
    ),
    wrong(
        &[
            "trace",
            "convert",
            "good-trace.csv",
            "--to",
            "good-trace.csv",
            "--force",
        ],
        &["--to good-trace.csv", "being converted"],
    ),
    wrong(
        &["trace", "inspect", "good-trace.csv", "--format", "json"],
        &["--format json", "trace's format", "prints text only"],
    ),
    // prices.
    wrong(&["prices", "nope"], &["nope", "fargate"]),
    wrong(
        &["prices", "ec2", "--region", "us-east1"],
        &["--region us-east1", "did you mean `us-east-1`?"],
    ),
    wrong(
        &["prices", "ec2", "--region", "mars-1"],
        &["--region mars-1"],
    ),
    wrong(&["prices", "--pricing", "missing.toml"], &["missing.toml"]),
    wrong(&["prices", "--pricing", "adir"], &["adir"]),
    wrong(&["prices", "--pricing", "garbage.toml"], &["garbage.toml"]),
    wrong(&["prices", "import"], &["offer file", "prices import"]),
    wrong(
        &["prices", "import", "missing.json"],
        &["missing.json", "offer file"],
    ),
    wrong(&["prices", "import", "adir"], &["adir"]),
    wrong(
        &["prices", "import", "empty.csv"],
        &["empty.csv", "Price List"],
    ),
    wrong(
        &["prices", "import", "offer.json", "--out", "adir"],
        &["adir", "folder"],
    ),
    wrong(
        &["prices", "import", "offer.json", "--out", "garbage.toml"],
        &["--out garbage.toml", "exists", "--force"],
    ),
    wrong(
        &["prices", "fargate", "--force"],
        &["--force", "prices import", "remove --force"],
    ),
    wrong(
        &["prices", "import", "offer.json", "--out", "nodir/p.toml"],
        &["nodir/p.toml", "does not exist"],
    ),
    wrong(
        &[
            "prices",
            "import",
            "offer.json",
            "--pricing",
            "garbage.toml",
        ],
        &["garbage.toml", "line 1"],
    ),
    // new.
    wrong(
        &["new", "adir"],
        &["adir is a folder", "adir/scenario.toml"],
    ),
    wrong(&["new", "adir", "--force"], &["adir is a folder"]),
    wrong(&["new", "afile"], &["afile exists", "--force"]),
    wrong(
        &["new", "nodir/x.toml"],
        &["nodir/x.toml", "does not exist"],
    ),
    wrong(
        &["new", "n.toml", "--trace", "missing.csv"],
        &["--trace missing.csv", "no such file", "trace file"],
    ),
    wrong(
        &["new", "n.toml", "--trace", "adir"],
        &["--trace adir", "folder"],
    ),
    wrong(&["new", "n.toml", "--trace", "afile"], &["afile", "format"]),
    wrong(
        &["new", "n.toml", "--from", "missing.jsonl"],
        &["missing.jsonl", "no such file", "ECS task export"],
    ),
    wrong(
        &["new", "n.toml", "--from", "empty.csv"],
        &["empty.csv", "neither an ECS task export", "new --from"],
    ),
    wrong(
        &["new", "n.toml", "--trace", "afile", "--from", "afile"],
        &["--from"],
    ),
    // calibrate.
    wrong(&["calibrate"], &["<EVENTS>"]),
    wrong(
        &["calibrate", "missing.jsonl"],
        &["missing.jsonl", "no such file"],
    ),
    wrong(&["calibrate", "adir"], &["adir", "a folder, not a file"]),
    wrong(
        &["calibrate", "garbage.toml"],
        &["garbage.toml", "neither an ECS task export", "kubectl"],
    ),
    // calibrate's output folder: refused as `run` refuses its own.
    wrong(
        &["calibrate", ECS_EVENTS, "--out", "afile"],
        &["afile is a file, not a folder", "--out"],
    ),
    Wrong {
        args: &["calibrate", ECS_EVENTS, "--out", "notrun"],
        says: &["notrun is not empty", "no startup.toml", "--out"],
        not_written: Some("notrun/startup.toml"),
    },
    // new --from: the usage file is named by its flag.
    wrong(
        &[
            "new",
            "n.toml",
            "--from",
            ECS_EVENTS,
            "--usage",
            "missing.jsonl",
        ],
        &["--usage missing.jsonl", "Container Insights"],
    ),
    wrong(
        &["new", "n.toml", "--from", ECS_EVENTS, "--usage", "adir"],
        &["--usage adir", "Container Insights"],
    ),
    // completions.
    wrong(&["completions", "nosh"], &["nosh", "bash"]),
];

#[test]
fn every_subcommand_refuses_wrong_input_with_a_message_and_never_panics() {
    let d = fixture();
    let mut failures = Vec::new();
    for w in WRONG {
        let (code, _, err) = bin(w.args, d.path());
        let missing: Vec<&&str> = w.says.iter().filter(|s| !err.contains(**s)).collect();
        let written = w.not_written.filter(|p| d.path().join(p).exists());
        if !(code == 1 || code == 2)
            || !missing.is_empty()
            || err.contains("panicked")
            || written.is_some()
        {
            failures.push(format!(
                "{:?}: exit {code}, missing {missing:?}, wrote {written:?}\n{err}",
                w.args
            ));
        }
    }
    // Nothing was written into the folder that is not a run.
    let mut left: Vec<String> = std::fs::read_dir(d.path().join("notrun"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec!["notes.md"]);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(WRONG.len() >= 100, "{} wrong inputs", WRONG.len());
}
