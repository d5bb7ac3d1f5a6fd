//! `requests`: a native request trace. Header required; `request_s` (the
//! arrival, seconds from the start) and optionally `service_s` (the time to
//! serve it, seconds); other columns are ignored with a note. Each row is one
//! request; as a task it has that duration and no size, so the format is
//! meant for `[[workload.services]]` requests.

use super::adapter::{Adapter, BadRow, field, num, seconds, task};
use crate::workload::{Task, WorkloadError};
use std::path::Path;

#[derive(Default)]
pub struct Requests {
    arrival: usize,
    service: Option<usize>,
    ignored: Vec<String>,
}

impl Adapter for Requests {
    fn header(&mut self, path: &Path, fields: &[&str]) -> Result<bool, WorkloadError> {
        let names: Vec<&str> = fields.iter().map(|f| f.trim().trim_matches('"')).collect();
        self.arrival = names
            .iter()
            .position(|n| *n == "request_s")
            .ok_or_else(|| WorkloadError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "a request trace needs a `request_s` column (arrival, seconds), and optionally `service_s`; the header has: {}",
                    names.join(", ")
                ),
            })?;
        self.service = names.iter().position(|n| *n == "service_s");
        self.ignored = names
            .iter()
            .filter(|n| **n != "request_s" && **n != "service_s")
            .map(|n| n.to_string())
            .collect();
        Ok(true)
    }

    fn row(&mut self, f: &[&str], out: &mut Vec<Task>) -> Result<(), BadRow> {
        let a = field(f, self.arrival, "request_s")?;
        let at = seconds("request_s", a, num("request_s", a)?)?;
        let work = match self.service {
            Some(i) => {
                let v = field(f, i, "service_s")?;
                seconds("service_s", v, num("service_s", v)?)?
            }
            None => 0,
        };
        out.push(task(None, at, work, 0, 0));
        Ok(())
    }

    fn notes(&self) -> Vec<String> {
        if self.ignored.is_empty() {
            Vec::new()
        } else {
            vec![format!(
                "request trace: ignored column(s) {}",
                self.ignored.join(", ")
            )]
        }
    }
}
