//! Experiments: a scenario's `[sweep]` turned into points (the cartesian
//! product of its axes, zipped groups varying together), each run for
//! `replications` seeds, in parallel, with the results gathered in one
//! table: a row per point × platform × replication and an aggregate row per
//! point × platform (mean, standard deviation and 95% Student-t confidence
//! interval of every metric). Points can be split across machines (shards)
//! and merged back into exactly the table one machine writes.
//!
//! ```toml
//! [sweep]
//! replications = 5
//! [[sweep.axis]]
//! key = "workload.load_scale"
//! values = [0.5, 1, 2]
//! [[sweep.axis]]                 # varied together
//! keys = ["platforms.ecs.initial", "platforms.ecs.max"]
//! values = [[2, 10], [4, 20]]
//! ```

pub mod breakeven;
pub mod overview;
pub mod plan;
pub mod report;
pub mod results;
pub mod run;

pub use plan::*;
pub use run::*;
