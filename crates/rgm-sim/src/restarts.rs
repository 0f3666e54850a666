//! Resource restarts as the invariants must see them: which (resource, node) are being
//! restarted (a bounce: a resource restart, or a recovery after a restart) as a step begins, and which a RESOURCE_RESTART or
//! RESOURCE_IS_RESTARTED of the step bounces — a restart of a type without STOP can begin and
//! end inside one step, out of sight of the engine's queries.

use crate::driver::World;

impl World {
    /// Notes which resources are being restarted now (only those not offline can be).
    pub(crate) fn note_bounces(&mut self) {
        self.bounced_before.clear();
        for r in self.engine.config().resources.keys() {
            for (n, _) in self.shadow.instances(r) {
                if self.engine.resource_bounce(r, n).is_some() {
                    self.bounced_before.insert((r.clone(), n.clone()));
                }
            }
        }
    }

    /// What a resource restart of `resource` on `node` bounces, as reference §f.1 has it: the
    /// resource itself (RESOURCE_RESTART) and, transitively, its restart and offline_restart
    /// dependents where they are started.
    pub(crate) fn bounce_candidates(&mut self, resource: &str, node: &str, itself: bool) {
        if itself && self.shadow.state(resource, node).is_started() {
            self.bounced
                .insert((resource.to_string(), node.to_string()));
        }
        let nodes = self.engine.config().node_names();
        for (d, only) in self.engine.graph().restarted_with(resource, node) {
            let on: Vec<String> = only.map_or_else(|| nodes.clone(), |n| vec![n]);
            for m in on {
                if self.shadow.state(&d, &m).is_started() {
                    self.bounced.insert((d.clone(), m));
                }
            }
        }
    }
}
