//! Every runnable command in the documentation (README.md, docs/*.md and
//! the classroom sheets) runs and succeeds, so the docs do not rot. A
//! command is a line in a fenced code block that starts with `fargate-sim `
//! (or the README's `cargo run --release -- `); synopsis lines with
//! placeholders (SCENARIO, FILE, DIR, …) are skipped. The commands of one
//! file run in order in a fresh folder holding the repository's scenarios.

use std::path::{Path, PathBuf};

fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let line = line.trim();
        let cmd = if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
            format!("fargate-sim {rest}")
        } else if line.starts_with("fargate-sim ") {
            line.to_string()
        } else {
            continue;
        };
        let placeholder = [
            "SCENARIO", "RUN_DIR", "FILE", " DIR", "…", " | ", "$", "[--", "OUT",
        ]
        .iter()
        .any(|p| cmd.contains(p));
        if !placeholder {
            out.push(cmd);
        }
    }
    out
}

fn doc_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    for dir in ["docs", "scenarios/classroom"] {
        let mut more: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        more.sort();
        files.extend(more);
    }
    files
}

#[test]
fn every_command_in_the_docs_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_fargate-sim"),
        bin_dir.path().join("fargate-sim"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for file in doc_files(root) {
        let text = std::fs::read_to_string(&file).unwrap();
        let cmds = commands(&text);
        if cmds.is_empty() {
            continue;
        }
        let work = tempfile::tempdir().unwrap();
        for dir in ["scenarios", "benches", "tests"] {
            std::os::unix::fs::symlink(root.join(dir), work.path().join(dir)).unwrap();
        }
        for cmd in cmds {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .current_dir(work.path())
                .env("PATH", &path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: `{cmd}` failed:\n{}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 25, "only {ran} commands found");
}
