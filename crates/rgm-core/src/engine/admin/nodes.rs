//! Requests on cluster nodes (`clnode`): removing a node from the configuration, and the
//! administrator's confirmation that a node that left the cluster is down.

use super::state_err;
use crate::change::Change;
use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::ops::{Op, Step, TargetChange};

impl Engine {
    /// `clnode remove`: refused while the node is a member or being fenced, while it hosts a
    /// group (or a run), or while the configuration names it.
    pub(super) fn remove_node(&mut self, name: &str) -> Result<Op, RequestError> {
        self.check_nodes(&[name.to_string()])?;
        let x = self.rt.node(name);
        if x.is_some_and(|x| x.up || x.fencing) {
            return Err(state_err(format!(
                "node {name} is a cluster member (or is being fenced); stop rgmd on it and let it leave the cluster first"
            )));
        }
        let hosted: Vec<&str> = self
            .cfg
            .groups
            .keys()
            .filter(|g| {
                self.rt.group(g).is_some_and(|x| x.primaries.contains(name))
                    || self.group_active_on(g, name)
            })
            .map(String::as_str)
            .collect();
        if !hosted.is_empty() {
            return Err(state_err(format!(
                "node {name} hosts resource group(s) {}; move them off it first",
                hosted.join(", ")
            )));
        }
        let change = Change::RemoveNode {
            name: name.to_string(),
        };
        self.dry_run(std::slice::from_ref(&change))?;
        Ok(Op::new([Step::Apply(change)]))
    }

    /// `clnode confirm-down`: only for a node that has left the cluster and is owed a fence.
    pub(super) fn confirm_node_down(&self, node: &str) -> Result<Op, RequestError> {
        self.check_nodes(&[node.to_string()])?;
        let x = self.rt.node(node).cloned().unwrap_or_default();
        if x.up {
            return Err(state_err(format!(
                "node {node} is a cluster member; only a node that has left the cluster can be confirmed down"
            )));
        }
        let mut op = Op::new([Step::Target(TargetChange::ConfirmDown {
            node: node.to_string(),
        })]);
        op.messages.push(if x.fencing {
            format!("node {node} confirmed down; its resource groups may start elsewhere")
        } else {
            format!("node {node} is down and owed no fence; nothing to confirm")
        });
        Ok(op)
    }
}
