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
}

impl Draw for XyChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let xs = self.series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.0)
                .chain(s.band.iter().map(|b| b.0))
        });
        let ys = self.series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.1)
                .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
        });
        let (xmin, xmax) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        let (ymin, ymax) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
        if xmin > xmax {
            return Ok(());
        }
        let pad_x = ((xmax - xmin) * 0.05).max(1e-9);
        let ymin = ymin.min(0.0);
        let pad_y = ((ymax - ymin) * 0.08).max(1e-9);
        let area = titled(area, &self.title, 22, &BLACK)?;
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
        let plot = with_legend(&area, &entries, 14)?;
        let (x0, x1) = (xmin - pad_x, xmax + pad_x);
        let (y0, y1) = (ymin, ymax + pad_y);
        let (xt, yt) = (ticks(x0, x1, 10, false), ticks(y0, y1, 8, false));
        let (money_x, money_y) = (self.money_x, self.money_y);
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
            .y_label_formatter(&|v| if money_y { yt.usd(*v) } else { yt.label(*v) })
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .bold_line_style(RGBColor(236, 236, 236))
            .draw()
            .map_err(draw_err)?;
        for s in &self.series {
            let color = platform_color(s.color);
            if !s.band.is_empty() {
                let mut poly: Vec<(f64, f64)> = s.band.iter().map(|b| (b.0, b.2)).collect();
                poly.extend(s.band.iter().rev().map(|b| (b.0, b.1)));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        poly,
                        color.mix(0.18).filled(),
                    )))
                    .map_err(draw_err)?;
            }
            if self.scatter {
                chart
                    .draw_series(s.points.iter().map(|p| Circle::new(*p, 5, color.filled())))
                    .map_err(draw_err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(s.points.clone(), color.stroke_width(3)))
                    .map_err(draw_err)?;
                chart
                    .draw_series(s.points.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(draw_err)?;
            }
        }
        if self.frontier.len() > 1 {
            chart
                .draw_series(LineSeries::new(
                    self.frontier.clone(),
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

/// Draws an [`XyChart`] as `dir/name.png` and `.svg`; returns the SVG.
pub fn render_xy(dir: &Path, name: &str, chart: &XyChart) -> Result<String, Error> {
    register_font();
    render_both(dir, name, (1000, 560), chart)
}
