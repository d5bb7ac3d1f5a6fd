//! What to write instead: a hint added under serde's and toml's messages,
//! which speak Rust (`invalid type: string "2 vcpu", expected f64`,
//! `expected a string`, `unknown field`). The hint names the key and shows
//! the form it takes, with the value the user wrote where it fits, and a
//! near-miss name gets "did you mean".

use crate::pricing::catalog::closest;

/// Keys that take a duration with its unit (`"30s"`, `"24h"`).
const DURATIONS: &[&str] = &[
    "horizon",
    "interval",
    "from",
    "until",
    "start",
    "timeout",
    "latency",
    "peak_at",
    "length",
    "at",
    "cooldown",
    "scale_out_cooldown",
    "scale_in_cooldown",
    "instance_warmup",
    "scale_in_after",
    "alarm_delay",
    "batch_idle",
    "batch_max",
    "consolidate_after",
    "keep_alive",
    "notice",
    "llm_overhead",
    "llm_prefill_per_token",
    "llm_decode_per_token",
    "value",
    "mean",
    "median",
    "p90",
    "duration",
    "image_pull",
    "provisioning",
    "cached",
    "cold_start",
    "instance_launch",
];

/// Keys that take a size with its binary unit (`"2GiB"`).
const SIZES: &[&str] = &[
    "memory",
    "storage",
    "machine_memory",
    "memory_per_processor",
    "request_memory",
];

/// Keys that take a rate (`"2/min"`).
const RATES: &[&str] = &[
    "rate", "min_rate", "max_rate", "base", "peak", "before", "after", "refill",
];

/// How a fix is written: in the scenario file (`key = value`) or as an
/// override (`--set path=value`, `path` the whole dotted path).
#[derive(Clone, Copy, Debug)]
pub enum Form<'a> {
    File,
    Set { path: &'a str },
}

impl Form<'_> {
    /// `key = value` in a file; `--set path=value` on the command line,
    /// where a string needs no quotes unless it could be read as TOML.
    fn write(&self, key: &str, toml_value: &str) -> String {
        match self {
            Form::File => format!("{key} = {toml_value}"),
            Form::Set { path } => {
                let bare = toml_value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .filter(|v| v.parse::<f64>().is_err() && !v.contains([' ', '"']));
                format!("--set {path}={}", bare.unwrap_or(toml_value))
            }
        }
    }
}

/// The value a serde message says was written: `24` from
/// ``invalid type: integer `24`, expected a string``, `2 vcpu` from
/// `invalid type: string "2 vcpu", expected f64`.
fn written(message: &str) -> Option<String> {
    let rest = message.strip_prefix("invalid type: ")?;
    let rest = &rest[..rest.find(", expected")?];
    if let Some(s) = rest.strip_prefix("string ") {
        return Some(s.trim_matches('"').to_string());
    }
    let start = rest.find('`')?;
    let end = rest.rfind('`')?;
    (end > start).then(|| rest[start + 1..end].to_string())
}

/// The number at the start of `text` (`2` of `2 vcpu`), if any.
fn leading_number(text: &str) -> Option<f64> {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '+'))
        .map_or(text.len(), |(i, _)| i);
    text[..end].parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The names a message offers (`expected one of `a`, `b``, or quoted).
fn offered(message: &str) -> Vec<&str> {
    let Some(at) = message.find("expected") else {
        return Vec::new();
    };
    let tail = &message[at..];
    let quote = if tail.contains('`') { '`' } else { '"' };
    tail.split(quote).skip(1).step_by(2).collect()
}

/// The name a message says is unknown: `capasity` of
/// ``unknown field `capasity`, expected one of …``, or the string of an
/// invalid value.
fn unknown_name(message: &str) -> Option<&str> {
    for prefix in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return rest.split('`').next();
        }
    }
    let rest = message.strip_prefix("invalid value: string \"")?;
    rest.split('"').next()
}

/// A hint for serde's `message` about `key` (the last part of the key
/// path; empty when not known), or None when there is nothing to add.
pub fn hint(message: &str, key: &str, form: Form<'_>) -> Option<String> {
    if let Some(name) = unknown_name(message) {
        let candidates = offered(message);
        let near = closest(name, candidates.iter().copied())?;
        return Some(format!("did you mean `{near}`?"));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next()?;
        return Some(format!(
            "add `{field}` here; `fargate-sim new FILE` writes a starter scenario with every key it needs"
        ));
    }
    let expected = &message[message.find(", expected ")? + ", expected ".len()..];
    let value = written(message).unwrap_or_default();
    let key_or = |fallback: &str| {
        if key.is_empty() {
            fallback.to_string()
        } else {
            key.to_string()
        }
    };
    let number = leading_number(&value);
    if expected.starts_with("f64") || expected.starts_with("f32") {
        let n = number.map_or("1".to_string(), |n| n.to_string());
        let k = key_or("the key");
        return Some(format!(
            "`{k}` takes a number, without quotes or units: {}",
            form.write(&k, &n)
        ));
    }
    if ["i64", "u64", "i32", "u32", "usize", "u16", "u8"]
        .iter()
        .any(|t| expected.starts_with(t))
    {
        let n = number.map_or(1.0, f64::round).max(0.0);
        let k = key_or("the key");
        // TOML integers stop at i64::MAX: a larger one is read as text, and
        // echoing it back (rounded) would suggest another value too large.
        if n >= i64::MAX as f64 {
            return Some(format!(
                "`{k}` takes a whole number of at most {}, without quotes: {}",
                i64::MAX,
                form.write(&k, "1")
            ));
        }
        return Some(format!(
            "`{k}` takes a whole number, without quotes: {}",
            form.write(&k, &format!("{n}"))
        ));
    }
    if expected.starts_with("a string") {
        let k = key_or("the key");
        let n = if value.is_empty() {
            "1"
        } else {
            value.as_str()
        };
        let (what, example) = if DURATIONS.contains(&key) {
            // A horizon is counted in hours; shorter spans in seconds.
            let unit = if key == "horizon" { "h" } else { "s" };
            (
                "a duration in quotes, with its unit (s, min, h or d)",
                format!("\"{n}{unit}\""),
            )
        } else if SIZES.contains(&key) {
            // 2 is surely GiB, 2048 surely MiB.
            let unit = if number.is_some_and(|x| x >= 64.0) {
                "MiB"
            } else {
                "GiB"
            };
            (
                "a size in quotes, with its unit (MiB or GiB)",
                format!("\"{n}{unit}\""),
            )
        } else if RATES.contains(&key) {
            (
                "a rate in quotes, per second, minute or hour",
                format!("\"{n}/min\""),
            )
        } else {
            ("text in quotes", format!("\"{n}\""))
        };
        return Some(format!(
            "`{k}` takes {what}, such as {}",
            form.write(&k, &example)
        ));
    }
    if expected.starts_with("a boolean") {
        let k = key_or("the key");
        return Some(format!(
            "`{k}` takes true or false, without quotes: {}",
            form.write(&k, "true")
        ));
    }
    // A list of one written as the one (`instance_types = "m5.large"`);
    // other shapes (a number for a list of tables) have no one fix.
    if expected.starts_with("a sequence") && message.starts_with("invalid type: string") {
        let k = key_or("the key");
        return Some(format!(
            "`{k}` takes a list in brackets, even of one: {}",
            form.write(&k, &format!("[\"{value}\"]"))
        ));
    }
    None
}

/// The key whose value starts at byte `at` of `text`: the last name before
/// the `=` on its line (`cpu` in `sizes = [{ cpu = "2 vcpu" }]`).
pub fn key_before(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let Some(before) = text.get(..at) else {
        return String::new();
    };
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let Some(lhs) = line.trim_end().strip_suffix('=') else {
        return String::new();
    };
    let lhs = lhs.trim_end().trim_end_matches(['"', '\'']);
    let start = lhs
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    lhs[start..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_in_quotes_gets_the_number() {
        let m = "invalid type: string \"2 vcpu\", expected f64";
        assert_eq!(
            hint(m, "cpu", Form::File).unwrap(),
            "`cpu` takes a number, without quotes or units: cpu = 2"
        );
    }

    #[test]
    fn a_bare_duration_gets_its_unit() {
        let m = "invalid type: integer `24`, expected a string";
        assert_eq!(
            hint(m, "horizon", Form::File).unwrap(),
            "`horizon` takes a duration in quotes, with its unit (s, min, h or d), such as horizon = \"24h\""
        );
        assert_eq!(
            hint(m, "horizon", Form::Set { path: "horizon" }).unwrap(),
            "`horizon` takes a duration in quotes, with its unit (s, min, h or d), such as --set horizon=24h"
        );
        let m = "invalid type: integer `2`, expected a string";
        assert!(
            hint(m, "memory", Form::File)
                .unwrap()
                .ends_with("memory = \"2GiB\"")
        );
        let m = "invalid type: integer `2048`, expected a string";
        assert!(
            hint(m, "memory", Form::File)
                .unwrap()
                .ends_with("memory = \"2048MiB\"")
        );
        let m = "invalid type: integer `30`, expected a string";
        assert!(
            hint(m, "timeout", Form::File)
                .unwrap()
                .ends_with("timeout = \"30s\"")
        );
    }

    #[test]
    fn near_miss_names_get_did_you_mean() {
        let m = "unknown field `capasity`, expected one of `name`, `kind`, `capacity`, `spot`";
        assert_eq!(hint(m, "", Form::File).unwrap(), "did you mean `capacity`?");
        let m = "invalid value: string \"spott\", expected \"on_demand\", \"spot\", or a mix";
        assert_eq!(hint(m, "", Form::File).unwrap(), "did you mean `spot`?");
        // Nothing close: no guess.
        let m = "unknown field `zzzzzzzz`, expected one of `name`, `kind`";
        assert_eq!(hint(m, "", Form::File), None);
        // Two edits in four letters is another word, not a slip.
        let m = "unknown field `nope`, expected one of `name`, `kind`";
        assert_eq!(hint(m, "", Form::File), None);
    }

    #[test]
    fn a_list_of_one_gets_its_brackets() {
        let m = "invalid type: string \"m5.large\", expected a sequence";
        assert_eq!(
            hint(m, "instance_types", Form::File).unwrap(),
            "`instance_types` takes a list in brackets, even of one: instance_types = [\"m5.large\"]"
        );
        let m = "invalid type: integer `1`, expected a sequence";
        assert_eq!(hint(m, "platforms", Form::File), None);
    }

    #[test]
    fn the_key_is_read_before_the_value() {
        let text = "[[x]]\nsizes = [{ cpu = \"2 vcpu\" }]\n";
        let at = text.find("\"2 vcpu\"").unwrap();
        assert_eq!(key_before(text, at), "cpu");
        let text = "horizon = 24\n";
        assert_eq!(key_before(text, 10), "horizon");
        assert_eq!(key_before(text, 0), "");
    }
}
