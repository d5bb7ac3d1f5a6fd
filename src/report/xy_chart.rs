//! A line (or scatter) chart of y against x in the house style, for
//! experiments: sweep metrics, the break-even search, the commitment curve.

use super::plot::{
    Draw, Entry, FAMILY, Swatch, draw_err, platform_color, register_font, render_both, ticks,
    titled, with_legend,
};
use crate::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Hollow points of options that left work undone.
const UNDONE_GREY: RGBColor = RGBColor(110, 110, 110);

/// One line of an [`XyChart`].
#[derive(Clone, Debug)]
pub struct XySeries {
    pub name: String,
    /// Index into the platform palette.
    pub color: usize,
    pub points: Vec<(f64, f64)>,
    /// A confidence band: (x, low, high).
    pub band: Vec<(f64, f64, f64)>,
}

/// A line (or scatter) chart of y against x, for experiments.
#[derive(Clone, Debug)]
pub struct XyChart {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Format the y axis as money.
    pub money_y: bool,
    /// Format the x axis as money.
    pub money_x: bool,
    /// Points only, no lines.
    pub scatter: bool,
    pub series: Vec<XySeries>,
    /// A vertical marker: (x, label).
    pub marker: Option<(f64, String)>,
    /// A frontier drawn over the points (the Pareto front).
    pub frontier: Vec<(f64, f64)>,
    /// Points left off the frontier because their option left work undone,
    /// ringed.
    pub off_frontier: Vec<(f64, f64)>,
}

impl Draw for XyChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let xs = self
            .series
            .iter()
            .flat_map(|s| {
                s.points
                    .iter()
                    .map(|p| p.0)
                    .chain(s.band.iter().map(|b| b.0))
            })
            .chain(self.off_frontier.iter().map(|p| p.0));
        let ys = self
            .series
            .iter()
            .flat_map(|s| {
                s.points
                    .iter()
                    .map(|p| p.1)
                    .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
            })
            .chain(self.off_frontier.iter().map(|p| p.1));
        let (xmin, xmax) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        let ys: Vec<f64> = ys.collect();
        let (ymin, ymax) = ys
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(*y), b.max(*y)));
        if xmin > xmax {
            return Ok(());
        }
        // Values spread over orders of magnitude (a saturated option's
        // hours of waiting beside seconds) would flatten every other line
        // against zero on a linear axis: such a y axis is logarithmic.
        let log_y = wants_log_axis(&ys);
        let ty = |y: f64| if log_y { y.log10() } else { y };
        let (ymin, ymax) = (ty(ymin), ty(ymax));
        let pad_x = ((xmax - xmin) * 0.05).max(1e-9);
        let ymin = if log_y { ymin.floor() } else { ymin.min(0.0) };
        let pad_y = if log_y {
            0.1
        } else {
            ((ymax - ymin) * 0.08).max(1e-9)
        };
        let title = if log_y {
            format!("{} (log scale)", self.title)
        } else {
            self.title.clone()
        };
        let area = titled(area, &title, 22, &BLACK)?;
        let mut entries: Vec<Entry> = self
            .series
            .iter()
            .map(|s| {
                let c = platform_color(s.color);
                Entry::new(
                    s.name.as_str(),
                    if self.scatter {
                        Swatch::Dot(c)
                    } else {
                        Swatch::Line(c, 3)
                    },
                )
            })
            .collect();
        if self.series.iter().any(|s| !s.band.is_empty()) {
            entries.push(Entry::new(
                "95% confidence band",
                Swatch::Area(RGBColor(120, 120, 120), 0.25),
            ));
        }
        if self.frontier.len() > 1 {
            entries.push(Entry::new(
                "Pareto frontier (nothing is both cheaper and faster)",
                Swatch::Line(BLACK, 2),
            ));
        }
        if !self.off_frontier.is_empty() {
            entries.push(Entry::new(
                "ringed: left work undone (not compared)",
                Swatch::Ring(UNDONE_GREY),
            ));
        }
        let plot = with_legend(&area, &entries, 14)?;
        let (x0, x1) = (xmin - pad_x, xmax + pad_x);
        let (y0, y1) = (ymin, ymax + pad_y);
        let xt = ticks(x0, x1, 10, false);
        let yt = if log_y {
            log_ticks(y0, y1)
        } else {
            ticks(y0, y1, 8, false)
        };
        let (money_x, money_y) = (self.money_x, self.money_y);
        let y_label = |v: f64| match (log_y, money_y) {
            (false, false) => yt.label(v),
            (false, true) => yt.usd(v),
            (true, money) => decade_label(10f64.powf(v), money),
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(84)
            .build_cartesian_2d(xt.over(x0..x1), yt.over(y0..y1))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&|v| if money_x { xt.usd(*v) } else { xt.label(*v) })
            .y_label_formatter(&|v| y_label(*v))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .bold_line_style(RGBColor(236, 236, 236))
            .draw()
            .map_err(draw_err)?;
        let tp = |p: &(f64, f64)| (p.0, ty(p.1));
        for s in &self.series {
            let color = platform_color(s.color);
            let points: Vec<(f64, f64)> = s.points.iter().map(tp).collect();
            if !s.band.is_empty() {
                let mut poly: Vec<(f64, f64)> = s.band.iter().map(|b| (b.0, ty(b.2))).collect();
                poly.extend(s.band.iter().rev().map(|b| (b.0, ty(b.1))));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        poly,
                        color.mix(0.18).filled(),
                    )))
                    .map_err(draw_err)?;
            }
            if self.scatter {
                chart
                    .draw_series(points.iter().map(|p| Circle::new(*p, 5, color.filled())))
                    .map_err(draw_err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                    .map_err(draw_err)?;
                chart
                    .draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(draw_err)?;
            }
        }
        chart
            .draw_series(
                self.off_frontier
                    .iter()
                    .map(|p| Circle::new(tp(p), 9, UNDONE_GREY.stroke_width(2))),
            )
            .map_err(draw_err)?;
        if self.frontier.len() > 1 {
            chart
                .draw_series(LineSeries::new(
                    self.frontier.iter().map(tp),
                    BLACK.stroke_width(2),
                ))
                .map_err(draw_err)?;
        }
        if let Some((x, label)) = &self.marker {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*x, ymin), (*x, ymax + pad_y * 0.5)],
                    BLACK.stroke_width(2),
                )))
                .map_err(draw_err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label.clone(),
                    (*x, ymax + pad_y * 0.5),
                    (FAMILY, 15).into_font().color(&BLACK),
                )))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// Whether y values need a logarithmic axis: all positive and spread over
/// more than two orders of magnitude (the largest over 100 times the
/// smallest), so that a linear axis would flatten the small ones to zero.
fn wants_log_axis(ys: &[f64]) -> bool {
    let (lo, hi) = ys
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(*y), b.max(*y)));
    lo > 0.0 && hi.is_finite() && hi / lo > 100.0
}

/// Ticks of a log axis over `[lo, hi]` (in log10 units): every decade, and
/// 2 and 5 within a decade while the axis spans fewer than three decades.
fn log_ticks(lo: f64, hi: f64) -> super::plot::Ticks {
    let fine = hi - lo < 3.0;
    let mut values = Vec::new();
    for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in [1.0f64, 2.0, 5.0] {
            if m > 1.0 && !fine {
                continue;
            }
            let v = k as f64 + m.log10();
            if v >= lo - 1e-9 && v <= hi + 1e-9 {
                values.push(v);
            }
        }
    }
    super::plot::Ticks { values, step: 1.0 }
}

/// A log-axis tick's label: the value itself, with the digits it needs
/// (0.05, 2, 5,000).
fn decade_label(v: f64, money: bool) -> String {
    let decimals = if v >= 1.0 {
        0
    } else {
        (-v.log10().floor()) as usize
    };
    let text = format!("{v:.decimals$}");
    let (whole, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    format!(
        "{}{}{}",
        if money { "$" } else { "" },
        super::format::thousands(whole),
        frac.map_or(String::new(), |f| format!(".{f}"))
    )
}

/// Draws an [`XyChart`] as `dir/name.png` and `.svg`; returns the SVG.
pub fn render_xy(dir: &Path, name: &str, chart: &XyChart) -> Result<String, Error> {
    register_font();
    render_both(dir, name, (1000, 560), chart)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_spread_over_orders_of_magnitude_gets_a_log_axis() {
        assert!(super::wants_log_axis(&[50.0, 52.0, 1_700.0, 62_000.0]));
        assert!(!super::wants_log_axis(&[50.0, 52.0, 4_000.0]));
        // A zero cannot sit on a log axis: stays linear.
        assert!(!super::wants_log_axis(&[0.0, 1.0, 10_000.0]));
        let t = super::log_ticks(1.0, 4.8);
        let labels: Vec<String> = t
            .values
            .iter()
            .map(|v| super::decade_label(10f64.powf(*v), false))
            .collect();
        assert_eq!(labels, ["10", "100", "1,000", "10,000"]);
        let fine = super::log_ticks(-1.0, 0.8);
        let labels: Vec<String> = fine
            .values
            .iter()
            .map(|v| super::decade_label(10f64.powf(*v), true))
            .collect();
        assert_eq!(labels, ["$0.1", "$0.2", "$0.5", "$1", "$2", "$5"]);
    }
}
