//! The charts of a run, each as PNG and SVG: cumulative cost, capacity over
//! time, the time-to-start distribution, and the cost breakdown.
//!
//! Text uses DejaVu Sans compiled into the binary (`assets/fonts`), so a
//! machine without system fonts draws the same PNGs. Each platform keeps its
//! colour in every chart. Long series are thinned for drawing only (the
//! minimum and maximum of each pixel-wide bucket are kept, so spikes stay
//! visible); the data files keep every row.

use super::output::write_atomic;
use super::summary::Summary;
use super::timeseries::PlatformSeries;
use crate::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(super) const FAMILY: &str = "sans-serif";
/// Points per line drawn, at most (twice the buckets: a minimum and a maximum each).
const MAX_BUCKETS: usize = 1200;

/// Platform colours, by position in the scenario.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// The colour of the `i`-th platform.
pub fn platform_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A chart written to disk.
#[derive(Clone, Debug)]
pub struct Chart {
    /// File stem: `cost`, `capacity`, `time_to_start`, `cost_breakdown`,
    /// `service_<name>_latency`, `service_<name>_scale_out`.
    pub name: String,
    pub title: String,
    /// The SVG text, for inlining into the HTML report.
    pub svg: String,
}

pub(super) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The font is compiled in and known to be valid.
            let _ = plotters::style::register_font(FAMILY, style, FONT);
        }
    });
}

pub(super) fn draw_err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing a chart: {e:?}")
}

/// How a time axis reads: seconds are divided by `scale` and labelled `unit`.
#[derive(Clone, Copy)]
pub(super) struct TimeAxis {
    pub scale: f64,
    pub unit: &'static str,
}

pub(super) fn time_axis(max_s: f64) -> TimeAxis {
    if max_s <= 3.0 * 3600.0 {
        TimeAxis {
            scale: 60.0,
            unit: "minutes",
        }
    } else if max_s <= 3.0 * 86400.0 {
        TimeAxis {
            scale: 3600.0,
            unit: "hours",
        }
    } else {
        TimeAxis {
            scale: 86400.0,
            unit: "days",
        }
    }
}

/// Groups the digits of a whole number by thousands: `1234567` → `1,234,567`.
pub fn thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Dollars for an axis or label: cents below $100, whole dollars with
/// thousands separators above.
pub fn format_usd(v: f64) -> String {
    let neg = v < 0.0;
    let a = v.abs();
    let text = if a < 100.0 {
        format!("{a:.2}")
    } else {
        thousands(&format!("{a:.0}"))
    };
    format!("{}${text}", if neg { "-" } else { "" })
}

/// Dollars to the cent with thousands separators, for labels and tables.
pub fn format_usd_cents(v: f64) -> String {
    let cents = (v.abs() * 100.0).round() as u128;
    let out = thousands(&(cents / 100).to_string());
    format!(
        "{}${out}.{:02}",
        if v < 0.0 && cents > 0 { "-" } else { "" },
        cents % 100
    )
}

/// Seconds for an axis or label.
pub fn format_seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0}s")
    } else if s < 7200.0 {
        format!("{:.1}min", s / 60.0)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

/// A request latency for text: `72ms`, `2.64s`, then as [`format_seconds`].
pub fn format_latency(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else if s < 10.0 {
        format!("{s:.2}s")
    } else {
        format_seconds(s)
    }
}

/// Thins `(x, y)` to at most `2 * MAX_BUCKETS` points, keeping each
/// bucket's minimum and maximum in time order.
pub fn thin(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    let n = x.len().min(y.len());
    if n <= 2 * MAX_BUCKETS {
        return x.iter().zip(y).map(|(a, b)| (*a, *b)).collect();
    }
    let per = n.div_ceil(MAX_BUCKETS);
    let mut out = Vec::with_capacity(2 * MAX_BUCKETS + 2);
    for start in (0..n).step_by(per) {
        let end = (start + per).min(n);
        let (mut lo, mut hi) = (start, start);
        for i in start..end {
            if y[i] < y[lo] {
                lo = i;
            }
            if y[i] > y[hi] {
                hi = i;
            }
        }
        let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push((x[a], y[a]));
        if b != a {
            out.push((x[b], y[b]));
        }
    }
    out
}

/// Draws a chart's legend in one style everywhere.
pub(super) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, font_size))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(draw_err)
}

pub(super) fn max_of(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(0.0, f64::max)
}

/// One chart drawn on any backend.
pub(super) trait Draw {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draws `chart` as `dir/name.svg` and `dir/name.png`; returns the SVG text.
pub(super) fn render_both(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    chart: &impl Draw,
) -> Result<String, Error> {
    let out_err = |path: &Path, m: String| Error::Output {
        path: path.to_path_buf(),
        source: std::io::Error::other(m),
    };
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        chart
            .draw(&area)
            .map_err(|m| out_err(&dir.join(format!("{name}.svg")), m))?;
        area.present()
            .map_err(|e| out_err(&dir.join(format!("{name}.svg")), draw_err(e)))?;
    }
    write_atomic(&dir.join(format!("{name}.svg")), svg.as_bytes())?;
    // The bitmap backend picks the encoder from the extension, so the
    // temporary name keeps `.png` at its end.
    let final_png = dir.join(format!("{name}.png"));
    let tmp = dir.join(format!(".{name}.tmp-{}.png", std::process::id()));
    let result = (|| {
        let area = BitMapBackend::new(&tmp, size).into_drawing_area();
        chart.draw(&area)?;
        area.present().map_err(draw_err)?;
        drop(area);
        std::fs::rename(&tmp, &final_png).map_err(|e| e.to_string())
    })();
    if let Err(m) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(out_err(&final_png, m));
    }
    Ok(svg)
}

struct CostChart<'a> {
    series: &'a [PlatformSeries],
}

impl Draw for CostChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let xmax_s = max_of(self.series.iter().flat_map(|p| p.t_end_s.iter().copied())).max(1.0);
        let axis = time_axis(xmax_s);
        let ymax = max_of(
            self.series
                .iter()
                .flat_map(|p| p.cost_cumulative_usd.iter().copied()),
        );
        let ymax = if ymax > 0.0 { ymax * 1.08 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption("Cumulative cost", (FAMILY, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(84)
            .build_cartesian_2d(0.0..xmax_s / axis.scale, 0.0..ymax)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("simulated time ({})", axis.unit))
            .y_desc("cost so far (USD)")
            .y_label_formatter(&|v| format_usd(*v))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .light_line_style(RGBColor(244, 244, 244))
            .draw()
            .map_err(draw_err)?;
        for (i, p) in self.series.iter().enumerate() {
            let color = platform_color(i);
            let x: Vec<f64> = p.t_end_s.iter().map(|t| t / axis.scale).collect();
            let mut points = thin(&x, &p.cost_cumulative_usd);
            points.insert(0, (0.0, 0.0));
            let total = p.cost_cumulative_usd.last().copied().unwrap_or(0.0);
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(3)))
                .map_err(draw_err)?
                .label(format!("{} ({})", p.platform, format_usd_cents(total)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(3))
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 15)
    }
}

struct CapacityChart<'a> {
    series: &'a [PlatformSeries],
}

/// Colours of the lines inside one capacity panel (by meaning).
const RUNNING: RGBColor = RGBColor(44, 160, 44);
const WAITING: RGBColor = RGBColor(214, 39, 40);
const STARTING: RGBColor = RGBColor(255, 160, 60);
const INSTANCES: RGBColor = RGBColor(60, 60, 60);
const LAUNCHING: RGBColor = RGBColor(148, 103, 189);
const PROVISIONED: RGBColor = RGBColor(120, 170, 220);
const ALLOCATED: RGBColor = RGBColor(20, 70, 140);

impl Draw for CapacityChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let area = area
            .titled("Capacity over time", (FAMILY, 24))
            .map_err(draw_err)?;
        let xmax_s = max_of(self.series.iter().flat_map(|p| p.t_end_s.iter().copied())).max(1.0);
        let axis = time_axis(xmax_s);
        let rows = area.split_evenly((self.series.len().max(1), 2));
        for (i, p) in self.series.iter().enumerate() {
            let x: Vec<f64> = p.t_end_s.iter().map(|t| t / axis.scale).collect();
            let color = platform_color(i);
            let ec2 = !p.instances_running.is_empty();
            // Left: tasks (and instances).
            let mut lines: Vec<(&str, RGBColor, &[f64])> = vec![
                ("tasks running", RUNNING, &p.tasks_running),
                ("tasks waiting", WAITING, &p.tasks_waiting),
                ("tasks starting", STARTING, &p.tasks_starting),
            ];
            if ec2 {
                lines.push(("instances running", INSTANCES, &p.instances_running));
                lines.push(("instances launching", LAUNCHING, &p.instances_launching));
            }
            let ymax = max_of(lines.iter().flat_map(|l| l.2.iter().copied())).max(1.0) * 1.1;
            let mut chart = ChartBuilder::on(&rows[2 * i])
                .caption(
                    format!(
                        "{}: tasks{}",
                        p.platform,
                        if ec2 { " and instances" } else { "" }
                    ),
                    (FAMILY, 17).into_font().color(&color),
                )
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..xmax_s / axis.scale, 0.0..ymax)
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_desc(format!("simulated time ({})", axis.unit))
                .y_desc("count")
                .y_label_formatter(&|v| format!("{v:.0}"))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .light_line_style(RGBColor(244, 244, 244))
                .draw()
                .map_err(draw_err)?;
            for (label, c, y) in lines {
                chart
                    .draw_series(LineSeries::new(thin(&x, y), c.stroke_width(2)))
                    .map_err(draw_err)?
                    .label(label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                    });
            }
            legend(&mut chart, SeriesLabelPosition::UpperRight, 12)?;
            // Right: vCPU paid for versus used.
            let ymax = max_of(
                p.vcpu_provisioned
                    .iter()
                    .chain(p.vcpu_allocated.iter())
                    .copied(),
            )
            .max(1.0)
                * 1.1;
            let mut chart = ChartBuilder::on(&rows[2 * i + 1])
                .caption(
                    format!("{}: vCPU provisioned vs allocated", p.platform),
                    (FAMILY, 17).into_font().color(&color),
                )
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..xmax_s / axis.scale, 0.0..ymax)
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_desc(format!("simulated time ({})", axis.unit))
                .y_desc("vCPU")
                .y_label_formatter(&|v| format!("{v:.0}"))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .light_line_style(RGBColor(244, 244, 244))
                .draw()
                .map_err(draw_err)?;
            chart
                .draw_series(AreaSeries::new(
                    thin(&x, &p.vcpu_provisioned),
                    0.0,
                    PROVISIONED.mix(0.45),
                ))
                .map_err(draw_err)?
                .label("provisioned (paid for)")
                .legend(|(x, y)| {
                    Rectangle::new(
                        [(x, y - 5), (x + 18, y + 5)],
                        PROVISIONED.mix(0.45).filled(),
                    )
                });
            chart
                .draw_series(LineSeries::new(
                    thin(&x, &p.vcpu_allocated),
                    ALLOCATED.stroke_width(2),
                ))
                .map_err(draw_err)?
                .label("allocated (requested by tasks)")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], ALLOCATED.stroke_width(2))
                });
            legend(&mut chart, SeriesLabelPosition::UpperRight, 12)?;
        }
        Ok(())
    }
}

struct StartChart<'a> {
    summary: &'a Summary,
}

impl Draw for StartChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let curves: Vec<(usize, &str, &[f64])> = self
            .summary
            .platforms
            .iter()
            .enumerate()
            .filter(|(_, p)| p.latency.time_to_start_percentiles_s.len() == 101)
            .map(|(i, p)| {
                (
                    i,
                    p.name.as_str(),
                    p.latency.time_to_start_percentiles_s.as_slice(),
                )
            })
            .collect();
        if curves.is_empty() {
            let (w, h) = area.dim_in_pixel();
            area.draw(&Text::new(
                "No task started during the run: nothing to show.",
                (w as i32 / 2, h as i32 / 2),
                (FAMILY, 20)
                    .into_font()
                    .color(&BLACK)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    )),
            ))
            .map_err(draw_err)?;
            return Ok(());
        }
        // The axis ends a little past the largest p99, so one straggler does
        // not squash every curve against the left edge.
        let p99 = max_of(curves.iter().map(|c| c.2[99]));
        let p100 = max_of(curves.iter().map(|c| c.2[100]));
        let xmax = if p100 > 2.0 * p99 {
            p99 * 1.3
        } else {
            p100 * 1.05
        }
        .max(1.0);
        let cut = p100 > xmax;
        let (scale, unit) = if xmax > 600.0 {
            (60.0, "minutes")
        } else {
            (1.0, "seconds")
        };
        let caption = if cut {
            "Time to start (submit to running), axis cut past p99".to_string()
        } else {
            "Time to start (submit to running)".to_string()
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, (FAMILY, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..xmax / scale, 0.0..1.0)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("time to start ({unit})"))
            .y_desc("share of tasks started")
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .light_line_style(RGBColor(244, 244, 244))
            .draw()
            .map_err(draw_err)?;
        for (i, name, pct) in &curves {
            let color = platform_color(*i);
            let points: Vec<(f64, f64)> = pct
                .iter()
                .enumerate()
                .map(|(q, v)| ((v / scale).min(xmax / scale), q as f64 / 100.0))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(3)))
                .map_err(draw_err)?
                .label(format!(
                    "{name}: p50 {}, p95 {}, p99 {}",
                    format_seconds(pct[50]),
                    format_seconds(pct[95]),
                    format_seconds(pct[99])
                ))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(3))
                });
            for q in [50usize, 95, 99] {
                let at = ((pct[q] / scale).min(xmax / scale), q as f64 / 100.0);
                chart
                    .draw_series(std::iter::once(Circle::new(at, 5, color.filled())))
                    .map_err(draw_err)?;
                let text = format!("p{q}");
                chart
                    .draw_series(std::iter::once(Text::new(
                        text,
                        at,
                        (FAMILY, 13).into_font().color(&color).pos(
                            plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Left,
                                plotters::style::text_anchor::VPos::Bottom,
                            ),
                        ),
                    )))
                    .map_err(draw_err)?;
            }
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 14)
    }
}

struct BreakdownChart<'a> {
    summary: &'a Summary,
}

/// Cost components as stacked: label, colour, USD per platform.
fn components(summary: &Summary) -> Vec<(&'static str, RGBColor, Vec<f64>)> {
    let get = |f: &dyn Fn(&super::summary::PlatformSummary) -> f64| -> Vec<f64> {
        summary.platforms.iter().map(f).collect()
    };
    let allocated = get(&|p| p.cluster.as_ref().map_or(0.0, |c| c.allocated_usd));
    let idle = get(&|p| p.cluster.as_ref().map_or(0.0, |c| c.idle_usd));
    vec![
        (
            "vCPU",
            RGBColor(31, 119, 180),
            get(&|p| p.cost.components.vcpu_usd),
        ),
        (
            "memory",
            RGBColor(174, 199, 232),
            get(&|p| p.cost.components.memory_usd),
        ),
        (
            "storage",
            RGBColor(255, 187, 120),
            get(&|p| p.cost.components.storage_usd),
        ),
        (
            "OS licence",
            RGBColor(197, 176, 213),
            get(&|p| p.cost.components.os_license_usd),
        ),
        (
            "instances, allocated to tasks",
            RGBColor(44, 160, 44),
            allocated,
        ),
        ("instances, idle", RGBColor(152, 223, 138), idle),
        (
            "control plane",
            RGBColor(140, 86, 75),
            get(&|p| p.cost.components.control_plane_usd),
        ),
    ]
}

impl Draw for BreakdownChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let parts = components(self.summary);
        let n = self.summary.platforms.len();
        let savings: Vec<f64> = self
            .summary
            .platforms
            .iter()
            .map(|p| p.cost.components.spot_savings_usd)
            .collect();
        let totals: Vec<f64> = self
            .summary
            .platforms
            .iter()
            .map(|p| p.cost.total_usd)
            .collect();
        let ymax = (0..n).map(|i| totals[i] + savings[i]).fold(0.0, f64::max);
        // Headroom above the bars for the legend.
        let ymax = if ymax > 0.0 { ymax * 1.5 } else { 1.0 };
        let names: Vec<String> = self
            .summary
            .platforms
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let mut chart = ChartBuilder::on(area)
            .caption("Cost breakdown", (FAMILY, 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(84)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..ymax)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1) * 2 + 1)
            .x_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                    names[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_desc("cost over the run (USD)")
            .y_label_formatter(&|v| format_usd(*v))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .light_line_style(RGBColor(244, 244, 244))
            .draw()
            .map_err(draw_err)?;
        for (label, color, values) in &parts {
            if values.iter().all(|v| *v <= 0.0) {
                continue;
            }
            let color = *color;
            let bars: Vec<Rectangle<(f64, f64)>> = (0..n)
                .filter(|i| values[*i] > 0.0)
                .map(|i| {
                    let below: f64 = parts
                        .iter()
                        .take_while(|p| p.0 != *label)
                        .map(|p| p.2[i])
                        .sum();
                    Rectangle::new(
                        [(i as f64 - 0.3, below), (i as f64 + 0.3, below + values[i])],
                        color.filled(),
                    )
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(draw_err)?
                .label(*label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.filled())
                });
        }
        if savings.iter().any(|s| *s > 0.0) {
            let grey = RGBColor(110, 110, 110);
            let bars: Vec<Rectangle<(f64, f64)>> = (0..n)
                .filter(|i| savings[*i] > 0.0)
                .map(|i| {
                    Rectangle::new(
                        [
                            (i as f64 - 0.3, totals[i]),
                            (i as f64 + 0.3, totals[i] + savings[i]),
                        ],
                        grey.stroke_width(2),
                    )
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(draw_err)?
                .label("Spot savings (on-demand equivalent above the bar)")
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], grey.stroke_width(2))
                });
        }
        for i in 0..n {
            let top = totals[i] + savings[i];
            let label = format_usd_cents(totals[i]);
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (i as f64, top + ymax * 0.02),
                    (FAMILY, 15).into_font().color(&BLACK).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Bottom,
                        ),
                    ),
                )))
                .map_err(draw_err)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }
}

/// Draws every chart of a run into `dir` (PNG and SVG) and returns them.
pub fn render_all(
    dir: &Path,
    summary: &Summary,
    series: &[PlatformSeries],
) -> Result<Vec<Chart>, Error> {
    register_font();
    let n = series.len().max(1) as u32;
    Ok(vec![
        Chart {
            name: "cost".into(),
            title: "Cumulative cost over time".into(),
            svg: render_both(dir, "cost", (1000, 560), &CostChart { series })?,
        },
        Chart {
            name: "capacity".into(),
            title: "Capacity over time".into(),
            svg: render_both(
                dir,
                "capacity",
                (1200, 60 + 300 * n),
                &CapacityChart { series },
            )?,
        },
        Chart {
            name: "time_to_start".into(),
            title: "Time-to-start distribution".into(),
            svg: render_both(dir, "time_to_start", (1000, 560), &StartChart { summary })?,
        },
        Chart {
            name: "cost_breakdown".into(),
            title: "Cost breakdown".into(),
            svg: render_both(
                dir,
                "cost_breakdown",
                (1000, 560),
                &BreakdownChart { summary },
            )?,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_as_money() {
        assert_eq!(format_usd(0.5), "$0.50");
        assert_eq!(format_usd(1027.62), "$1,028");
        assert_eq!(format_usd(1234567.0), "$1,234,567");
        assert_eq!(format_usd(-12.5), "-$12.50");
        assert_eq!(format_usd_cents(1027.615), "$1,027.62");
        assert_eq!(format_usd_cents(0.004), "$0.00");
        assert_eq!(format_usd_cents(-1234567.891), "-$1,234,567.89");
    }

    #[test]
    fn thinning_keeps_spikes() {
        let x: Vec<f64> = (0..100_000).map(|i| i as f64).collect();
        let mut y = vec![1.0; 100_000];
        y[54_321] = 500.0;
        let t = thin(&x, &y);
        assert!(t.len() <= 2 * MAX_BUCKETS + 2);
        assert!(t.iter().any(|p| p.1 == 500.0));
        assert!(t.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}

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
        let money_x = self.money_x;
        let money_y = self.money_y;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FAMILY, 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(84)
            .build_cartesian_2d((xmin - pad_x)..(xmax + pad_x), ymin..(ymax + pad_y))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&|v| {
                if money_x {
                    format_usd(*v)
                } else {
                    format!("{v}")
                }
            })
            .y_label_formatter(&|v| {
                if money_y {
                    format_usd(*v)
                } else {
                    format!("{v:.1}")
                }
            })
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .light_line_style(RGBColor(244, 244, 244))
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
                    .map_err(draw_err)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
            } else {
                chart
                    .draw_series(LineSeries::new(s.points.clone(), color.stroke_width(3)))
                    .map_err(draw_err)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(3))
                    });
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
                .map_err(draw_err)?
                .label("Pareto frontier (nothing is both cheaper and faster)")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], BLACK.stroke_width(2))
                });
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
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)
    }
}

/// Draws an [`XyChart`] as `dir/name.png` and `.svg`; returns the SVG.
pub fn render_xy(dir: &Path, name: &str, chart: &XyChart) -> Result<String, Error> {
    register_font();
    render_both(dir, name, (1000, 560), chart)
}
