//! What a newcomer tripped on in a first pass over the tool (the QA pass
//! of session 33): a run given no work, a break-even search that found no
//! crossing, and `calibrate`'s output folder. Each test runs the binary as
//! a user would, or the library function the command prints.

use crate::common::{TINY, bin};

/// A run whose generator starts after the horizon submits nothing: every
/// total is $0.00, and the table, `explain` and report.html say so instead
/// of calling one option the cheapest.
#[test]
fn a_run_given_no_work_says_so_instead_of_comparing_zeros() {
    let d = tempfile::tempdir().unwrap();
    // TINY runs 30 minutes; its generator now starts at 1 h.
    let text = TINY.replace("name = \"g\"\n", "name = \"g\"\nstart = \"1h\"\n");
    std::fs::write(d.path().join("late.toml"), text).unwrap();
    let (code, out, err) = bin(&["run", "late.toml", "--out", "r"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: the workload submitted no task and no service ran"),
        "{out}"
    );
    let (code, out, err) = bin(&["explain", "r"], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Nothing to explain: the workload submitted no task"),
        "{out}"
    );
    assert!(!out.contains("Cheapest"), "{out}");
    assert!(!out.contains("would save"), "{out}");
    let html = std::fs::read_to_string(d.path().join("r/report.html")).unwrap();
    let verdict = &html[html.find("class=\"verdict\"").unwrap()..];
    let verdict = &verdict[..verdict.find("</div>").unwrap()];
    assert!(
        verdict.contains("The workload submitted no task"),
        "{verdict}"
    );
    assert!(!verdict.contains("cheapest"), "{verdict}");

    // With work, no such warning.
    let (code, out, err) = bin(
        &["run", "late.toml", "--out", "r2", "--set", "horizon=2h"],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("submitted no task"), "{out}");
}

