//! Domain-free file utilities: atomic writes ([`files`]), CSV text helpers
//! ([`csv`]), lines read from large blocks ([`lines`]) and tables of typed
//! columns read and written as Parquet or CSV ([`table`], the only module
//! that calls the dataframe library), and phase timings for developers
//! ([`timings`]), sets of files put in place together ([`staged`]), and
//! helper threads that yield their core to the simulation ([`priority`]),
//! the program's allocator ([`alloc`]), and TOML text made cheaper to
//! parse ([`toml_text`]).
//! Nothing here knows a task, a platform or a scenario; nothing here
//! imports the rest of the crate.

pub mod alloc;
pub mod csv;
pub mod files;
pub mod lines;
pub mod priority;
pub mod staged;
pub mod table;
pub mod timings;
pub mod toml_text;
pub mod writeback;
