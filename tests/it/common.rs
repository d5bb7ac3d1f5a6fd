//! Helpers shared by the integration tests.

use fargate_sim::platform::TaskRecord;
use fargate_sim::report::summary::{self, Summary};
use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::simulate::{self, RunOutput};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A scenario written to a temporary folder, with an optional trace beside it.
pub struct Case {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub text: String,
}

impl Case {
    pub fn new(scenario: &str, trace_csv: Option<&str>) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scenario.toml");
        std::fs::write(&path, scenario).unwrap();
        if let Some(t) = trace_csv {
            std::fs::write(dir.path().join("trace.csv"), t).unwrap();
        }
        Case {
            dir,
            path,
            text: scenario.to_string(),
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A case whose scenario (with a line `region = "REGION"`) prices from
    /// `cat.toml` beside it: the built-in catalog without `itype`'s price in
    /// `region` (see [`catalog_without_price`]).
    pub fn without_price(scenario: &str, itype: &str, region: &str) -> Case {
        let line = format!("region = \"{region}\"\n");
        assert!(scenario.contains(&line), "no `{line}` in the scenario");
        let text = scenario.replacen(&line, &format!("{line}pricing = \"cat.toml\"\n"), 1);
        let case = Case::new(&text, None);
        std::fs::write(
            case.dir().join("cat.toml"),
            catalog_without_price(itype, region),
        )
        .unwrap();
        case
    }
}

/// The result of running a case through the library.
pub struct Ran {
    pub output: RunOutput,
    pub summary: Summary,
    pub records: Vec<(String, TaskRecord)>,
}

impl Ran {
    /// Exact total cost of a platform in atto-dollars.
    pub fn total_atto(&self, platform: &str) -> u128 {
        let run = self
            .output
            .platforms
            .iter()
            .find(|p| p.spec.name() == platform)
            .unwrap();
        run.cost.total().0
    }

    pub fn platform(&self, name: &str) -> &fargate_sim::report::PlatformSummary {
        self.summary
            .platforms
            .iter()
            .find(|p| p.name == name)
            .unwrap()
    }

    pub fn records_of(&self, platform: &str) -> Vec<&TaskRecord> {
        self.records
            .iter()
            .filter(|(p, _)| p == platform)
            .map(|(_, r)| r)
            .collect()
    }
}

/// Loads and runs a case, collecting every task record.
pub fn run(case: &Case, overrides: &[&str]) -> Ran {
    let options = LoadOptions {
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let (scenario, catalog) =
        load_str(&case.text, &case.path, &options).unwrap_or_else(|e| panic!("{e}"));
    let records: Arc<Mutex<Vec<(String, TaskRecord)>>> = Arc::default();
    let sink_records = records.clone();
    let factory = move |spec: &fargate_sim::platform::PlatformSpec| -> Option<Box<dyn fargate_sim::platform::RecordSink>> {
        let name = spec.name().to_string();
        let r = sink_records.clone();
        Some(Box::new(move |rec: &TaskRecord| r.lock().unwrap().push((name.clone(), rec.clone()))))
    };
    let mut output =
        simulate::run(&scenario, &catalog, Some(&factory)).unwrap_or_else(|e| panic!("{e}"));
    let summary = summary::summarize(&scenario, &mut output);
    let records = std::mem::take(&mut *records.lock().unwrap());
    Ran {
        output,
        summary,
        records,
    }
}

/// Dollars (as a decimal literal) to atto-dollars, for exact assertions.
pub fn usd(text: &str) -> u128 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<18}");
    whole.parse::<u128>().unwrap() * 1_000_000_000_000_000_000 + frac.parse::<u128>().unwrap()
}

/// The built-in pricing catalog's text with `itype`'s on-demand price in
/// `region` taken out: every Region of the built-in catalog prices all 36
/// types, so a test of a run that needs a price the catalog lacks writes
/// this beside its scenario and names it with `pricing = "…"` or
/// `--pricing`.
pub fn catalog_without_price(itype: &str, region: &str) -> String {
    let builtin =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/pricing.toml"))
            .unwrap();
    let block = builtin
        .find(&format!("\nname = \"{itype}\"\n"))
        .unwrap_or_else(|| panic!("no {itype} in data/pricing.toml"));
    let line = block + builtin[block..].find("on_demand_usd_per_hour = {").unwrap();
    let end = line + builtin[line..].find('\n').unwrap();
    let key = format!(", {region} = \"");
    let at = line
        + builtin[line..end]
            .find(&key)
            .unwrap_or_else(|| panic!("{itype} has no {region} price"));
    let close = at + key.len() + builtin[at + key.len()..].find('"').unwrap() + 1;
    format!("{}{}", &builtin[..at], &builtin[close..])
}

/// Excerpts of the real trace samples, shipped with the repository: the same
/// folders, file names and formats as the full samples (see each folder's
/// SOURCE.md for the origin, the licence and how the excerpt was cut).
pub fn excerpt_traces() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/traces")
}

/// The full real trace samples, laid out as `tests/data/traces`
/// (`DIR/<sample>/<file>`): the folder named by `FARGATE_SIM_TRACES`
/// (absolute, or relative to the repository root), which must then exist;
/// else the team's copy in `../shared/traces` beside the repository, when
/// present. Without either, prints one line to stderr saying that the
/// test `test` was skipped and how to get the data, and returns `None`.
pub fn full_traces(test: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(dir) = std::env::var_os("FARGATE_SIM_TRACES") {
        let dir = root.join(dir);
        assert!(
            dir.is_dir(),
            "FARGATE_SIM_TRACES={} is not a folder",
            dir.display()
        );
        return Some(dir);
    }
    let team = root.join("../shared/traces");
    if team.is_dir() {
        return Some(team);
    }
    // Straight to stderr, so the line shows even though the test passes
    // (the test harness captures only print! and eprint!).
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: full trace samples not found; set FARGATE_SIM_TRACES=DIR, DIR holding the files named in tests/data/traces/*/SOURCE.md (DIR/<sample>/<file>), to run it"
    );
    None
}

/// Runs the built `fargate-sim` in `dir`: (exit code, stdout, stderr).
pub fn bin(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fargate-sim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A small scenario that runs in a blink: two Fargate platforms, one generator.
pub const TINY: &str = r#"name = "tiny"
horizon = "30min"
[workload]
[[workload.generators]]
name = "g"
arrivals = { process = "poisson", rate = "1/min" }
duration = "5min"
sizes = [{ cpu = 1, memory = "2GiB" }]
[[platforms]]
name = "f"
kind = "fargate"
[[platforms]]
name = "s"
kind = "fargate"
capacity = "spot"
"#;

/// [`TINY`] with a two-point sweep.
pub const TINY_SWEEP: &str = r#"
[sweep]
replications = 1
[[sweep.axis]]
key = "workload.load_scale"
values = [1, 2]
"#;

/// A folder of wrong inputs for the commands: missing, empty and garbage
/// files, a folder where a file goes and the reverse, a folder that is not
/// a run, a finished run, sweep shards, a trace and an offer file.
pub fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let write = |name: &str, text: &str| std::fs::write(p.join(name), text).unwrap();
    write("good.toml", TINY);
    write("sweep.toml", &format!("{TINY}{TINY_SWEEP}"));
    write(
        "sweep-unknown-key.toml",
        &format!("{TINY}{}", TINY_SWEEP.replace("load_scale", "load_scal")),
    );
    write(
        "one.toml",
        &TINY[..TINY.find("[[platforms]]\nname = \"s\"").unwrap()],
    );
    write("empty.toml", "");
    write("empty.csv", "");
    write("garbage.toml", "name = [\n");
    write("afile", "not a folder\n");
    write(
        "trace.csv",
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\nt1,0,60,1,2048\nt2,5,sixty,1,2048\n",
    );
    write(
        "good-trace.csv",
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\nt1,0,60,1,2048\n",
    );
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/price-list-offer.json"),
        p.join("offer.json"),
    )
    .unwrap();
    for dir in ["adir", "notrun", "fakerun", "halfrun", "badshard"] {
        std::fs::create_dir(p.join(dir)).unwrap();
    }
    write("notrun/notes.md", "mine\n");
    write("fakerun/summary.json", "{}\n");
    write("badshard/experiment.json", "{\n");
    let ok = |args: &[&str]| {
        let (code, _, err) = bin(args, p);
        assert_eq!(code, 0, "{args:?}: {err}");
    };
    ok(&["run", "good.toml", "--out", "run", "-q"]);
    ok(&[
        "sweep",
        "sweep.toml",
        "--shard",
        "0/2",
        "--out",
        "shard0",
        "-q",
    ]);
    ok(&[
        "sweep",
        "sweep.toml",
        "--shard",
        "1/2",
        "--out",
        "shard1",
        "-q",
    ]);
    std::fs::copy(p.join("run/summary.json"), p.join("halfrun/summary.json")).unwrap();
    d
}
