//! An experiment's plan: a sweep's axes and points, replication seeds, the
//! base scenario, and the shard of the points one machine runs.

use crate::Error;
use crate::engine::Progress;
use crate::report::progress::{ExperimentProgress, LiveRun};
use crate::report::summary::{self, Summary};
use crate::scenario::{LoadOptions, ScenarioError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Points an experiment may have before it is refused.
pub const MAX_POINTS: usize = 1_000_000;

/// One axis: one key, or several varied together.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub keys: Vec<String>,
    /// Each entry gives one value per key.
    pub values: Vec<Vec<toml::Value>>,
}

/// The `[sweep]` of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub axes: Vec<Axis>,
    pub replications: u32,
}

/// One point: its index and its settings (key, value), in axis order.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: usize,
    pub settings: Vec<(String, toml::Value)>,
}

fn bad(path: &Path, key: &str, message: impl Into<String>) -> Error {
    Error::Scenario(ScenarioError::Invalid {
        path: path.to_path_buf(),
        key: key.to_string(),
        message: message.into(),
        location: None,
    })
}

impl Sweep {
    /// Reads the `[sweep]` of a scenario file's text (None if it has none).
    pub fn parse(text: &str, path: &Path) -> Result<Option<Sweep>, Error> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            Error::Scenario(ScenarioError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        })?;
        let Some(sweep) = table.get("sweep") else {
            return Ok(None);
        };
        let sweep = sweep
            .as_table()
            .ok_or_else(|| bad(path, "sweep", "must be a table: [sweep]"))?;
        for k in sweep.keys() {
            if k != "axis" && k != "replications" {
                return Err(bad(
                    path,
                    &format!("sweep.{k}"),
                    "unknown key; [sweep] has `replications` and [[sweep.axis]] entries",
                ));
            }
        }
        let replications = match sweep.get("replications") {
            None => 1,
            Some(v) => match v.as_integer() {
                Some(n) if (1..=100_000).contains(&n) => n as u32,
                _ => {
                    return Err(bad(
                        path,
                        "sweep.replications",
                        format!("{v}: need a whole number from 1 to 100000"),
                    ));
                }
            },
        };
        let mut axes = Vec::new();
        let entries = match sweep.get("axis") {
            None => &Vec::new(),
            Some(toml::Value::Array(a)) => a,
            Some(_) => return Err(bad(path, "sweep.axis", "must be [[sweep.axis]] entries")),
        };
        for (i, e) in entries.iter().enumerate() {
            let at = format!("sweep.axis[{i}]");
            let t = e.as_table().ok_or_else(|| {
                bad(
                    path,
                    &at,
                    "must be a table with `key` (or `keys`) and `values`",
                )
            })?;
            let values = t
                .get("values")
                .and_then(|v| v.as_array())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    bad(
                        path,
                        &format!("{at}.values"),
                        "needs a non-empty list of values",
                    )
                })?;
            let axis = match (t.get("key"), t.get("keys")) {
                (Some(k), None) => {
                    let k = k.as_str().ok_or_else(|| {
                        bad(
                            path,
                            &format!("{at}.key"),
                            "must be a dotted key such as \"workload.load_scale\"",
                        )
                    })?;
                    Axis {
                        keys: vec![k.to_string()],
                        values: values.iter().map(|v| vec![v.clone()]).collect(),
                    }
                }
                (None, Some(ks)) => {
                    let items = ks.as_array().cloned().unwrap_or_default();
                    if items.iter().any(|k| !k.is_str()) {
                        return Err(bad(
                            path,
                            &format!("{at}.keys"),
                            "every key must be a dotted key in quotes",
                        ));
                    }
                    let keys: Vec<String> = items
                        .iter()
                        .filter_map(|k| k.as_str().map(str::to_string))
                        .collect();
                    if keys.is_empty() {
                        return Err(bad(
                            path,
                            &format!("{at}.keys"),
                            "needs a list of dotted keys",
                        ));
                    }
                    let mut rows = Vec::new();
                    for (j, v) in values.iter().enumerate() {
                        match v.as_array() {
                            Some(a) if a.len() == keys.len() => rows.push(a.clone()),
                            _ => {
                                return Err(bad(
                                    path,
                                    &format!("{at}.values[{j}]"),
                                    format!("needs a list of {} values, one per key", keys.len()),
                                ));
                            }
                        }
                    }
                    Axis { keys, values: rows }
                }
                _ => return Err(bad(path, &at, "needs either `key` or `keys` (not both)")),
            };
            for k in &axis.keys {
                if axes.iter().any(|a: &Axis| a.keys.contains(k))
                    || axis.keys.iter().filter(|x| *x == k).count() > 1
                {
                    return Err(bad(
                        path,
                        &at,
                        format!("`{k}` is set by more than one axis"),
                    ));
                }
                if k == "seed" {
                    return Err(bad(
                        path,
                        &at,
                        "`seed` cannot be an axis: replications vary it",
                    ));
                }
            }
            axes.push(axis);
        }
        let points: usize = axes
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.values.len()))
            .unwrap_or(usize::MAX);
        if points.saturating_mul(replications as usize) > MAX_POINTS
            && std::env::var_os("FARGATE_SIM_ALLOW_HUGE").is_none()
        {
            return Err(bad(
                path,
                "sweep",
                format!(
                    "{points} points × {replications} replications is more than {MAX_POINTS} runs; split it into several experiments, or set FARGATE_SIM_ALLOW_HUGE=1 if you mean it"
                ),
            ));
        }
        Ok(Some(Sweep { axes, replications }))
    }

    /// Every point, the first axis varying slowest.
    pub fn points(&self) -> Vec<Point> {
        let n: usize = self.axes.iter().map(|a| a.values.len()).product();
        (0..n)
            .map(|index| {
                let mut rest = index;
                let mut radix: Vec<usize> = Vec::with_capacity(self.axes.len());
                for a in self.axes.iter().rev() {
                    radix.push(rest % a.values.len());
                    rest /= a.values.len();
                }
                radix.reverse();
                let settings = self
                    .axes
                    .iter()
                    .zip(radix)
                    .flat_map(|(a, r)| a.keys.iter().cloned().zip(a.values[r].iter().cloned()))
                    .collect();
                Point { index, settings }
            })
            .collect()
    }

    /// For each key, the index of the axis that sets it.
    pub fn groups(&self) -> Vec<usize> {
        self.axes
            .iter()
            .enumerate()
            .flat_map(|(i, a)| std::iter::repeat_n(i, a.keys.len()))
            .collect()
    }

    /// Every key an axis sets, in order.
    pub fn keys(&self) -> Vec<String> {
        self.axes
            .iter()
            .flat_map(|a| a.keys.iter().cloned())
            .collect()
    }
}

/// The seed of replication `r` of a scenario seeded `base`: the base itself
/// for the first, so one replication reproduces a single run.
pub fn replication_seed(base: u64, r: u32) -> u64 {
    if r == 0 {
        return base;
    }
    // SplitMix64 of (base, r): independent-looking streams per replication.
    let mut z = base.wrapping_add((r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    // 63 bits: scenario seeds are TOML integers (at most i64::MAX).
    (z ^ (z >> 31)) >> 1
}

/// A scenario file and how it was asked to be run.
#[derive(Clone, Debug)]
pub struct Base {
    pub path: PathBuf,
    pub text: String,
    pub options: LoadOptions,
}

impl Base {
    pub fn read(path: &Path, options: LoadOptions) -> Result<Base, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            Error::Scenario(ScenarioError::Read {
                path: path.to_path_buf(),
                source,
            })
        })?;
        Ok(Base {
            path: path.to_path_buf(),
            text,
            options,
        })
    }

    /// Runs the scenario with `settings` and `seed`; returns its summary.
    pub fn run(
        &self,
        settings: &[(String, toml::Value)],
        seed: Option<u64>,
    ) -> Result<Summary, Error> {
        self.run_shown(settings, seed, None)
    }

    /// [`Base::run`], shown as in flight on `shown` (an experiment's
    /// progress, and this run's share of the experiment's work) while it runs.
    pub fn run_shown(
        &self,
        settings: &[(String, toml::Value)],
        seed: Option<u64>,
        shown: Option<(&ExperimentProgress, f64)>,
    ) -> Result<Summary, Error> {
        let mut options = self.options.clone();
        options
            .overrides
            .extend(settings.iter().map(|(k, v)| format!("{k}={v}")));
        if seed.is_some() {
            options.seed = seed;
        }
        let (scenario, catalog) = crate::scenario::load_str(&self.text, &self.path, &options)?;
        let progress: Arc<Vec<Progress>> = Arc::new(
            scenario
                .platforms
                .iter()
                .map(|_| Progress::default())
                .collect(),
        );
        let slot = shown.map(|(state, share)| {
            let run = LiveRun {
                progress: progress.clone(),
                horizon: scenario.horizon,
                expected_tasks: scenario.expected_tasks_and_requests().0,
                share,
            };
            (state, state.begin(run))
        });
        let out = crate::simulate::run_with(
            &scenario,
            &catalog,
            None,
            crate::simulate::RunOptions {
                series_every: None,
                progress: Some(&progress),
            },
        );
        if let Some((state, slot)) = slot {
            state.end(slot);
        }
        Ok(summary::summarize(&scenario, &mut out?))
    }

    /// About how much work a run with `settings` is (see
    /// [`crate::scenario::Scenario::expected_work`]); at least 1.
    pub fn expected_work(&self, settings: &[(String, toml::Value)]) -> f64 {
        let mut options = self.options.clone();
        options
            .overrides
            .extend(settings.iter().map(|(k, v)| format!("{k}={v}")));
        crate::scenario::load_str(&self.text, &self.path, &options)
            .map_or(1.0, |(s, _)| s.expected_work().max(1.0))
    }

    /// The scenario's seed after overrides (the base of replication seeds).
    pub fn seed(&self) -> Result<u64, Error> {
        Ok(
            crate::scenario::load_str(&self.text, &self.path, &self.options)?
                .0
                .seed,
        )
    }

    /// A fingerprint of the experiment: the file, the overrides, the
    /// pricing file and the tool's version. Shards of one experiment share it.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= *b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        };
        eat(self.text.as_bytes());
        for o in &self.options.overrides {
            eat(o.as_bytes());
        }
        eat(format!("{:?}", self.options.seed).as_bytes());
        // The files the scenario reads: size and first MiB (enough to tell
        // versions of a trace apart without reading gigabytes).
        if let Ok((s, _)) = crate::scenario::load_str(&self.text, &self.path, &self.options)
            && let Some(t) = &s.workload.trace
        {
            let files = [
                Some(&t.path),
                t.params.durations_file.as_ref(),
                t.params.memory_file.as_ref(),
                t.params.usage_file.as_ref(),
            ];
            for f in files.into_iter().flatten() {
                let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
                eat(&size.to_le_bytes());
                let mut head = Vec::new();
                if let Ok(file) = std::fs::File::open(f) {
                    use std::io::Read;
                    let _ = file.take(1 << 20).read_to_end(&mut head);
                }
                eat(&head);
            }
        }
        if let Some(p) = &self.options.pricing {
            eat(std::fs::read(p).unwrap_or_default().as_slice());
        }
        eat(crate::VERSION.as_bytes());
        format!("{h:016x}")
    }
}

/// Which slice of the points this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// `I/N` with 0 ≤ I < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}`: expected I/N, such as 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("`{text}`: I is not a whole number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{text}`: N is not a whole number"))?;
        if count == 0 || index >= count {
            return Err(format!("`{text}`: need 0 ≤ I < N"));
        }
        Ok(Shard { index, count })
    }

    /// The shard from array-job variables (Kubernetes Indexed Jobs, AWS
    /// Batch array jobs, Slurm job arrays), with the count given.
    pub fn from_env(count: usize) -> Result<Option<Shard>, String> {
        for var in [
            "JOB_COMPLETION_INDEX",
            "AWS_BATCH_JOB_ARRAY_INDEX",
            "SLURM_ARRAY_TASK_ID",
        ] {
            if let Ok(v) = std::env::var(var) {
                let index: usize = v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{var}=`{v}` is not a whole number"))?;
                if index >= count {
                    return Err(format!("{var}={index} but --shards is {count}"));
                }
                return Ok(Some(Shard { index, count }));
            }
        }
        Ok(None)
    }

    /// Whether point `p` belongs here (round robin, so shards get a mix).
    pub fn owns(&self, p: usize) -> bool {
        p % self.count == self.index
    }
}

/// The summaries of one point: one per replication.
pub type PointRuns = Vec<Summary>;

/// `key=value, key=value` for messages.
pub fn describe(settings: &[(String, toml::Value)]) -> String {
    settings
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_the_product_with_zipped_groups() {
        let text = r#"
name = "x"
[sweep]
replications = 3
[[sweep.axis]]
key = "workload.load_scale"
values = [0.5, 1]
[[sweep.axis]]
keys = ["a.b", "a.c"]
values = [[1, "x"], [2, "y"], [3, "z"]]
"#;
        let s = Sweep::parse(text, Path::new("s.toml")).unwrap().unwrap();
        assert_eq!(s.replications, 3);
        let p = s.points();
        assert_eq!(p.len(), 6);
        assert_eq!(
            describe(&p[0].settings),
            "workload.load_scale=0.5, a.b=1, a.c=\"x\""
        );
        assert_eq!(
            describe(&p[5].settings),
            "workload.load_scale=1, a.b=3, a.c=\"z\""
        );
        assert_eq!(s.keys(), ["workload.load_scale", "a.b", "a.c"]);
    }

    #[test]
    fn bad_sweeps_name_the_key() {
        let e = Sweep::parse(
            "name='x'\n[[sweep.axis]]\nkeys=['a','b']\nvalues=[[1]]\n",
            Path::new("s.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("sweep.axis[0].values[0]") && e.contains("2 values"),
            "{e}"
        );
        let e = Sweep::parse("name='x'\n[sweep]\nreplication=2\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("sweep.replication"), "{e}");
    }

    #[test]
    fn shards_split_round_robin() {
        let s = Shard::parse("1/3").unwrap();
        let mine: Vec<usize> = (0..10).filter(|p| s.owns(*p)).collect();
        assert_eq!(mine, [1, 4, 7]);
        assert!(Shard::parse("3/3").is_err());
        assert_eq!(replication_seed(7, 0), 7);
        // Regression: seeds above i64::MAX were clamped by the loader, so
        // half the replications ran with the same seed.
        assert!((1..1000).all(|r| replication_seed(u64::MAX / 3, r) <= i64::MAX as u64));
        assert_ne!(replication_seed(7, 1), replication_seed(7, 2));
    }
}
