//! The native Parquet trace read from its columns' buffers (issue 24): bad
//! rows are named as before (file, row, column, value, what was expected),
//! and a trace of mixed rows over several row groups reads as the same rows
//! written as CSV do, task for task and skip for skip.

use crate::common::bin;
use fargate_sim::io::table::{Column, Compression, ParquetBatches, Table};
use fargate_sim::workload::Task;
use fargate_sim::workload::formats::{self, FormatParams, OnBadRow, SkipCounter};

/// The adapters' parameters as a scenario naming the trace has them.
fn params(path: &Path) -> FormatParams {
    let text = format!(
        "name = \"b\"\n[workload]\ntrace = {:?}\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        path.to_string_lossy()
    );
    let (sc, _) = fargate_sim::scenario::load_str(
        &text,
        Path::new("t.toml"),
        &fargate_sim::scenario::LoadOptions::default(),
    )
    .unwrap();
    sc.workload.trace.unwrap().params
}
use std::path::Path;

/// Four good rows (ids a–d, submitted at 0–3 s), with `replace` swapping
/// columns in or adding some.
fn four_rows(replace: Replaced) -> Table {
    let mut cols: Vec<(String, Column)> = vec![
        (
            "task_id".into(),
            vec!["a", "b", "c", "d"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
                .into(),
        ),
        ("submit_s".into(), vec![0.0, 1.0, 2.0, 3.0].into()),
        ("duration_s".into(), vec![60.0, 30.0, 10.0, 5.0].into()),
        ("cpu_vcpu".into(), vec![0.25, 1.0, 2.0, 4.0].into()),
        ("memory_mib".into(), vec![512i64, 2048, 4096, 8192].into()),
    ];
    for (name, col) in replace {
        match cols.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = col,
            None => cols.push((name.into(), col)),
        }
    }
    Table::new(cols).unwrap()
}

fn write_parquet(path: &Path, mut t: Table) {
    t.write_parquet(std::fs::File::create(path).unwrap(), Compression::Zstd)
        .unwrap();
}

/// Columns swapped in or added.
type Replaced = Vec<(&'static str, Column)>;

#[test]
fn a_bad_row_is_named_by_row_column_and_value_as_before() {
    let d = tempfile::tempdir().unwrap();
    let s = |v: &[&str]| Column::Str(v.iter().map(|x| x.to_string()).collect());
    // (file, columns replaced, the message the reader gave before issue 24's
    // typed reader, checked against that binary).
    let cases: Vec<(&str, Replaced, &str)> = vec![
        (
            "null_submit",
            vec![(
                "submit_s",
                vec![Some(0.0), Some(1.0), None, Some(3.0)].into(),
            )],
            "line 3, column `submit_s`: `null` is not valid: expected a number",
        ),
        (
            "null_memory",
            vec![(
                "memory_mib",
                vec![Some(512u64), None, Some(4096), Some(8192)].into(),
            )],
            "line 2, column `memory_mib`: `null` is not valid: expected a number",
        ),
        (
            "null_id",
            vec![(
                "task_id",
                Column::OptStr(vec![
                    Some("a".into()),
                    None,
                    Some("c".into()),
                    Some("d".into()),
                ]),
            )],
            "line 2, column `task_id`: `` is not valid: expected a non-empty id",
        ),
        (
            "text_submit",
            vec![("submit_s", s(&["0", "1", "abc", "3"]))],
            "line 3, column `submit_s`: `abc` is not valid: expected a number",
        ),
        (
            "neg_duration",
            vec![("duration_s", vec![60.0, 30.0, -5.0, 5.0].into())],
            "line 3, column `duration_s`: `-5` is not valid: expected seconds from 0 to 100 years",
        ),
        (
            "zero_memory",
            vec![("memory_mib", vec![512i64, 0, 4096, 8192].into())],
            "line 2, column `memory_mib`: `0` is not valid: expected MiB above 0 and at most 4,294,967,295",
        ),
        (
            "nan_cpu",
            vec![("cpu_vcpu", vec![0.25, f64::NAN, 2.0, 4.0].into())],
            "line 2, column `cpu_vcpu`: `NaN` is not valid: expected a finite number",
        ),
        (
            "big_cpu",
            vec![("cpu_vcpu", vec![0.25, 2e6, 2.0, 4.0].into())],
            "line 2, column `cpu_vcpu`: `2000000` is not valid: expected a vCPU count above 0 and at most 1,000,000",
        ),
        (
            "storage_bad",
            vec![(
                "storage_gib",
                vec![Some(1.0), None, Some(-1.0), Some(2.0)].into(),
            )],
            "line 3, column `storage_gib`: `-1` is not valid: expected GiB from 0 upwards",
        ),
        (
            "usage_bad",
            vec![(
                "cpu_avg",
                vec![Some(0.1), None, Some(-0.5), Some(0.2)].into(),
            )],
            "line 3, column `cpu_avg`: `` is not valid: expected vCPU from 0 upwards",
        ),
        (
            "unsorted",
            vec![("submit_s", vec![0.0, 5.0, 2.0, 3.0].into())],
            "line 3: submitted at 2 s, earlier than the task before (5 s)",
        ),
    ];
    for (name, replace, message) in cases {
        write_parquet(
            &d.path().join(format!("{name}.parquet")),
            four_rows(replace),
        );
        std::fs::write(
            d.path().join(format!("{name}.toml")),
            format!(
                "name = \"p\"\n[workload]\ntrace = \"{name}.parquet\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n"
            ),
        )
        .unwrap();
        let (code, _, err) = bin(
            &["run", &format!("{name}.toml"), "--out", name, "-q"],
            d.path(),
        );
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains(&format!("trace {name}.parquet, {message}")),
            "{name}: {err}"
        );
    }
}

/// A small deterministic sequence (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One generated row: the values as the Parquet columns hold them.
struct Row {
    id: String,
    submit: Option<f64>,
    duration: f64,
    cpu: f64,
    memory: f64,
    storage: Option<f64>,
    group: Option<String>,
    usage: Option<(f64, f64, u32, u32)>,
}

/// Rows of every kind the reader meets: plain ones (most), spaced ids and
/// groups, fractional MiB and GiB, empty groups, usage, and bad values
/// (a null submit time, a negative duration, zero vCPU) to be skipped.
/// Usage only in the rows of `usage_rows`, groups only from `group_from`.
fn rows(n: usize, usage_rows: std::ops::Range<usize>, group_from: usize) -> Vec<Row> {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut submit = 0.0f64;
    (0..n)
        .map(|i| {
            submit += r.below(5000) as f64 / 1000.0;
            let kind = r.below(100);
            let id = match kind {
                0 => format!(" t{i}"),
                1 => format!("t{i} "),
                2 => format!("a-much-longer-task-id-than-22-bytes-{i}"),
                _ => format!("t{i}"),
            };
            let memory = if kind == 3 {
                1000.5
            } else {
                [512.0, 2048.0, 3072.0, 16384.0][r.below(4) as usize]
            };
            let storage = match kind {
                4 => Some(20.25),
                5..=20 => Some(r.below(200) as f64),
                _ => None,
            };
            let group = (i >= group_from).then(|| match r.below(10) {
                0 => " spaced ".to_string(),
                1 => String::new(),
                k => format!("g{k}"),
            });
            let usage = usage_rows
                .contains(&i)
                .then(|| (0.1, 0.35, 100 + i as u32 % 50, 400));
            Row {
                id,
                submit: (kind != 6).then_some(submit),
                duration: if kind == 7 {
                    -1.0
                } else {
                    r.below(3_600_000) as f64 / 1000.0
                },
                cpu: if kind == 8 {
                    0.0
                } else {
                    [0.25, 0.5, 1.0, 2.0, 0.333][r.below(5) as usize]
                },
                memory,
                storage,
                group,
                usage,
            }
        })
        .collect()
}

fn batch(rows: &[Row]) -> Table {
    Table::new(vec![
        (
            "task_id",
            Column::from(rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()),
        ),
        (
            "submit_s",
            rows.iter().map(|r| r.submit).collect::<Vec<_>>().into(),
        ),
        (
            "duration_s",
            rows.iter().map(|r| r.duration).collect::<Vec<_>>().into(),
        ),
        (
            "cpu_vcpu",
            rows.iter().map(|r| r.cpu).collect::<Vec<_>>().into(),
        ),
        (
            "memory_mib",
            rows.iter().map(|r| r.memory).collect::<Vec<_>>().into(),
        ),
        (
            "storage_gib",
            rows.iter().map(|r| r.storage).collect::<Vec<_>>().into(),
        ),
        (
            "group",
            rows.iter()
                .map(|r| r.group.clone())
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "cpu_avg",
            rows.iter()
                .map(|r| r.usage.map(|u| u.0))
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "cpu_max",
            rows.iter()
                .map(|r| r.usage.map(|u| u.1))
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "memory_avg_mib",
            rows.iter()
                .map(|r| r.usage.map(|u| u.2))
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "memory_max_mib",
            rows.iter()
                .map(|r| r.usage.map(|u| u.3))
                .collect::<Vec<_>>()
                .into(),
        ),
    ])
    .unwrap()
}

fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "task_id,submit_s,duration_s,cpu_vcpu,memory_mib,storage_gib,group,cpu_avg,cpu_max,memory_avg_mib,memory_max_mib\n",
    );
    let opt = |x: Option<f64>| x.map_or_else(String::new, |v| v.to_string());
    for r in rows {
        let usage = r.usage.map_or_else(
            || ",,,".to_string(),
            |u| format!("{},{},{},{}", u.0, u.1, u.2, u.3),
        );
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{usage}\n",
            r.id,
            opt(r.submit),
            r.duration,
            r.cpu,
            r.memory,
            opt(r.storage),
            r.group.as_deref().unwrap_or("")
        ));
    }
    out
}

fn read(path: &Path) -> (Vec<Task>, std::collections::BTreeMap<String, u64>) {
    let skipped = SkipCounter::default();
    let opened = formats::open(
        path,
        formats::Format::Native,
        &params(path),
        OnBadRow::Skip,
        true,
        &skipped,
    )
    .unwrap();
    let tasks = opened.stream.collect::<Result<Vec<_>, _>>().unwrap();
    (tasks, skipped.counts())
}

#[test]
fn typed_rows_over_row_groups_read_as_the_same_rows_in_csv() {
    let d = tempfile::tempdir().unwrap();
    // Row groups of 70,000 (two chunks of the reader: 65,536 and 4,464),
    // 50,000 and 30,000 rows. Usage only in the second group and groups
    // only from row 60,000: in the other groups those columns are all null,
    // and the reader skips them there.
    let all = rows(150_000, 70_000..120_000, 60_000);
    let pq = d.path().join("t.parquet");
    let like = batch(&all[..0]);
    let mut w = ParquetBatches::new(
        std::fs::File::create(&pq).unwrap(),
        &like,
        Compression::Zstd,
    )
    .unwrap();
    for range in [0..70_000, 70_000..120_000, 120_000..150_000] {
        w.write(&batch(&all[range])).unwrap();
    }
    w.finish().unwrap();
    let text = d.path().join("t.csv");
    std::fs::write(&text, csv(&all)).unwrap();
    let (from_parquet, skipped_parquet) = read(&pq);
    let (from_csv, skipped_csv) = read(&text);
    assert_eq!(skipped_parquet, skipped_csv);
    // The bad rows (1 in 100 of each kind) were skipped, each by its reason.
    let total: u64 = skipped_parquet.values().sum();
    assert!(
        (3 * 1_200..3 * 1_800).contains(&total),
        "{skipped_parquet:?}"
    );
    assert_eq!(skipped_parquet.len(), 3, "{skipped_parquet:?}");
    assert_eq!(from_parquet.len() as u64 + total, 150_000);
    assert_eq!(from_parquet.len(), from_csv.len());
    for (p, c) in from_parquet.iter().zip(&from_csv) {
        assert_eq!(p, c);
    }
    // Worked values: a spaced id is trimmed, 1000.5 MiB rounds up to 1001,
    // 20.25 GiB to 21, 0.333 vCPU to 333 milli, usage 0.35 vCPU to 350.
    assert!(
        from_parquet
            .iter()
            .all(|t| !t.label.as_deref().unwrap().starts_with(' '))
    );
    assert!(from_parquet.iter().any(|t| t.memory_mib == 1001));
    assert!(from_parquet.iter().any(|t| t.storage_gib == 21));
    assert!(from_parquet.iter().any(|t| t.cpu_milli == 333));
    assert!(
        from_parquet[..1000]
            .iter()
            .all(|t| t.group.is_none() && t.usage.is_none())
    );
    let with_usage = from_parquet
        .iter()
        .find(|t| t.usage.is_some())
        .and_then(|t| t.usage.as_deref())
        .unwrap();
    assert_eq!(with_usage.cpu_max_milli, 350);
}
