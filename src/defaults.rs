//! Behavioural defaults (start-up times, launch limits, Spot behaviour),
//! read from `data/defaults.toml`, where each carries its source.

use crate::time::{SimTime, parse_duration};
use crate::workload::SpanDist;
use serde::Deserialize;

/// The defaults file shipped with the tool.
pub const BUILTIN_DEFAULTS: &str = include_str!("../data/defaults.toml");

/// Typed defaults.
#[derive(Clone, Debug)]
pub struct Defaults {
    pub fargate_launch_burst: u32,
    pub fargate_launch_refill_per_s: f64,
    pub fargate_launch_source: String,
    pub fargate_provisioning: SpanDist,
    pub fargate_image_pull: SpanDist,
    pub fargate_startup_source: String,
    pub fargate_spot_notice: SimTime,
    pub fargate_spot_interruptions_per_hour: f64,
    pub fargate_spot_source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    fargate: RawFargate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFargate {
    launch_limit: RawLaunch,
    startup: RawStartup,
    spot: RawSpot,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLaunch {
    burst: u32,
    refill_per_second: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStartup {
    provisioning: crate::scenario::raw::RawDist,
    image_pull: crate::scenario::raw::RawDist,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpot {
    notice: String,
    interruptions_per_hour: f64,
    source: String,
}

impl Defaults {
    /// The built-in defaults.
    pub fn builtin() -> Defaults {
        let raw: Raw =
            toml::from_str(BUILTIN_DEFAULTS).expect("built-in defaults parse (checked by tests)");
        let f = raw.fargate;
        let dist = |d: &crate::scenario::raw::RawDist, key: &str| {
            crate::scenario::validate::span_dist(d, key)
                .expect("built-in defaults are valid (checked by tests)")
        };
        Defaults {
            fargate_launch_burst: f.launch_limit.burst,
            fargate_launch_refill_per_s: f.launch_limit.refill_per_second,
            fargate_launch_source: f.launch_limit.source,
            fargate_provisioning: dist(&f.startup.provisioning, "fargate.startup.provisioning"),
            fargate_image_pull: dist(&f.startup.image_pull, "fargate.startup.image_pull"),
            fargate_startup_source: f.startup.source,
            fargate_spot_notice: parse_duration(&f.spot.notice).expect("valid notice"),
            fargate_spot_interruptions_per_hour: f.spot.interruptions_per_hour,
            fargate_spot_source: f.spot.source,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_defaults_parse() {
        let d = super::Defaults::builtin();
        assert_eq!(d.fargate_launch_burst, 100);
        assert_eq!(d.fargate_launch_refill_per_s, 20.0);
        // Total start-up median ≈ 8 s + 27 s: inside AWS's "30-45 seconds".
        let mean = d.fargate_provisioning.mean_seconds() + d.fargate_image_pull.mean_seconds();
        assert!((30.0..50.0).contains(&mean), "{mean}");
    }
}
