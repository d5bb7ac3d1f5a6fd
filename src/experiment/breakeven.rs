//! `fargate-sim breakeven`: where two platforms' costs cross along one axis
//! (the load at which an EC2 cluster becomes cheaper than Fargate, say),
//! found by bisection. Each evaluation is one run of the scenario with the
//! axis set; the search stops when the bracket is narrower than the
//! tolerance or after 60 steps. The chart draws both costs against the
//! axis with the crossing marked.

use super::plan::Base;
use crate::Error;
use crate::report::xy_chart::{XyChart, XySeries, render_xy};

/// One evaluation: the axis value and the two platforms' costs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    pub x: f64,
    pub cost_a: f64,
    pub cost_b: f64,
}

/// The result of a search.
#[derive(Clone, Debug, PartialEq)]
pub struct Breakeven {
    pub a: String,
    pub b: String,
    pub axis: String,
    /// The crossing, when the costs cross between the bounds.
    pub crossing: Option<f64>,
    pub evaluations: Vec<Evaluation>,
}

fn cost_of(s: &crate::report::Summary, name: &str) -> Result<f64, Error> {
    s.platforms
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.cost.total_usd)
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
    let eval =
        |x: f64, names: &Option<(String, String)>| -> Result<(Evaluation, String, String), Error> {
            let s = base.run(&[(axis.to_string(), toml::Value::Float(x))], None)?;
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
            Ok((
                Evaluation {
                    x,
                    cost_a: cost_of(&s, &a)?,
                    cost_b: cost_of(&s, &b)?,
                },
                a,
                b,
            ))
        };
    let (e_lo, a, b) = eval(lo, &names)?;
    let names = Some((a.clone(), b.clone()));
    let (e_hi, _, _) = eval(hi, &names)?;
    let mut evaluations = vec![e_lo, e_hi];
    let diff = |e: &Evaluation| e.cost_a - e.cost_b;
    let (mut l, mut h) = (e_lo, e_hi);
    let crossing = if diff(&l) == 0.0 {
        Some(l.x)
    } else if diff(&h) == 0.0 {
        Some(h.x)
    } else if diff(&l).signum() == diff(&h).signum() {
        None
    } else {
        let width = (hi - lo) * tolerance.max(1e-12);
        let mut steps = 0;
        while h.x - l.x > width && steps < 60 {
            let mid = 0.5 * (l.x + h.x);
            let (m, _, _) = eval(mid, &names)?;
            evaluations.push(m);
            if diff(&m) == 0.0 {
                l = m;
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
    Ok(Breakeven {
        a,
        b,
        axis: axis.to_string(),
        crossing,
        evaluations,
    })
}

impl Breakeven {
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
            title: format!("{} and {} against {}", self.a, self.b, self.axis),
            x_desc: self.axis.clone(),
            y_desc: "total cost (USD)".into(),
            money_y: true,
            money_x: false,
            scatter: false,
            series: vec![
                series(&self.a, 0, |e| e.cost_a),
                series(&self.b, 1, |e| e.cost_b),
            ],
            marker: self.crossing.map(|x| (x, format!(" break-even {x:.4}"))),
            frontier: Vec::new(),
        };
        render_xy(dir, "breakeven", &chart)
    }

    /// Every evaluation, one line each, then where the costs cross (or that
    /// they do not between `lo` and `hi`).
    pub fn describe(&self, lo: f64, hi: f64) -> String {
        let mut text = String::new();
        for e in &self.evaluations {
            text.push_str(&format!(
                "  {} = {:<12} {} ${:>12.6}   {} ${:>12.6}\n",
                self.axis, e.x, self.a, e.cost_a, self.b, e.cost_b
            ));
        }
        match self.crossing {
            Some(x) => text.push_str(&format!(
                "{} and {} cost the same at {} = {x:.6} ({} evaluations)\n",
                self.a,
                self.b,
                self.axis,
                self.evaluations.len()
            )),
            None => text.push_str(&format!(
                "{} and {} do not cross between {} and {}: one is cheaper across the whole range\n",
                self.a, self.b, lo, hi
            )),
        }
        text
    }
}
