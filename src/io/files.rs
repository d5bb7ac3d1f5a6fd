//! Writing files so that a crash never leaves a half-written file under its
//! final name: write a temporary sibling, flush it to disk, rename.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// A folder already holds results (its marker file) and `force` was not given.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} already holds results ({marker}); add --force to replace them, or choose another folder with --out",
    dir.display()
)]
pub struct AlreadyHoldsResults {
    pub dir: PathBuf,
    pub marker: String,
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
        let mut f = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        write(&mut f)?;
        f.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|message| WriteError {
        path: path.to_path_buf(),
        source: std::io::Error::other(message),
    })
}

/// Refuses to write into `dir` if it already holds results (its `marker`
/// file), unless `force`: a run never silently replaces another.
pub fn check_fresh(dir: &Path, marker: &str, force: bool) -> Result<(), AlreadyHoldsResults> {
    if !force && dir.join(marker).exists() {
        return Err(AlreadyHoldsResults {
            dir: dir.to_path_buf(),
            marker: marker.to_string(),
        });
    }
    Ok(())
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
        let e = check_fresh(d.path(), "summary.json", false).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{} already holds results (summary.json); add --force to replace them, or choose another folder with --out",
                d.path().display()
            )
        );
        assert!(check_fresh(d.path(), "summary.json", true).is_ok());
        assert!(check_fresh(d.path(), "results.csv", false).is_ok());
    }
}
