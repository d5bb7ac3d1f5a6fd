//! Lambda Managed Instances (re:Invent 2025): Lambda functions run on EC2
//! instances of a capacity provider, billed at the instance's on-demand
//! price plus a compute management fee (a percentage of that price), plus
//! the Lambda request charge, with no duration charge. These are the
//! profile's rules from the pricing catalog; the instance prices are the EC2
//! catalog's, and the model is `platform::function::managed`.

use crate::time::SimTime;

/// A Lambda Managed Instances profile's rules (`billing = "managed_instances"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedRules {
    /// The EC2 instance type used unless the scenario names one.
    pub instance_type: String,
    /// The compute management fee, percent of the instance's on-demand price.
    pub fee_pct: u32,
    /// Instances kept at all times ("three by default for AZ resiliency").
    pub min_instances: u32,
    /// How often the scaler looks at the fleet's CPU utilisation.
    pub evaluation: SimTime,
    /// The fleet's CPU utilisation the scaler aims at, percent.
    pub target_cpu_pct: u32,
}

/// The catalog keys of a managed-instances profile, as written.
pub struct RawManaged<'a> {
    pub instance_type: Option<&'a str>,
    pub fee_pct: Option<u32>,
    pub min_instances: Option<u32>,
    pub evaluation: Option<SimTime>,
    pub target_cpu: Option<f64>,
}

impl RawManaged<'_> {
    /// The rules when `billing = "managed_instances"` (every key needed),
    /// or None for another billing (then none of the keys may be given).
    pub fn parse(self, managed: bool, at: &str) -> Result<Option<ManagedRules>, String> {
        let given = self.instance_type.is_some()
            || self.fee_pct.is_some()
            || self.min_instances.is_some()
            || self.evaluation.is_some()
            || self.target_cpu.is_some();
        if !managed {
            return if given {
                Err(format!(
                    "{at}: instance_type, management_fee_pct, min_ec2_instances, scale_evaluation and target_cpu belong to billing = \"managed_instances\" only"
                ))
            } else {
                Ok(None)
            };
        }
        let need = |k: &str| {
            format!(
                "{at}.{k}: billing = \"managed_instances\" needs instance_type, management_fee_pct, min_ec2_instances, scale_evaluation and target_cpu"
            )
        };
        let target = self.target_cpu.ok_or_else(|| need("target_cpu"))?;
        if !(target.is_finite() && target > 0.0 && target <= 1.0) {
            return Err(format!(
                "{at}.target_cpu: {target}: need a share above 0 and at most 1, such as 0.5"
            ));
        }
        Ok(Some(ManagedRules {
            instance_type: self
                .instance_type
                .ok_or_else(|| need("instance_type"))?
                .to_string(),
            fee_pct: self.fee_pct.ok_or_else(|| need("management_fee_pct"))?,
            min_instances: self
                .min_instances
                .ok_or_else(|| need("min_ec2_instances"))?,
            evaluation: self
                .evaluation
                .ok_or_else(|| need("scale_evaluation"))?
                .max(1),
            target_cpu_pct: ((target * 100.0).round() as u32).max(1),
        }))
    }
}
