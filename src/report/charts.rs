//! The charts of a run, each as PNG and SVG: cumulative cost, capacity over
//! time, the time-to-start distribution, and the cost breakdown. The house
//! style (font, palette, legend, thinning) is in `plot.rs`.

use super::chart_series::{ChartSeries, Line};
use super::format::{format_usd_cents, seconds_group_column};
use super::plot::{
    Chart, Draw, Entry, FAMILY, Swatch, Ticks, draw_err, max_of, platform_color, register_font,
    render_both_to, ticks, time_axis, titled, with_legend,
};
use super::summary::Summary;
use crate::Error;
use crate::io::staged::Staged;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// A line's kept points with the time axis in `scale` seconds.
fn scaled(line: &Line, scale: f64) -> Vec<(f64, f64)> {
    line.points.iter().map(|(t, y)| (t / scale, *y)).collect()
}

/// The cumulative cost chart plots compute only (the time series holds the
/// compute bill as it accrues); the bill around compute has no time series,
/// so the legend gives each platform's whole bill beside its compute.
struct CostChart<'a> {
    series: &'a [ChartSeries],
    /// Each series' whole bill (compute and around it), by series index.
    whole_bill_usd: Vec<Option<f64>>,
}

impl Draw for CostChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let area = titled(area, "Cumulative compute cost", 24, &BLACK)?;
        let xmax_s = max_of(self.series.iter().map(|p| p.t_end_max_s)).max(1.0);
        let axis = time_axis(xmax_s);
        let ymax = max_of(self.series.iter().map(|p| p.cost_cumulative_usd.max));
        let ymax = if ymax > 0.0 { ymax * 1.08 } else { 1.0 };
        let entries: Vec<Entry> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let compute = p.cost_last_usd.unwrap_or(0.0);
                let label = match self.whole_bill_usd.get(i).copied().flatten() {
                    Some(whole) if format_usd_cents(whole) != format_usd_cents(compute) => format!(
                        "{} (compute {}; whole bill {})",
                        p.platform,
                        format_usd_cents(compute),
                        format_usd_cents(whole)
                    ),
                    _ => format!("{} ({})", p.platform, format_usd_cents(compute)),
                };
                Entry::new(label, Swatch::Line(platform_color(i), 3))
            })
            .collect();
        let plot = with_legend(&area, &entries, 15)?;
        let (xt, yt) = (
            ticks(0.0, xmax_s / axis.scale, 12, false),
            ticks(0.0, ymax, 8, false),
        );
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(84)
            .build_cartesian_2d(xt.over(0.0..xmax_s / axis.scale), yt.over(0.0..ymax))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("simulated time ({})", axis.unit))
            .y_desc("compute cost so far (USD)")
            .x_label_formatter(&|v| xt.label(*v))
            .y_label_formatter(&|v| yt.usd(*v))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .bold_line_style(RGBColor(236, 236, 236))
            .draw()
            .map_err(draw_err)?;
        for (i, p) in self.series.iter().enumerate() {
            let color = platform_color(i);
            let mut points = scaled(&p.cost_cumulative_usd, axis.scale);
            points.insert(0, (0.0, 0.0));
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(3)))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

struct CapacityChart<'a> {
    series: &'a [ChartSeries],
}

/// Colours of the lines inside one capacity panel (by meaning).
const RUNNING: RGBColor = RGBColor(44, 160, 44);
const WAITING: RGBColor = RGBColor(214, 39, 40);
const STARTING: RGBColor = RGBColor(255, 160, 60);
const INSTANCES: RGBColor = RGBColor(60, 60, 60);
const LAUNCHING: RGBColor = RGBColor(148, 103, 189);
const PROVISIONED: RGBColor = RGBColor(120, 170, 220);
const ALLOCATED: RGBColor = RGBColor(20, 70, 140);
const REPLICAS: RGBColor = RGBColor(23, 190, 207);

impl Draw for CapacityChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.fill(&WHITE).map_err(draw_err)?;
        let area = titled(area, "Capacity over time", 24, &BLACK)?;
        let xmax_s = max_of(self.series.iter().map(|p| p.t_end_max_s)).max(1.0);
        let axis = time_axis(xmax_s);
        let xt = ticks(0.0, xmax_s / axis.scale, 10, false);
        let rows = area.split_evenly((self.series.len().max(1), 2));
        for (i, p) in self.series.iter().enumerate() {
            let color = platform_color(i);
            let ec2 = p.has_instances();
            // Left: tasks (and instances), whole counts.
            let mut lines: Vec<(&str, RGBColor, &Line)> = vec![
                ("tasks running", RUNNING, &p.tasks_running),
                ("tasks waiting", WAITING, &p.tasks_waiting),
                ("tasks starting", STARTING, &p.tasks_starting),
            ];
            if p.replicas_running.any_positive() {
                // A service-only run has no tasks: its lines would lie at 0.
                lines.retain(|l| l.2.any_positive());
                lines.push(("service replicas", REPLICAS, &p.replicas_running));
            }
            if ec2 {
                lines.push(("instances running", INSTANCES, &p.instances_running));
                lines.push(("instances launching", LAUNCHING, &p.instances_launching));
            }
            let ymax = max_of(lines.iter().map(|l| l.2.max)).max(1.0) * 1.1;
            let entries: Vec<Entry> = lines
                .iter()
                .map(|(label, c, _)| Entry::new(*label, Swatch::Line(*c, 2)))
                .collect();
            let panel = titled(
                &rows[2 * i],
                &format!(
                    "{}: tasks{}",
                    p.platform,
                    if ec2 { " and instances" } else { "" }
                ),
                17,
                &color,
            )?;
            let plot = with_legend(&panel, &entries, 12)?;
            let yt = ticks(0.0, ymax, 6, true);
            let mut chart = ChartBuilder::on(&plot)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(60)
                .build_cartesian_2d(xt.over(0.0..xmax_s / axis.scale), yt.over(0.0..ymax))
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_desc(format!("simulated time ({})", axis.unit))
                .y_desc("count")
                .x_label_formatter(&|v| xt.label(*v))
                .y_label_formatter(&|v| yt.label(*v))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .bold_line_style(RGBColor(236, 236, 236))
                .draw()
                .map_err(draw_err)?;
            for (_, c, y) in lines {
                chart
                    .draw_series(LineSeries::new(scaled(y, axis.scale), c.stroke_width(2)))
                    .map_err(draw_err)?;
            }
            // Right: vCPU paid for versus used (fractions of a vCPU count).
            let ymax =
                max_of([p.vcpu_provisioned.max, p.vcpu_allocated.max].into_iter()).max(1.0) * 1.1;
            let panel = titled(
                &rows[2 * i + 1],
                &format!("{}: vCPU provisioned vs allocated", p.platform),
                17,
                &color,
            )?;
            let plot = with_legend(
                &panel,
                &[
                    Entry::new("provisioned (paid for)", Swatch::Area(PROVISIONED, 0.45)),
                    Entry::new("allocated (requested by tasks)", Swatch::Line(ALLOCATED, 2)),
                ],
                12,
            )?;
            let yt = ticks(0.0, ymax, 6, false);
            let mut chart = ChartBuilder::on(&plot)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(60)
                .build_cartesian_2d(xt.over(0.0..xmax_s / axis.scale), yt.over(0.0..ymax))
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_desc(format!("simulated time ({})", axis.unit))
                .y_desc("vCPU")
                .x_label_formatter(&|v| xt.label(*v))
                .y_label_formatter(&|v| yt.label(*v))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 13))
                .bold_line_style(RGBColor(236, 236, 236))
                .draw()
                .map_err(draw_err)?;
            chart
                .draw_series(AreaSeries::new(
                    scaled(&p.vcpu_provisioned, axis.scale),
                    0.0,
                    PROVISIONED.mix(0.45),
                ))
                .map_err(draw_err)?;
            chart
                .draw_series(LineSeries::new(
                    scaled(&p.vcpu_allocated, axis.scale),
                    ALLOCATED.stroke_width(2),
                ))
                .map_err(draw_err)?;
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
        let area = titled(area, &caption, 24, &BLACK)?;
        // One unit for every platform's percentiles, as in the table.
        let starts = seconds_group_column(
            &curves
                .iter()
                .map(|c| vec![Some(c.2[50]), Some(c.2[95]), Some(c.2[99])])
                .collect::<Vec<_>>(),
        );
        let entries: Vec<Entry> = curves
            .iter()
            .zip(&starts)
            .map(|((i, name, _), start)| {
                Entry::new(
                    format!("{name}: p50/p95/p99 {start}"),
                    Swatch::Line(platform_color(*i), 3),
                )
            })
            .collect();
        let plot = with_legend(&area, &entries, 14)?;
        let xt = ticks(0.0, xmax / scale, 10, false);
        let yt = Ticks {
            values: (0..=10).map(|i| i as f64 / 10.0).collect(),
            step: 0.1,
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .right_y_label_area_size(44)
            .build_cartesian_2d(xt.over(0.0..xmax / scale), yt.over(0.0..1.0))
            .map_err(draw_err)?
            .set_secondary_coord(
                0.0..xmax / scale,
                Ticks {
                    values: vec![0.5, 0.95, 0.99],
                    step: 0.01,
                }
                .over(0.0..1.0),
            );
        chart
            .configure_mesh()
            .x_desc(format!("time to start ({unit})"))
            .y_desc("share of tasks started")
            .x_label_formatter(&|v| xt.label(*v))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .bold_line_style(RGBColor(236, 236, 236))
            .draw()
            .map_err(draw_err)?;
        // The percentiles marked on the curves are named once, on the right
        // axis, so labels of platforms that agree cannot pile up ("p99p99").
        chart
            .configure_secondary_axes()
            .y_label_formatter(&|v| format!("p{:.0}", v * 100.0))
            .label_style((FAMILY, 13))
            .draw()
            .map_err(draw_err)?;
        for q in [0.5, 0.95, 0.99] {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, q), (xmax / scale, q)],
                    RGBColor(200, 200, 200).stroke_width(1),
                )))
                .map_err(draw_err)?;
        }
        for (i, _, pct) in &curves {
            let color = platform_color(*i);
            let points: Vec<(f64, f64)> = pct
                .iter()
                .enumerate()
                .map(|(q, v)| ((v / scale).min(xmax / scale), q as f64 / 100.0))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(3)))
                .map_err(draw_err)?;
            for q in [50usize, 95, 99] {
                let at = ((pct[q] / scale).min(xmax / scale), q as f64 / 100.0);
                chart
                    .draw_series(std::iter::once(Circle::new(at, 5, color.filled())))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

struct BreakdownChart<'a> {
    summary: &'a Summary,
}

/// Cost components as stacked: label, colour, USD per platform. They add
/// up to each platform's total (Spot savings are not part of it).
pub fn components(summary: &Summary) -> Vec<(&'static str, RGBColor, Vec<f64>)> {
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
        (
            "request fees",
            RGBColor(227, 119, 194),
            get(&|p| p.cost.components.requests_usd),
        ),
        // Around compute, stacked on top of compute (hatched-looking greys
        // and oranges, apart from the compute blues and greens).
        (
            "around: public IPv4",
            RGBColor(255, 127, 14),
            get(&|p| around(p, &["public_ipv4"])),
        ),
        (
            "around: NAT gateways",
            RGBColor(214, 39, 40),
            get(&|p| around(p, &["nat_gateway_hours", "nat_data_processed"])),
        ),
        (
            "around: load balancers",
            RGBColor(148, 103, 189),
            get(&|p| around(p, &["load_balancer_hours", "load_balancer_capacity"])),
        ),
        (
            "around: EBS volumes",
            RGBColor(127, 127, 127),
            get(&|p| around(p, &["ebs"])),
        ),
        (
            "around: logs, ECR, cross-zone",
            RGBColor(188, 189, 34),
            get(&|p| {
                around(
                    p,
                    &[
                        "logs_ingestion",
                        "ecr_storage",
                        "ecr_transfer",
                        "cross_zone_transfer",
                    ],
                )
            }),
        ),
    ]
}

/// A platform's charges around compute of the named components, summed.
fn around(p: &super::summary::PlatformSummary, names: &[&str]) -> f64 {
    p.cost
        .around
        .iter()
        .filter(|l| names.contains(&l.component.as_str()))
        .map(|l| l.cost_usd)
        .sum()
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
        // Headroom above the bars for their totals.
        let ymax = if ymax > 0.0 { ymax * 1.12 } else { 1.0 };
        let names: Vec<String> = self
            .summary
            .platforms
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let area = titled(area, "Cost breakdown", 24, &BLACK)?;
        let shown: Vec<&(&str, RGBColor, Vec<f64>)> = parts
            .iter()
            .filter(|p| p.2.iter().any(|v| *v > 0.0))
            .collect();
        let mut entries: Vec<Entry> = shown
            .iter()
            .map(|(label, color, _)| Entry::new(*label, Swatch::Area(*color, 1.0)))
            .collect();
        let grey = RGBColor(110, 110, 110);
        if savings.iter().any(|s| *s > 0.0) {
            entries.push(Entry::new(
                "Spot savings (on-demand equivalent above the bar)",
                Swatch::Outline(grey),
            ));
        }
        let plot = with_legend(&area, &entries, 13)?;
        let yt = ticks(0.0, ymax, 8, false);
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(84)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), yt.over(0.0..ymax))
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
            .y_label_formatter(&|v| yt.usd(*v))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .bold_line_style(RGBColor(236, 236, 236))
            .draw()
            .map_err(draw_err)?;
        for (k, (_, color, values)) in parts.iter().enumerate() {
            let color = *color;
            let bars: Vec<Rectangle<(f64, f64)>> = (0..n)
                .filter(|i| values[*i] > 0.0)
                .map(|i| {
                    let below: f64 = parts[..k].iter().map(|p| p.2[i]).sum();
                    Rectangle::new(
                        [(i as f64 - 0.3, below), (i as f64 + 0.3, below + values[i])],
                        color.filled(),
                    )
                })
                .collect();
            chart.draw_series(bars).map_err(draw_err)?;
        }
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
        chart.draw_series(bars).map_err(draw_err)?;
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
        Ok(())
    }
}

/// Draws the four charts of a run into `out`, in the order the report
/// shows them: [`series_charts`] then [`summary_charts`], each chart on
/// threads of its own (issue 24).
pub fn render_all(
    out: &Staged,
    dir: &Path,
    summary: &Summary,
    series: &[ChartSeries],
) -> Result<Vec<Chart>, Error> {
    let (by_series, by_summary) = std::thread::scope(|s| {
        let by_summary = s.spawn(|| summary_charts(out, dir, summary));
        let by_series = series_charts(out, dir, summary, series);
        (by_series, join(by_summary))
    });
    Ok(by_series?.into_iter().chain(by_summary?).collect())
}

/// The result of a chart's thread.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The charts drawn from the time series: cumulative cost and capacity.
pub fn series_charts(
    out: &Staged,
    dir: &Path,
    summary: &Summary,
    series: &[ChartSeries],
) -> Result<[Chart; 2], Error> {
    register_font();
    let n = series.len().max(1) as u32;
    let cost = CostChart {
        series,
        whole_bill_usd: series
            .iter()
            .map(|p| {
                summary
                    .platforms
                    .iter()
                    .find(|s| s.name == p.platform)
                    .map(|s| s.cost.total_usd)
            })
            .collect(),
    };
    let capacity = CapacityChart { series };
    let (cost, capacity) = std::thread::scope(|s| {
        let cost = s.spawn(|| render_both_to(out, dir, "cost", (1000, 560), &cost));
        let capacity = render_both_to(out, dir, "capacity", (1200, 60 + 300 * n), &capacity);
        (join(cost), capacity)
    });
    Ok([
        Chart {
            name: "cost".into(),
            title: "Cumulative compute cost over time".into(),
            svg: cost?,
        },
        Chart {
            name: "capacity".into(),
            title: "Capacity over time".into(),
            svg: capacity?,
        },
    ])
}

/// The charts drawn from the summary alone: time to start and the cost
/// breakdown (a run draws them while its time series is being written).
pub fn summary_charts(out: &Staged, dir: &Path, summary: &Summary) -> Result<[Chart; 2], Error> {
    register_font();
    let start = StartChart { summary };
    let breakdown = BreakdownChart { summary };
    let (start, breakdown) = std::thread::scope(|s| {
        let start = s.spawn(|| render_both_to(out, dir, "time_to_start", (1000, 560), &start));
        let breakdown = render_both_to(out, dir, "cost_breakdown", (1000, 560), &breakdown);
        (join(start), breakdown)
    });
    Ok([
        Chart {
            name: "time_to_start".into(),
            title: "Time-to-start distribution".into(),
            svg: start?,
        },
        Chart {
            name: "cost_breakdown".into(),
            title: "Cost breakdown".into(),
            svg: breakdown?,
        },
    ])
}
