//! A run repeated with other seeds (`run --replications N`): each option's
//! whole-bill total in every run, and whether the gap between two options
//! is larger than the runs' noise.
//!
//! One run cannot tell a real difference from the luck of its random draws
//! (start-up times, Spot interruptions, sampled arrivals). The runs here use
//! the seeds a sweep's replications use, the first being the run's own, so
//! the files written stay those of the single run. The options of one run
//! share its workload's random streams, so the gap between two options is
//! judged on the paired differences, run by run, whose spread is far
//! smaller than that of either total (common random numbers).

use super::format::format_usd_fine;
use super::summary::{PlatformSummary, Summary};
pub use super::summary::{ReplicatedOption, Replications};

/// The gap between two options over the runs: the dearer (or slower) minus
/// the other, run by run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gap {
    /// The mean of the paired differences (USD for totals, seconds for
    /// start times).
    pub mean: f64,
    /// Its 95% Student-t half-width.
    pub half_width: f64,
    pub runs: usize,
}

impl Gap {
    /// The mean and interval of paired differences; None with fewer than
    /// two.
    fn of(diffs: Vec<f64>) -> Option<Gap> {
        if diffs.len() < 2 {
            return None;
        }
        let (mean, _, half) = crate::stats::mean_ci(&diffs)?;
        Some(Gap {
            mean,
            half_width: half.unwrap_or(0.0),
            runs: diffs.len(),
        })
    }

    /// Whether the interval lies wholly above zero: `dearer` costs more
    /// beyond the runs' noise.
    pub fn is_finding(&self) -> bool {
        self.mean - self.half_width > 0.0
    }
}

impl Replications {
    /// Builds the record from each run's platform summaries (this run's
    /// first), all with the same platforms in the same order.
    pub fn from_runs(seeds: Vec<u64>, runs: &[&[PlatformSummary]]) -> Replications {
        let names: Vec<&str> = runs
            .first()
            .map(|ps| ps.iter().map(|p| p.name.as_str()).collect())
            .unwrap_or_default();
        let platforms = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let totals: Vec<f64> = runs.iter().map(|ps| ps[i].cost.total_usd).collect();
                let (mean, sd, half) = crate::stats::mean_ci(&totals).unwrap_or((0.0, None, None));
                let half = half.unwrap_or(0.0);
                let undone = runs
                    .iter()
                    .filter(|ps| {
                        super::compare::field(ps)
                            .excluded
                            .iter()
                            .any(|(p, _)| p.name == **name)
                    })
                    .count() as u32;
                ReplicatedOption {
                    name: name.to_string(),
                    start_p95_s: runs
                        .iter()
                        .map(|ps| ps[i].latency.time_to_start.p95)
                        .collect(),
                    cost_total_usd: totals,
                    mean_usd: mean,
                    sd_usd: sd.unwrap_or(0.0),
                    ci95_usd: [mean - half, mean + half],
                    runs_with_work_undone: undone,
                }
            })
            .collect();
        Replications { seeds, platforms }
    }

    /// One option's record, by name.
    fn option(&self, name: &str) -> Option<&ReplicatedOption> {
        self.platforms.iter().find(|p| p.name == name)
    }

    /// The paired gap of the totals, `dearer − cheaper`, or None when
    /// either is unknown or there are fewer than two runs.
    pub fn gap(&self, cheaper: &str, dearer: &str) -> Option<Gap> {
        self.paired(cheaper, dearer, |p| {
            p.cost_total_usd.iter().copied().map(Some).collect()
        })
    }

    /// The paired gap of the start p95, `slower − faster`, over the runs in
    /// which both started tasks; None with fewer than two such runs.
    pub fn start_gap(&self, faster: &str, slower: &str) -> Option<Gap> {
        self.paired(faster, slower, |p| p.start_p95_s.clone())
    }

    /// The gap of `value`, `second − first`, run by run, over the runs in
    /// which both have one.
    fn paired(
        &self,
        first: &str,
        second: &str,
        value: impl Fn(&ReplicatedOption) -> Vec<Option<f64>>,
    ) -> Option<Gap> {
        let (a, b) = (value(self.option(first)?), value(self.option(second)?));
        Gap::of(
            a.iter()
                .zip(&b)
                .filter_map(|(x, y)| Some((*y)? - (*x)?))
                .collect(),
        )
    }
}

/// A gap below this share of the dearer option's total is, from one run,
/// only worth calling with replications: the verdicts then say how to
/// measure the noise.
pub const ONE_RUN_HINT_SHARE: f64 = 0.05;

/// What the runs say of the two options this run found cheapest and next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Judged {
    /// The cheaper of this run is cheaper beyond the noise.
    First(Gap),
    /// The other one is cheaper beyond the noise, whatever this run said.
    Second(Gap),
    /// The gap is within the noise.
    Neither(Gap),
}

/// Judges `cheaper` (this run's cheapest) against `dearer` over the runs.
pub fn judge(r: &Replications, cheaper: &str, dearer: &str) -> Option<Judged> {
    let g = r.gap(cheaper, dearer)?;
    Some(if g.is_finding() {
        Judged::First(g)
    } else if g.mean + g.half_width < 0.0 {
        Judged::Second(g)
    } else {
        Judged::Neither(g)
    })
}

/// The sentence that judges the gap between this run's cheapest option
/// and the next over the runs, with the interval of the difference.
pub fn gap_sentence(r: &Replications, cheaper: &str, dearer: &str) -> Option<String> {
    let j = judge(r, cheaper, dearer)?;
    let (Judged::First(g) | Judged::Second(g) | Judged::Neither(g)) = j;
    let interval = format!(
        "95% interval of {dearer} minus {cheaper}: {} to {}",
        format_usd_fine(g.mean - g.half_width),
        format_usd_fine(g.mean + g.half_width)
    );
    let undone: Vec<String> = [cheaper, dearer]
        .iter()
        .filter_map(|n| r.option(n))
        .filter(|p| p.runs_with_work_undone > 0)
        .map(|p| {
            format!(
                " {} left work undone in {} of the runs, so its totals there pay for less work than the other's.",
                p.name, p.runs_with_work_undone
            )
        })
        .collect();
    let over = format!(
        "Over {} runs (this one and {} with other seeds)",
        g.runs,
        g.runs - 1
    );
    let said = match j {
        Judged::First(_) => format!(
            "{over}, {cheaper} costs {} less than {dearer} on average ({interval}): more than the runs' noise.",
            format_usd_fine(g.mean)
        ),
        Judged::Second(_) => format!(
            "{over}, {dearer} costs {} less than {cheaper} on average ({interval}): this run's order was luck.",
            format_usd_fine(-g.mean)
        ),
        Judged::Neither(_) => format!(
            "{over}, {dearer} costs {} more than {cheaper} on average ({interval}): within the runs' noise, so neither is cheaper on this evidence.",
            format_usd_fine(g.mean)
        ),
    };
    Some(said + &undone.concat())
}

/// The lines `run` prints under its table: each option's mean total and
/// interval over the runs, and the judgement of the two cheapest of this
/// run among those that did the work.
pub fn render_text(r: &Replications, platforms: &[PlatformSummary]) -> String {
    let usd = super::format::format_usd_cents;
    let mut text = format!(
        "over {} runs (this one and {} with other seeds), total cost mean and 95% interval:\n",
        r.seeds.len(),
        r.seeds.len().saturating_sub(1)
    );
    for p in &r.platforms {
        text.push_str(&format!(
            "  {:<14} {} ({} to {}){}\n",
            p.name,
            usd(p.mean_usd),
            usd(p.ci95_usd[0]),
            usd(p.ci95_usd[1]),
            if p.runs_with_work_undone > 0 {
                format!(
                    "; left work undone in {} of the runs",
                    p.runs_with_work_undone
                )
            } else {
                String::new()
            }
        ));
    }
    if let [first, second, ..] = super::compare::field(platforms).by_cost().as_slice()
        && let Some(s) = gap_sentence(r, &first.name, &second.name)
    {
        text.push_str(&s);
        text.push('\n');
    }
    text
}

/// What the verdicts (report.html, `explain`) say of this run's cheapest
/// option against the next: the one rule both follow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CostCall {
    /// Cheaper: beyond the runs' noise, or in one run beyond the fixed
    /// floor of [`super::compare::same_cost`].
    Cheaper,
    /// One run, within that floor: "about the same".
    AboutSame,
    /// Over replications, not cheaper beyond their noise.
    Untold(Gap),
}

/// The call on `cheaper` (this run's cheapest) against `dearer`.
pub fn cost_call(s: &Summary, cheaper: &PlatformSummary, dearer: &PlatformSummary) -> CostCall {
    match s
        .replications
        .as_ref()
        .and_then(|r| judge(r, &cheaper.name, &dearer.name))
    {
        Some(Judged::First(_)) => CostCall::Cheaper,
        Some(Judged::Neither(g) | Judged::Second(g)) => CostCall::Untold(g),
        None if super::compare::same_cost(cheaper.cost.total_usd, dearer.cost.total_usd) => {
            CostCall::AboutSame
        }
        None => CostCall::Cheaper,
    }
}

/// Whether two options start tasks about as fast (p95): with replications,
/// unless the runs show this run's faster one faster beyond their noise;
/// in one run, by [`super::compare::same_latency`]. False when either
/// started no task.
pub fn same_start(s: &Summary, a: &PlatformSummary, b: &PlatformSummary) -> bool {
    let p95 = |p: &PlatformSummary| p.latency.time_to_start.p95;
    let (Some(x), Some(y)) = (p95(a), p95(b)) else {
        return false;
    };
    let (faster, slower) = if x <= y { (a, b) } else { (b, a) };
    match s
        .replications
        .as_ref()
        .and_then(|r| r.start_gap(&faster.name, &slower.name))
    {
        Some(g) => !g.is_finding(),
        None => super::compare::same_latency(x, y),
    }
}

/// The advice for a single run whose two cheapest options are within
/// [`ONE_RUN_HINT_SHARE`] of each other, or None.
pub fn one_run_hint(cheaper_usd: f64, dearer_usd: f64) -> Option<String> {
    let close = dearer_usd > 0.0 && (dearer_usd - cheaper_usd) < ONE_RUN_HINT_SHARE * dearer_usd;
    close.then(|| {
        "This is one run: `fargate-sim run --replications 5` repeats it with other seeds and says whether a gap this small is more than noise.".to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(a: &[f64], b: &[f64]) -> Replications {
        let one = |name: &str, xs: &[f64]| {
            let (mean, sd, half) = crate::stats::mean_ci(xs).unwrap();
            ReplicatedOption {
                name: name.into(),
                cost_total_usd: xs.to_vec(),
                mean_usd: mean,
                sd_usd: sd.unwrap_or(0.0),
                ci95_usd: [mean - half.unwrap_or(0.0), mean + half.unwrap_or(0.0)],
                runs_with_work_undone: 0,
                start_p95_s: xs.iter().map(|x| Some(*x)).collect(),
            }
        };
        Replications {
            seeds: (0..a.len() as u64).collect(),
            platforms: vec![one("a", a), one("b", b)],
        }
    }

    /// Paired differences by hand: b − a = 1, 2, 3 → mean 2, sd 1, half
    /// t(0.975, 2) × 1 / √3 = 4.302653 / 1.732051 = 2.484138.
    #[test]
    fn the_gap_is_judged_on_paired_differences() {
        let r = record(&[10.0, 20.0, 30.0], &[11.0, 22.0, 33.0]);
        let g = r.gap("a", "b").unwrap();
        assert!((g.mean - 2.0).abs() < 1e-12);
        assert!((g.half_width - 2.484138).abs() < 1e-5, "{g:?}");
        // 2 − 2.48 < 0: not a finding, although b costs more in every run.
        assert!(!g.is_finding());
        // The totals spread far more than their differences: a constant
        // gap of $1 is a finding however much the totals vary.
        let r = record(&[10.0, 20.0, 30.0], &[11.0, 21.0, 31.0]);
        let g = r.gap("a", "b").unwrap();
        assert_eq!((g.mean, g.half_width), (1.0, 0.0));
        assert!(g.is_finding());
        assert!(
            gap_sentence(&r, "a", "b")
                .unwrap()
                .contains("more than the runs' noise")
        );
        assert!(matches!(judge(&r, "a", "b"), Some(Judged::First(_))));
        assert!(matches!(judge(&r, "b", "a"), Some(Judged::Second(_))));
        let noisy = record(&[10.0, 20.0, 30.0], &[11.0, 22.0, 33.0]);
        assert!(matches!(judge(&noisy, "a", "b"), Some(Judged::Neither(_))));
        assert_eq!(format_usd_fine(0.00004), "$0.0000");
        assert_eq!(format_usd_fine(-0.00004), "$0.0000");
        assert_eq!(format_usd_fine(-0.005), "-$0.0050");
        assert_eq!(format_usd_fine(0.063), "$0.06");
        assert_eq!(format_usd_fine(1234.5), "$1,234.50");
        let mut partial = r.clone();
        partial.platforms[1].runs_with_work_undone = 2;
        assert!(
            gap_sentence(&partial, "a", "b")
                .unwrap()
                .ends_with("b left work undone in 2 of the runs, so its totals there pay for less work than the other's.")
        );
        // Start times are paired the same way (the helper uses the totals
        // as p95 seconds too).
        assert_eq!(r.start_gap("a", "b"), r.gap("a", "b"));
        // Unknown names, or one run: no judgement.
        assert!(r.gap("a", "c").is_none());
        assert!(record(&[1.0], &[2.0]).gap("a", "b").is_none());
    }

    #[test]
    fn a_close_single_run_gets_the_hint_and_a_wide_gap_does_not() {
        assert!(one_run_hint(98.0, 100.0).is_some());
        assert!(one_run_hint(94.0, 100.0).is_none());
        assert!(one_run_hint(0.0, 0.0).is_none());
    }
}
