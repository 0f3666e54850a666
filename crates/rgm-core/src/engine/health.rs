//! Node health (`EventKind::NodeHealth`): an unhealthy node is chosen as a primary for no
//! group; the groups on it move to healthy nodes as a switch would, and one that no healthy
//! node can take stays where it is, with the reason logged. Healthy again, it may host groups
//! again and Failback applies. A node whose `startup` has not succeeded is unhealthy before it
//! joins, so it hosts nothing.

use crate::engine::Engine;
use crate::engine::log::{LogRecord, Severity, msg};

impl Engine {
    pub(crate) fn node_health(&mut self, node: &str, healthy: bool, reason: &str) {
        let fields = [("node", node)];
        if !self.cfg.nodes.contains_key(node) {
            self.log(LogRecord::decision(
                msg::HEALTH,
                Severity::Warning,
                format!("health of node {node} reported, but it is not a cluster node; ignored"),
                &fields,
            ));
            return;
        }
        let was = self.rt.node(node).and_then(|x| x.unhealthy.clone());
        let all: Vec<String> = self.cfg.groups.keys().cloned().collect();
        if healthy {
            if was.is_none() {
                return;
            }
            self.rt.node_mut(node).unhealthy = None;
            self.log(LogRecord::decision(
                msg::HEALTH,
                Severity::Notice,
                format!("node {node} is healthy again ({reason}); it may master resource groups"),
                &fields,
            ));
            self.failback();
            self.dirty.extend(all);
            return;
        }
        if was.as_deref() == Some(reason) {
            return;
        }
        self.rt.node_mut(node).unhealthy = Some(reason.to_string());
        self.log(LogRecord::decision(
            msg::HEALTH,
            Severity::Warning,
            format!(
                "node {node} is unhealthy ({reason}); its resource groups move to healthy nodes"
            ),
            &fields,
        ));
        for g in &all {
            let here = self.rt.group(g).is_some_and(|x| x.primaries.contains(node));
            let stays = here
                && self
                    .choose_primaries(g, false)
                    .is_some_and(|next| next.contains(node));
            if stays {
                self.log(LogRecord::decision(
                    msg::HEALTH,
                    Severity::Warning,
                    format!("resource group {g} stays on unhealthy node {node}: no healthy node can master it"),
                    &[("group", g), ("node", node)],
                ));
            }
        }
        self.dirty.extend(all);
    }
}
