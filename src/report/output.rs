//! Writing result files so that a crash never leaves a half-written file
//! under its final name: write a temporary sibling, flush it to disk, rename.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), crate::Error> {
    let out_err = |source| crate::Error::Output {
        path: path.to_path_buf(),
        source,
    };
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
    result.map_err(out_err)
}

/// Writes `path` atomically through `write`, which fills a temporary file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
) -> Result<(), crate::Error> {
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
    result.map_err(|message| crate::Error::Output {
        path: path.to_path_buf(),
        source: std::io::Error::other(message),
    })
}

/// Writes `df` as `dir/stem.parquet` and `dir/stem.csv`, each atomically.
pub fn write_table(
    dir: &Path,
    stem: &str,
    df: &mut polars::prelude::DataFrame,
) -> Result<(), crate::Error> {
    use polars::prelude::{CsvWriter, ParquetWriter, SerWriter};
    write_atomic_with(&dir.join(format!("{stem}.parquet")), |f| {
        ParquetWriter::new(f)
            .finish(df)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    write_atomic_with(&dir.join(format!("{stem}.csv")), |f| {
        let mut w = std::io::BufWriter::new(f);
        CsvWriter::new(&mut w)
            .include_header(true)
            .finish(df)
            .map_err(|e| e.to_string())?;
        w.flush().map_err(|e| e.to_string())
    })
}

/// Refuses to write into `dir` if it already holds results (its `marker`
/// file), unless `force`: a run never silently replaces another.
pub fn check_fresh(dir: &Path, marker: &str, force: bool) -> Result<(), crate::Error> {
    if !force && dir.join(marker).exists() {
        return Err(crate::Error::BadInput(format!(
            "{} already holds results ({marker}); add --force to replace them, or choose another folder with --out",
            dir.display()
        )));
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

/// Makes a scenario name safe as a folder name: letters, digits, `-`, `_`
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
}
