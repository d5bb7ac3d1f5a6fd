//! The block-based native CSV reader (issue 24): values, line numbers and
//! error messages across the reader's 1 MiB blocks, plain and gzip.

use fargate_sim::workload::formats::{self, Format, OnBadRow, SkipCounter};
use fargate_sim::workload::{Task, WorkloadError};
use std::io::Write;
use std::path::Path;

const HEADER: &str = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n";

/// 60,000 rows (about 2 MB, so past the first block): row i is submitted at
/// i + (i mod 1000)/1000 s, runs 120.5 s, asks 0.25 vCPU and 512 MiB; every
/// 1,000th row ends in CRLF and is followed by a blank line.
fn rows() -> String {
    let mut s = String::from(HEADER);
    for i in 0..60_000u64 {
        s.push_str(&format!("task-{i},{i}.{:03},120.5,0.25,512", i % 1000));
        if i % 1000 == 999 {
            s.push_str("\r\n\n");
        } else {
            s.push('\n');
        }
    }
    s
}

fn params(path: &Path) -> formats::FormatParams {
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

fn read(path: &Path) -> Result<Vec<Task>, WorkloadError> {
    let opened = formats::open(
        path,
        Format::Native,
        &params(path),
        OnBadRow::Error,
        true,
        &SkipCounter::default(),
    )?;
    opened.stream.collect()
}

fn check(tasks: &[Task]) {
    assert_eq!(tasks.len(), 60_000);
    for (i, t) in tasks.iter().enumerate() {
        let i = i as u64;
        assert_eq!(t.submit, i * 1_000_000 + (i % 1000) * 1000, "row {i}");
        assert_eq!(t.duration, 120_500_000);
        assert_eq!(t.cpu_milli, 250);
        assert_eq!(t.memory_mib, 512);
        assert_eq!(t.label.as_deref(), Some(format!("task-{i}").as_str()));
    }
}

#[test]
fn reads_every_row_exactly_across_blocks_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let text = rows();
    let plain = dir.path().join("t.csv");
    std::fs::write(&plain, &text).unwrap();
    check(&read(&plain).unwrap());
    let gz = dir.path().join("t.csv.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    check(&read(&gz).unwrap());
}

#[test]
fn a_bad_value_past_the_first_block_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = rows();
    // 60,000 rows, 60 blank lines, the header: the next row is line 60,062.
    text.push_str("bad,60000.5,10,abc,512\n");
    let p = dir.path().join("t.csv");
    std::fs::write(&p, &text).unwrap();
    let err = read(&p).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "trace {}, line 60062, column `cpu_vcpu`: `abc` is not valid: cpu_vcpu: expected a number (set workload.on_bad_row = \"skip\" to skip such rows and count them)",
            p.display()
        )
    );
}

#[test]
fn text_that_is_not_utf8_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = rows().into_bytes();
    bytes.extend_from_slice(b"x\xff,60001,10,1,512\n");
    let p = dir.path().join("t.csv");
    std::fs::write(&p, &bytes).unwrap();
    let err = read(&p).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "cannot read trace {}: line 60062: not UTF-8 text (stream did not contain valid UTF-8); is this the right file and format?",
            p.display()
        )
    );
}

#[test]
fn numbers_outside_the_plain_form_still_parse() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(
        &p,
        format!("{HEADER}a,1e1,\" 2.5 \",+0.5,1.024e3\nb,12345678901234567890e-18,.5,2.,2048\n"),
    )
    .unwrap();
    let t = read(&p).unwrap();
    assert_eq!(
        (t[0].submit, t[0].duration, t[0].cpu_milli, t[0].memory_mib),
        (10_000_000, 2_500_000, 500, 1024)
    );
    // 12.345678901234567890 s is 12,345,679 µs (rounded); 0.5 s; 2 vCPU.
    assert_eq!(
        (t[1].submit, t[1].duration, t[1].cpu_milli),
        (12_345_679, 500_000, 2000)
    );
}
