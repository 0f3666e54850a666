//! The pure cluster model of rgm: names, property schemas and typed values, resource types,
//! groups and resources, the checks every change passes before it is applied, and the
//! dependency graph.
//!
//! Invariant: this crate does no I/O — no tokio, nix, std::fs, std::process, sockets or
//! clocks. Time, where it matters, arrives as a value. A tidy test enforces it.

pub mod change;
mod check_group;
mod check_node;
mod check_resource;
mod check_type;
pub mod config;
mod cycle;
mod cycle_scope;
pub mod deps;
pub mod derived;
pub mod edit;
pub mod engine;
pub mod error;
mod fxhash;
pub mod graph;
pub mod name;
pub mod requested;
pub mod rg_graph;
pub mod rg_props;
pub mod schema;
pub mod serial;
pub mod testkit;
mod type_upgrade;

pub use change::{
    Change, ConfigChanges, ConfigVersion, InstalledNodesEdit, NothingRunning, Plan, RuntimeView,
};
pub use config::{
    ClusterConfig, FailoverMode, Node, NodeSwitch, RegisteredType, Resource, ResourceGroup,
};
pub use deps::{Affinity, AffinityKind, DependencyEntry, DependencyKind, Scope};
pub use edit::{EditOp, PropertyEdit};
pub use error::{ConfigError, ConfigErrors, ErrorCode, ErrorKind, Object};
pub use graph::{DependencyGraph, EffectiveScope, StateView};
pub use rg_graph::{RgEdge, RgGraph};
