//! The broken-input suite: every file in tests/broken/ is a scenario (with
//! its trace under tests/broken/traces/) that must be refused with exit code
//! 2 and a message containing each of its `# expect:` lines, never a panic,
//! and without writing results. One file per mistake, covering every section
//! of the scenario format and every trace adapter.

use crate::common::bin;
use std::path::Path;

#[test]
fn every_broken_input_gets_its_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{} broken inputs", files.len());
    let out = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let expect: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expect.is_empty(),
            "{} has no `# expect:` line",
            f.display()
        );
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = out.path().join(&name);
        let (code, _, err) = bin(
            &[
                "run",
                f.to_str().unwrap(),
                "--out",
                dir.to_str().unwrap(),
                "-q",
            ],
            &root,
        );
        let missing: Vec<&&str> = expect.iter().filter(|e| !err.contains(**e)).collect();
        if code != 2
            || !missing.is_empty()
            || err.contains("panicked")
            || dir.join("summary.json").exists()
        {
            failures.push(format!("{name}: exit {code}, missing {missing:?}\n{err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
