//! What a request names: operands resolved against the configuration, nodes checked, and
//! a request's changes tried on a copy of the configuration first.

use std::collections::BTreeSet;

use super::inval;
use crate::change::{Change, NothingRunning};
use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::event::Operands;
use crate::engine::state::RState;
use crate::error::{ConfigError, ErrorCode, ErrorKind, Object};

impl Engine {
    /// The resource groups named (`+`: all of them); an error names each one missing.
    pub(super) fn groups_of(&self, operands: &Operands) -> Result<Vec<String>, RequestError> {
        let cfg = &self.cfg;
        named(
            operands,
            || cfg.groups.keys().cloned().collect(),
            |g| (!cfg.groups.contains_key(g)).then(|| Object::ResourceGroup(g.to_string())),
            "resource group",
        )
    }

    /// The resources named (`+`: all of them); an error names each one missing.
    pub(super) fn resources_of(&self, operands: &Operands) -> Result<Vec<String>, RequestError> {
        let cfg = &self.cfg;
        named(
            operands,
            || cfg.resources.keys().cloned().collect(),
            |r| (!cfg.resources.contains_key(r)).then(|| Object::Resource(r.to_string())),
            "resource",
        )
    }

    pub(super) fn types_of(&self, operands: &Operands) -> Result<Vec<String>, RequestError> {
        match operands {
            Operands::All => Ok(self.cfg.types.keys().cloned().collect()),
            Operands::Named(names) => names
                .iter()
                .map(|n| {
                    self.cfg
                        .resolve_type(n)
                        .map(|t| t.name().to_string())
                        .map_err(RequestError::from)
                })
                .collect(),
        }
    }

    pub(super) fn check_nodes(&self, nodes: &[String]) -> Result<(), RequestError> {
        for n in nodes {
            if !self.cfg.nodes.contains_key(n) {
                return Err(RequestError::new(
                    ErrorCode::Node,
                    format!("node {n} is not a cluster node"),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn members(&self, group: &str) -> Vec<String> {
        self.cfg
            .groups
            .get(group)
            .map(|g| g.resources.clone())
            .unwrap_or_default()
    }

    pub(super) fn groups_of_resources(&self, resources: &[String]) -> Vec<String> {
        let set: BTreeSet<String> = resources
            .iter()
            .filter_map(|r| self.cfg.resources.get(r).map(|x| x.group.clone()))
            .collect();
        set.into_iter().collect()
    }

    pub(super) fn online_somewhere(&self, group: &str) -> Option<String> {
        self.cfg
            .node_names()
            .into_iter()
            .find(|n| {
                !matches!(
                    self.group_state_on(group, n),
                    crate::engine::RgState::Offline
                )
            })
            .filter(|_| self.cfg.groups.get(group).is_some_and(|g| g.managed))
    }

    /// A resource of the group that is STOP_FAILED, and where.
    pub(super) fn stop_failed_resource(&self, group: &str) -> Option<(String, String)> {
        self.members(group).into_iter().find_map(|r| {
            self.cfg
                .node_names()
                .into_iter()
                .find(|n| self.rt.state(&r, n) == RState::StopFailed)
                .map(|n| (r, n))
        })
    }

    /// Checks a request's changes together on a copy of the configuration, each after those
    /// before it; every problem of every change is reported.
    pub(super) fn dry_run(&mut self, changes: &[Change]) -> Result<(), RequestError> {
        let mut cfg = std::mem::take(&mut self.cfg);
        let checked = cfg.check_all(changes, &NothingRunning);
        self.cfg = cfg;
        checked.map_err(RequestError::from)
    }
}

/// Operands resolved: `all` for `+`, else the names, each checked by `missing` (which gives
/// the object to name in the error when it does not exist).
fn named(
    operands: &Operands,
    all: impl FnOnce() -> Vec<String>,
    missing: impl Fn(&str) -> Option<Object>,
    what: &str,
) -> Result<Vec<String>, RequestError> {
    let names = match operands {
        Operands::All => return Ok(all()),
        Operands::Named(names) => names,
    };
    let errors: Vec<ConfigError> = names
        .iter()
        .filter_map(|n| missing(n))
        .map(|o| ConfigError::new(o, ErrorKind::NotFound))
        .collect();
    if !errors.is_empty() {
        return Err(crate::error::ConfigErrors(errors).into());
    }
    if names.is_empty() {
        return Err(inval(format!("no {what} named (use + for all)")));
    }
    Ok(names.clone())
}
