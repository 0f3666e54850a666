//! Fencing: making sure nothing of a node runs any more before its groups start elsewhere —
//! Failover_mode=HARD's "reboot the node". The action is the administrator's `--fence-command`,
//! run through the method launcher; without one, a fence is refused loudly, never skipped.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use rgm_exec::{Launcher, MethodRequest, MethodTags};

use crate::event_loop::LoopEvent;
use crate::executor::result_of;

/// How long a fence command may take.
const FENCE_TIMEOUT: Duration = Duration::from_secs(300);

pub struct Fencer {
    command: Option<Vec<String>>,
    launcher: Launcher,
    events: UnboundedSender<LoopEvent>,
    own_node: String,
    /// In a cluster, the president may fence any node (its command gets `RGM_FENCE_NODE`).
    clustered: bool,
}

impl Fencer {
    pub fn new(
        command: Option<&str>,
        launcher: Launcher,
        events: UnboundedSender<LoopEvent>,
        own_node: &str,
    ) -> Fencer {
        Fencer {
            command: command.map(|c| c.split_whitespace().map(str::to_string).collect()),
            launcher,
            events,
            own_node: own_node.to_string(),
            clustered: false,
        }
    }

    /// In a cluster: fences other nodes too.
    pub fn clustered(mut self) -> Fencer {
        self.clustered = true;
        self
    }

    pub fn fence(&self, node: &str, reason: &str) {
        let node = node.to_string();
        let events = self.events.clone();
        let refuse = |message: String| {
            let _ = events.send(LoopEvent::Fenced {
                node: node.clone(),
                ok: false,
                message,
            });
        };
        if node != self.own_node && !self.clustered {
            return refuse(
                "this rgmd keeps a single-node store and cannot reach other nodes".into(),
            );
        }
        let Some((program, args)) = self.command.as_ref().and_then(|c| c.split_first()) else {
            return refuse(format!(
                "no --fence-command is configured (fence needed because {reason})"
            ));
        };
        let tags = MethodTags {
            method: "FENCE".into(),
            resource: String::new(),
            group: String::new(),
            node: node.clone(),
        };
        let mut req = MethodRequest::new(program, args.to_vec(), FENCE_TIMEOUT, tags);
        req.env
            .extra
            .push(("RGM_FENCE_REASON".into(), reason.into()));
        // In a cluster, the president fences other nodes: the command is told which.
        req.env
            .extra
            .push(("RGM_FENCE_NODE".into(), node.clone().into()));
        let launcher = self.launcher.clone();
        tokio::spawn(async move {
            let result = result_of(launcher.run(req, None).await);
            let ok = result.success();
            let message = format!(
                "fence command {}: {}",
                if ok { "ended" } else { "failed" },
                result.outcome
            );
            let _ = events.send(LoopEvent::Fenced { node, ok, message });
        });
    }
}
