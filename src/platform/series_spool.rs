//! Where a long time series waits during the run (issue 24): rows past the
//! recorder's in-memory chunk are appended to a file in the system's
//! temporary folder, so a run that drains a backlog for 440 simulated days
//! (638,000 rows a platform) costs a few hundred kilobytes of memory, not
//! 92 MB. Readers stream the rows back in order, as many times as they
//! like; the file is removed with the spool.
//!
//! A row is a handful of LEB128 varints: the interval's start as the gap
//! from the previous row's end (0 in a recorder's rows), its length, the
//! counts, the gauges (the two optional ones behind a presence byte), and
//! the cumulative cost as a zigzag difference from the previous row's.
//! About 25 bytes a row where the fixed-width row is 144.

use super::series_row::{Gauges, SeriesRow};
use crate::pricing::Money;
use crate::time::SimTime;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The spool file: rows appended whole chunks at a time, flushed after each
/// chunk, so readers can open it at any time between chunks.
#[derive(Debug)]
pub struct SeriesSpool {
    path: PathBuf,
    file: File,
    /// Rows in the file.
    rows: u64,
    /// The end and cumulative cost of the last row written.
    last_end: SimTime,
    last_cost: u128,
    buf: Vec<u8>,
}

impl Drop for SeriesSpool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl SeriesSpool {
    /// Creates a spool file, unique in the process, in the temporary folder.
    pub fn create() -> Result<SeriesSpool, (PathBuf, std::io::Error)> {
        static FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("fargate-sim-series-{}-{n}.bin", std::process::id()));
        let file = File::create(&path).map_err(|e| (path.clone(), e))?;
        Ok(SeriesSpool {
            path,
            file,
            rows: 0,
            last_end: 0,
            last_cost: 0,
            buf: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows in the file.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends `rows` (the ones after those already written).
    pub fn append(&mut self, rows: &[SeriesRow]) -> std::io::Result<()> {
        self.buf.clear();
        let (mut end, mut cost) = (self.last_end, self.last_cost);
        for r in rows {
            encode(&mut self.buf, r, end, cost);
            end = r.end;
            cost = r.cost_cumulative.0;
        }
        self.file.write_all(&self.buf)?;
        self.file.flush()?;
        self.rows += rows.len() as u64;
        self.last_end = end;
        self.last_cost = cost;
        Ok(())
    }

    /// A reader of the rows in the file, from the first.
    pub fn reader(&self) -> std::io::Result<SpoolReader> {
        Ok(SpoolReader {
            input: BufReader::with_capacity(1 << 16, File::open(&self.path)?),
            left: self.rows,
            end: 0,
            cost: 0,
        })
    }
}

/// Reads a spool's rows back in order.
pub struct SpoolReader {
    input: BufReader<File>,
    left: u64,
    end: SimTime,
    cost: u128,
}

impl SpoolReader {
    /// The next row, `None` after the last.
    pub fn next_row(&mut self) -> Option<std::io::Result<SeriesRow>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let row = decode(&mut self.input, self.end, self.cost);
        if let Ok(r) = &row {
            self.end = r.end;
            self.cost = r.cost_cumulative.0;
        } else {
            self.left = 0;
        }
        Some(row)
    }
}

fn put(out: &mut Vec<u8>, mut v: u128) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get(r: &mut impl Read) -> std::io::Result<u128> {
    let mut v: u128 = 0;
    let mut shift = 0u32;
    loop {
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        if shift >= 128 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a time-series row's number is too long",
            ));
        }
        v |= u128::from(b[0] & 0x7f) << shift;
        if b[0] & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
    }
}

fn get_u64(r: &mut impl Read) -> std::io::Result<u64> {
    u64::try_from(get(r)?).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a time-series row's count is out of range",
        )
    })
}

/// `b − a` as a zigzag number (both below 2^127 in practice: a cost in
/// micro-cents; the difference is taken in wrapping arithmetic so any pair
/// round-trips).
fn zigzag(a: u128, b: u128) -> u128 {
    let d = b.wrapping_sub(a) as i128;
    ((d << 1) ^ (d >> 127)) as u128
}

fn unzigzag(a: u128, z: u128) -> u128 {
    let d = ((z >> 1) as i128) ^ -((z & 1) as i128);
    a.wrapping_add(d as u128)
}

fn encode(out: &mut Vec<u8>, r: &SeriesRow, prev_end: SimTime, prev_cost: u128) {
    let g = &r.gauges;
    put(out, zigzag(u128::from(prev_end), u128::from(r.start)));
    put(out, zigzag(u128::from(r.start), u128::from(r.end)));
    for v in [
        r.tasks_submitted,
        r.tasks_completed,
        g.tasks_waiting,
        g.tasks_starting,
        g.tasks_running,
        g.replicas_running,
    ] {
        put(out, u128::from(v));
    }
    let present =
        u8::from(g.instances_launching.is_some()) | (u8::from(g.instances_running.is_some()) << 1);
    out.push(present);
    for v in [g.instances_launching, g.instances_running]
        .into_iter()
        .flatten()
    {
        put(out, u128::from(v));
    }
    for v in [
        g.cpu_milli_provisioned,
        g.cpu_milli_allocated,
        g.memory_mib_provisioned,
        g.memory_mib_allocated,
    ] {
        put(out, u128::from(v));
    }
    put(out, zigzag(prev_cost, r.cost_cumulative.0));
}

fn decode(r: &mut impl Read, prev_end: SimTime, prev_cost: u128) -> std::io::Result<SeriesRow> {
    let time = |z: u128, base: SimTime| -> std::io::Result<SimTime> {
        SimTime::try_from(unzigzag(u128::from(base), z)).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a time-series row's time is out of range",
            )
        })
    };
    let start = time(get(r)?, prev_end)?;
    let end = time(get(r)?, start)?;
    let tasks_submitted = get_u64(r)?;
    let tasks_completed = get_u64(r)?;
    let tasks_waiting = get_u64(r)?;
    let tasks_starting = get_u64(r)?;
    let tasks_running = get_u64(r)?;
    let replicas_running = get_u64(r)?;
    let mut present = [0u8; 1];
    r.read_exact(&mut present)?;
    let instances_launching = if present[0] & 1 != 0 {
        Some(get_u64(r)?)
    } else {
        None
    };
    let instances_running = if present[0] & 2 != 0 {
        Some(get_u64(r)?)
    } else {
        None
    };
    let gauges = Gauges {
        tasks_waiting,
        tasks_starting,
        tasks_running,
        replicas_running,
        instances_launching,
        instances_running,
        cpu_milli_provisioned: get_u64(r)?,
        cpu_milli_allocated: get_u64(r)?,
        memory_mib_provisioned: get_u64(r)?,
        memory_mib_allocated: get_u64(r)?,
    };
    let cost_cumulative = Money(unzigzag(prev_cost, get(r)?));
    Ok(SeriesRow {
        start,
        end,
        tasks_submitted,
        tasks_completed,
        gauges,
        cost_cumulative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(start: SimTime, end: SimTime, cost: u128, i: u64) -> SeriesRow {
        SeriesRow {
            start,
            end,
            tasks_submitted: i,
            tasks_completed: u64::MAX - i,
            gauges: Gauges {
                tasks_waiting: i * 1_000_003,
                tasks_starting: 0,
                tasks_running: 7,
                replicas_running: 1,
                instances_launching: i.is_multiple_of(2).then_some(i),
                instances_running: i.is_multiple_of(3).then_some(u64::MAX),
                cpu_milli_provisioned: 4_000 * i,
                cpu_milli_allocated: 250,
                memory_mib_provisioned: 16_384,
                memory_mib_allocated: 512,
            },
            cost_cumulative: Money(cost),
        }
    }

    #[test]
    fn rows_come_back_field_for_field_across_appends() {
        let mut spool = SeriesSpool::create().unwrap();
        // Regular minutes, a short last row, a gap, a cost that falls, the
        // largest values.
        let rows = vec![
            row(0, 60_000_000, 0, 0),
            row(60_000_000, 120_000_000, 5_000_000_000, 1),
            row(120_000_000, 150_000_001, 4_999_999_999, 2),
            row(150_000_001, SimTime::MAX, u128::MAX, 3),
            row(7, 3, 0, 4),
        ];
        spool.append(&rows[..2]).unwrap();
        spool.append(&rows[2..]).unwrap();
        assert_eq!(spool.rows(), 5);
        for _ in 0..2 {
            let mut r = spool.reader().unwrap();
            let mut back = Vec::new();
            while let Some(x) = r.next_row() {
                back.push(x.unwrap());
            }
            assert_eq!(back, rows);
        }
        let path = spool.path().to_path_buf();
        assert!(path.exists());
        drop(spool);
        assert!(!path.exists());
    }
}
