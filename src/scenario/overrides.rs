//! `--set KEY=VALUE`: change any scenario key by its dotted path without
//! editing the file. Arrays of tables are addressed by an element's `name`
//! (`platforms.fargate.capacity=spot`) or by index (`platforms.0.capacity`,
//! also written `platforms[0].capacity`).
//! The value is read as TOML (`2`, `true`, `"x"`, `{ a = 1 }`); anything that
//! is not valid TOML is taken as a string (`capacity=spot`).

use toml::{Table, Value};

/// Applies one `KEY=VALUE` to the scenario table.
pub fn apply(root: &mut Table, assignment: &str) -> Result<(), String> {
    let (path, value_text) = assignment
        .split_once('=')
        .ok_or("expected KEY=VALUE, for example platforms.fargate.capacity=spot")?;
    let path = path.trim();
    if path.is_empty() {
        return Err("the key is empty".into());
    }
    let value = parse_value(value_text.trim());
    // `services[0]` (as error messages write keys) is `services.0`.
    let path = path.replace('[', ".").replace(']', "");
    let parts: Vec<&str> = path.split('.').collect();
    let mut table = root;
    let mut i = 0;
    while i < parts.len() - 1 {
        let part = parts[i];
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        table = match entry {
            Value::Table(t) => t,
            Value::Array(items) => {
                i += 1;
                let selector = parts[i];
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect();
                let pos = match selector.parse::<usize>() {
                    Ok(n) if n < items.len() => n,
                    _ => items
                        .iter()
                        .position(|v| v.get("name").and_then(Value::as_str) == Some(selector))
                        .ok_or_else(|| {
                            format!(
                                "`{part}` has no element named `{selector}` (names: {}; or use an index from 0 to {})",
                                if names.is_empty() { "none".into() } else { names.join(", ") },
                                items.len().saturating_sub(1)
                            )
                        })?,
                };
                if i == parts.len() - 1 {
                    items[pos] = value;
                    return Ok(());
                }
                match &mut items[pos] {
                    Value::Table(t) => t,
                    _ => return Err(format!("`{part}.{selector}` is not a table")),
                }
            }
            _ => {
                return Err(format!(
                    "`{}` is a value, not a table",
                    parts[..=i].join(".")
                ));
            }
        };
        i += 1;
    }
    table.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

fn parse_value(text: &str) -> Value {
    let doc = format!("v = {text}");
    match toml::from_str::<Table>(&doc) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| Value::String(text.to_string())),
        Err(_) => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn sets_by_name_index_and_new_key() {
        let mut t = table("seed = 1\n[[platforms]]\nname = \"fargate\"\nkind = \"fargate\"\n");
        apply(&mut t, "platforms.fargate.capacity=spot").unwrap();
        apply(&mut t, "platforms.0.os=\"linux\"").unwrap();
        apply(&mut t, "seed=7").unwrap();
        apply(&mut t, "workload.load_scale=2.5").unwrap();
        assert_eq!(t["platforms"][0]["capacity"].as_str(), Some("spot"));
        assert_eq!(t["platforms"][0]["os"].as_str(), Some("linux"));
        assert_eq!(t["seed"].as_integer(), Some(7));
        assert_eq!(t["workload"]["load_scale"].as_float(), Some(2.5));
    }

    #[test]
    fn unknown_element_lists_names() {
        let mut t = table("[[platforms]]\nname = \"a\"\n");
        let e = apply(&mut t, "platforms.b.os=linux").unwrap_err();
        assert!(e.contains("names: a"), "{e}");
        assert!(apply(&mut t, "nokey").is_err());
    }
}
