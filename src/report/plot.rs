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
use crate::io::files::write_atomic;
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

#[cfg(test)]
mod tests {
    use super::*;

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
