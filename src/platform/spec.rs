//! A validated platform from a scenario, of any kind.

use super::ec2::Ec2Spec;
use super::fargate::FargateSpec;
use super::function::FunctionSpec;

/// A validated platform from a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum PlatformSpec {
    Fargate(FargateSpec),
    Ec2(Box<Ec2Spec>),
    Function(Box<FunctionSpec>),
}

impl PlatformSpec {
    pub fn name(&self) -> &str {
        match self {
            PlatformSpec::Fargate(f) => &f.name,
            PlatformSpec::Ec2(e) => &e.name,
            PlatformSpec::Function(f) => &f.name,
        }
    }

    /// The `kind` as written in a scenario.
    pub fn kind(&self) -> &'static str {
        match self {
            PlatformSpec::Fargate(_) => "fargate",
            PlatformSpec::Ec2(_) => "ec2",
            PlatformSpec::Function(_) => "function",
        }
    }
}
