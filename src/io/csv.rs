//! CSV text helpers: quoting a field for writing, splitting a line into
//! fields for reading (the native trace, the trace formats, price imports).

/// Quotes a CSV field when it needs it.
pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Splits one CSV line into fields. Double-quoted fields may hold commas;
/// their quotes are removed (a doubled quote inside stays doubled, which no
/// native column needs).
pub fn split_csv(line: &str) -> Vec<&str> {
    let mut fields = Vec::with_capacity(8);
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut in_quotes = false;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => {
                fields.push(unquote(&line[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(unquote(&line[start..]));
    fields
}

/// A field trimmed, without its surrounding double quotes if it has them.
pub fn unquote(field: &str) -> &str {
    let t = field.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        &t[1..t.len() - 1]
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(super::quote("a,b"), "\"a,b\"");
        assert_eq!(super::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::quote("x\"y,"), "\"x\"\"y,\"");
        assert_eq!(super::quote("plain"), "plain");
    }

    #[test]
    fn splits_quoted_fields_with_commas() {
        assert_eq!(
            super::split_csv(" a ,\"b,c\", \"d\" ,"),
            vec!["a", "b,c", "d", ""]
        );
    }
}
