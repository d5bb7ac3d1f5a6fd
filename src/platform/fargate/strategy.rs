//! An ECS capacity provider strategy over `FARGATE` and `FARGATE_SPOT`:
//! a `base` of tasks on one provider first, then the rest split by
//! `weight`, as the ECS API describes `CapacityProviderStrategyItem`:
//! "The base value designates how many tasks, at a minimum, to run on the
//! specified capacity provider. Only one capacity provider in a capacity
//! provider strategy can have a base defined"; "The weight value designates
//! the relative percentage of the total number of tasks launched that should
//! use the specified capacity provider. The weight value is taken into
//! consideration after the base value, if defined, is satisfied" [AWS]
//! docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html.

use crate::pricing::Capacity;

/// One of the two Fargate capacity providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// `FARGATE`.
    OnDemand = 0,
    /// `FARGATE_SPOT`.
    Spot = 1,
}

impl Provider {
    pub const BOTH: [Provider; 2] = [Provider::OnDemand, Provider::Spot];

    /// The provider's name in ECS.
    pub fn ecs_name(self) -> &'static str {
        match self {
            Provider::OnDemand => "FARGATE",
            Provider::Spot => "FARGATE_SPOT",
        }
    }

    pub fn capacity(self) -> Capacity {
        match self {
            Provider::OnDemand => Capacity::OnDemand,
            Provider::Spot => Capacity::Spot,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One provider's item of a strategy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// Tasks, at a minimum, on this provider (0 to 100,000).
    pub base: u32,
    /// Relative share of the tasks beyond the base (0 to 1,000).
    pub weight: u32,
}

/// A validated strategy: at most one item has a base, at least one has a
/// weight above 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityStrategy {
    pub on_demand: Item,
    pub spot: Item,
}

impl CapacityStrategy {
    /// Everything on one provider (`capacity = "on_demand"` or `"spot"`).
    pub fn single(c: Capacity) -> CapacityStrategy {
        let one = Item { base: 0, weight: 1 };
        match c {
            Capacity::OnDemand => CapacityStrategy {
                on_demand: one,
                spot: Item::default(),
            },
            Capacity::Spot => CapacityStrategy {
                on_demand: Item::default(),
                spot: one,
            },
        }
    }

    pub fn item(&self, p: Provider) -> Item {
        match p {
            Provider::OnDemand => self.on_demand,
            Provider::Spot => self.spot,
        }
    }

    /// Whether any task can go to `p`.
    pub fn uses(&self, p: Provider) -> bool {
        let i = self.item(p);
        i.base > 0 || i.weight > 0
    }

    /// Whether both providers are used.
    pub fn is_mixed(&self) -> bool {
        self.uses(Provider::OnDemand) && self.uses(Provider::Spot)
    }

    /// `on_demand`, `spot`, or the strategy written out when it mixes both.
    pub fn label(&self) -> String {
        if self.is_mixed() {
            self.to_string()
        } else if self.uses(Provider::Spot) {
            "spot".to_string()
        } else {
            "on_demand".to_string()
        }
    }

    /// The provider a new task goes to, given the tasks each provider holds
    /// now (launched or waiting to launch, not yet stopped), as the ECS
    /// service scheduler keeps a service's tasks in proportion: first the
    /// base, then the provider whose tasks beyond its base are furthest
    /// below its weight's share (the smaller (held beyond base + 1) /
    /// weight; a tie goes to `FARGATE`).
    pub fn pick(&self, held: [u64; 2]) -> Provider {
        for p in Provider::BOTH {
            if (self.item(p).base as u64) > held[p.index()] {
                return p;
            }
        }
        let beyond = |p: Provider| held[p.index()].saturating_sub(self.item(p).base as u64);
        let (wo, ws) = (self.on_demand.weight as u64, self.spot.weight as u64);
        if ws == 0 {
            return Provider::OnDemand;
        }
        if wo == 0 {
            return Provider::Spot;
        }
        // (o + 1) / wo <= (s + 1) / ws, in integers.
        if (beyond(Provider::OnDemand) + 1) * ws <= (beyond(Provider::Spot) + 1) * wo {
            Provider::OnDemand
        } else {
            Provider::Spot
        }
    }
}

impl std::fmt::Display for CapacityStrategy {
    /// `FARGATE base 2 weight 1, FARGATE_SPOT weight 3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        for p in Provider::BOTH {
            let i = self.item(p);
            if !self.uses(p) {
                continue;
            }
            let mut s = p.ecs_name().to_string();
            if i.base > 0 {
                s.push_str(&format!(" base {}", i.base));
            }
            s.push_str(&format!(" weight {}", i.weight));
            parts.push(s);
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FARGATE base 2 weight 1, FARGATE_SPOT weight 3, ten tasks that all
    /// stay up: the base takes tasks 1 and 2; of the other eight, one in
    /// four goes to FARGATE (tasks 5 and 9, the ties), the rest to Spot.
    #[test]
    fn base_then_weights_split_ten_tasks_four_to_six() {
        let s = CapacityStrategy {
            on_demand: Item { base: 2, weight: 1 },
            spot: Item { base: 0, weight: 3 },
        };
        let mut held = [0u64; 2];
        let mut order = String::new();
        for _ in 0..10 {
            let p = s.pick(held);
            held[p.index()] += 1;
            order.push(if p == Provider::OnDemand { 'F' } else { 'S' });
        }
        assert_eq!(order, "FFSSFSSSFS");
        assert_eq!(held, [4, 6]);
    }

    #[test]
    fn the_base_is_kept_when_tasks_stop() {
        let s = CapacityStrategy {
            on_demand: Item { base: 2, weight: 0 },
            spot: Item { base: 0, weight: 1 },
        };
        assert_eq!(s.pick([0, 5]), Provider::OnDemand);
        assert_eq!(s.pick([1, 5]), Provider::OnDemand);
        assert_eq!(s.pick([2, 5]), Provider::Spot);
        assert_eq!(
            s.to_string(),
            "FARGATE base 2 weight 0, FARGATE_SPOT weight 1"
        );
    }

    #[test]
    fn a_single_provider_takes_everything() {
        let s = CapacityStrategy::single(Capacity::Spot);
        assert!(!s.is_mixed());
        assert_eq!(s.pick([0, 0]), Provider::Spot);
        assert_eq!(s.pick([0, 99]), Provider::Spot);
    }
}
