//! The house style of every chart: the compiled-in font, the platform
//! palette, the legend, time axes, thinning of long series, and drawing one
//! chart as both SVG and PNG.
//!
//! Text uses DejaVu Sans compiled into the binary (`assets/fonts`), so a
//! machine without system fonts draws the same PNGs. Each platform keeps its
//! colour in every chart. Long series are thinned for drawing only (the
//! minimum and maximum of each pixel-wide bucket are kept, so spikes stay
//! visible); the data files keep every row.

use crate::Error;
use crate::io::staged::Staged;
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

/// Points per bucket when thinning `n` points: 0 when every point is kept
/// (at most `2 * MAX_BUCKETS`). `chart_series.rs` thins as the rows stream
/// past with the same plan.
pub fn thin_plan(n: usize) -> usize {
    if n <= 2 * MAX_BUCKETS {
        0
    } else {
        n.div_ceil(MAX_BUCKETS)
    }
}

/// Thins `(x, y)` to at most `2 * MAX_BUCKETS` points, keeping each
/// bucket's minimum and maximum in time order.
pub fn thin(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    let n = x.len().min(y.len());
    let per = thin_plan(n);
    if per == 0 {
        return x.iter().zip(y).map(|(a, b)| (*a, *b)).collect();
    }
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

/// Ticks of one axis: multiples of a round step.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub step: f64,
}

/// Ticks over `[lo, hi]`: multiples of a step of 1, 2 or 5 × 10^k, at most
/// `max` of them. A count axis (`integer`) never steps below 1, so no two
/// ticks share a label (the old 0, 0, 1, 1, 2, 2).
pub fn ticks(lo: f64, hi: f64, max: usize, integer: bool) -> Ticks {
    let max = max.max(2);
    let span = (hi - lo).abs();
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return Ticks {
            values: vec![lo],
            step: 1.0,
        };
    }
    let mut k = (span / max as f64).log10().floor() as i32 - 1;
    let step = 'found: loop {
        for m in [1.0, 2.0, 5.0] {
            let step = m * 10f64.powi(k);
            if integer && step < 1.0 {
                continue;
            }
            let n = (hi / step).floor() - (lo / step).ceil() + 1.0;
            if n <= max as f64 {
                break 'found step;
            }
        }
        k += 1;
    };
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    Ticks {
        values: (first..=last).map(|i| i as f64 * step).collect(),
        step,
    }
}

/// A linear axis that puts its ticks (and grid lines) at chosen values.
#[derive(Clone)]
pub struct TickRange {
    inner: plotters::coord::types::RangedCoordf64,
    ticks: Vec<f64>,
}

impl plotters::coord::ranged1d::Ranged for TickRange {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

impl Ticks {
    /// The axis over `range` with these ticks.
    pub fn over(&self, range: std::ops::Range<f64>) -> TickRange {
        TickRange {
            inner: range.into(),
            ticks: self.values.clone(),
        }
    }

    /// Digits after the point that the step needs (0.5 → 1, 0.05 → 2).
    pub fn decimals(&self) -> usize {
        if self.step >= 1.0 {
            0
        } else {
            (-self.step.log10().floor()) as usize
        }
    }

    /// A tick's label with just the digits the step needs: 0.6, never
    /// 0.6000000000000001.
    pub fn label(&self, v: f64) -> String {
        let text = format!("{:.*}", self.decimals(), v);
        // No "-0".
        if text
            .trim_start_matches('-')
            .bytes()
            .all(|b| b == b'0' || b == b'.')
        {
            text.trim_start_matches('-').to_string()
        } else {
            text
        }
    }

    /// A money tick: whole dollars (thousands grouped) on a step of $1 or
    /// more, else cents or finer as the step needs.
    pub fn usd(&self, v: f64) -> String {
        let d = match self.decimals() {
            0 => 0,
            d => d.max(2),
        };
        let text = format!("{:.*}", d, v.abs());
        let (whole, frac) = text
            .split_once('.')
            .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
        let neg = v < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
        format!(
            "{}${}{}",
            if neg { "-" } else { "" },
            super::format::thousands(whole),
            frac.map_or(String::new(), |f| format!(".{f}"))
        )
    }
}

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Area(RGBColor, f64),
    Dot(RGBColor),
    /// A hollow dot.
    Ring(RGBColor),
    Outline(RGBColor),
}

/// One entry of a legend.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub label: String,
    pub swatch: Swatch,
}

impl Entry {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Entry {
        Entry {
            label: label.into(),
            swatch,
        }
    }
}

const SWATCH_W: i32 = 22;

/// Where each legend entry goes in a strip `width` px wide: (x, row).
fn legend_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    font_size: u32,
    width: i32,
) -> Vec<(i32, i32)> {
    let font = TextStyle::from((FAMILY, font_size).into_font());
    let (mut x, mut row) = (10, 0);
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let text_w = area.estimate_text_size(&e.label, &font).map_or(
            e.label.chars().count() as i32 * font_size as i32 * 6 / 10,
            |s| s.0 as i32,
        );
        let w = SWATCH_W + 6 + text_w;
        if x > 10 && x + w > width - 10 {
            x = 10;
            row += 1;
        }
        out.push((x, row));
        x += w + 20;
    }
    out
}

fn row_height(font_size: u32) -> i32 {
    font_size as i32 + 8
}

/// Splits `area` into the plot (above) and a legend strip (below) that
/// holds `entries`, and draws the legend there: a legend never covers data.
pub(super) fn with_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    font_size: u32,
) -> Result<DrawingArea<DB, Shift>, String> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let (w, h) = area.dim_in_pixel();
    let layout = legend_layout(area, entries, font_size, w as i32);
    let rows = layout.last().map_or(0, |l| l.1) + 1;
    let strip_h = rows * row_height(font_size) + 6;
    let (plot, strip) = area.split_vertically(h as i32 - strip_h);
    let font =
        (FAMILY, font_size)
            .into_font()
            .color(&BLACK)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            ));
    for (e, (x, row)) in entries.iter().zip(layout) {
        let y = 3 + row * row_height(font_size) + row_height(font_size) / 2;
        let (a, b) = ((x, y), (x + SWATCH_W, y));
        match e.swatch {
            Swatch::Line(c, width) => {
                strip.draw(&PathElement::new(vec![a, b], c.stroke_width(width)))
            }
            Swatch::Dashed(c) => {
                for i in 0..3 {
                    let x0 = x + i * 8;
                    strip
                        .draw(&PathElement::new(
                            vec![(x0, y), (x0 + 5, y)],
                            c.stroke_width(2),
                        ))
                        .map_err(draw_err)?;
                }
                Ok(())
            }
            Swatch::Area(c, alpha) => strip.draw(&Rectangle::new(
                [(x, y - 6), (x + SWATCH_W, y + 6)],
                c.mix(alpha).filled(),
            )),
            Swatch::Dot(c) => strip.draw(&Circle::new((x + SWATCH_W / 2, y), 5, c.filled())),
            Swatch::Ring(c) => {
                strip.draw(&Circle::new((x + SWATCH_W / 2, y), 5, c.stroke_width(2)))
            }
            Swatch::Outline(c) => strip.draw(&Rectangle::new(
                [(x, y - 6), (x + SWATCH_W, y + 6)],
                c.stroke_width(2),
            )),
        }
        .map_err(draw_err)?;
        strip
            .draw(&Text::new(
                e.label.clone(),
                (x + SWATCH_W + 6, y),
                font.clone(),
            ))
            .map_err(draw_err)?;
    }
    Ok(plot)
}

/// Writes `title` above `area`, on as many lines as its width needs (a
/// long title is wrapped, never clipped), and returns the area below it.
pub(super) fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    font_size: u32,
    color: &RGBColor,
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = area.dim_in_pixel();
    let font = TextStyle::from((FAMILY, font_size).into_font());
    let fits = |text: &str| {
        area.estimate_text_size(text, &font)
            .map_or(text.chars().count() as u32 * font_size * 6 / 10, |s| s.0)
            <= w.saturating_sub(24)
    };
    let mut lines: Vec<String> = Vec::new();
    for word in title.split(' ') {
        match lines.last_mut() {
            Some(line) if fits(&format!("{line} {word}")) => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let line_h = font_size as i32 + 6;
    let style = font
        .color(color)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        ));
    for (i, line) in lines.iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (w as i32 / 2, 8 + i as i32 * line_h),
            style.clone(),
        ))
        .map_err(draw_err)?;
    }
    Ok(area.split_vertically(12 + lines.len() as i32 * line_h).1)
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
    chart: &(impl Draw + Sync),
) -> Result<String, Error> {
    let out = Staged::new();
    let svg = render_both_to(&out, dir, name, size, chart)?;
    out.commit(None)?;
    Ok(svg)
}

/// [`render_both`] into a set of files put in place later: the bitmap is
/// drawn on a second thread while this one draws the SVG (issue 24: the
/// PNG's rasterising and compression are most of a chart's time).
pub(super) fn render_both_to(
    out: &Staged,
    dir: &Path,
    name: &str,
    size: (u32, u32),
    chart: &(impl Draw + Sync),
) -> Result<String, Error> {
    let out_err = |path: &Path, m: String| Error::Output {
        path: path.to_path_buf(),
        source: std::io::Error::other(m),
    };
    // The bitmap backend picks the encoder from the extension, so the
    // temporary name keeps `.png` at its end.
    let final_png = dir.join(format!("{name}.png"));
    let tmp = dir.join(format!(".{name}.tmp-{}.png", std::process::id()));
    let draw_png = || -> Result<(), Error> {
        let result = (|| {
            let area = BitMapBackend::new(&tmp, size).into_drawing_area();
            chart.draw(&area)?;
            area.present().map_err(draw_err)
        })();
        if let Err(m) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(out_err(&final_png, m));
        }
        let r = out.adopt(tmp.clone(), &final_png);
        crate::io::timings::event(&format!("      png {name}"));
        Ok(r?)
    };
    let draw_svg = || -> Result<String, Error> {
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            chart
                .draw(&area)
                .map_err(|m| out_err(&dir.join(format!("{name}.svg")), m))?;
            area.present()
                .map_err(|e| out_err(&dir.join(format!("{name}.svg")), draw_err(e)))?;
        }
        out.write(&dir.join(format!("{name}.svg")), svg.as_bytes())?;
        crate::io::timings::event(&format!("      svg {name}"));
        Ok(svg)
    };
    let (svg, png) = std::thread::scope(|s| {
        let png = s.spawn(draw_png);
        let svg = draw_svg();
        let png = png
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (svg, png)
    });
    png?;
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_axis_has_integer_ticks() {
        // Regression: a count axis up to 2.2 read 0, 0, 1, 1, 2, 2.
        let t = ticks(0.0, 2.2, 10, true);
        let labels: Vec<String> = t.values.iter().map(|v| t.label(*v)).collect();
        assert_eq!(labels, ["0", "1", "2"]);
        let t = ticks(0.0, 440.0, 8, true);
        let labels: Vec<String> = t.values.iter().map(|v| t.label(*v)).collect();
        assert_eq!(labels, ["0", "100", "200", "300", "400"]);
        // A vCPU axis keeps its halves: 0.5 is not labelled 0.
        let t = ticks(0.0, 2.2, 6, false);
        let labels: Vec<String> = t.values.iter().map(|v| t.label(*v)).collect();
        assert_eq!(labels, ["0.0", "0.5", "1.0", "1.5", "2.0"]);
    }

    #[test]
    fn tick_labels_have_no_float_noise() {
        // Regression: a sweep axis read 0.6000000000000001.
        let t = ticks(0.0, 1.0, 6, false);
        assert_eq!(t.values[3], 3.0 * 0.2); // 0.6000000000000001
        let labels: Vec<String> = t.values.iter().map(|v| t.label(*v)).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let labels: Vec<String> = t.values.iter().map(|v| t.usd(*v)).collect();
        assert!(labels.iter().all(|l| l.starts_with('$')));
        let t = ticks(0.0, 2500.0, 6, false);
        assert_eq!(t.usd(2000.0), "$2,000");
        let t = ticks(0.0, 0.004, 5, false);
        assert_eq!(t.usd(0.002), "$0.002");
        assert_eq!(ticks(0.0, 1.0, 6, false).usd(0.6), "$0.60");
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
