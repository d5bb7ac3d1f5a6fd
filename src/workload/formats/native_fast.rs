//! The native CSV row's fast path (issue 24): one pass over the line's bytes
//! straight into a task, for the rows traces are made of.
//!
//! A row is taken here only when every field the task needs is plain: no
//! double quote, no space at a field's ends, numbers written as plain
//! decimals (`12`, `0.25`; the grammar `io::csv::parse_decimal` reads
//! exactly), and every value in range. The numbers go straight to the
//! task's integers where that is provably the value the general path
//! computes through `f64` (below); otherwise through the same `f64`
//! operations. Any other row (a quoted field, a value out of range, a short
//! row, `1e3`) returns `None` and goes through the general row code
//! (`native_csv::native_row`), which gives the same task or the error, word
//! for word. Nothing is allocated per row: the id is kept inline in the task
//! (up to 22 bytes) and a group is one shared `Arc<str>` per distinct name.
//!
//! Why the integer shortcuts give the general path's value to the bit. The
//! general path reads a plain decimal of digits `m` with `f` digits after
//! the point as `d = m / 10^f` (one correctly rounded division, so `d` is
//! the double nearest the decimal `v`, `|d − v| ≤ v·2⁻⁵³`).
//! - Seconds to microseconds: `round(d · 10⁶)`. When `f ≤ 6` the decimal is
//!   `N = m·10^(6−f)` microseconds exactly; the product is within
//!   `N·2⁻⁵²` of `N`, less than ½ when `N < 2⁵¹`, so the rounding gives `N`
//!   (the shortcut is taken for `N < 2⁵⁰`, which is also under the 100-year
//!   limit).
//! - vCPU to milli-vCPU: `ceil(d · 1000 − 10⁻⁶)`, at least 1. When `f ≤ 3`
//!   the decimal is `k = m·10^(3−f)` milli exactly; for `1 ≤ k ≤ 10⁹` (the
//!   range the general path accepts) the product is within `2.3·10⁻⁷` of
//!   `k`, so `product − 10⁻⁶` lies in `(k − 1, k)` and the ceiling is `k`.
//! - MiB and GiB: `ceil(d)`; for a whole number (`f = 0`, `m ≤ 2⁵³`) `d` is
//!   `m` exactly.

use crate::io::csv::parse_decimal;
use crate::time::seconds_to_sim;
use crate::units::vcpu_to_milli;
use crate::workload::native::{ColumnMap, RawRow, RowChecker, Values};
use crate::workload::{Label, Task};

/// What a column of the header is to the fast path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Id,
    Submit,
    Duration,
    Cpu,
    Memory,
    Storage,
    Group,
    /// `cpu_avg`, `cpu_max`, `memory_avg_mib`, `memory_max_mib`.
    Usage(usize),
    /// A column the native format does not read.
    Ignored,
}

/// The header's columns in file order, for reading a row in one pass.
#[derive(Clone, Debug)]
pub(super) struct FastRow {
    cols: Vec<Col>,
}

/// A plain decimal's digits as an integer, the number of digits after the
/// point, and where the field ends.
struct Decimal {
    m: u64,
    frac: usize,
    end: usize,
}

/// Integer powers of ten up to 10⁶.
const POW10_U64: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

impl FastRow {
    /// The plan for a header's column map.
    pub(super) fn new(map: &ColumnMap) -> FastRow {
        let mut cols = vec![Col::Ignored; map.width];
        let known = [
            Col::Id,
            Col::Submit,
            Col::Duration,
            Col::Cpu,
            Col::Memory,
            Col::Storage,
            Col::Group,
            Col::Usage(0),
            Col::Usage(1),
            Col::Usage(2),
            Col::Usage(3),
        ];
        for (k, at) in map.index.iter().enumerate() {
            if let Some(c) = *at
                && let Some(slot) = cols.get_mut(c)
            {
                *slot = known[k];
            }
        }
        FastRow { cols }
    }

    /// One line (its end of line removed, not blank) into a task, or `None`
    /// when the line needs the general path.
    pub(super) fn row(&self, checker: &mut RowChecker, line: &str) -> Option<Task> {
        let b = line.as_bytes();
        let mut at = 0usize;
        let mut id = (0, 0);
        let mut group = (0, 0);
        let (mut submit, mut duration, mut cpu_milli, mut memory_mib) = (0, 0, 0, 0);
        let mut storage_gib = 0;
        let mut usage: [Option<f64>; 4] = [None; 4];
        for (i, col) in self.cols.iter().enumerate() {
            if i > 0 {
                // Past the comma that ended the field before; a line with
                // fewer fields than the header is a short row.
                if at > b.len() {
                    return None;
                }
            }
            let end = match *col {
                Col::Submit => {
                    let d = decimal(b, at)?;
                    submit = micros(line, at, &d)?;
                    d.end
                }
                Col::Duration => {
                    let d = decimal(b, at)?;
                    duration = micros(line, at, &d)?;
                    d.end
                }
                Col::Cpu => {
                    let d = decimal(b, at)?;
                    cpu_milli = milli(line, at, &d)?;
                    d.end
                }
                Col::Memory => {
                    let d = decimal(b, at)?;
                    memory_mib = if d.frac == 0 {
                        if d.m == 0 || d.m > u64::from(u32::MAX) {
                            return None;
                        }
                        d.m as u32
                    } else {
                        let mem = parse_decimal(&line[at..d.end])?;
                        if mem <= 0.0 || mem > u32::MAX as f64 {
                            return None;
                        }
                        mem.ceil() as u32
                    };
                    d.end
                }
                Col::Storage => {
                    if empty(b, at) {
                        at
                    } else {
                        let d = decimal(b, at)?;
                        storage_gib = if d.frac == 0 {
                            if d.m > 1_000_000 {
                                return None;
                            }
                            d.m as u32
                        } else {
                            let s = parse_decimal(&line[at..d.end])?;
                            if !(0.0..=1_000_000.0).contains(&s) {
                                return None;
                            }
                            s.ceil() as u32
                        };
                        d.end
                    }
                }
                Col::Usage(k) => {
                    if empty(b, at) {
                        at
                    } else {
                        let d = decimal(b, at)?;
                        usage[k] = Some(parse_decimal(&line[at..d.end])?);
                        d.end
                    }
                }
                Col::Id => {
                    let end = plain_end(b, at)?;
                    if end == at || !graphic_ends(&b[at..end]) {
                        return None;
                    }
                    id = (at, end);
                    end
                }
                Col::Group => {
                    let end = plain_end(b, at)?;
                    if end > at && !graphic_ends(&b[at..end]) {
                        return None;
                    }
                    group = (at, end);
                    end
                }
                Col::Ignored => plain_end(b, at)?,
            };
            at = end + 1;
        }
        let label = Label::new(line.get(id.0..id.1)?);
        let group = if group.1 > group.0 {
            Some(checker.group(line.get(group.0..group.1)?))
        } else {
            None
        };
        let usage = if usage.iter().all(Option::is_none) {
            None
        } else {
            // The general path's own checks and rounding; a value it
            // refuses goes back to it for the message.
            let values = Values {
                submit_s: 0.0,
                duration_s: 0.0,
                cpu_vcpu: 0.0,
                memory_mib: 0.0,
                storage_gib: None,
                usage,
            };
            let row = RawRow {
                task_id: "",
                submit_s: "",
                duration_s: "",
                cpu_vcpu: "",
                memory_mib: "",
                storage_gib: "",
                group: "",
                usage: [""; 4],
            };
            checker
                .usage(0, &row, &values, (cpu_milli, memory_mib))
                .ok()?
        };
        Some(Task {
            id: 0,
            label: Some(label),
            submit,
            duration,
            cpu_milli,
            memory_mib,
            storage_gib,
            group,
            usage,
        })
    }
}

/// Whether the field at `at` is empty (the line ends or a comma follows).
#[inline]
fn empty(b: &[u8], at: usize) -> bool {
    b.get(at).is_none_or(|&c| c == b',')
}

/// Where the field at `at` ends (its comma or the line's end), or `None`
/// when it holds a double quote (quoted fields take the general path).
#[inline]
fn plain_end(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    while let Some(&c) = b.get(i) {
        match c {
            b',' => return Some(i),
            b'"' => return None,
            _ => i += 1,
        }
    }
    Some(i)
}

/// Whether a field's first and last bytes are visible ASCII (nothing for
/// `trim` to remove).
#[inline]
fn graphic_ends(f: &[u8]) -> bool {
    matches!((f.first(), f.last()), (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic())
}

/// The plain decimal at `at` (what `parse_decimal` reads, without a minus
/// sign: at most 19 characters, digits and at most one point with digits on
/// both sides, digits worth at most 2⁵³), or `None`.
#[inline]
fn decimal(b: &[u8], at: usize) -> Option<Decimal> {
    let mut i = at;
    let mut m: u64 = 0;
    let mut point = usize::MAX;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0')),
            b'.' if point == usize::MAX => point = i,
            b',' => break,
            _ => return None,
        }
        i += 1;
    }
    let len = i - at;
    if len == 0 || len > 19 || m > 1 << 53 {
        return None;
    }
    let frac = if point == usize::MAX {
        0
    } else if point == at || point + 1 == i {
        return None;
    } else {
        i - point - 1
    };
    Some(Decimal { m, frac, end: i })
}

/// Seconds to microseconds, as `seconds_to_sim` of the parsed value gives.
#[inline]
fn micros(line: &str, at: usize, d: &Decimal) -> Option<u64> {
    if d.frac <= 6
        && let Some(n) = d.m.checked_mul(POW10_U64[6 - d.frac])
        && n < 1 << 50
    {
        return Some(n);
    }
    seconds_to_sim(parse_decimal(&line[at..d.end])?)
}

/// vCPU to milli-vCPU, as `vcpu_to_milli` of the parsed value gives.
#[inline]
fn milli(line: &str, at: usize, d: &Decimal) -> Option<u32> {
    if d.frac <= 3
        && let Some(k) = d.m.checked_mul(POW10_U64[3 - d.frac])
        && (1..=1_000_000_000).contains(&k)
    {
        return Some(k as u32);
    }
    vcpu_to_milli(parse_decimal(&line[at..d.end])?)
}

#[cfg(test)]
mod tests {
    use super::super::native_csv::native_row;
    use super::*;
    use crate::io::csv::split_csv;
    use proptest::prelude::*;
    use std::path::Path;

    const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib";

    /// The fast path's task, and the general path's result, for one line.
    fn both(header: &str, line: &str) -> (Option<Task>, Result<Task, String>) {
        let map = ColumnMap::from_header(Path::new("t.csv"), &split_csv(header)).unwrap();
        let fast = FastRow::new(&map);
        let mut c1 = RowChecker::new(Path::new("t.csv"));
        c1.check_order = false;
        let mut c2 = RowChecker::new(Path::new("t.csv"));
        c2.check_order = false;
        let got = fast.row(&mut c1, line);
        let want = native_row(&map, &mut c2, &split_csv(line)).map_err(|b| b.reason);
        (got, want)
    }

    /// Whenever the fast path gives a task, it is the general path's.
    fn agrees(header: &str, line: &str) -> bool {
        let (got, want) = both(header, line);
        if let Some(t) = &got {
            assert_eq!(Ok(t), want.as_ref(), "{line:?}");
        }
        got.is_some()
    }

    #[test]
    fn plain_rows_take_the_fast_path() {
        for line in [
            "t0,0.007,318.536,1,2048,0,,,,,",
            "t1,12,30,0.25,512,,web,,,,",
            "a-long-id-of-thirty-bytes-xxxxx,1.5,0.000001,4,16384,20,g,0.1,0.2,100,200",
            "x,0,0,0.001,1,0,,,,,",
            "x,1,2,1,2048,0,,0.5,,,",
            "x,1,2,1,2048.5,0.5,,,,,",
            "x,1,2,0.3333,2048,0,,,,,",
            "x,1.1234567,2.12345678901,1,2048,0,,,,,",
            "x,1,2,1,2048,0,,,,,,extra,\"quoted extra\"",
        ] {
            assert!(agrees(HEADER, line), "{line:?} took the general path");
        }
        let (t, _) = both(HEADER, "t1,12,30,0.25,512,,web,,,,");
        let t = t.unwrap();
        assert_eq!(
            (
                t.submit,
                t.duration,
                t.cpu_milli,
                t.memory_mib,
                t.storage_gib
            ),
            (12_000_000, 30_000_000, 250, 512, 0)
        );
        assert_eq!(t.group.as_deref(), Some("web"));
        assert_eq!(t.label.as_deref(), Some("t1"));
        // Usage: 0.5 vCPU average (500 milli), no maximum given.
        let (t, _) = both(HEADER, "x,1,2,1,2048,0,,0.5,,,");
        let u = t.unwrap().usage.unwrap();
        assert_eq!((u.cpu_avg_milli, u.cpu_max_milli), (500, 500));
        // 2048.5 MiB rounds up to 2049, 0.5 GiB to 1, 0.3333 vCPU to 334 milli.
        let (t, _) = both(HEADER, "x,1,2,0.3333,2048.5,0.5,,,,,");
        let t = t.unwrap();
        assert_eq!((t.cpu_milli, t.memory_mib, t.storage_gib), (334, 2049, 1));
    }

    #[test]
    fn other_rows_go_to_the_general_path() {
        for line in [
            "\"q\",1,2,1,2048,0,,,,,",
            " t,1,2,1,2048,0,,,,,",
            "t,1 ,2,1,2048,0,,,,,",
            "t,1e3,2,1,2048,0,,,,,",
            "t,-1,2,1,2048,0,,,,,",
            "t,.5,2,1,2048,0,,,,,",
            "t,5.,2,1,2048,0,,,,,",
            "t,1,2,0,2048,0,,,,,",
            "t,1,2,1,0,0,,,,,",
            "t,1,2,1,2048,0,\"g\",,,,",
            "t,1,2,1,2048,0,g ,,,,",
            "t,1,2,1,2048,0,,,,",
            "t,1,2",
            ",1,2,1,2048,0,,,,,",
            "t,1,,1,2048,0,,,,,",
            "t,1,2,1,2048,2000000,,,,,",
            "t,1,2,1000001,2048,0,,,,,",
            "t,1,2,1,4294967296,0,,,,,",
            "t,1,2,1,2048,0,,-1,,,",
            "t,12345678901234567890,2,1,2048,0,,,,,",
            "t,4000000000,2,1,2048,0,,,,,",
            "é,1,2,1,2048,0,,,,,",
        ] {
            assert!(!agrees(HEADER, line), "{line:?} took the fast path");
        }
    }

    #[test]
    fn any_column_order_and_fewer_columns() {
        let header = "memory_mib,extra,task_id,submit_s,cpu_vcpu,duration_s";
        assert!(agrees(header, "512,x y,a,0,0.25,60"));
        assert!(agrees(header, "512,,a,0,0.25,60,more,fields"));
        assert!(!agrees(header, "512,\"x,y\",a,0,0.25,60"));
    }

    /// A field drawn from the shapes traces hold, plain and not.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (0u64..100_000, 0usize..8).prop_map(|(m, f)| {
                let s = format!("{m:0>width$}", width = f + 1);
                if f == 0 { s } else { format!("{}.{}", &s[..s.len() - f], &s[s.len() - f..]) }
            }),
            2 => (0u64..(1 << 54)).prop_map(|m| m.to_string()),
            1 => (0.0f64..1e7).prop_map(|x| x.to_string()),
            1 => prop::sample::select(vec![
                "", " ", "1e3", "-2", "\"3\"", " 4 ", ".5", "6.", "0", "0.0001", "1.0000001",
                "99999999999999999999", "9007199254740993", "1000000", "1000000.001",
                "4294967295", "4294967296", "abc",
            ]).prop_map(str::to_string),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, rng_seed: proptest::test_runner::RngSeed::Fixed(24), ..ProptestConfig::default() })]

        /// Whatever the fields, the fast path's task is the general path's.
        #[test]
        fn fast_path_agrees_with_the_general_path(fields in prop::collection::vec(field(), 11..13), id in "[a-z0-9 \"]{0,30}", group in "[a-c \"]{0,3}") {
            let mut f = fields;
            f[0] = id;
            f[6] = group;
            agrees(HEADER, &f.join(","));
        }
    }
}
