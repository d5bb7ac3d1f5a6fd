//! The files of a run (issue 24): written under temporary names, flushed
//! beside the work still to do, and put in place together at the end.

use crate::common::{TINY, bin};

/// The names in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

const FILES: [&str; 13] = [
    "capacity.png",
    "capacity.svg",
    "cost.png",
    "cost.svg",
    "cost_breakdown.png",
    "cost_breakdown.svg",
    "report.html",
    "summary.csv",
    "summary.json",
    "time_to_start.png",
    "time_to_start.svg",
    "timeseries.csv",
    "timeseries.parquet",
];

#[test]
fn a_run_leaves_its_files_and_no_temporary_one_the_same_bytes_each_time() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("tiny.toml"), TINY).unwrap();
    let mut runs = Vec::new();
    for out in ["a", "b"] {
        let (code, _, err) = bin(
            &["run", "tiny.toml", "-q", "--no-task-records", "--out", out],
            d.path(),
        );
        assert_eq!(code, 0, "{err}");
        let dir = d.path().join(out);
        assert_eq!(names(&dir), FILES);
        runs.push(dir);
    }
    // The charts drawn on parallel threads, the time series' two files
    // from one walk: the same bytes run after run.
    for f in FILES {
        assert_eq!(
            std::fs::read(runs[0].join(f)).unwrap(),
            std::fs::read(runs[1].join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_run_that_cannot_put_a_file_in_place_replaces_none_and_leaves_no_temporary_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("tiny.toml"), TINY).unwrap();
    let (code, _, err) = bin(
        &["run", "tiny.toml", "-q", "--no-task-records", "--out", "o"],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    let o = d.path().join("o");
    let before: Vec<Vec<u8>> = ["summary.json", "cost.png", "timeseries.csv"]
        .iter()
        .map(|f| std::fs::read(o.join(f)).unwrap())
        .collect();
    // A folder where the report goes: the run's files are all written, then
    // refused before any is renamed.
    std::fs::remove_file(o.join("report.html")).unwrap();
    std::fs::create_dir(o.join("report.html")).unwrap();
    let (code, _, err) = bin(
        &[
            "run",
            "tiny.toml",
            "-q",
            "--no-task-records",
            "--out",
            "o",
            "--force",
            "--set",
            "workload.load_scale=2",
        ],
        d.path(),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("report.html") && err.contains("a folder of that name is in the way"),
        "{err}"
    );
    // Nothing of the failed run: the earlier files as they were, no
    // hidden temporary file.
    let left = names(&o);
    assert!(left.iter().all(|n| !n.starts_with('.')), "{left:?}");
    assert_eq!(left.len(), FILES.len());
    for (f, bytes) in ["summary.json", "cost.png", "timeseries.csv"]
        .iter()
        .zip(&before)
    {
        assert_eq!(&std::fs::read(o.join(f)).unwrap(), bytes, "{f}");
    }
}
