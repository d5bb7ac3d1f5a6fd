//! Long-running services: replicas behind a load balancer, fed by a stream
//! of requests, scaled by a service autoscaler.
//!
//! A service runs on top of a platform. [`host::ServiceHost`] wraps any
//! platform that can hold replicas ([`replicas::ReplicaHost`]): the
//! replicas are tasks that run until the service stops them, so on Fargate
//! they launch through the launch limits and start-up time, and on EC2 they
//! are placed on instances or wait for the cluster autoscaler. Requests never
//! reach the platform: the host routes them to running replicas, queues them,
//! times them out, and measures their latency.
//!
//! - `source`: where requests come from (a rate curve or a request trace).
//! - `scaling`: target tracking, step and scheduled scaling.
//! - `signals`: how a metric's datapoints reach the alarms, late.
//! - `host`: the model itself; `report` what it measured.
//! - `replicas`: the contract a platform implements to hold replicas.
//! - `spec`: a validated service.

pub mod host;
pub mod minutes;
pub mod replicas;
pub mod report;
pub mod scaling;
pub mod signals;
pub mod source;
pub mod spec;

pub use host::ServiceHost;
pub use replicas::{REPLICA_ID_BASE, ReplicaHost, ReplicaNews, ReplicaWatch, UNTIL_STOPPED};
pub use report::{ServiceMinute, ServiceReport};
pub use spec::{
    ArrivalProcess, LoadBalancer, QueueMode, RateCurve, RequestSource, Routing, ServiceSpec,
    ServiceTime, Slo, StartState,
};
