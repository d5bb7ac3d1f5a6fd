//! The subcommands, one file each, in the library so tests can call them:
//! each takes its arguments as plain values, returns the text to print (or
//! writes its files) and fails with a [`crate::Error`]. The binary only
//! parses arguments, dispatches here, prints and maps errors to exit codes.

pub mod batch;
pub mod breakeven;
pub mod calibrate;
pub mod check;
pub mod commit;
pub mod completions;
pub mod explain;
pub mod new;
pub mod new_from;
pub mod new_instance;
pub mod output;
pub mod prices;
pub mod redraw;
pub mod rightsize;
pub mod run;
pub mod sweep;
pub mod trace;
pub mod write_advice;

pub use output::Format;
