//! The integration tests: one crate, so the binary and library link once.

mod balancer;
mod bills;
mod broken;
mod cluster_fidelity;
mod commands;
mod common;
mod constraints;
mod cur;
mod docs;
mod e2e;
mod ec2;
mod errors;
mod experiments;
mod formats;
mod functions;
mod fuzz;
mod honest;
mod inputs;
mod layers;
mod properties;
mod reports;
mod services;
mod strategy;
mod timing;
mod traces;
mod validation;
