//! `fargate-sim calibrate EVENTS`: fits the start-up an account measured
//! (ECS task exports: provisioning `createdAt`→`pullStartedAt`, image pull
//! `pullStartedAt`→`pullStoppedAt`, container start
//! `pullStoppedAt`→`startedAt`; pods: created→scheduled and
//! scheduled→started), per launch type, as lognormal distributions; says
//! how well each fits (Kolmogorov–Smirnov D), draws a quantile-quantile
//! chart of each launch type against its fits, and writes the `startup` keys
//! a scenario can paste.

use crate::Error;
use crate::io::files::write_atomic;
use crate::workload::formats::lifecycle::{Export, Launch};
use crate::workload::formats::{Format, OnBadRow, SkipCounter, ecs_tasks, kube_pods};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// z of the normal distribution's 90th percentile.
const Z90: f64 = 1.281_551_565_544_600_5;

/// A lognormal fitted to spans (maximum likelihood on ln seconds).
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Spans fitted (zero spans are left out: a lognormal has none).
    pub n: usize,
    /// Zero spans left out.
    pub zeros: usize,
    pub mu: f64,
    pub sigma: f64,
    /// Kolmogorov–Smirnov D between the spans and the fit (0 for a constant).
    pub ks_d: f64,
    /// Every span equal: a constant (seconds).
    pub constant: Option<f64>,
}

impl Fit {
    pub fn median_s(&self) -> f64 {
        self.constant.unwrap_or_else(|| self.mu.exp())
    }

    pub fn p90_s(&self) -> f64 {
        self.constant
            .unwrap_or_else(|| (self.mu + Z90 * self.sigma).exp())
    }

    /// The distribution as a scenario writes it.
    pub fn dist(&self) -> String {
        match self.constant {
            Some(c) => format!("{{ dist = \"constant\", value = \"{}\" }}", secs(c)),
            None => format!(
                "{{ dist = \"lognormal\", median = \"{}\", p90 = \"{}\" }}",
                secs(self.median_s()),
                secs(self.p90_s().max(self.median_s()))
            ),
        }
    }

    /// The fit's quantile at `q` (0 < q < 1), seconds.
    pub fn quantile_s(&self, q: f64) -> f64 {
        match self.constant {
            Some(c) => c,
            None => (self.mu + self.sigma * normal_inverse(q)).exp(),
        }
    }
}

/// Seconds as a duration a scenario reads, to the microsecond.
fn secs(s: f64) -> String {
    let us = (s * 1e6).round().max(1.0) as u64;
    let whole = us / 1_000_000;
    let frac = us % 1_000_000;
    if frac == 0 {
        format!("{whole}s")
    } else {
        let f = format!("{frac:06}");
        format!("{whole}.{}s", f.trim_end_matches('0'))
    }
}

/// The standard normal's inverse CDF.
fn normal_inverse(q: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0).map_or(0.0, |n| n.inverse_cdf(q))
}

/// The standard normal's CDF.
fn normal_cdf(x: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0).map_or(0.0, |n| n.cdf(x))
}

/// Fits a lognormal to spans in microseconds; None without a span above 0.
pub fn fit_lognormal(spans_us: &[u64]) -> Option<Fit> {
    let mut xs: Vec<u64> = spans_us.iter().copied().filter(|x| *x > 0).collect();
    let zeros = spans_us.len() - xs.len();
    if xs.is_empty() {
        return None;
    }
    xs.sort_unstable();
    let n = xs.len();
    if xs[0] == xs[n - 1] {
        return Some(Fit {
            n,
            zeros,
            mu: (xs[0] as f64 / 1e6).ln(),
            sigma: 0.0,
            ks_d: 0.0,
            constant: Some(xs[0] as f64 / 1e6),
        });
    }
    let logs: Vec<f64> = xs.iter().map(|x| (*x as f64 / 1e6).ln()).collect();
    let mu = logs.iter().sum::<f64>() / n as f64;
    let sigma = (logs.iter().map(|l| (l - mu) * (l - mu)).sum::<f64>() / n as f64).sqrt();
    let mut d: f64 = 0.0;
    for (i, l) in logs.iter().enumerate() {
        let f = normal_cdf((l - mu) / sigma);
        d = d
            .max((i + 1) as f64 / n as f64 - f)
            .max(f - i as f64 / n as f64);
    }
    Some(Fit {
        n,
        zeros,
        mu,
        sigma,
        ks_d: d,
        constant: None,
    })
}

/// One measured phase of start-up.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseFit {
    /// `provisioning`, `image_pull`, `container_start`, `pull_and_start`,
    /// `scheduling` or `scheduled_to_started`.
    pub phase: &'static str,
    /// From which field to which, as the export names them.
    pub span: &'static str,
    pub spans_us: Vec<u64>,
    pub fit: Option<Fit>,
}

/// The start-up phases measured on one launch type.
#[derive(Clone, Debug, PartialEq)]
pub struct LaunchFit {
    pub launch: Launch,
    pub tasks: usize,
    pub phases: Vec<PhaseFit>,
}

impl LaunchFit {
    pub fn phase(&self, name: &str) -> Option<&Fit> {
        self.phases
            .iter()
            .find(|p| p.phase == name)
            .and_then(|p| p.fit.as_ref())
    }
}

/// Fits the start-up phases of every launch type in the export.
pub fn calibrate(export: &Export) -> Vec<LaunchFit> {
    let mut by: BTreeMap<Launch, Vec<&crate::workload::formats::lifecycle::Lifecycle>> =
        BTreeMap::new();
    for l in &export.lives {
        by.entry(l.launch.clone()).or_default().push(l);
    }
    let span = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) if b >= a => Some((b - a) as u64),
        _ => None,
    };
    by.into_iter()
        .map(|(launch, lives)| {
            let phase = |phase,
                         from_to,
                         f: &dyn Fn(
                &&crate::workload::formats::lifecycle::Lifecycle,
            ) -> Option<u64>| {
                let spans: Vec<u64> = lives.iter().filter_map(f).collect();
                PhaseFit {
                    phase,
                    span: from_to,
                    fit: fit_lognormal(&spans),
                    spans_us: spans,
                }
            };
            let phases = if export.pods {
                vec![
                    phase("scheduling", "creationTimestamp → PodScheduled", &|l| {
                        span(Some(l.created), l.pull_started)
                    }),
                    phase(
                        "scheduled_to_started",
                        "PodScheduled → first container startedAt",
                        &|l| span(l.pull_started, Some(l.started)),
                    ),
                ]
            } else {
                vec![
                    phase("provisioning", "createdAt → pullStartedAt", &|l| {
                        span(Some(l.created), l.pull_started)
                    }),
                    phase("image_pull", "pullStartedAt → pullStoppedAt", &|l| {
                        span(l.pull_started, l.pull_stopped)
                    }),
                    phase("container_start", "pullStoppedAt → startedAt", &|l| {
                        span(l.pull_stopped, Some(l.started))
                    }),
                    phase("pull_and_start", "pullStartedAt → startedAt", &|l| {
                        span(l.pull_started, Some(l.started))
                    }),
                ]
            };
            LaunchFit {
                tasks: lives.len(),
                launch,
                phases,
            }
        })
        .collect()
}

/// The scenario keys for one launch type: `startup` for Fargate (the model's
/// `provisioning` is not billed, its `image_pull` is: the pull and the
/// container start, both billed by Fargate, go into `image_pull`), and
/// `container_start.image_pull` for EC2 instances and nodes.
pub fn keys(l: &LaunchFit) -> Option<String> {
    let fargate_pull = l
        .phase("pull_and_start")
        .or_else(|| l.phase("scheduled_to_started"));
    if l.launch.is_fargate() {
        let prov = l.phase("provisioning").or_else(|| l.phase("scheduling"));
        let mut parts = Vec::new();
        if let Some(p) = prov {
            parts.push(format!("provisioning = {}", p.dist()));
        }
        if let Some(p) = fargate_pull {
            parts.push(format!("image_pull = {}", p.dist()));
        }
        (!parts.is_empty()).then(|| format!("startup = {{ {} }}", parts.join(", ")))
    } else {
        fargate_pull.map(|p| format!("container_start = {{ image_pull = {} }}", p.dist()))
    }
}

/// The table name a launch type's keys go under in `startup.toml`.
pub fn table_name(l: &Launch) -> String {
    l.name().to_ascii_lowercase().replace([':', '.'], "_")
}

/// Reads an ECS or Kubernetes export (its format detected from the file),
/// with the node types from `nodes` when given.
pub fn read_export(
    path: &Path,
    nodes: Option<&Path>,
    strict: bool,
) -> Result<(Export, SkipCounter), Error> {
    if !path.is_file() {
        return Err(Error::BadInput(format!(
            "{}: {}; give an ECS task export (describe-tasks JSON or task state-change events) or `kubectl get pods -A -o json` output",
            path.display(),
            if path.is_dir() {
                "a folder, not a file"
            } else {
                "no such file"
            }
        )));
    }
    let format = match Format::detect(path) {
        Ok(f) => f,
        // The detector's own advice names the scenario key `workload.format`,
        // which means nothing to `calibrate`: say what this command reads.
        Err(crate::workload::task::WorkloadError::Format { .. }) => {
            return Err(Error::BadInput(format!(
                "{}: neither an ECS task export (describe-tasks JSON or \"ECS Task State Change\" events) nor Kubernetes pods (`kubectl get pods -A -o json`), which is what `calibrate` and `new --from` read; export one of them from your account (README, \"Replay your own account\")",
                path.display()
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let policy = if strict {
        OnBadRow::Error
    } else {
        OnBadRow::Skip
    };
    let skipped = SkipCounter::default();
    let export = match format {
        Format::EcsTasks => {
            if let Some(n) = nodes {
                return Err(Error::BadInput(format!(
                    "--nodes {}: a nodes file goes with Kubernetes pods; {} holds ECS tasks",
                    n.display(),
                    path.display()
                )));
            }
            ecs_tasks::read(path, policy, &skipped)?
        }
        Format::KubernetesPods => {
            let nodes = match nodes {
                Some(n) => kube_pods::read_nodes(n)?,
                None => Default::default(),
            };
            kube_pods::read(path, &nodes, policy, &skipped)?
        }
        other => {
            return Err(Error::BadInput(format!(
                "{}: a `{}` trace has no start-up times; `calibrate` and `new --from` read ECS task exports (describe-tasks JSON, \"ECS Task State Change\" events) and Kubernetes pods (`kubectl get pods -A -o json`); `new --trace` replays any other trace",
                path.display(),
                other.name()
            )));
        }
    };
    if export.lives.is_empty() {
        return Err(Error::BadInput(format!(
            "{}: no task or pod that ran{}",
            path.display(),
            skipped_text(&skipped)
        )));
    }
    Ok((export, skipped))
}

/// "; N records skipped: reason (count), …" or nothing.
pub fn skipped_text(skipped: &SkipCounter) -> String {
    let counts = skipped.counts();
    if counts.is_empty() {
        return String::new();
    }
    let list: Vec<String> = counts.iter().map(|(r, n)| format!("{r} ({n})")).collect();
    format!("; {} records skipped: {}", skipped.total(), list.join(", "))
}

/// The text of `startup.toml`: each launch type's keys under its own table.
pub fn startup_toml(source: &Path, fits: &[LaunchFit]) -> String {
    let mut out = format!(
        "# Start-up measured in {} (`fargate-sim calibrate`).\n# Copy a table's keys into a [[platforms]] block of that kind.\n",
        source.display()
    );
    for l in fits {
        let Some(k) = keys(l) else { continue };
        let _ = writeln!(out, "\n# {} ({} tasks)", l.launch.name(), l.tasks);
        for p in &l.phases {
            if let Some(f) = &p.fit {
                let _ = writeln!(
                    out,
                    "#   {} ({}): n = {}, mu = {:.4}, sigma = {:.4}, KS D = {:.3}",
                    p.phase, p.span, f.n, f.mu, f.sigma, f.ks_d
                );
            }
        }
        let _ = writeln!(out, "[{}]\n{k}", table_name(&l.launch));
    }
    out
}

/// Runs `calibrate`: prints the fits, writes `startup.toml` and a Q-Q chart
/// per launch type into `out`. The folder is taken as `run` takes its
/// own: new, empty, or holding an earlier `startup.toml` (replaced only
/// with `force`, its stale charts removed); a file or a folder of other
/// things is refused.
pub fn run(
    events: &Path,
    nodes: Option<&Path>,
    out: &Path,
    strict: bool,
    force: bool,
) -> Result<String, Error> {
    crate::io::files::prepare_dir(out, "startup.toml", force)?;
    let (export, skipped) = read_export(events, nodes, strict)?;
    let fits = calibrate(&export);
    let mut written = vec!["startup.toml".to_string()];
    let mut text = format!(
        "{}: {} {}{}\n",
        events.display(),
        export.lives.len(),
        if export.pods { "pods" } else { "tasks" },
        skipped_text(&skipped)
    );
    for n in &export.notes {
        let _ = writeln!(text, "  note: {n}");
    }
    for l in &fits {
        let _ = writeln!(text, "\n{} ({} tasks)", l.launch.name(), l.tasks);
        let _ = writeln!(
            text,
            "  {:<22} {:<42} {:>6} {:>10} {:>10} {:>8} {:>8} {:>6}",
            "phase", "span", "n", "median", "p90", "mu", "sigma", "KS D"
        );
        for p in &l.phases {
            match &p.fit {
                Some(f) => {
                    let _ = writeln!(
                        text,
                        "  {:<22} {:<42} {:>6} {:>10} {:>10} {:>8.4} {:>8.4} {:>6.3}{}",
                        p.phase,
                        p.span,
                        f.n,
                        secs(f.median_s()),
                        secs(f.p90_s()),
                        f.mu,
                        f.sigma,
                        f.ks_d,
                        if f.zeros > 0 {
                            format!("  ({} zero spans left out)", f.zeros)
                        } else {
                            String::new()
                        }
                    );
                }
                None => {
                    let _ = writeln!(text, "  {:<22} {:<42} no span measured", p.phase, p.span);
                }
            }
        }
        if let Some(k) = keys(l) {
            let _ = writeln!(text, "  keys: {k}");
        }
        let chart = qq_chart(l);
        if !chart.series.is_empty() {
            let name = format!("qq-{}", table_name(&l.launch).replace('_', "-"));
            crate::report::xy_chart::render_xy(out, &name, &chart)?;
            written.extend([format!("{name}.png"), format!("{name}.svg")]);
            let _ = writeln!(
                text,
                "  chart: {}",
                out.join(format!("{name}.png")).display()
            );
        }
    }
    let toml_path = out.join("startup.toml");
    write_atomic(&toml_path, startup_toml(events, &fits).as_bytes())?;
    let removed = crate::io::files::remove_stale(out, &written, is_calibrate_file)?;
    text.push_str(&super::sweep::removed_line(&removed));
    let _ = writeln!(
        text,
        "\nwrote {}: paste a table's keys into a [[platforms]] block of that kind",
        toml_path.display()
    );
    Ok(text)
}

/// A quantile-quantile chart: each phase's measured spans against its fit.
pub fn qq_chart(l: &LaunchFit) -> crate::report::xy_chart::XyChart {
    use crate::report::xy_chart::{XyChart, XySeries};
    let mut series = Vec::new();
    let mut hi: f64 = 0.0;
    for (i, p) in l.phases.iter().enumerate() {
        let Some(f) = &p.fit else { continue };
        let mut xs: Vec<u64> = p.spans_us.iter().copied().filter(|x| *x > 0).collect();
        xs.sort_unstable();
        let n = xs.len();
        // At most 400 points, evenly spaced in rank.
        let step = n.div_ceil(400).max(1);
        let points: Vec<(f64, f64)> = (0..n)
            .step_by(step)
            .map(|k| {
                let q = (k as f64 + 0.5) / n as f64;
                (f.quantile_s(q), xs[k] as f64 / 1e6)
            })
            .collect();
        hi = points.iter().fold(hi, |h, p| h.max(p.0).max(p.1));
        series.push(XySeries {
            name: format!("{} ({}), KS D {:.3}", p.phase, p.span, f.ks_d),
            color: i,
            points,
            band: Vec::new(),
        });
    }
    if !series.is_empty() {
        series.push(XySeries {
            name: "a perfect fit (measured = fitted)".into(),
            color: 7,
            points: vec![(0.0, 0.0), (hi, hi)],
            band: Vec::new(),
        });
    }
    XyChart {
        title: format!(
            "Start-up on {}: measured quantiles against the fitted lognormal",
            l.launch.name()
        ),
        x_desc: "fitted quantile (s)".into(),
        y_desc: "measured quantile (s)".into(),
        money_y: false,
        money_x: false,
        scatter: false,
        series,
        marker: None,
        frontier: Vec::new(),
        off_frontier: Vec::new(),
    }
}

/// Whether a file name is one `calibrate` writes (its Q-Q charts and
/// `startup.toml`), so `--force` removes an earlier run's stale charts.
pub fn is_calibrate_file(name: &str) -> bool {
    name == "startup.toml"
        || (name.starts_with("qq-") && (name.ends_with(".png") || name.ends_with(".svg")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_to_the_microsecond() {
        assert_eq!(secs(12.0), "12s");
        assert_eq!(secs(7.25), "7.25s");
        assert_eq!(secs(0.0000004), "0.000001s");
    }

    #[test]
    fn equal_spans_are_a_constant() {
        let f = fit_lognormal(&[12_000_000, 12_000_000, 0]).unwrap();
        assert_eq!(f.constant, Some(12.0));
        assert_eq!((f.n, f.zeros), (2, 1));
        assert_eq!(f.dist(), "{ dist = \"constant\", value = \"12s\" }");
    }
}
