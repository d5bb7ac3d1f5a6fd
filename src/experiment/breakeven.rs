//! `fargate-sim breakeven`: where two platforms' costs cross along one axis
//! (the load at which an EC2 cluster becomes cheaper than Fargate, say),
//! found by bisection. Each evaluation is one run of the scenario with the
//! axis set; the search stops when the bracket is narrower than the
//! tolerance or after 60 steps. The chart draws both costs against the
//! axis with the crossing marked.
//!
//! Totals compare only when both sides did the same work: an evaluation
//! where either side left work undone (tasks that could never run, still
//! waiting at the end, far fewer completed) is flagged, and a crossing
//! next to one is not a like-for-like crossing. A cost is noisy (start-up
//! draws, billing steps), so the crossing is printed with the precision the
//! evaluations give it: the span of axis values where the two costs are
//! within [`crate::report::compare::COST_NOISE_SHARE`] of each other.

use super::plan::Base;
use crate::Error;
use crate::report::compare;
use crate::report::xy_chart::{XyChart, XySeries, render_xy};

/// When the bounds' costs do not cross, the range is also run at the
/// points that cut it into this many equal steps (7 more runs).
pub const GRID_STEPS: u32 = 8;

/// One evaluation: the axis value, the two platforms' costs, and the work
/// each left undone (None when it did the work).
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub x: f64,
    pub cost_a: f64,
    pub cost_b: f64,
    pub undone_a: Option<String>,
    pub undone_b: Option<String>,
}

impl Evaluation {
    /// Whether both sides did the same work, so their totals compare.
    pub fn like_for_like(&self) -> bool {
        self.undone_a.is_none() && self.undone_b.is_none()
    }
}

/// The result of a search.
#[derive(Clone, Debug, PartialEq)]
pub struct Breakeven {
    pub a: String,
    pub b: String,
    pub axis: String,
    /// The crossing, when the costs cross between the bounds.
    pub crossing: Option<f64>,
    /// The axis values around the crossing where the two costs are within
    /// the noise of each other: the crossing is known only to this span.
    pub span: Option<(f64, f64)>,
    pub evaluations: Vec<Evaluation>,
}

/// A platform's total and why it cannot be compared (its undone work).
fn cost_of(s: &crate::report::Summary, name: &str) -> Result<(f64, Option<String>), Error> {
    let best = s
        .platforms
        .iter()
        .map(|p| p.tasks.completed)
        .max()
        .unwrap_or(0);
    s.platforms
        .iter()
        .find(|p| p.name == name)
        .map(|p| (p.cost.total_usd, compare::excluded_because(p, best)))
        .ok_or_else(|| {
            Error::BadInput(format!(
                "no platform `{name}` in the scenario (it has: {})",
                s.platforms
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// Searches `[lo, hi]` of `axis` for where platform `a` and `b` cost the same
/// (the first two platforms when not named).
pub fn find(
    base: &Base,
    axis: &str,
    lo: f64,
    hi: f64,
    names: Option<(String, String)>,
    tolerance: f64,
) -> Result<Breakeven, Error> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::BadInput(format!(
            "--between {lo} {hi}: need two finite numbers, the first smaller"
        )));
    }
    // A key that takes a whole number (`platforms.NAME.max`, a burst) is
    // searched over whole numbers: told from the first run's refusal of a
    // decimal value.
    let mut probe = base.options.clone();
    probe
        .overrides
        .push(format!("{axis}={}", toml::Value::Float(lo)));
    let whole = match crate::scenario::load_str(&base.text, &base.path, &probe) {
        Err(crate::scenario::ScenarioError::Override { message, .. })
            if message.contains("expected i64") =>
        {
            if lo.fract() != 0.0 || hi.fract() != 0.0 || hi.abs() >= 1e15 || lo.abs() >= 1e15 {
                return Err(Error::BadInput(format!(
                    "--between {lo} {hi}: `{axis}` takes a whole number; give two whole numbers, such as --between 1 20"
                )));
            }
            true
        }
        _ => false,
    };
    let value = |x: f64| {
        if whole {
            toml::Value::Integer(x as i64)
        } else {
            toml::Value::Float(x)
        }
    };
    let eval =
        |x: f64, names: &Option<(String, String)>| -> Result<(Evaluation, String, String), Error> {
            let s = base.run(&[(axis.to_string(), value(x))], None)?;
            let (a, b) = match names {
                Some((a, b)) => (a.clone(), b.clone()),
                None => {
                    if s.platforms.len() < 2 {
                        return Err(Error::BadInput(
                            "breakeven needs two platforms; this scenario has fewer".into(),
                        ));
                    }
                    (s.platforms[0].name.clone(), s.platforms[1].name.clone())
                }
            };
            let (cost_a, undone_a) = cost_of(&s, &a)?;
            let (cost_b, undone_b) = cost_of(&s, &b)?;
            Ok((
                Evaluation {
                    x,
                    cost_a,
                    cost_b,
                    undone_a,
                    undone_b,
                },
                a,
                b,
            ))
        };
    let (e_lo, a, b) = eval(lo, &names)?;
    let names = Some((a.clone(), b.clone()));
    let (e_hi, _, _) = eval(hi, &names)?;
    let mut evaluations = vec![e_lo.clone(), e_hi.clone()];
    let diff = |e: &Evaluation| e.cost_a - e.cost_b;
    let (mut l, mut h) = (e_lo, e_hi);
    // The ends do not bracket a crossing: run evenly spaced points between
    // them, so the chart draws the costs' real shape rather than a straight
    // line between the ends, and a dip (two crossings) is found: the first
    // pair of neighbours whose difference changes sign is then bisected.
    if diff(&l) != 0.0 && diff(&h) != 0.0 && diff(&l).signum() == diff(&h).signum() {
        let mut prev = l.clone();
        let mut bracket = None;
        for k in 1..GRID_STEPS {
            let x = lo + (hi - lo) * k as f64 / GRID_STEPS as f64;
            let x = if whole { x.round() } else { x };
            if x <= prev.x || x >= hi {
                continue;
            }
            let (m, _, _) = eval(x, &names)?;
            evaluations.push(m.clone());
            if bracket.is_none() && (diff(&m) == 0.0 || diff(&m).signum() != diff(&prev).signum()) {
                bracket = Some((prev.clone(), m.clone()));
            }
            prev = m;
        }
        if let Some((p, m)) = bracket {
            (l, h) = (p, m);
        }
    }
    let crossing = if diff(&l) == 0.0 {
        Some(l.x)
    } else if diff(&h) == 0.0 {
        Some(h.x)
    } else if diff(&l).signum() == diff(&h).signum() {
        None
    } else {
        let width = (hi - lo) * tolerance.max(1e-12);
        // On whole numbers the search ends at two neighbours.
        let width = if whole { width.max(1.0) } else { width };
        let mut steps = 0;
        while h.x - l.x > width && steps < 60 {
            let mid = if whole {
                (0.5 * (l.x + h.x)).floor()
            } else {
                0.5 * (l.x + h.x)
            };
            let (m, _, _) = eval(mid, &names)?;
            evaluations.push(m.clone());
            if diff(&m) == 0.0 {
                l = m.clone();
                h = m;
                break;
            }
            if diff(&m).signum() == diff(&l).signum() {
                l = m;
            } else {
                h = m;
            }
            steps += 1;
        }
        // Linear interpolation inside the final bracket.
        let (dl, dh) = (diff(&l), diff(&h));
        Some(if dl == dh {
            l.x
        } else {
            l.x + (h.x - l.x) * dl / (dl - dh)
        })
    };
    evaluations.sort_by(|p, q| p.x.total_cmp(&q.x));
    let span = crossing.map(|x| noise_span(&evaluations, x, (l.x, h.x)));
    Ok(Breakeven {
        span,
        a,
        b,
        axis: axis.to_string(),
        crossing,
        evaluations,
    })
}

/// The span of axis values over which the crossing is uncertain: from the
/// final bracket around `x`, out to every evaluation where the two costs
/// are within the noise of each other, and every pair of neighbours whose
/// difference changes sign (a jumpy cost can cross more than once).
fn noise_span(evaluations: &[Evaluation], x: f64, bracket: (f64, f64)) -> (f64, f64) {
    let (mut lo, mut hi) = (bracket.0.min(x), bracket.1.max(x));
    let diff = |e: &Evaluation| e.cost_a - e.cost_b;
    for e in evaluations {
        if e.cost_a == e.cost_b || compare::same_cost(e.cost_a, e.cost_b) {
            lo = lo.min(e.x);
            hi = hi.max(e.x);
        }
    }
    for w in evaluations.windows(2) {
        if diff(&w[0]).signum() != diff(&w[1]).signum() {
            lo = lo.min(w[0].x);
            hi = hi.max(w[1].x);
        }
    }
    (lo, hi)
}

/// `x` rounded to the decimals its uncertainty (a half-width) allows.
pub fn with_precision(x: f64, half_width: f64) -> String {
    let decimals = if half_width > 0.0 && half_width.is_finite() {
        (-half_width.log10().floor()).clamp(0.0, 12.0) as usize
    } else {
        6
    };
    format!("{x:.decimals$}")
}

impl Breakeven {
    /// The crossing as printed: rounded to the precision its span allows.
    pub fn crossing_text(&self) -> Option<String> {
        let x = self.crossing?;
        let (lo, hi) = self.span.unwrap_or((x, x));
        Some(with_precision(x, 0.5 * (hi - lo)))
    }

    /// Evaluations next to the crossing where a side left work undone.
    pub fn unlike_near_crossing(&self) -> Vec<&Evaluation> {
        let Some(x) = self.crossing else {
            return Vec::new();
        };
        let below = self.evaluations.iter().rfind(|e| e.x <= x);
        let above = self.evaluations.iter().find(|e| e.x >= x);
        let mut out: Vec<&Evaluation> = below.into_iter().chain(above).collect();
        out.dedup_by(|a, b| a.x == b.x);
        out.retain(|e| !e.like_for_like());
        out
    }

    /// `breakeven.json`: the crossing, its span, whether it compares like
    /// with like, and every evaluation.
    pub fn to_json(&self) -> serde_json::Value {
        let flagged = self.unlike_near_crossing();
        serde_json::json!({
            "a": self.a,
            "b": self.b,
            "axis": self.axis,
            "crossing": self.crossing,
            "crossing_text": self.crossing_text(),
            "crossing_span": self.span.map(|(lo, hi)| [lo, hi]),
            "cost_noise_share": compare::COST_NOISE_SHARE,
            "like_for_like": self.crossing.is_some() && flagged.is_empty(),
            "evaluations": self.evaluations.iter().map(|e| serde_json::json!({
                "x": e.x,
                "cost_a_usd": e.cost_a,
                "cost_b_usd": e.cost_b,
                "undone_a": e.undone_a,
                "undone_b": e.undone_b,
            })).collect::<Vec<_>>(),
        })
    }

    /// Draws both platforms' cost against the axis, with the crossing
    /// marked, as `dir/breakeven.png` and `.svg`; returns the SVG.
    pub fn chart(&self, dir: &std::path::Path) -> Result<String, Error> {
        let series = |name: &str, color: usize, cost: fn(&Evaluation) -> f64| XySeries {
            name: name.to_string(),
            color,
            points: self.evaluations.iter().map(|e| (e.x, cost(e))).collect(),
            band: Vec::new(),
        };
        let chart = XyChart {
            title: match self.crossing {
                Some(_) => format!("{} and {} against {}", self.a, self.b, self.axis),
                None => format!(
                    "{} and {} against {}: no crossing within the range",
                    self.a, self.b, self.axis
                ),
            },
            x_desc: self.axis.clone(),
            y_desc: "total cost (USD)".into(),
            money_y: true,
            money_x: false,
            scatter: false,
            series: vec![
                series(&self.a, 0, |e| e.cost_a),
                series(&self.b, 1, |e| e.cost_b),
            ],
            marker: self.crossing.map(|x| {
                (
                    x,
                    format!(" break-even {}", self.crossing_text().unwrap_or_default()),
                )
            }),
            frontier: Vec::new(),
            off_frontier: Vec::new(),
        };
        render_xy(dir, "breakeven", &chart)
    }

    /// The line for a search that found no crossing: which side is cheaper
    /// at the ends, and how many points were run, so a crossing and its
    /// return between two of them (a dip narrower than a step) is not
    /// ruled out.
    fn no_crossing(&self, lo: f64, hi: f64) -> String {
        let (Some(first), Some(last)) = (self.evaluations.first(), self.evaluations.last()) else {
            return format!(
                "{} and {}: no crossing within the range {lo} to {hi}\n",
                self.a, self.b
            );
        };
        let cheaper = |e: &Evaluation| {
            if e.cost_a < e.cost_b {
                Some(&self.a)
            } else if e.cost_b < e.cost_a {
                Some(&self.b)
            } else {
                None
            }
        };
        let ends = match (cheaper(first), cheaper(last)) {
            (Some(x), Some(y)) if x == y => {
                let gap = |e: &Evaluation| (e.cost_a - e.cost_b).abs();
                let at = if self.evaluations.len() > 2
                    && self.evaluations.iter().all(|e| cheaper(e) == Some(x))
                {
                    "at every one"
                } else {
                    "at both ends"
                };
                format!(
                    "{x} is cheaper {at} (by ${:.2} at {} and ${:.2} at {})",
                    gap(first),
                    first.x,
                    gap(last),
                    last.x
                )
            }
            _ => "they cost the same at an end".to_string(),
        };
        let n = self.evaluations.len();
        let caveat = if n > 2 {
            "; a crossing and its return between two neighbouring points is not ruled out (a narrower --between looks closer)"
        } else {
            "; only the ends were run, so a narrower --between (or a [sweep]) is needed to rule out two crossings in between"
        };
        format!(
            "{} and {}: no crossing within the range {lo} to {hi} ({n} points run): {ends}{caveat}\n",
            self.a, self.b
        )
    }

    /// Every evaluation, one line each, then where the costs cross (or that
    /// they do not between `lo` and `hi`).
    pub fn describe(&self, lo: f64, hi: f64) -> String {
        let mut text = String::new();
        for e in &self.evaluations {
            let mut flag = String::new();
            for (name, undone) in [(&self.a, &e.undone_a), (&self.b, &e.undone_b)] {
                if let Some(u) = undone {
                    flag.push_str(&format!("   ! {name} left work undone: {u}"));
                }
            }
            text.push_str(&format!(
                "  {} = {:<12} {} ${:>12.6}   {} ${:>12.6}{flag}\n",
                self.axis,
                crate::report::format::clean_number(&e.x.to_string()),
                self.a,
                e.cost_a,
                self.b,
                e.cost_b
            ));
        }
        match (self.crossing, self.crossing_text()) {
            (Some(_), Some(x)) => {
                let (lo, hi) = self.span.unwrap_or_default();
                text.push_str(&format!(
                    "{} and {} cost the same at {} = {x} (within {:.0}% of each other from {} to {}; {} evaluations)\n",
                    self.a,
                    self.b,
                    self.axis,
                    compare::COST_NOISE_SHARE * 100.0,
                    with_precision(lo, 0.5 * (hi - lo)),
                    with_precision(hi, 0.5 * (hi - lo)),
                    self.evaluations.len()
                ));
                let flagged = self.unlike_near_crossing();
                if !flagged.is_empty() {
                    text.push_str(
                        "warning: not a like-for-like crossing: next to it, a side left work undone (marked ! above), so its lower total pays for less work\n",
                    );
                }
            }
            _ => text.push_str(&self.no_crossing(lo, hi)),
        }
        if self.crossing.is_none() && self.evaluations.iter().any(|e| !e.like_for_like()) {
            text.push_str(
                "warning: a side left work undone at the evaluations marked ! above: their totals pay for less work and do not compare\n",
            );
        }
        text
    }
}
