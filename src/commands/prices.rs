//! `fargate-sim prices`: list the pricing catalog (the built-in one or a
//! file), or write a catalog updated from an AWS Price List offer file.

use super::output::{Format, json};
use crate::Error;
use crate::pricing::Catalog;
use crate::pricing::listing::{Section, render, to_json};
use std::path::Path;

/// The catalog's listing: one `section` (or all), one `region` (or all), of
/// the catalog file `pricing` (or the built-in one): tables, or one JSON
/// document.
pub fn list(
    section: Section,
    region: Option<&str>,
    pricing: Option<&Path>,
    format: Format,
) -> Result<String, Error> {
    let catalog = match pricing {
        Some(p) => {
            Catalog::load(p).map_err(|e| Error::BadInput(format!("{}: {}", e.origin, e.message)))?
        }
        None => Catalog::builtin(),
    };
    if let Some(r) = region {
        let known = catalog.fargate.rates.iter().any(|x| x.region == r)
            || catalog
                .ec2
                .instance_types
                .iter()
                .any(|t| t.on_demand.contains_key(r))
            || catalog.functions.iter().any(|p| p.region == r);
        if !known {
            let hint = catalog.region_hint(r);
            let list = if hint.is_empty() {
                "; run `fargate-sim prices` to see its regions"
            } else {
                " (`fargate-sim prices` lists its regions)"
            };
            return Err(Error::BadInput(format!(
                "--region {r}: the catalog has no prices for it{hint}{list}"
            )));
        }
    }
    match format {
        Format::Table => Ok(render(&catalog, section, region)),
        Format::Json => json(&to_json(&catalog, section, region)),
    }
}

/// `prices import`: reads the offer file `file` (the AmazonEC2 or AmazonECS
/// JSON or CSV), updates the catalog `pricing` (or the built-in one) with it
/// and writes the result to `out`; says what it wrote, as a line or as JSON.
pub fn import(
    file: Option<&Path>,
    out: &Path,
    force: bool,
    pricing: Option<&Path>,
    format: Format,
) -> Result<String, Error> {
    let Some(file) = file else {
        return Err(Error::BadInput(
            "prices import needs the offer file: fargate-sim prices import AmazonEC2.json --out pricing.toml".into(),
        ));
    };
    if out.is_file() && !force {
        return Err(Error::BadInput(format!(
            "--out {}: the file exists; add --force to replace it, or name another file",
            out.display()
        )));
    }
    let base = match pricing {
        Some(p) => {
            // Refused here, naming the file, rather than after the offer is read.
            Catalog::load(p)
                .map_err(|e| Error::BadInput(format!("{}: {}", e.origin, e.message)))?;
            std::fs::read_to_string(p)
                .map_err(|e| Error::BadInput(format!("{}: {e}", p.display())))?
        }
        None => crate::pricing::catalog::BUILTIN_PRICING.to_string(),
    };
    // A write failure's generic advice, said with the flag `import` takes.
    let r = crate::pricing::import::import(file, &base, out).map_err(|m| {
        Error::BadInput(m.replace(
            "; choose a place you can write to",
            "; choose a file you can write to with --out FILE",
        ))
    })?;
    if format == Format::Json {
        return json(&serde_json::json!({
            "out": out.display().to_string(),
            "ec2_prices": r.ec2_prices,
            "ec2_types_added": r.ec2_types_added,
            "fargate_rates": r.fargate_rates,
            "publication": r.publication,
        }));
    }
    Ok(format!(
        "wrote {}: {} EC2 instance prices{}, {} Fargate rates, as published {}; use it with --pricing {} or pricing = \"{}\" in a scenario\n",
        out.display(),
        r.ec2_prices,
        if r.ec2_types_added.is_empty() {
            String::new()
        } else {
            format!(" (new types: {})", r.ec2_types_added.join(", "))
        },
        r.fargate_rates,
        r.publication,
        out.display(),
        out.display()
    ))
}
