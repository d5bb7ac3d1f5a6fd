//! Reading a text stream line by line from large blocks of bytes, without
//! a new allocation per line: the caller borrows each line from one buffer.

use std::io::{ErrorKind, Read};

/// Bytes read from the source at a time once under way (the buffer grows
/// past this only for a line longer than it).
const BLOCK: usize = 1 << 20;

/// The first read's size: the buffer doubles from here to [`BLOCK`], one
/// read at a time. A reader that wants only the first lines (a trace's
/// format found from its header, then its first line again for the
/// columns) read and faulted in a whole block each time: 2 MiB on the
/// start-up path of every run of a large text trace (issue 24).
const FIRST_READ: usize = 64 << 10;

/// The lines of a byte stream, split at `\n`.
pub struct ByteLines {
    source: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Start of the bytes not yet returned.
    start: usize,
    /// End of the bytes read.
    end: usize,
    /// Bytes from `start` already searched for a newline.
    searched: usize,
    eof: bool,
    /// Whether a read was made (the buffer grows from the second on).
    read_once: bool,
}

impl ByteLines {
    pub fn new(source: Box<dyn Read + Send>) -> ByteLines {
        ByteLines {
            source,
            buf: vec![0; FIRST_READ],
            start: 0,
            end: 0,
            searched: 0,
            eof: false,
            read_once: false,
        }
    }

    /// The next line, without its `\n` (a last line with no `\n` is a line
    /// too), or `None` at the end of the stream. As `BufRead::read_line`
    /// does, a `\r` before the `\n` is kept.
    pub fn next_line(&mut self) -> std::io::Result<Option<&[u8]>> {
        loop {
            let from = self.start + self.searched;
            if let Some(i) = memchr::memchr(b'\n', &self.buf[from..self.end]) {
                let s = self.start;
                let e = from + i;
                self.start = e + 1;
                self.searched = 0;
                return Ok(Some(&self.buf[s..e]));
            }
            self.searched = self.end - self.start;
            if self.eof {
                if self.start < self.end {
                    let s = self.start;
                    self.start = self.end;
                    self.searched = 0;
                    return Ok(Some(&self.buf[s..self.end]));
                }
                return Ok(None);
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            // Full (a line longer than the buffer), or still ramping up to
            // whole blocks: twice the room.
            if self.end == self.buf.len() || (self.read_once && self.buf.len() < BLOCK) {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            self.read_once = true;
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ByteLines;

    /// A reader that hands out at most `step` bytes per call.
    struct Trickle(Vec<u8>, usize, usize);
    impl std::io::Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.2.min(out.len()).min(self.0.len() - self.1);
            out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    fn lines(data: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut l = ByteLines::new(Box::new(Trickle(data.to_vec(), 0, step)));
        let mut out = Vec::new();
        while let Some(line) = l.next_line().unwrap() {
            out.push(line.to_vec());
        }
        out
    }

    /// A reader of `n` bytes of empty lines that notes the room each read
    /// offers.
    struct Noting(usize, std::sync::Arc<std::sync::Mutex<Vec<usize>>>);
    impl std::io::Read for Noting {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.1.lock().unwrap().push(out.len());
            let k = self.0.min(out.len());
            out[..k].fill(b'\n');
            self.0 -= k;
            Ok(k)
        }
    }

    /// The first read is small and reads double to whole blocks: a reader
    /// of the first line reads 64 KiB, not a block.
    #[test]
    fn reads_start_small_and_double_to_a_block() {
        let sizes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut l = ByteLines::new(Box::new(Noting(4 << 20, sizes.clone())));
        assert_eq!(l.next_line().unwrap(), Some(&b""[..]));
        assert_eq!(*sizes.lock().unwrap(), vec![64 << 10]);
        let mut n = 1;
        while l.next_line().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 4 << 20);
        // Each read is offered the whole buffer (every line was taken):
        // 64 KiB, doubling to 1 MiB, then 1 MiB to the end.
        let seen = sizes.lock().unwrap().clone();
        assert_eq!(
            &seen[..5],
            &[64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20]
        );
        assert!(seen[5..].iter().all(|&s| s == 1 << 20), "{seen:?}");
    }

    #[test]
    fn splits_like_read_line_whatever_the_read_sizes() {
        let long = "x".repeat(3 << 20);
        let text = format!("a,b\r\n\n{long}\nlast");
        for step in [1, 7, 4096, usize::MAX] {
            let got = lines(text.as_bytes(), step);
            assert_eq!(got.len(), 4);
            assert_eq!(got[0], b"a,b\r");
            assert_eq!(got[1], b"");
            assert_eq!(got[2].len(), 3 << 20);
            assert_eq!(got[3], b"last");
        }
        assert!(lines(b"", 10).is_empty());
        assert_eq!(lines(b"one\n", 10), vec![b"one".to_vec()]);
    }
}
