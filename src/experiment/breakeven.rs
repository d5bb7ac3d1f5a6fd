//! `fargate-sim breakeven`: where two platforms' costs cross along one axis
//! (the load at which an EC2 cluster becomes cheaper than Fargate, say),
//! found by bisection. Each evaluation is one run of the scenario with the
//! axis set; the search stops when the bracket is narrower than the
//! tolerance or after 60 steps.

use super::Base;
use crate::Error;

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
