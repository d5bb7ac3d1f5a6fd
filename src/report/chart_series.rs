//! What the run's charts draw of the time series, gathered row by row as
//! the series streams past (issue 24): each line already thinned to at most
//! `2 × MAX_BUCKETS` points (each bucket's first minimum and first maximum,
//! in time order), with its maximum and the facts the charts ask of the
//! whole series. A line of a short run keeps every point, so its chart is
//! the one drawn from the whole vectors; a long one keeps exactly the
//! points [`super::plot::thin`] would have kept from them, so a 440-day
//! run's chart is drawn from a few thousand points, not 638,000 a line.

use super::plot::thin_plan;

/// One line of a chart: its kept points `(t_end_s, value)` and the maximum
/// of every value (from 0, as the charts' axes take it).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub points: Vec<(f64, f64)>,
    pub max: f64,
    /// Values seen.
    pub len: usize,
    /// Rows per bucket (0: every point kept).
    per: usize,
    /// Whether a bucket is open, and its first minimum and first maximum:
    /// (index, x, y).
    open: bool,
    lo: (usize, f64, f64),
    hi: (usize, f64, f64),
}

impl Line {
    /// A line that will hold `n` values.
    pub fn new(n: usize) -> Line {
        Line {
            points: Vec::new(),
            max: 0.0,
            len: 0,
            per: thin_plan(n),
            open: false,
            lo: (0, 0.0, 0.0),
            hi: (0, 0.0, 0.0),
        }
    }

    /// Adds the next value, at `x`.
    pub fn push(&mut self, x: f64, y: f64) {
        let i = self.len;
        self.len += 1;
        self.max = self.max.max(y);
        if self.per == 0 {
            self.points.push((x, y));
            return;
        }
        if i.is_multiple_of(self.per) {
            self.close();
            self.open = true;
            self.lo = (i, x, y);
            self.hi = (i, x, y);
        } else {
            if y < self.lo.2 {
                self.lo = (i, x, y);
            }
            if y > self.hi.2 {
                self.hi = (i, x, y);
            }
        }
    }

    /// Whether any value is above 0.
    pub fn any_positive(&self) -> bool {
        self.max > 0.0
    }

    /// Emits the open bucket, if any.
    fn close(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        let (a, b) = if self.lo.0 <= self.hi.0 {
            (self.lo, self.hi)
        } else {
            (self.hi, self.lo)
        };
        self.points.push((a.1, a.2));
        if b.0 != a.0 {
            self.points.push((b.1, b.2));
        }
    }

    /// Closes the last bucket.
    pub fn finish(&mut self) {
        self.close();
    }
}

/// One platform's series as the charts read it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSeries {
    pub platform: String,
    /// The largest interval end, seconds (from 0).
    pub t_end_max_s: f64,
    /// The last row's cumulative cost, when there is a row.
    pub cost_last_usd: Option<f64>,
    pub tasks_waiting: Line,
    pub tasks_starting: Line,
    pub tasks_running: Line,
    pub replicas_running: Line,
    /// Rows that have both instance gauges (EC2); empty for serverless.
    pub instances_launching: Line,
    pub instances_running: Line,
    pub vcpu_provisioned: Line,
    pub vcpu_allocated: Line,
    pub cost_cumulative_usd: Line,
}

/// One row's values, as the table holds them (a missing value reads as 0,
/// instance gauges only when both are there).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChartRow {
    pub t_end_s: f64,
    pub tasks_waiting: f64,
    pub tasks_starting: f64,
    pub tasks_running: f64,
    pub replicas_running: f64,
    pub instances: Option<(f64, f64)>,
    pub vcpu_provisioned: f64,
    pub vcpu_allocated: f64,
    pub cost_cumulative_usd: f64,
}

impl ChartSeries {
    /// A platform's series that will get `rows` rows, `instance_rows` of
    /// them with instance gauges.
    pub fn new(platform: &str, rows: usize, instance_rows: usize) -> ChartSeries {
        ChartSeries {
            platform: platform.to_string(),
            t_end_max_s: 0.0,
            cost_last_usd: None,
            tasks_waiting: Line::new(rows),
            tasks_starting: Line::new(rows),
            tasks_running: Line::new(rows),
            replicas_running: Line::new(rows),
            instances_launching: Line::new(instance_rows),
            instances_running: Line::new(instance_rows),
            vcpu_provisioned: Line::new(rows),
            vcpu_allocated: Line::new(rows),
            cost_cumulative_usd: Line::new(rows),
        }
    }

    /// Adds the next row. An instance gauge is drawn at its own row's time
    /// (a platform has them on every row or on none).
    pub fn push(&mut self, r: &ChartRow) {
        let x = r.t_end_s;
        self.t_end_max_s = self.t_end_max_s.max(x);
        self.cost_last_usd = Some(r.cost_cumulative_usd);
        self.tasks_waiting.push(x, r.tasks_waiting);
        self.tasks_starting.push(x, r.tasks_starting);
        self.tasks_running.push(x, r.tasks_running);
        self.replicas_running.push(x, r.replicas_running);
        if let Some((launching, running)) = r.instances {
            self.instances_launching.push(x, launching);
            self.instances_running.push(x, running);
        }
        self.vcpu_provisioned.push(x, r.vcpu_provisioned);
        self.vcpu_allocated.push(x, r.vcpu_allocated);
        self.cost_cumulative_usd.push(x, r.cost_cumulative_usd);
    }

    /// Closes every line's last bucket.
    pub fn finish(&mut self) {
        for l in [
            &mut self.tasks_waiting,
            &mut self.tasks_starting,
            &mut self.tasks_running,
            &mut self.replicas_running,
            &mut self.instances_launching,
            &mut self.instances_running,
            &mut self.vcpu_provisioned,
            &mut self.vcpu_allocated,
            &mut self.cost_cumulative_usd,
        ] {
            l.finish();
        }
    }

    /// Whether the platform has instances (EC2).
    pub fn has_instances(&self) -> bool {
        self.instances_running.len > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plot::thin;

    /// A streamed line keeps exactly the points `thin` keeps from the whole
    /// vectors, short or long, with ties, spikes and a last partial bucket.
    #[test]
    fn a_streamed_line_keeps_the_points_thin_keeps() {
        for n in [
            0usize, 1, 2, 2_399, 2_400, 2_401, 2_402, 9_999, 100_000, 638_123,
        ] {
            let x: Vec<f64> = (0..n).map(|i| 60.0 * (i + 1) as f64).collect();
            let mut y: Vec<f64> = (0..n)
                .map(|i| match i % 7 {
                    0 => 3.0,
                    3 => (i % 11) as f64,
                    _ => (i / 13 % 5) as f64,
                })
                .collect();
            if n > 10 {
                y[n / 3] = 500.0;
            }
            let mut line = Line::new(n);
            for (a, b) in x.iter().zip(&y) {
                line.push(*a, *b);
            }
            line.finish();
            assert_eq!(line.points, thin(&x, &y), "n = {n}");
            assert_eq!(line.max, y.iter().copied().fold(0.0, f64::max));
            assert!(line.points.len() <= 2_402);
        }
    }
}
