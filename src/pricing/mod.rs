//! Prices and billing arithmetic: the catalog of rates and exact money.

pub mod catalog;
pub mod money;

pub use catalog::{Arch, Capacity, Catalog, Os, Rate};
pub use money::{Money, Price};
