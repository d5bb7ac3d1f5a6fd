//! The native Parquet trace's rows read straight from the columns' buffers
//! (issue 24).
//!
//! When the numbers are typed columns (floats or integers) and the id and
//! group are text, as every trace `trace convert` writes has them, a chunk's
//! rows are read from the decoded arrays one value at a time: no column is
//! copied into a `Vec<Option<…>>`, nothing is allocated per row (an id of
//! up to 22 bytes is kept inline in the task, a group is one shared
//! `Arc<str>` per distinct name), and the tasks go into a queue that is
//! reused from chunk to chunk.
//!
//! A row takes the fast path ([`fast_task`]) when it is plain: every
//! required value present, the id and group without spaces at their ends,
//! whole MiB and GiB, no usage value set, every value in range and the
//! submit time not earlier than the row before. Any other row goes through
//! [`RowChecker::check_values`] with the same values, as the reader did
//! before, which gives the same task or the error, word for word (the fast
//! path never words an error). Why the fast path's task is the general
//! path's: it calls the same conversions (`seconds_to_sim`,
//! `vcpu_to_milli`, `RowChecker::group`), and for memory and storage it
//! takes a whole number `x` in range, where `x.ceil() as u32` is `x as u32`.

use super::native_rows::{RawRow, RowChecker, Values, null_number, show_number};
use super::task::{Task, WorkloadError};
use crate::io::table::{NumberColumn, Numbers, StrColumn, Strs, Table, TableError};
use crate::time::seconds_to_sim;
use crate::units::vcpu_to_milli;
use std::collections::VecDeque;

/// A chunk's columns in the native format's order (`ColumnMap`): id,
/// submit, duration, vCPU, MiB, storage, group, then the four usage
/// columns; those the trace does not have are `None`.
pub(crate) struct TypedChunk {
    id: StrColumn,
    numbers: [Option<NumberColumn>; 5],
    group: Option<StrColumn>,
    usage: [Option<NumberColumn>; 4],
}

impl TypedChunk {
    /// The chunk's columns when they are typed as the fast path needs (see
    /// the module's doc); `None` when one is not (numbers stored as text,
    /// an id column of numbers), for the general path. `present` names the
    /// columns in `ColumnMap` order; the four required numbers must be.
    pub(crate) fn new(
        df: &Table,
        present: &[Option<String>; 11],
    ) -> Result<Option<TypedChunk>, TableError> {
        let Some(id_name) = &present[0] else {
            return Ok(None);
        };
        let Some(id) = df.strings(id_name)? else {
            return Ok(None);
        };
        // A column the chunk did not read (all null there) is absent.
        let read = |k: usize| present[k].as_ref().filter(|n| df.has(n));
        let group = match read(6) {
            Some(n) => match df.strings(n)? {
                Some(g) => Some(g),
                None => return Ok(None),
            },
            None => None,
        };
        let number =
            |idx: usize, required: bool| -> Result<Option<Option<NumberColumn>>, TableError> {
                match read(idx) {
                    Some(n) if df.is_numeric(n)? => Ok(Some(Some(df.numbers(n)?))),
                    Some(_) => Ok(None),
                    None if required => Ok(None),
                    None => Ok(Some(None)),
                }
            };
        let mut numbers: [Option<NumberColumn>; 5] = Default::default();
        for (k, slot) in numbers.iter_mut().enumerate() {
            // submit, duration, vCPU, MiB required; storage optional.
            match number(k + 1, k < 4)? {
                Some(c) => *slot = c,
                None => return Ok(None),
            }
        }
        let mut usage: [Option<NumberColumn>; 4] = Default::default();
        for (k, slot) in usage.iter_mut().enumerate() {
            match number(7 + k, false)? {
                Some(c) => *slot = c,
                None => return Ok(None),
            }
        }
        Ok(Some(TypedChunk {
            id,
            numbers,
            group,
            usage,
        }))
    }
}

/// The borrowed columns of a [`TypedChunk`], read row by row.
struct View<'a> {
    id: Strs<'a>,
    submit: Numbers<'a>,
    duration: Numbers<'a>,
    cpu: Numbers<'a>,
    memory: Numbers<'a>,
    storage: Option<Numbers<'a>>,
    group: Option<Strs<'a>>,
    usage: [Option<Numbers<'a>>; 4],
}

/// Where a chunk's rows go, and what to do with a bad one.
pub(crate) struct Sink<'a> {
    pub tasks: &'a mut VecDeque<Task>,
    /// Skip bad rows and count them here (else stop at the first).
    pub skip: Option<&'a super::formats::adapter::SkipCounter>,
}

/// Reads the `len` rows of a typed chunk whose first row is data row
/// `offset` of the file (rows are numbered from 1 in messages, as the
/// general path numbers them) into `sink.tasks`; returns the error that stopped it,
/// if one did (the tasks before it are in the queue).
pub(crate) fn read_rows(
    chunk: &TypedChunk,
    len: usize,
    offset: usize,
    checker: &mut RowChecker,
    sink: Sink<'_>,
) -> Option<WorkloadError> {
    let req = |k: usize| {
        chunk.numbers[k]
            .as_ref()
            .map_or(Numbers::Empty, NumberColumn::view)
    };
    let v = View {
        id: chunk.id.view(),
        submit: req(0),
        duration: req(1),
        cpu: req(2),
        memory: req(3),
        storage: chunk.numbers[4].as_ref().map(NumberColumn::view),
        group: chunk.group.as_ref().map(StrColumn::view),
        usage: [0, 1, 2, 3].map(|k| chunk.usage[k].as_ref().map(NumberColumn::view)),
    };
    sink.tasks.reserve(len);
    for r in 0..len {
        if let Some(t) = fast_task(&v, r, checker) {
            sink.tasks.push_back(t);
            continue;
        }
        let line = (offset + r + 1) as u64;
        match general_task(&v, r, line, checker) {
            Ok(t) => sink.tasks.push_back(t),
            Err(WorkloadError::BadValue {
                column, expected, ..
            }) if sink.skip.is_some() => {
                if let Some(skip) = sink.skip {
                    skip.add(&format!("{column}: {expected}"));
                }
            }
            Err(e) => return Some(e),
        }
    }
    None
}

/// Row `r` as a task when it is plain (see the module's doc), else `None`.
#[inline]
fn fast_task(v: &View<'_>, r: usize, checker: &mut RowChecker) -> Option<Task> {
    // A row with usage: the general path (it checks and rounds it).
    if v.usage
        .iter()
        .any(|u| u.is_some_and(|u| u.get(r).is_some()))
    {
        return None;
    }
    let id = v.id.get(r)?;
    // An id with a space (or a non-ASCII byte) at either end: trimmed by
    // the general path.
    let (&first, &last) = (id.as_bytes().first()?, id.as_bytes().last()?);
    if !(first > b' ' && first < 0x7f && last > b' ' && last < 0x7f) {
        return None;
    }
    let submit_s = v.submit.get(r)?;
    let submit = seconds_to_sim(submit_s)?;
    let duration = seconds_to_sim(v.duration.get(r)?)?;
    let cpu_milli = vcpu_to_milli(v.cpu.get(r)?)?;
    let memory_mib = whole(v.memory.get(r)?, 1.0, u32::MAX as f64)?;
    let storage_gib = match v.storage.and_then(|s| s.get(r)) {
        Some(s) => whole(s, 0.0, 1_000_000.0)?,
        None => 0,
    };
    let group = match v.group.and_then(|g| g.get(r)) {
        Some(g) => match g.trim() {
            "" => None,
            g => Some(checker.group(g)),
        },
        None => None,
    };
    // Last: the general path records the submit time when the row passes
    // the order check, whatever follows, so a row declined after this
    // point would record it a second time, the same way.
    if !checker.in_order(submit, submit_s) {
        return None;
    }
    Some(Task {
        id: 0,
        label: Some(id.into()),
        submit,
        duration,
        cpu_milli,
        memory_mib,
        storage_gib,
        group,
        usage: None,
    })
}

/// `x` as `u32` when it is a whole number from `min` to `max` (where its
/// ceiling is itself).
#[inline]
fn whole(x: f64, min: f64, max: f64) -> Option<u32> {
    if !(min..=max).contains(&x) {
        return None;
    }
    let n = x as u32;
    (n as f64 == x).then_some(n)
}

/// Row `r` through the general checks, as the reader has always read a
/// typed chunk: the id and group as text, the numbers as values (a null in
/// a required one is an error naming it), an error's value written out
/// when the row had no text for it.
fn general_task(
    v: &View<'_>,
    r: usize,
    line: u64,
    checker: &mut RowChecker,
) -> Result<Task, WorkloadError> {
    let row = RawRow {
        task_id: v.id.get(r).unwrap_or(""),
        submit_s: "",
        duration_s: "",
        cpu_vcpu: "",
        memory_mib: "",
        storage_gib: "",
        group: v.group.and_then(|g| g.get(r)).unwrap_or(""),
        usage: [""; 4],
    };
    let num = |c: usize| -> Option<f64> {
        match c {
            1 => v.submit.get(r),
            2 => v.duration.get(r),
            3 => v.cpu.get(r),
            4 => v.memory.get(r),
            5 => v.storage.and_then(|s| s.get(r)),
            7..=10 => v.usage[c - 7].and_then(|u| u.get(r)),
            _ => None,
        }
    };
    let (Some(submit_s), Some(duration_s), Some(cpu_vcpu), Some(memory_mib)) =
        (num(1), num(2), num(3), num(4))
    else {
        return Err(null_number(checker.path.clone(), line, num));
    };
    let values = Values {
        submit_s,
        duration_s,
        cpu_vcpu,
        memory_mib,
        storage_gib: num(5),
        usage: [num(7), num(8), num(9), num(10)],
    };
    checker
        .check_values(line, &row, &values)
        .map_err(|e| show_number(e, num))
}
