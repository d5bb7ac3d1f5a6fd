//! The scenario file as written: plain serde structs that mirror the TOML.
//! Unknown keys are errors, so a typo never falls back to a default.
//! `scenario::validate` turns these into typed values.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub seed: Option<i64>,
    pub horizon: Option<String>,
    /// A pricing catalog file replacing the built-in one.
    pub pricing: Option<String>,
    /// The default region of every platform.
    pub region: Option<String>,
    pub workload: RawWorkload,
    #[serde(default)]
    pub platforms: Vec<RawPlatform>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// A trace file, relative to the scenario file.
    pub trace: Option<String>,
    /// The trace's format (only "native" so far).
    pub format: Option<String>,
    pub load_scale: Option<f64>,
    pub duration_scale: Option<f64>,
    #[serde(default)]
    pub generators: Vec<RawGenerator>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGenerator {
    pub name: Option<String>,
    pub arrivals: RawArrivals,
    pub duration: RawDist,
    pub sizes: Vec<RawSize>,
    pub count: Option<i64>,
    pub start: Option<String>,
    pub until: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "process", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawArrivals {
    Poisson {
        rate: String,
    },
    Diurnal {
        min_rate: String,
        max_rate: String,
        peak_at: String,
    },
    Burst {
        at: Vec<String>,
        size: i64,
    },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSize {
    pub cpu: f64,
    pub memory: String,
    pub storage: Option<String>,
    pub weight: Option<f64>,
}

/// A distribution of spans: a plain duration (`"30s"`) or a table.
#[derive(Clone, Debug)]
pub enum RawDist {
    Constant(String),
    Table(RawDistTable),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistTable {
    pub dist: String,
    pub value: Option<String>,
    pub mean: Option<String>,
    pub median: Option<String>,
    pub p90: Option<String>,
    pub mu: Option<f64>,
    pub sigma: Option<f64>,
    pub values: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration such as \"30s\" or a table such as { dist = \"lognormal\", median = \"30s\", p90 = \"45s\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawDist, E> {
                Ok(RawDist::Constant(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                RawDistTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawDist::Table)
            }
        }
        d.deserialize_any(V)
    }
}

/// The deployment models a platform can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformKind {
    Fargate,
}

/// One `[[platforms]]` entry. A plain struct holding every kind's keys (not
/// a serde-tagged enum) so that toml keeps the line and column of each error;
/// validation refuses keys that do not apply to the entry's kind.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatform {
    pub name: String,
    pub kind: PlatformKind,
    pub region: Option<String>,
    pub launch_type: Option<crate::platform::fargate::LaunchType>,
    pub os: Option<crate::pricing::Os>,
    pub arch: Option<crate::pricing::Arch>,
    pub capacity: Option<crate::pricing::Capacity>,
    pub sizing: Option<crate::platform::fargate::Sizing>,
    pub launch_limit: Option<RawLaunchLimit>,
    pub startup: Option<RawStartup>,
    pub spot: Option<RawSpot>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLaunchLimit {
    pub burst: Option<i64>,
    pub refill: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStartup {
    pub provisioning: Option<RawDist>,
    pub image_pull: Option<RawDist>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    pub interruptions_per_hour: Option<f64>,
    pub notice: Option<String>,
    pub on_interruption: Option<crate::platform::fargate::OnInterruption>,
}
