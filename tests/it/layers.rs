//! The house rules (docs/architecture.md), checked on the source: every
//! `crate::` path in `src/**/*.rs` must point down the layers, polars and
//! plotters stay in their rooms, and a `mod.rs` only declares and
//! re-exports. The next upward import fails here the day it is written.

use std::path::{Path, PathBuf};

/// The layers from the bottom up. A module may use its own layer and the
/// ones below it; modules of one layer may not use each other unless the
/// `peers` rule below allows it.
const LAYERS: &[&[&str]] = &[
    &["time", "units", "stats", "io"],
    &["engine", "pricing"],
    &["workload"],
    &["service"],
    &["platform"],
    &["scenario"],
    // The crate root (`crate::Error`, `crate::VERSION`) sits with simulate.
    &["simulate", "root"],
    &["report"],
    &["experiment"],
    &["selfcheck", "commands"],
];

/// Imports between modules of one layer that are allowed.
const PEERS: &[(&str, &str)] = &[
    ("units", "time"),
    ("stats", "time"),
    ("pricing", "time"),
    ("pricing", "units"),
    ("pricing", "io"),
    ("pricing", "stats"),
    ("engine", "time"),
    ("simulate", "root"),
    ("commands", "selfcheck"),
];

/// Further rules the layer order does not say on its own.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "engine",
        "any",
        "the engine imports only `time`: it knows nothing of AWS, tasks or traces",
    ),
    ("io", "any", "io imports nothing of the crate"),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a source file belongs to (`platform` for
/// `src/platform/ec2/model.rs`, `simulate` for `src/simulate.rs`), or None
/// for `lib.rs` and `main.rs`.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The top-level modules a line names with `crate::…` (grouped imports
/// `crate::{a::B, c}` included). Comment lines are skipped: a doc link is
/// not an import.
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let head = item.trim().split("::").next().unwrap_or("").trim();
                if !head.is_empty() {
                    out.push(head.to_string());
                }
            }
        } else {
            let head: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(head);
        }
        rest = after;
    }
    out.into_iter()
        .map(|m| {
            // Items of the crate root: the error and the version.
            if m.starts_with(|c: char| c.is_uppercase()) {
                "root".to_string()
            } else {
                m
            }
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every broken rule in the tree under `src`, one line each.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source is readable");
        let rel = file.strip_prefix(src).unwrap_or(file).display().to_string();
        let module = module_of(src, file);
        for (n, line) in text.lines().enumerate() {
            let at = format!("src/{rel}:{}", n + 1);
            let code = line.trim_start();
            if !code.starts_with("//") {
                if code.contains("polars::") && rel != "io/table.rs" {
                    found.push(format!("{at}: polars outside io/table.rs"));
                }
                if code.contains("plotters::") && !rel.starts_with("report") {
                    found.push(format!("{at}: plotters outside report/"));
                }
            }
            let Some(module) = &module else { continue };
            for target in crate_paths(line) {
                if &target == module {
                    continue;
                }
                if let Some((_, _, why)) = FORBIDDEN
                    .iter()
                    .find(|(from, to, _)| from == module && (*to == "any" || *to == target))
                    && !(module == "engine" && target == "time")
                {
                    found.push(format!("{at}: {module} imports {target}: {why}"));
                    continue;
                }
                let (Some(from), Some(to)) = (layer_of(module), layer_of(&target)) else {
                    found.push(format!(
                        "{at}: {module} imports {target}, a module the layer list does not know"
                    ));
                    continue;
                };
                let peer = from == to && PEERS.contains(&(module.as_str(), target.as_str()));
                if to > from || (to == from && !peer) {
                    found.push(format!(
                        "{at}: {module} (layer {from}) imports {target} (layer {to}), which is not below it"
                    ));
                }
            }
        }
        if file.file_name().is_some_and(|f| f == "mod.rs") {
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                let item = [
                    "fn ", "struct ", "enum ", "impl", "trait ", "const ", "static ",
                ]
                .iter()
                .any(|k| {
                    code.starts_with(k)
                        || code.starts_with(&format!("pub {k}"))
                        || code.starts_with(&format!("pub(crate) {k}"))
                });
                if item {
                    found.push(format!(
                        "src/{rel}:{}: a mod.rs only declares and re-exports; move this item to a named file",
                        n + 1
                    ));
                }
            }
        }
    }
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_import_points_down_the_layers() {
    let found = violations(&src());
    assert!(
        found.is_empty(),
        "{} broken house rule(s) (see docs/architecture.md):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn an_upward_import_is_caught() {
    // A copy of the tree with one forbidden import added must fail.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("src");
    copy_tree(&src(), &copy);
    let target = copy.join("engine").join("queue.rs");
    let text = std::fs::read_to_string(&target).unwrap();
    std::fs::write(&target, format!("use crate::workload::Task;\n{text}")).unwrap();
    let mod_rs = copy.join("platform").join("mod.rs");
    let text = std::fs::read_to_string(&mod_rs).unwrap();
    std::fs::write(&mod_rs, format!("{text}\npub fn helper() {{}}\n")).unwrap();
    let pricing = copy.join("pricing").join("money.rs");
    let text = std::fs::read_to_string(&pricing).unwrap();
    std::fs::write(&pricing, format!("use crate::platform::Tally;\n{text}")).unwrap();
    let found = violations(&copy);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains("src/engine/queue.rs:1: engine imports workload"));
    assert!(found[1].contains("src/platform/mod.rs"));
    assert!(found[2].contains("pricing (layer 1) imports platform (layer 4)"));
}

#[test]
fn grouped_and_nested_paths_are_read() {
    assert_eq!(
        crate_paths("use crate::{Error, workload::WorkloadError};"),
        ["root", "workload"]
    );
    assert_eq!(
        crate_paths("    let x = crate::time::format_span(crate::units::MIB);"),
        ["time", "units"]
    );
    assert!(crate_paths("/// See [`crate::report`].").is_empty());
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// The file a module path names: the longest prefix of `parts` that is a
/// file (`a/b.rs` or `a/b/mod.rs`) under `src`.
fn file_of(src: &Path, parts: &[String]) -> Option<PathBuf> {
    for n in (1..=parts.len()).rev() {
        let base = parts[..n].iter().fold(src.to_path_buf(), |p, s| p.join(s));
        for candidate in [base.with_extension("rs"), base.join("mod.rs")] {
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The module path of a file: `["platform", "ec2", "model"]` for
/// `src/platform/ec2/model.rs`, `["platform"]` for `src/platform/mod.rs`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// The files a source file imports from: every `crate::…`, `super::…` and
/// `self::…` path (grouped imports included), resolved to a file. A mod.rs
/// counts only its re-exports (declaring a child module is not importing
/// from it).
fn file_imports(src: &Path, file: &Path, text: &str) -> Vec<PathBuf> {
    let here = module_path(src, file);
    let is_mod = file
        .file_name()
        .is_some_and(|f| f == "mod.rs" || f == "lib.rs");
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    // Unit tests (at the end of a file, by the house style) are inside the
    // file's own module: their `super` is the file, not its parent.
    let code_part = text.split("\n#[cfg(test)]").next().unwrap_or(text);
    for line in code_part.lines() {
        let code = line.trim_start();
        if code.starts_with("//") || (is_mod && !code.starts_with("pub use")) {
            continue;
        }
        // A mod.rs re-exports from its children by relative paths.
        if is_mod && let Some(rel) = code.strip_prefix("pub use ") {
            let first = rel.split("::").next().unwrap_or("");
            if !["crate", "super", "self"].contains(&first) {
                let mut base = here.clone();
                base.push(first.to_string());
                if let Some(f) = file_of(src, &base) {
                    out.push(f);
                }
            }
        }
        for root in ["crate::", "super::", "self::"] {
            for (i, _) in code.match_indices(root) {
                if code[..i].ends_with(|c: char| word(c) || c == ':') {
                    continue;
                }
                let tail = &code[i..];
                let end = tail
                    .find(|c: char| !(word(c) || c == ':'))
                    .unwrap_or(tail.len());
                let mut paths = vec![tail[..end].trim_end_matches(':').to_string()];
                if tail[end..].starts_with('{') {
                    let group = &tail[end + 1..];
                    let close = group.find('}').unwrap_or(group.len());
                    paths = group[..close]
                        .split(',')
                        .map(|item| format!("{}{}", &tail[..end], item.trim()))
                        .collect();
                }
                for path in paths {
                    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
                    let ups = parts.iter().take_while(|p| **p == "super").count();
                    let (mut base, rest) = match parts.first() {
                        Some(&"crate") => (Vec::new(), &parts[1..]),
                        Some(&"self") => (here.clone(), &parts[1..]),
                        _ => {
                            let mut b = here.clone();
                            for _ in 0..ups {
                                b.pop();
                            }
                            (b, &parts[ups..])
                        }
                    };
                    base.extend(rest.iter().map(|p| p.to_string()));
                    if let Some(f) = file_of(src, &base)
                        && f != file
                    {
                        out.push(f);
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A circle of imports among the files under `src`, if there is one.
fn import_circle(src: &Path) -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let edges: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            (f.clone(), file_imports(src, f, &text))
        })
        .collect();
    // Depth-first search with colours: 1 on the path, 2 done.
    let mut colour: std::collections::BTreeMap<&PathBuf, u8> = Default::default();
    fn visit<'a>(
        f: &'a PathBuf,
        edges: &'a std::collections::BTreeMap<PathBuf, Vec<PathBuf>>,
        colour: &mut std::collections::BTreeMap<&'a PathBuf, u8>,
        path: &mut Vec<&'a PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        colour.insert(f, 1);
        path.push(f);
        for g in edges.get(f).into_iter().flatten() {
            match colour.get(g) {
                Some(1) => {
                    let at = path.iter().position(|p| *p == g).unwrap_or(0);
                    return Some(path[at..].iter().map(|p| (*p).clone()).collect());
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(g, edges, colour, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        colour.insert(f, 2);
        None
    }
    for f in edges.keys() {
        if !colour.contains_key(f)
            && let Some(c) = visit(f, &edges, &mut colour, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_import_circle_among_source_files() {
    let src = src();
    if let Some(circle) = import_circle(&src) {
        let names: Vec<String> = circle
            .iter()
            .map(|p| p.strip_prefix(&src).unwrap_or(p).display().to_string())
            .collect();
        panic!(
            "an import circle among src/ files: {} -> back to the first",
            names.join(" -> ")
        );
    }
}

#[test]
fn an_import_circle_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("src");
    copy_tree(&src(), &copy);
    // books.rs already uses series.rs; series.rs using books.rs closes a circle.
    let series = copy.join("platform").join("series.rs");
    let text = std::fs::read_to_string(&series).unwrap();
    std::fs::write(&series, format!("use super::books::Tally;\n{text}")).unwrap();
    let circle = import_circle(&copy).expect("a circle");
    assert_eq!(circle.len(), 2, "{circle:?}");
}
