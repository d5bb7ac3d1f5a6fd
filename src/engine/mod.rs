//! The discrete-event engine: a simulated clock, an event queue ordered by
//! `(time, sequence)`, and the merge of the time-ordered arrival stream.
//!
//! The engine knows nothing of Fargate or EC2: a deployment model implements
//! [`Model`] and receives arrivals and its own events in time order. Arrivals
//! come from their own cursor and are never pushed into the heap, so the heap
//! holds only pending events.
//!
//! Order at equal times: events already scheduled for time `t` run before an
//! arrival at `t` (a task that ends at `t` frees capacity for one arriving at
//! `t`); among events, the one scheduled first runs first. A model's own
//! next happening kept beside the queue ([`Model::next_own`], a service's
//! next request) holds a key taken from the queue's sequence, so it keeps
//! the place it would have had as a queued event.

pub mod queue;
pub mod rng;
pub mod run;

pub use queue::{EventQueue, Mapped, Schedule};
pub use run::*;
