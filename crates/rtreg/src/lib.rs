//! Parser and checker for resource type registration (RTR) files, rt_reg(4).
//!
//! An RTR file describes one resource type: its RT properties, its callback methods, upgrade
//! directives and the schema of its resources' properties. [`ResourceTypeSpec`] is the typed,
//! normalised result. This crate does no I/O: callers hand it the file's text and name.

pub mod spec;
pub mod system;
pub mod value;

pub use spec::{
    DEFAULT_METHOD_TIMEOUT, InitNodes, Method, PropertySpec, PropertyType, ResourceTypeSpec,
    SysdefinedType, Tunability, UpgradeFrom, UpgradeTunability,
};
pub use value::{Value, ValueError};
