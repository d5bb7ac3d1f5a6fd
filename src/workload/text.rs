//! Reading text traces as downloaded: gzip-compressed or not (told by the
//! file's first bytes, not its name), LF or CRLF line endings, with or
//! without a final newline, with or without a byte-order mark.

use super::task::WorkloadError;
use crate::io::lines::ByteLines;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Lines of a text file, numbered from 1, without their line endings.
/// Each line is borrowed from a block of the file read at once: reading
/// allocates nothing per line.
pub struct TextLines {
    path: PathBuf,
    reader: ByteLines,
    line: u64,
}

/// Whether the file starts with the gzip magic bytes.
pub fn is_gzip(path: &Path) -> Result<bool, WorkloadError> {
    starts_with(path, &[0x1f, 0x8b])
}

/// Whether the file starts with Parquet's magic bytes (`PAR1`).
pub fn is_parquet(path: &Path) -> Result<bool, WorkloadError> {
    starts_with(path, b"PAR1")
}

fn starts_with(path: &Path, magic: &[u8]) -> Result<bool, WorkloadError> {
    let mut f = std::fs::File::open(path).map_err(|source| WorkloadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut head = vec![0u8; magic.len()];
    let mut got = 0;
    while got < magic.len() {
        match f.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(source) => {
                return Err(WorkloadError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
    Ok(got == magic.len() && head == magic)
}

impl TextLines {
    pub fn open(path: &Path) -> Result<TextLines, WorkloadError> {
        let io = |source| WorkloadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let gz = is_gzip(path)?;
        let file = std::fs::File::open(path).map_err(io)?;
        let raw: Box<dyn Read + Send> = if gz {
            Box::new(flate2::read::MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        Ok(TextLines {
            path: path.to_path_buf(),
            reader: ByteLines::new(raw),
            line: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of the last line read.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next line and its number, or None at the end of the file.
    pub fn next_line(&mut self) -> Option<Result<(u64, &str), WorkloadError>> {
        let source = match self.reader.next_line() {
            Ok(None) => return None,
            Ok(Some(bytes)) => match std::str::from_utf8(bytes) {
                Ok(text) => {
                    self.line += 1;
                    let mut text = text.trim_end_matches(['\r', '\n']);
                    if self.line == 1 {
                        text = text.trim_start_matches('\u{feff}');
                    }
                    return Some(Ok((self.line, text)));
                }
                // As `BufRead::read_line` words it.
                Err(_) => std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                ),
            },
            Err(source) => source,
        };
        Some(Err(WorkloadError::Io {
            path: self.path.clone(),
            source: if source.kind() == std::io::ErrorKind::InvalidData {
                std::io::Error::other(format!(
                    "line {}: not UTF-8 text ({source}); is this the right file and format?",
                    self.line + 1
                ))
            } else {
                source
            },
        }))
    }
}

/// Splits on runs of spaces and tabs (SWF).
pub fn split_whitespace(line: &str) -> Vec<&str> {
    line.split_ascii_whitespace().collect()
}
