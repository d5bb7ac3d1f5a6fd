//! `fargate-sim prices import FILE`: refresh the catalog from an AWS Price
//! List bulk offer file (the JSON or CSV a user downloads for `AmazonEC2`
//! or `AmazonECS`), so prices can be updated without a release.
//!
//! The offer file lists `products` by SKU (with `attributes`) and
//! `terms.OnDemand` by SKU (with `priceDimensions` and `pricePerUnit.USD`).
//! Taken from it:
//! - EC2: products of family `Compute Instance` running Linux on shared
//!   tenancy with no pre-installed software and capacity status `Used`; the
//!   hourly on-demand price goes into the instance type's
//!   `on_demand_usd_per_hour` for the product's `regionCode` (a type not in
//!   the catalog is added, with its vCPU, memory and architecture).
//! - Fargate: on-demand prices whose `usagetype` names a Fargate vCPU-hour
//!   or GB-hour (`…Fargate-vCPU-Hours:perCPU`, `…Fargate-GB-Hours`, and
//!   their `ARM` and `Windows` variants); each region, OS and architecture
//!   with both becomes a rate entry.
//!
//! Everything else in the catalog is kept. The result is checked by parsing
//! it as a catalog before it is written, atomically.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A Fargate rate's region, OS and architecture.
type FargateKey = (String, &'static str, &'static str);
/// Its vCPU-hour and GB-hour prices, as found.
type FargatePrices = (Option<String>, Option<String>);

/// What an import changed, for the user.
#[derive(Debug, Default)]
pub struct Imported {
    pub ec2_prices: usize,
    pub ec2_types_added: Vec<String>,
    pub fargate_rates: usize,
    pub publication: String,
}

/// Reads `offer` and writes a catalog to `out`, starting from `base` (the
/// text of the catalog to update).
pub fn import(offer: &Path, base: &str, out: &Path) -> Result<Imported, String> {
    let at = offer.display().to_string();
    let text = std::fs::read_to_string(offer).map_err(|e| {
        format!(
            "cannot read {at}: {e}; give an AWS Price List offer file (the AmazonEC2 or AmazonECS JSON or CSV)"
        )
    })?;
    let root: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "{at}: not an AWS Price List offer file in JSON ({e}); download the JSON or CSV of the AmazonEC2 or AmazonECS offer"
            )
        })?
    } else {
        from_csv(&text, &at)?
    };
    let products = root
        .get("products")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{at}: products: missing; is this a Price List offer file?"))?;
    let on_demand = root
        .pointer("/terms/OnDemand")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            format!("{at}: terms.OnDemand: missing; is this a Price List offer file?")
        })?;
    let publication = root
        .get("publicationDate")
        .and_then(Value::as_str)
        .unwrap_or("unknown date")
        .to_string();
    let offer_code = root
        .get("offerCode")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let mut catalog: toml::Table =
        toml::from_str(base).map_err(|e| format!("the base catalog does not parse: {e}"))?;
    let source = format!(
        "[AWS Price List] {offer_code} offer file {}, published {publication}",
        offer.file_name().and_then(|n| n.to_str()).unwrap_or("?")
    );
    let mut result = Imported {
        publication: publication.clone(),
        ..Imported::default()
    };
    let mut fargate: BTreeMap<FargateKey, FargatePrices> = BTreeMap::new();
    for (sku, product) in products {
        let attr = |k: &str| {
            product
                .pointer(&format!("/attributes/{k}"))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let Some(price) = hourly_usd(on_demand.get(sku)) else {
            continue;
        };
        let region = attr("regionCode").to_string();
        if region.is_empty() {
            continue;
        }
        let family = product
            .get("productFamily")
            .and_then(Value::as_str)
            .unwrap_or("");
        // Local Zones and Wavelength carry their parent region's code.
        let in_region = matches!(attr("locationType"), "" | "AWS Region");
        if family == "Compute Instance"
            && in_region
            && attr("operatingSystem") == "Linux"
            && attr("tenancy") == "Shared"
            && attr("preInstalledSw") == "NA"
            && attr("capacitystatus") == "Used"
        {
            let name = attr("instanceType");
            let types = catalog
                .get_mut("ec2")
                .and_then(|e| e.get_mut("instance_types"))
                .and_then(|t| t.as_array_mut())
                .ok_or("the base catalog has no [[ec2.instance_types]]")?;
            let found = types
                .iter_mut()
                .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name));
            let entry = match found {
                Some(t) => t,
                None => {
                    let vcpu: f64 = attr("vcpu").parse().map_err(|_| {
                        format!(
                            "{at}: products.{sku}.attributes.vcpu: `{}` is not a number",
                            attr("vcpu")
                        )
                    })?;
                    // "1,952 GiB" in the offer file.
                    let memory = attr("memory").replace([' ', ','], "");
                    let arch = if attr("physicalProcessor").contains("Graviton") {
                        "arm64"
                    } else {
                        "x86_64"
                    };
                    let mut t = toml::Table::new();
                    t.insert("name".into(), name.into());
                    t.insert("vcpu".into(), vcpu.into());
                    t.insert("memory".into(), memory.into());
                    t.insert("arch".into(), arch.into());
                    t.insert(
                        "on_demand_usd_per_hour".into(),
                        toml::Value::Table(toml::Table::new()),
                    );
                    t.insert(
                        "note".into(),
                        format!("added by import from {source}").into(),
                    );
                    types.push(toml::Value::Table(t));
                    result.ec2_types_added.push(name.to_string());
                    types.last_mut().expect("just pushed")
                }
            };
            let prices = entry
                .get_mut("on_demand_usd_per_hour")
                .and_then(|p| p.as_table_mut())
                .ok_or_else(|| {
                    format!("the base catalog's {name} has no on_demand_usd_per_hour")
                })?;
            prices.insert(region, price.into());
            if let Some(note) = entry.get_mut("note") {
                let old = note.as_str().unwrap_or("").to_string();
                if !old.contains(&source) {
                    *note = format!("{old}; prices updated from {source}").into();
                }
            }
            result.ec2_prices += 1;
            continue;
        }
        let usage = attr("usagetype");
        if !usage.contains("Fargate") || usage.contains("Spot") {
            continue;
        }
        let os = if usage.contains("Windows") {
            "windows"
        } else {
            "linux"
        };
        let arch = if usage.contains("ARM") {
            "arm64"
        } else {
            "x86_64"
        };
        let slot = fargate.entry((region, os, arch)).or_default();
        if usage.contains("vCPU-Hours") {
            slot.0 = Some(price);
        } else if usage.contains("GB-Hours") && !usage.contains("Storage") {
            slot.1 = Some(price);
        }
    }
    // Fargate rate entries: replace the matching on-demand entry, or add one.
    let rates = catalog
        .get_mut("fargate")
        .and_then(|f| f.get_mut("rates"))
        .and_then(|r| r.as_array_mut())
        .ok_or("the base catalog has no [[fargate.rates]]")?;
    for ((region, os, arch), (vcpu, gb)) in fargate {
        let (Some(vcpu), Some(gb)) = (vcpu, gb) else {
            continue;
        };
        let rate = |usd: &str| {
            let mut t = toml::Table::new();
            t.insert("usd".into(), usd.into());
            t.insert("per".into(), "hour".into());
            toml::Value::Table(t)
        };
        let matches = |t: &toml::Value| {
            let s = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or("");
            s("region") == region
                && s("os") == os
                && s("arch") == arch
                && s("capacity") == "on_demand"
        };
        let existing = rates.iter_mut().find(|t| matches(t));
        let entry = match existing {
            Some(t) => t,
            None => {
                // A new region: storage and licence from the same OS and
                // architecture in us-east-1, said so in the source.
                let template = base_entry(base, os, arch)?;
                rates.push(template);
                let t = rates.last_mut().expect("just pushed");
                if let Some(tab) = t.as_table_mut() {
                    tab.insert("region".into(), region.clone().into());
                }
                t
            }
        };
        if let Some(t) = entry.as_table_mut() {
            t.insert("vcpu".into(), rate(&vcpu));
            t.insert("memory_gib".into(), rate(&gb));
            t.insert(
                "source".into(),
                format!("{source}; storage and licence rates kept from the base catalog").into(),
            );
        }
        result.fargate_rates += 1;
    }
    if result.ec2_prices == 0 && result.fargate_rates == 0 {
        return Err(format!(
            "{at}: no Linux shared-tenancy EC2 instance price and no Fargate vCPU and GB price found; is this the AmazonEC2 or AmazonECS offer?"
        ));
    }
    let name = catalog
        .get("catalog")
        .and_then(|c| c.as_str())
        .unwrap_or("catalog")
        .to_string();
    catalog.insert(
        "catalog".into(),
        format!("{name}, updated from {source}").into(),
    );
    catalog.insert("as_of".into(), publication.clone().into());
    let text = format!(
        "# Written by `fargate-sim prices import` from {at} (published {publication}).\n# Use it with --pricing FILE or the scenario key pricing = \"FILE\".\n{}",
        toml::to_string(&catalog).map_err(|e| format!("cannot write the catalog: {e}"))?
    );
    crate::pricing::Catalog::parse(&text, &out.display().to_string())
        .map_err(|e| format!("the imported catalog does not check: {}", e.message))?;
    crate::io::files::write_atomic(out, text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(result)
}

/// An offer file in CSV (a few `"Key","Value"` lines, then a header and
/// one row per price), turned into the JSON offer's shape: `products` by
/// SKU with the attributes read here, and `terms.OnDemand` by SKU.
fn from_csv(text: &str, at: &str) -> Result<Value, String> {
    use crate::io::csv::split_csv;
    let mut lines = text.lines().enumerate();
    let mut meta = serde_json::Map::new();
    let header: Vec<String> = loop {
        let Some((_, line)) = lines.next() else {
            return Err(format!(
                "{at}: no header row with SKU, TermType and PricePerUnit; is this a Price List offer file (JSON or CSV)?"
            ));
        };
        let fields = split_csv(line.trim_start_matches('\u{feff}'));
        if fields.contains(&"SKU") && fields.contains(&"PricePerUnit") {
            break fields.iter().map(|f| f.to_string()).collect();
        }
        if fields.len() == 2 {
            meta.insert(fields[0].to_string(), Value::from(fields[1]));
        }
    };
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let need =
        |name: &str| col(name).ok_or_else(|| format!("{at}: the header has no `{name}` column"));
    let (sku, term_type, term_code, rate_code, unit, price) = (
        need("SKU")?,
        need("TermType")?,
        need("OfferTermCode")?,
        need("RateCode")?,
        need("Unit")?,
        need("PricePerUnit")?,
    );
    let family = col("Product Family");
    let attributes = [
        ("instanceType", "Instance Type"),
        ("vcpu", "vCPU"),
        ("memory", "Memory"),
        ("regionCode", "Region Code"),
        ("operatingSystem", "Operating System"),
        ("tenancy", "Tenancy"),
        ("preInstalledSw", "Pre Installed S/W"),
        ("capacitystatus", "CapacityStatus"),
        ("physicalProcessor", "Physical Processor"),
        ("usagetype", "usageType"),
        ("locationType", "Location Type"),
    ]
    .map(|(key, name)| (key, col(name)));
    let mut products = serde_json::Map::new();
    let mut on_demand = serde_json::Map::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f = split_csv(line);
        let get = |c: usize| f.get(c).copied().unwrap_or("");
        if f.len() < header.len() {
            return Err(format!(
                "{at}, line {}: {} fields where the header has {}",
                i + 1,
                f.len(),
                header.len()
            ));
        }
        if get(term_type) != "OnDemand" {
            continue;
        }
        let id = get(sku).to_string();
        let mut attrs = serde_json::Map::new();
        for (key, c) in &attributes {
            if let Some(c) = c {
                attrs.insert(key.to_string(), Value::from(get(*c)));
            }
        }
        products.insert(
            id.clone(),
            serde_json::json!({
                "sku": id,
                "productFamily": family.map_or("", |c| get(c)),
                "attributes": attrs,
            }),
        );
        on_demand.insert(
            id.clone(),
            serde_json::json!({
                get(term_code): {
                    "priceDimensions": {
                        get(rate_code): {
                            "unit": get(unit),
                            "pricePerUnit": { "USD": get(price) },
                        }
                    }
                }
            }),
        );
    }
    Ok(serde_json::json!({
        "offerCode": meta.get("OfferCode").cloned().unwrap_or(Value::from("?")),
        "publicationDate": meta.get("Publication Date").cloned().unwrap_or(Value::from("unknown date")),
        "products": products,
        "terms": { "OnDemand": on_demand },
    }))
}

/// The hourly USD price of an on-demand term, if it has one.
fn hourly_usd(terms: Option<&Value>) -> Option<String> {
    let terms = terms?.as_object()?;
    for term in terms.values() {
        let dims = term.get("priceDimensions")?.as_object()?;
        for d in dims.values() {
            let unit = d.get("unit").and_then(Value::as_str).unwrap_or("");
            if !(unit.eq_ignore_ascii_case("Hrs") || unit.eq_ignore_ascii_case("hours")) {
                continue;
            }
            let usd = d.pointer("/pricePerUnit/USD").and_then(Value::as_str)?;
            if crate::pricing::Price::parse(usd).is_ok() {
                return Some(trim_zeros(usd));
            }
        }
    }
    None
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0');
        t.strip_suffix('.').unwrap_or(t).to_string()
    } else {
        s.to_string()
    }
}

/// The us-east-1 on-demand entry for `os`/`arch` from the base catalog.
fn base_entry(base: &str, os: &str, arch: &str) -> Result<toml::Value, String> {
    let t: toml::Table = toml::from_str(base).map_err(|e| e.to_string())?;
    t.get("fargate")
        .and_then(|f| f.get("rates"))
        .and_then(|r| r.as_array())
        .and_then(|rates| {
            rates.iter().find(|r| {
                let s = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("");
                s("region") == "us-east-1" && s("os") == os && s("arch") == arch && s("capacity") == "on_demand"
            })
        })
        .cloned()
        .ok_or_else(|| format!("the base catalog has no us-east-1 {os}/{arch} Fargate entry to start a new region from"))
}
