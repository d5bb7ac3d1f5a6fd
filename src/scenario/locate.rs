//! Finds the line and column of a key path in a scenario's text, so that a
//! validation error can point at the value the user wrote.

use toml::de::{DeTable, DeValue};

/// A place in the scenario file, with the line shown and a caret under the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub snippet: String,
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}

/// The location of `path` (as `platforms[1].spot.notice`) in `text`, or of
/// the deepest part of it that exists.
pub fn locate(text: &str, path: &str) -> Option<Location> {
    let root = DeTable::parse(text).ok()?;
    let mut span = None;
    let mut table = Some(root.get_ref());
    let mut current: Option<&DeValue<'_>> = None;
    for seg in segments(path) {
        let next = match seg {
            Segment::Key(k) => {
                let t = match current {
                    None => table?,
                    Some(DeValue::Table(t)) => t,
                    _ => break,
                };
                t.iter()
                    .find(|(key, _)| key.get_ref().as_ref() == k)
                    .map(|(_, v)| v)
            }
            Segment::Index(i) => match current {
                Some(DeValue::Array(a)) => a.get(i),
                _ => break,
            },
        };
        let Some(v) = next else { break };
        span = Some(v.span());
        current = Some(v.get_ref());
        table = None;
    }
    let span = span?;
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_no = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let line_text = text[line_start..line_end].trim_end_matches('\r');
    let width = text[start..span.end.min(line_end).max(start)]
        .chars()
        .count()
        .max(1);
    let gutter = " ".repeat(line_no.to_string().len());
    let snippet = format!(
        "{gutter} |\n{line_no} | {line_text}\n{gutter} | {}{}",
        " ".repeat(column - 1),
        "^".repeat(width)
    );
    Some(Location {
        line: line_no,
        column,
        snippet,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_in_arrays_of_tables() {
        let text = "name = \"x\"\n\n[[platforms]]\nname = \"a\"\n\n[[platforms]]\nname = \"b\"\nspot = { notice = \"2 min\" }\n";
        let loc = locate(text, "platforms[1].spot.notice").unwrap();
        assert_eq!((loc.line, loc.column), (8, 19));
        assert!(loc.snippet.contains("^^^^^^^"), "{}", loc.snippet);
        let loc = locate(text, "platforms[0].name").unwrap();
        assert_eq!(loc.line, 4);
        assert!(locate(text, "nothing.here").is_none());
    }
}
