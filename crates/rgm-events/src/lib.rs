//! Node event scripts after CTDB's conventions (its event-script README; docs/events.md): a
//! directory of `NN.name` scripts that rgmd runs, one at a time and in order, on the node's
//! events — `init`, `setup`, `startup`, `monitor`, `shutdown`, `takeip IFACE IP MASKBITS`,
//! `releaseip …`, `updateip …`, `startrecovery`, `recovered`, `ipreallocated` — with `$1` the
//! event and the arguments after it.
//!
//! - [`scan`]: which files are scripts, their order, enabled or not; enabling and disabling.
//! - [`event`]: the events and their arguments.
//! - [`run`]: one run of an event through rgm-exec: the first failure stops it, one deadline
//!   for the whole event, a script past it killed with everything it started.
//! - [`node`]: [`NodeEvents`], a node's scripts: one event at a time, a new event cancels a
//!   running monitor, each event's last completed run kept as its status.
//! - [`health`]: `startup` until it succeeds and `monitor` every interval, as changes of the
//!   node's [`Health`].

pub mod event;
pub mod health;
pub mod node;
pub mod run;
pub mod scan;

pub use health::{Health, HealthPlan, HealthTracker, spawn_health};
pub use node::{EventsConfig, EventsError, NodeEvents};
pub use run::EventNote;
