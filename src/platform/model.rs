//! The one face of a deployment model: what the run and the reports see of
//! Fargate, an EC2 cluster or a function platform.
//!
//! A model implements [`Platform`]; the engine's [`Model`] hooks that are the
//! same for every model (time-series sampling, progress, Little's law) are
//! answered once here, from the model's [`Books`].

use super::books::Books;
use super::ec2::stats::ClusterStats;
use super::fargate::stats::FargateStats;
use super::function::stats::FunctionStats;
use super::series::Gauges;
use crate::engine::{Model, Schedule};
use crate::pricing::{ExactCost, Money};
use crate::service::{ServiceReport, ServiceSpec};
use crate::time::SimTime;
use crate::workload::{Task, WorkloadError};

/// What a kind of model reports beyond the common books.
#[derive(Clone, Debug, Default)]
pub enum Detail {
    /// Nothing more.
    #[default]
    None,
    /// Each capacity provider's share (Fargate).
    Fargate(Box<FargateStats>),
    /// Instances launched, billed and interrupted (EC2 clusters).
    Cluster(Box<ClusterStats>),
    /// Invocations, cold starts and throttles (function platforms).
    Function(Box<FunctionStats>),
}

/// A deployment model driven by the engine.
pub trait Platform {
    /// The model's own events.
    type Event;

    /// Called once at time 0, before anything else happens.
    fn start(&mut self, _queue: &mut impl Schedule<Self::Event>) {}

    /// A task is submitted at `queue.now()`.
    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<Self::Event>);

    /// One of the model's events fires at `queue.now()`.
    fn on_event(&mut self, event: Self::Event, queue: &mut impl Schedule<Self::Event>);

    /// Whether work is left that the model's daemon events will move on
    /// (tasks waiting for a scale-out, say).
    fn busy(&self) -> bool {
        false
    }

    /// The key of the model's own next happening, kept beside the queue
    /// (see [`crate::engine::Model::next_own`]); none by default.
    #[inline]
    fn next_own(&self) -> Option<(SimTime, u64)> {
        None
    }

    /// The happening [`Platform::next_own`] named comes, at `queue.now()`.
    fn on_own(&mut self, _queue: &mut impl Schedule<Self::Event>) {}

    fn books(&self) -> &Books;
    fn books_mut(&mut self) -> &mut Books;

    /// Work and capacity at `at`, for a time-series row.
    fn gauges(&self, at: SimTime) -> Gauges;

    /// What has been spent by `at`.
    fn cost_to(&self, at: SimTime) -> Money;

    /// A time-series row's gauges and cost at `at`; a model that can read
    /// both in one pass says so here.
    fn row(&self, at: SimTime) -> (Gauges, Money) {
        (self.gauges(at), self.cost_to(at))
    }

    /// Settles what is still open when the run stops at `end`.
    fn finish(&mut self, end: SimTime);

    /// The exact bill, by component (after [`Platform::finish`]).
    fn cost(&self) -> ExactCost;

    /// Where the rates came from.
    fn rates_source(&self) -> String;

    /// What this kind reports beyond the books (after [`Platform::finish`]).
    fn detail(&mut self) -> Detail {
        Detail::None
    }

    /// Takes on the scenario's services itself, if this kind runs them
    /// natively (a function platform: each request is an invocation).
    /// False: the service host runs them on replicas of this platform.
    fn own_services(
        &mut self,
        _services: &[ServiceSpec],
        _seed: u64,
    ) -> Result<bool, WorkloadError> {
        Ok(false)
    }

    /// The reports of the services taken on by [`Platform::own_services`].
    fn take_service_reports(&mut self) -> Vec<ServiceReport> {
        Vec::new()
    }
}

impl<P: Platform> Model for P {
    type Event = P::Event;
    type Arrival = Task;

    #[inline]
    fn start(&mut self, queue: &mut impl Schedule<Self::Event>) {
        Platform::start(self, queue)
    }

    #[inline]
    fn on_arrival(&mut self, task: Task, queue: &mut impl Schedule<Self::Event>) {
        Platform::on_arrival(self, task, queue)
    }

    #[inline]
    fn on_event(&mut self, event: Self::Event, queue: &mut impl Schedule<Self::Event>) {
        Platform::on_event(self, event, queue)
    }

    #[inline]
    fn busy(&self) -> bool {
        Platform::busy(self)
    }

    #[inline]
    fn next_own(&self) -> Option<(SimTime, u64)> {
        Platform::next_own(self)
    }

    #[inline]
    fn on_own(&mut self, queue: &mut impl Schedule<Self::Event>) {
        Platform::on_own(self, queue)
    }

    #[inline]
    fn next_sample_at(&self) -> SimTime {
        self.books().next_sample_at()
    }

    fn sample(&mut self, at: SimTime) {
        let (gauges, cost) = self.row(at);
        self.books_mut().push_sample(at, gauges, cost);
    }

    fn tasks_done(&self) -> u64 {
        self.books().tally.done()
    }

    #[inline]
    fn tasks_in_system(&self) -> u64 {
        self.books().tally.in_system()
    }
}
