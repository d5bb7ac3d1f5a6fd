//! A large file's flush to disk started while it is still being written.
//!
//! A file that must be on disk before it gets its name (see
//! [`super::staged`]) pays for its `fsync` at the end: for the 54 MB
//! `tasks.parquet` of a 1 M-task run, 20 to 25 ms on this machine's disk,
//! after everything else was done (issue 24). [`Writeback`] asks the kernel
//! to start writing each [`STEP`] bytes to disk as soon as they are written
//! (Linux's `sync_file_range` with `SYNC_FILE_RANGE_WRITE`, which does not
//! wait), so the final `fsync` finds little left to write. It changes no
//! byte of the file and promises nothing: the `fsync` is still what makes
//! the file durable. Elsewhere than Linux it only passes the bytes on.

use std::io::Write;

/// Bytes written between two requests to start writing them to disk.
const STEP: u64 = 8 << 20;

/// A file whose written bytes start going to disk every [`STEP`] bytes.
pub struct Writeback {
    file: std::fs::File,
    /// Bytes written so far, and the end of the range last handed to the
    /// kernel.
    written: u64,
    started: u64,
}

impl Writeback {
    pub fn new(file: std::fs::File) -> Writeback {
        Writeback {
            file,
            written: 0,
            started: 0,
        }
    }

    /// The file (to flush it to disk with `sync_all`).
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// Asks the kernel to start writing the bytes written since the last
    /// request. Best effort: a failure is left for the `fsync` to report.
    fn start_writing(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (from, len) = (self.started, self.written - self.started);
            // SAFETY: `sync_file_range` reads no memory of ours; it acts on
            // the open descriptor of a file this value owns.
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    from as libc::off64_t,
                    len as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.started = self.written;
    }
}

impl Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= STEP {
            self.start_writing();
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes reach the file as written, across several steps, and the
    /// requests follow the writes.
    #[test]
    fn passes_every_byte_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut w = Writeback::new(std::fs::File::create(&path).unwrap());
        let block: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
        for _ in 0..6 {
            w.write_all(&block).unwrap();
        }
        w.flush().unwrap();
        assert_eq!(w.written, 18 << 20);
        // Two full steps were handed over (at 9 and 18 MiB).
        assert_eq!(w.started, 18 << 20);
        w.file().sync_all().unwrap();
        let back = std::fs::read(&path).unwrap();
        assert_eq!(back.len(), 18 << 20);
        assert!(back.chunks(3 << 20).all(|c| c == block.as_slice()));
    }
}
