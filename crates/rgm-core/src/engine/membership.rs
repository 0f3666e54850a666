//! Membership: nodes joining (BOOT methods, cluster formation and Auto_start_on_new_cluster,
//! Failback), dying (fence before anything moves) and being fenced (their resources are down).

use std::collections::BTreeSet;

use rtreg::Method;

use crate::change::{Change, NothingRunning};
use crate::engine::Engine;
use crate::engine::event::MethodResult;
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::runtime::{Run, RunPurpose};

impl Engine {
    pub(crate) fn node_joined(&mut self, node: &str) {
        if !self.cfg.nodes.contains_key(node) {
            if let Err(e) = self.cfg.apply(
                &Change::AddNode {
                    name: node.to_string(),
                },
                &NothingRunning,
            ) {
                self.log(LogRecord::decision(
                    msg::NODE_JOINED,
                    Severity::Error,
                    format!("node {node} cannot join: {e}"),
                    &[("node", node)],
                ));
                return;
            }
            self.cfg_changes.whole = true;
            self.cfg_log.push(None);
            self.config_changed();
        }
        match self.rt.node(node) {
            Some(x) if x.fencing => {
                // Never cancels the fence: the node joins once it is fenced.
                if !x.join_after_fence {
                    self.rt.node_mut(node).join_after_fence = true;
                    self.log(LogRecord::decision(
                        msg::NODE_JOINED,
                        Severity::Warning,
                        format!("node {node} asks to join but is owed a fence; it joins once the fence is done"),
                        &[("node", node)],
                    ));
                }
                return;
            }
            Some(x) if x.up => return,
            _ => {}
        }
        let x = self.rt.node_mut(node);
        x.up = true;
        self.log(LogRecord::decision(
            msg::NODE_JOINED,
            Severity::Notice,
            format!("node {node} joined the cluster"),
            &[("node", node)],
        ));
        if !self.rt.formed {
            self.rt.formed = true;
            let auto: Vec<String> = self
                .cfg
                .groups
                .values()
                .filter(|g| g.managed && g.auto_start_on_new_cluster())
                .map(|g| g.name.clone())
                .collect();
            for g in auto {
                self.rt.group_mut(&g).wanted = true;
            }
        }
        self.boot(node);
        let all: Vec<String> = self.cfg.groups.keys().cloned().collect();
        self.dirty.extend(all);
    }

    /// Runs BOOT on a joining node for the resources of managed groups whose Init_nodes
    /// include it, a group's BOOTs after those of the groups it depends on (RG_dependencies
    /// rule 1). The node masters nothing until they are done.
    fn boot(&mut self, node: &str) {
        let pending: BTreeSet<String> = self
            .cfg
            .groups
            .values()
            .filter(|g| g.managed)
            .filter(|g| {
                g.resources.iter().any(|r| {
                    self.has_method(r, Method::Boot)
                        && self
                            .cfg
                            .init_nodes(&self.cfg.resources[r])
                            .iter()
                            .any(|n| n == node)
                })
            })
            .map(|g| g.name.clone())
            .collect();
        let x = self.rt.node_mut(node);
        x.boot_pending = pending;
        x.booting = true;
        self.boot_next(node);
    }

    /// Launches the BOOTs of the groups whose dependencies have booted; ends booting when none
    /// remain.
    fn boot_next(&mut self, node: &str) {
        let running = self
            .rt
            .runs()
            .values()
            .any(|r| r.purpose == RunPurpose::Boot && r.node == node);
        let pending = self
            .rt
            .node(node)
            .map(|x| x.boot_pending.clone())
            .unwrap_or_default();
        if pending.is_empty() {
            if !running {
                if let Some(x) = self.rt.node_get_mut(node) {
                    x.booting = false;
                }
                self.failback();
                let all: Vec<String> = self.cfg.groups.keys().cloned().collect();
                self.dirty.extend(all);
            }
            return;
        }
        if running {
            return;
        }
        let ready: Vec<String> = pending
            .iter()
            .filter(|g| {
                self.cfg.groups[*g]
                    .rg_dependencies()
                    .iter()
                    .all(|d| !pending.contains(d))
            })
            .cloned()
            .collect();
        // A dependency cycle cannot exist (refused), so some group is always ready.
        for g in &ready {
            let members = self.cfg.groups[g].resources.clone();
            for r in members {
                let here = self
                    .cfg
                    .init_nodes(&self.cfg.resources[&r])
                    .iter()
                    .any(|n| n == node);
                if here && self.has_method(&r, Method::Boot) {
                    self.launch(&r, node, Method::Boot, RunPurpose::Boot, None);
                }
            }
            if let Some(x) = self.rt.node_get_mut(node) {
                x.boot_pending.remove(g);
            }
        }
        self.boot_next(node);
    }

    /// Failback=TRUE groups go back to their most preferred masters once a node is ready.
    pub(crate) fn failback(&mut self) {
        let groups: Vec<String> = self
            .cfg
            .groups
            .values()
            .filter(|g| g.failback() && g.managed && !g.suspended())
            .map(|g| g.name.clone())
            .collect();
        for g in groups {
            if self.rt.group(&g).is_some_and(|x| x.wanted && !x.quiescing)
                && let Some(next) = self.choose_primaries(&g, true)
            {
                self.set_primaries(&g, next);
            }
        }
    }

    pub(crate) fn boot_finished(&mut self, info: &Run) {
        self.boot_next(&info.node.clone());
    }

    pub(crate) fn node_died(&mut self, node: &str) {
        let Some(x) = self.rt.node_get_mut(node) else {
            return;
        };
        if !x.up && !x.fencing {
            return;
        }
        x.up = false;
        // A join it asked for before it died is moot.
        x.join_after_fence = false;
        self.log(LogRecord::decision(
            msg::NODE_DIED,
            Severity::Warning,
            format!("node {node} left the cluster"),
            &[("node", node)],
        ));
        self.abandon_runs(node, "its node left the cluster");
        self.fence(node, &format!("node {node} left the cluster; its resources must be stopped before they start elsewhere"));
    }

    /// Forgets the runs on a node that will never report; operations waiting on them learn
    /// that they failed.
    pub(crate) fn abandon_runs(&mut self, node: &str, why: &str) {
        let runs: Vec<_> = self
            .rt
            .runs()
            .iter()
            .filter(|(_, r)| r.node == node)
            .map(|(id, _)| *id)
            .collect();
        for id in runs {
            let Some(info) = self.rt.take_run(id) else {
                continue;
            };
            if let Some(x) = self.rt.res_get_mut(&info.resource, node) {
                x.busy = None;
            }
            if let RunPurpose::Op(op) = info.purpose {
                let result = MethodResult {
                    outcome: crate::engine::event::MethodOutcome::NotRun(why.to_string()),
                    duration_ms: 0,
                    output: String::new(),
                };
                self.op_run_finished(op, id, &info, &result);
            }
        }
    }
}
