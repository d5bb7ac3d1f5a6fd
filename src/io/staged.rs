//! A set of files written under temporary names and put in place together:
//! each file is written to a hidden sibling (`.name.tmp-PID`) and its flush
//! to disk starts at once on a thread of its own, so the disk's latency
//! overlaps the work still to do; [`Staged::commit`] waits for every flush
//! and only then renames each file to its name. Dropped without a commit
//! (an error, an interrupted run), it removes what it wrote: no file of the
//! set appears under its final name unless all of them were written.
//!
//! Issue 24: a run's tail wrote nine files one after the other, each
//! flushed with `fsync` before its rename; on this machine's disk one
//! flush takes 1 to 30 ms, and ten of them in parallel about as long as
//! two in a row.

use super::files::{WriteError, temp_name};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

/// One file written under its temporary name, flushing.
struct Pending {
    tmp: PathBuf,
    path: PathBuf,
    sync: Option<JoinHandle<std::io::Result<()>>>,
}

/// Files written, not yet in place (see the module's docs). Shared by
/// reference between threads: each may add files.
#[derive(Default)]
pub struct Staged {
    files: Mutex<Vec<Pending>>,
}

impl Staged {
    pub fn new() -> Staged {
        Staged::default()
    }

    /// Writes `bytes` as the future `path`.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        self.write_with(path, |f| f.write_all(bytes).map_err(|e| e.to_string()))
    }

    /// Writes the future `path` through `write`, which fills the temporary
    /// file (its error is the message of the [`WriteError`]).
    pub fn write_with(
        &self,
        path: &Path,
        write: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
    ) -> Result<(), WriteError> {
        let tmp = temp_name(path);
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            write(&mut f).map_err(std::io::Error::other)?;
            Ok(f)
        })();
        match result {
            Ok(f) => {
                self.add(tmp, path, f);
                Ok(())
            }
            Err(source) => {
                let _ = std::fs::remove_file(&tmp);
                Err(WriteError {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }

    /// Takes in a file another writer finished at `tmp` (a chart's bitmap,
    /// which its library writes itself) as the future `path`.
    pub fn adopt(&self, tmp: PathBuf, path: &Path) -> Result<(), WriteError> {
        match std::fs::File::open(&tmp) {
            Ok(f) => {
                self.add(tmp, path, f);
                Ok(())
            }
            Err(source) => {
                let _ = std::fs::remove_file(&tmp);
                Err(WriteError {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }

    fn add(&self, tmp: PathBuf, path: &Path, f: std::fs::File) {
        // A thread that cannot start: the flush happens at the commit.
        let sync = std::thread::Builder::new()
            .name("flush".into())
            .spawn(move || f.sync_all())
            .ok();
        let pending = Pending {
            tmp,
            path: path.to_path_buf(),
            sync,
        };
        self.files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(pending);
    }

    /// The final names of the files written so far, in the order written.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .map(|p| p.path.clone())
            .collect()
    }

    /// Waits until every file is on disk, then puts each in place: `first`
    /// (a folder's marker file, when written) before the others, which
    /// follow in name order. On an error, the files not yet in place are
    /// removed.
    pub fn commit(self, first: Option<&Path>) -> Result<(), WriteError> {
        let mut files = std::mem::take(
            &mut *self
                .files
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        let mut failed = None;
        for p in &mut files {
            let synced = match p.sync.take() {
                Some(handle) => handle
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the flush thread panicked"))),
                None => std::fs::File::open(&p.tmp).and_then(|f| f.sync_all()),
            };
            if let Err(source) = synced
                && failed.is_none()
            {
                failed = Some(WriteError {
                    path: p.path.clone(),
                    source,
                });
            }
        }
        // A folder under a file's name would stop the renames part-way:
        // refused before any file is put in place.
        if failed.is_none()
            && let Some(p) = files
                .iter()
                .find(|p| std::fs::symlink_metadata(&p.path).is_ok_and(|m| m.is_dir()))
        {
            failed = Some(WriteError {
                path: p.path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a folder of that name is in the way; remove it, or choose another folder with --out",
                ),
            });
        }
        files.sort_by(|a, b| {
            let rank = |p: &Pending| Some(p.path.as_path()) != first;
            rank(a).cmp(&rank(b)).then_with(|| a.path.cmp(&b.path))
        });
        let mut placed = 0;
        if failed.is_none() {
            for p in &files {
                if let Err(source) = std::fs::rename(&p.tmp, &p.path) {
                    failed = Some(WriteError {
                        path: p.path.clone(),
                        source,
                    });
                    break;
                }
                placed += 1;
            }
        }
        for p in &files[placed..] {
            let _ = std::fs::remove_file(&p.tmp);
        }
        failed.map_or(Ok(()), Err)
    }
}

impl Drop for Staged {
    /// Removes what was written and not committed.
    fn drop(&mut self) {
        let files = std::mem::take(
            &mut *self
                .files
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        for mut p in files {
            if let Some(handle) = p.sync.take() {
                let _ = handle.join();
            }
            let _ = std::fs::remove_file(&p.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn files_appear_under_their_names_only_at_the_commit() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("b.txt"), "old").unwrap();
        let staged = Staged::new();
        staged.write(&d.path().join("b.txt"), b"new b").unwrap();
        std::thread::scope(|s| {
            s.spawn(|| staged.write(&d.path().join("a.txt"), b"new a").unwrap());
        });
        // Before the commit: the old file, and hidden temporary ones.
        assert_eq!(std::fs::read(d.path().join("b.txt")).unwrap(), b"old");
        assert!(!d.path().join("a.txt").exists());
        assert_eq!(names(d.path()).len(), 3);
        staged.commit(Some(&d.path().join("b.txt"))).unwrap();
        assert_eq!(names(d.path()), ["a.txt", "b.txt"]);
        assert_eq!(std::fs::read(d.path().join("a.txt")).unwrap(), b"new a");
        assert_eq!(std::fs::read(d.path().join("b.txt")).unwrap(), b"new b");
    }

    #[test]
    fn a_set_dropped_or_failing_leaves_no_file() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("keep.txt"), "old").unwrap();
        {
            let staged = Staged::new();
            staged.write(&d.path().join("keep.txt"), b"new").unwrap();
            staged.write(&d.path().join("x.txt"), b"x").unwrap();
            // A writer that fails part-way: its temporary file is removed.
            let e = staged
                .write_with(&d.path().join("y.txt"), |f| {
                    f.write_all(b"half").map_err(|e| e.to_string())?;
                    Err("the disk is full".into())
                })
                .unwrap_err();
            assert!(e.to_string().contains("y.txt"), "{e}");
            assert_eq!(staged.paths().len(), 2);
        }
        assert_eq!(names(d.path()), ["keep.txt"]);
        assert_eq!(std::fs::read(d.path().join("keep.txt")).unwrap(), b"old");
    }

    #[test]
    fn an_adopted_file_is_put_in_place() {
        let d = tempfile::tempdir().unwrap();
        let tmp = d.path().join(".c.tmp-1.png");
        std::fs::write(&tmp, "png").unwrap();
        let staged = Staged::new();
        staged.adopt(tmp, &d.path().join("c.png")).unwrap();
        let e = staged
            .adopt(d.path().join(".missing"), &d.path().join("m.png"))
            .unwrap_err();
        assert!(e.to_string().contains("m.png"), "{e}");
        staged.commit(None).unwrap();
        assert_eq!(names(d.path()), ["c.png"]);
    }
}
