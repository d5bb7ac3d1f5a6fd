//! Writing files so that a crash never leaves a half-written file under its
//! final name: write a temporary sibling, flush it to disk, rename.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}{}", path.display(), write_hint(source))]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// What to do about a file that could not be written, from the reason
/// (empty when there is nothing better to say than the reason itself).
pub fn write_hint(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "; its folder does not exist: create it, or choose another path",
        K::PermissionDenied | K::ReadOnlyFilesystem => "; choose a place you can write to",
        K::IsADirectory => "; that is a folder: name a file inside it",
        K::NotADirectory => "; part of the path is a file, not a folder: choose another path",
        K::StorageFull => "; the disk is full: free some space or write elsewhere",
        _ => "",
    }
}

/// A folder that cannot take a command's results.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    /// The path names a file, not a folder.
    #[error(
        "{} is a file, not a folder; give --out a new folder, an empty one, or one that holds earlier results of this command",
        dir.display()
    )]
    NotAFolder { dir: PathBuf },
    /// The folder already holds results (its marker file) and `force` was not given.
    #[error(
        "{} already holds results ({marker}); add --force to replace them, or choose another folder with --out",
        dir.display()
    )]
    HoldsResults { dir: PathBuf, marker: String },
    /// The folder holds other things and no marker: results written there
    /// would mix with, or replace, files that are not ours.
    #[error(
        "{} is not empty and holds no earlier results of this command (no {marker}); results go only into a new folder, an empty one, or one holding earlier results, so nothing else is overwritten: choose another folder with --out",
        dir.display()
    )]
    NotResults { dir: PathBuf, marker: String },
    /// The folder could not be read or created.
    #[error("cannot create the folder {}: {source}; choose a folder you can write to with --out", dir.display())]
    Create {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Makes `dir` ready to take a command's results, creating it if needed. A
/// folder is taken when it is new or empty, or when it holds earlier
/// results (its `marker` file) and `force` is given; a file, or a folder
/// holding anything else, is refused whatever `force` says.
pub fn prepare_dir(dir: &Path, marker: &str, force: bool) -> Result<(), OutputDirError> {
    let create = |source| OutputDirError::Create {
        dir: dir.to_path_buf(),
        source,
    };
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => {
            return Err(OutputDirError::NotAFolder {
                dir: dir.to_path_buf(),
            });
        }
        Ok(_) => {
            if dir.join(marker).is_file() {
                if !force {
                    return Err(OutputDirError::HoldsResults {
                        dir: dir.to_path_buf(),
                        marker: marker.to_string(),
                    });
                }
            } else if std::fs::read_dir(dir).map_err(create)?.next().is_some() {
                return Err(OutputDirError::NotResults {
                    dir: dir.to_path_buf(),
                    marker: marker.to_string(),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(create(e)),
    }
    std::fs::create_dir_all(dir).map_err(create)
}

/// Removes the files of `dir` that `ours` recognises as written by an
/// earlier run of the command and that this run did not write (`written`),
/// so results replaced with `--force` are not mixed with stale ones.
/// Anything else in the folder (sub-folders, hidden files, files `ours`
/// does not claim) is left alone. Returns the names removed, sorted.
pub fn remove_stale(
    dir: &Path,
    written: &[String],
    ours: impl Fn(&str) -> bool,
) -> Result<Vec<String>, WriteError> {
    let failed = |path: &Path, source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| failed(dir, e))? {
        let entry = entry.map_err(|e| failed(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || name.starts_with('.') || written.contains(&name) || !ours(&name) {
            continue;
        }
        std::fs::remove_file(entry.path()).map_err(|e| failed(&entry.path(), e))?;
        removed.push(name);
    }
    removed.sort();
    Ok(removed)
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let tmp = temp_name(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|source| WriteError {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `path` atomically through `write`, which fills a temporary file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
) -> Result<(), WriteError> {
    let tmp = temp_name(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        write(&mut f).map_err(std::io::Error::other)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|source| WriteError {
        path: path.to_path_buf(),
        source,
    })
}

/// `dir/.name.tmp-PID`: hidden, and unique per process.
pub fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Makes a name safe as a file or folder name: letters, digits, `-`, `_`
/// and `.` stay; anything else becomes `_`; no leading dots; never empty.
pub fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "run".to_string()
    } else {
        s.chars().take(100).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_output_folder() {
        assert_eq!(safe_file_name("../../etc"), "_.._etc");
        assert_eq!(safe_file_name("/abs/path"), "_abs_path");
        assert_eq!(safe_file_name("a\u{7}b c"), "a_b_c");
        assert_eq!(safe_file_name(""), "run");
        assert_eq!(safe_file_name("..."), "run");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("summary.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_with_results_is_refused_without_force() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("summary.json"), "{}").unwrap();
        let e = prepare_dir(d.path(), "summary.json", false).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{} already holds results (summary.json); add --force to replace them, or choose another folder with --out",
                d.path().display()
            )
        );
        assert!(prepare_dir(d.path(), "summary.json", true).is_ok());
    }

    #[test]
    fn a_folder_of_other_files_is_refused_even_with_force() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("notes.md"), "mine").unwrap();
        for force in [false, true] {
            let e = prepare_dir(d.path(), "summary.json", force).unwrap_err();
            assert!(matches!(e, OutputDirError::NotResults { .. }), "{e}");
            assert!(e.to_string().contains("no summary.json"), "{e}");
        }
        // A file is not a folder.
        let f = d.path().join("notes.md");
        let e = prepare_dir(&f, "summary.json", true).unwrap_err();
        assert!(matches!(e, OutputDirError::NotAFolder { .. }), "{e}");
        // New and empty folders are taken; a new one is created.
        let new = d.path().join("a/b");
        prepare_dir(&new, "summary.json", false).unwrap();
        assert!(new.is_dir());
        prepare_dir(&new, "summary.json", false).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "mine");
    }

    #[test]
    fn only_stale_files_of_ours_are_removed() {
        let d = tempfile::tempdir().unwrap();
        for name in ["a.csv", "b.csv", "notes.csv", ".a.csv.tmp-1"] {
            std::fs::write(d.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(d.path().join("c.csv")).unwrap();
        let ours = |n: &str| n.ends_with(".csv") && n != "notes.csv";
        let removed = remove_stale(d.path(), &["a.csv".to_string()], ours).unwrap();
        assert_eq!(removed, vec!["b.csv"]);
        let mut left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec![".a.csv.tmp-1", "a.csv", "c.csv", "notes.csv"]);
    }
}
