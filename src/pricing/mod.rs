//! Prices and billing arithmetic: the catalog of rates and exact money.

pub mod around;
pub mod catalog;
pub mod functions;
pub mod import;
pub mod lambda_managed;
pub mod listing;
pub mod money;

pub use catalog::{Arch, Capacity, Catalog, Os};
pub use money::{ExactCost, Money, Price, Rate};
