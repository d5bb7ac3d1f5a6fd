//! The services' charts, drawn from `service_minutes`:
//! - `service_<name>_latency`: per platform, latency percentiles per minute
//!   (log scale) with the replicas running and desired on a second axis;
//! - `service_<name>_scale_out`: the platforms side by side around the
//!   sharpest rise in traffic: replicas desired and running against the
//!   request rate, to show how fast each one adds capacity.

use super::format::{clean_number, format_latency_axis};
use super::plot::{
    Chart, Draw, Entry, FAMILY, Swatch, draw_err, max_of, platform_color, register_font,
    render_both, ticks, time_axis, titled, with_legend,
};
use super::services::ServiceSeries;
use super::summary::Summary;
use crate::Error;
use crate::io::files::safe_file_name;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

const P50: RGBColor = RGBColor(120, 170, 220);
const P95: RGBColor = RGBColor(31, 119, 180);
const P99: RGBColor = RGBColor(214, 39, 40);
const RUNNING: RGBColor = RGBColor(60, 60, 60);
const DESIRED: RGBColor = RGBColor(44, 160, 44);
const RATE: RGBColor = RGBColor(255, 160, 60);

/// An objective's latency as written in a scenario: `500ms`, `1s`, `2.5s`.
fn slo_text(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{}ms", clean_number(&(seconds * 1000.0).to_string()))
    } else {
        format!("{}s", clean_number(&seconds.to_string()))
    }
}

/// Points where the value exists.
fn present(x: &[f64], y: &[Option<f64>]) -> Vec<(f64, f64)> {
    x.iter()
        .zip(y)
        .filter_map(|(a, b)| b.filter(|v| *v > 0.0).map(|v| (*a, v)))
        .collect()
}

/// A step line: each minute's value held until its end.
fn steps(t_end: &[f64], v: &[f64], scale: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(2 * v.len());
    let mut start = 0.0;
    for (t, y) in t_end.iter().zip(v) {
        out.push((start / scale, *y));
        out.push((t / scale, *y));
        start = *t;
    }
    out
}

struct LatencyChart<'a> {
    service: &'a str,
    panels: Vec<&'a ServiceSeries>,
    /// The service's objective: (percentile, latency in seconds).
    slo: Option<(f64, f64)>,
}

const SLO: RGBColor = RGBColor(120, 0, 0);

impl Draw for LatencyChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let area = titled(
            area,
            &format!("{}: request latency per minute, and replicas", self.service),
            22,
            &BLACK,
        )?;
        let xmax_s = max_of(self.panels.iter().flat_map(|p| p.t_end_s.iter().copied())).max(1.0);
        let axis = time_axis(xmax_s);
        let mut all: Vec<f64> = self
            .panels
            .iter()
            .flat_map(|p| p.p50_s.iter().chain(&p.p99_s).flatten().copied())
            .filter(|v| *v > 0.0)
            .collect();
        if let Some((_, l)) = self.slo {
            all.push(l);
        }
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(0.0, f64::max);
        let (lo, hi) = if all.is_empty() {
            (0.001, 1.0)
        } else {
            // The top decade lies above the highest value, so an SLO of
            // exactly 1 s is not drawn on the frame.
            (
                10f64.powf(lo.log10().floor()),
                10f64.powf(hi.log10().floor() + 1.0).max(lo * 10.0),
            )
        };
        let rmax = max_of(
            self.panels
                .iter()
                .flat_map(|p| p.running.iter().chain(&p.desired).copied()),
        )
        .max(1.0)
            * 1.15;
        let mut entries = vec![
            Entry::new("latency p50", Swatch::Line(P50, 2)),
            Entry::new("latency p95", Swatch::Line(P95, 2)),
            Entry::new("latency p99", Swatch::Line(P99, 2)),
        ];
        if let Some((pct, l)) = self.slo {
            entries.push(Entry::new(
                format!("SLO: p{pct} ≤ {}", slo_text(l)),
                Swatch::Dashed(SLO),
            ));
        }
        entries.push(Entry::new(
            "replicas desired (right axis)",
            Swatch::Line(DESIRED, 2),
        ));
        entries.push(Entry::new(
            "replicas running (right axis)",
            Swatch::Line(RUNNING, 2),
        ));
        // One legend for every panel: they share their lines.
        let area = with_legend(&area, &entries, 13)?;
        let xt = ticks(0.0, xmax_s / axis.scale, 12, false);
        let rt = ticks(0.0, rmax, 6, true);
        let rows = area.split_evenly((self.panels.len().max(1), 1));
        for (i, p) in self.panels.iter().enumerate() {
            let x: Vec<f64> = p.t_end_s.iter().map(|t| t / axis.scale).collect();
            let color = platform_color(i);
            let panel = titled(&rows[i], &p.platform, 17, &color)?;
            let mut chart = ChartBuilder::on(&panel)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(64)
                .right_y_label_area_size(56)
                .build_cartesian_2d(xt.over(0.0..xmax_s / axis.scale), (lo..hi).log_scale())
                .map_err(draw_err)?
                .set_secondary_coord(0.0..xmax_s / axis.scale, rt.over(0.0..rmax));
            chart
                .configure_mesh()
                .x_desc(format!("simulated time ({})", axis.unit))
                .x_label_formatter(&|v| xt.label(*v))
                .y_desc("latency (s, log scale)")
                .y_label_formatter(&|v| format_latency_axis(*v))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .light_line_style(RGBColor(244, 244, 244))
                .draw()
                .map_err(draw_err)?;
            chart
                .configure_secondary_axes()
                .y_desc("replicas")
                .y_label_formatter(&|v| rt.label(*v))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .draw()
                .map_err(draw_err)?;
            if let Some((_, l)) = self.slo {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(0.0, l), (xmax_s / axis.scale, l)],
                        8,
                        5,
                        SLO.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
            }
            for (c, y) in [(P50, &p.p50_s), (P95, &p.p95_s), (P99, &p.p99_s)] {
                chart
                    .draw_series(LineSeries::new(present(&x, y), c.stroke_width(2)))
                    .map_err(draw_err)?;
            }
            for (c, v) in [(DESIRED, &p.desired), (RUNNING, &p.running)] {
                chart
                    .draw_secondary_series(LineSeries::new(
                        steps(&p.t_end_s, v, axis.scale),
                        c.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

/// The minute whose request rate rose the most over the one before.
fn sharpest_rise(p: &ServiceSeries) -> Option<usize> {
    (1..p.arrived_per_s.len())
        .max_by(|&a, &b| {
            let da = p.arrived_per_s[a] - p.arrived_per_s[a - 1];
            let db = p.arrived_per_s[b] - p.arrived_per_s[b - 1];
            da.total_cmp(&db).then(b.cmp(&a))
        })
        .filter(|&i| p.arrived_per_s[i] > p.arrived_per_s[i - 1])
}

struct ScaleOutChart<'a> {
    service: &'a str,
    panels: Vec<&'a ServiceSeries>,
    /// The window, seconds.
    from: f64,
    to: f64,
}

impl Draw for ScaleOutChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let area = titled(
            area,
            &format!(
                "{}: scale-out after the sharpest rise in traffic (at {:.0} min)",
                self.service,
                (self.from + 5.0 * 60.0) / 60.0
            ),
            22,
            &BLACK,
        )?;
        let area = with_legend(
            &area,
            &[
                Entry::new("requests/s (right axis)", Swatch::Area(RATE, 0.25)),
                Entry::new("replicas desired", Swatch::Line(DESIRED, 2)),
                Entry::new("replicas running", Swatch::Line(RUNNING, 2)),
            ],
            13,
        )?;
        let inside = |p: &ServiceSeries| -> Vec<usize> {
            (0..p.t_end_s.len())
                .filter(|&i| p.t_end_s[i] > self.from && p.t_end_s[i] - 60.0 < self.to)
                .collect()
        };
        let rmax = max_of(self.panels.iter().flat_map(|p| {
            inside(p)
                .into_iter()
                .flat_map(|i| [p.running[i], p.desired[i]])
                .collect::<Vec<_>>()
        }))
        .max(1.0)
            * 1.15;
        let qmax = max_of(self.panels.iter().flat_map(|p| {
            inside(p)
                .into_iter()
                .map(|i| p.arrived_per_s[i])
                .collect::<Vec<_>>()
        }))
        .max(1.0)
            * 1.15;
        let cols = area.split_evenly((1, self.panels.len().max(1)));
        let (x0, x1) = (self.from / 60.0, self.to / 60.0);
        let xt = ticks(x0, x1, 7, false);
        let (rt, qt) = (ticks(0.0, rmax, 6, true), ticks(0.0, qmax, 6, false));
        for (i, p) in self.panels.iter().enumerate() {
            let idx = inside(p);
            let t: Vec<f64> = idx.iter().map(|&i| p.t_end_s[i]).collect();
            let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let pts = |v: &[f64]| {
                let mut s = steps(&t, &pick(v), 60.0);
                if let Some(first) = s.first_mut() {
                    first.0 = (t[0] - 60.0).max(self.from) / 60.0;
                }
                s
            };
            let (running, desired, rate) =
                (pts(&p.running), pts(&p.desired), pts(&p.arrived_per_s));
            let color = platform_color(i);
            let panel = titled(&cols[i], &p.platform, 17, &color)?;
            let mut chart = ChartBuilder::on(&panel)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(48)
                .right_y_label_area_size(72)
                .build_cartesian_2d(xt.over(x0..x1), rt.over(0.0..rmax))
                .map_err(draw_err)?
                .set_secondary_coord(x0..x1, qt.over(0.0..qmax));
            chart
                .configure_mesh()
                .x_desc("simulated time (minutes)")
                .x_label_formatter(&|v| xt.label(*v))
                .y_desc("replicas")
                .y_label_formatter(&|v| rt.label(*v))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .bold_line_style(RGBColor(236, 236, 236))
                .draw()
                .map_err(draw_err)?;
            chart
                .configure_secondary_axes()
                .y_desc("requests per second")
                .y_label_formatter(&|v| qt.label(*v))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .draw()
                .map_err(draw_err)?;
            chart
                .draw_secondary_series(AreaSeries::new(rate, 0.0, RATE.mix(0.25)))
                .map_err(draw_err)?;
            for (c, pts) in [(DESIRED, desired), (RUNNING, running)] {
                chart
                    .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

/// Draws both charts of every service; returns them in service order. The
/// summary gives each service's objective (its SLO line).
pub fn render_all(
    dir: &Path,
    series: &[ServiceSeries],
    summary: &Summary,
) -> Result<Vec<Chart>, Error> {
    register_font();
    let mut names: Vec<&str> = Vec::new();
    for s in series {
        if !names.contains(&s.service.as_str()) {
            names.push(&s.service);
        }
    }
    let mut charts = Vec::new();
    for name in names {
        let panels: Vec<&ServiceSeries> = series.iter().filter(|s| s.service == name).collect();
        let stem = safe_file_name(name);
        let n = panels.len() as u32;
        let latency = format!("service_{stem}_latency");
        charts.push(Chart {
            svg: render_both(
                dir,
                &latency,
                (1200, 60 + 320 * n),
                &LatencyChart {
                    service: name,
                    panels: panels.clone(),
                    slo: summary
                        .platforms
                        .iter()
                        .flat_map(|p| &p.services)
                        .find(|s| s.name == name)
                        .and_then(|s| s.slo.as_ref())
                        .map(|o| (o.percentile, o.latency_s)),
                },
            )?,
            title: format!("{name}: request latency percentiles per minute, with replicas"),
            name: latency,
        });
        if let Some(at) = sharpest_rise(panels[0]) {
            let t = panels[0].t_end_s[at] - 60.0;
            let end = panels[0].t_end_s.last().copied().unwrap_or(t);
            let (from, to) = ((t - 300.0).max(0.0), (t + 1500.0).min(end));
            let scale_out = format!("service_{stem}_scale_out");
            charts.push(Chart {
                svg: render_both(
                    dir,
                    &scale_out,
                    (600 * n.max(1), 520),
                    &ScaleOutChart {
                        service: name,
                        panels,
                        from,
                        to,
                    },
                )?,
                title: format!(
                    "{name}: how each platform scaled out after the sharpest rise in requests"
                ),
                name: scale_out,
            });
        }
    }
    Ok(charts)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_slo_reads_as_the_scenario_wrote_it() {
        assert_eq!(super::slo_text(0.5), "500ms");
        assert_eq!(super::slo_text(1.0), "1s");
        assert_eq!(super::slo_text(2.5), "2.5s");
    }
}
