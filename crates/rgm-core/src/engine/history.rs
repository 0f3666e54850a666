//! Restart and giveover history (issue 9 rule 9): kept only as far back as the windows that
//! read it — a resource's restarts within its Retry_interval (Num_resource_restarts), a
//! group's restarts on a node within the longest Retry_interval of its resources
//! (Num_rg_restarts), GIVEOVERs within the group's Pingpong_interval — so the stored records
//! stay bounded after any number of restarts. Each list is pruned when it grows and when the
//! configuration changes.

use crate::engine::Engine;
use crate::engine::event::Time;

/// Keeps the times that a window of `secs` seconds ending `now` still sees.
fn within(times: &[Time], now: Time, secs: i64) -> Vec<Time> {
    times
        .iter()
        .copied()
        .filter(|t| now.secs_since(*t) < secs.max(0))
        .collect()
}

impl Engine {
    /// A restart of `r` on `n` now (RESOURCE_RESTART, RESOURCE_IS_RESTARTED, a dead resource
    /// restarted).
    pub(crate) fn note_resource_restart(&mut self, r: &str, n: &str) {
        let (now, window) = (self.now, self.retry_interval(r));
        let x = self.rt.res_mut(r, n);
        x.restarts.push(now);
        x.restarts = within(&x.restarts, now, window);
    }

    /// A restart of group `g` on `n` now (scha_control RESTART).
    pub(crate) fn note_group_restart(&mut self, g: &str, n: &str) {
        let (now, window) = (self.now, self.group_retry_interval(g));
        let x = self.rt.group_node_mut(g, n);
        x.restarts.push(now);
        x.restarts = within(&x.restarts, now, window);
    }

    /// A giveover of group `g` away from `from` asked by resource `r` now.
    pub(crate) fn note_giveover(&mut self, g: &str, r: &str, from: &str) {
        let now = self.now;
        let window = self.pingpong(g);
        let x = self.rt.group_mut(g);
        x.giveovers.push((r.to_string(), from.to_string(), now));
        x.giveovers
            .retain(|(_, _, t)| now.secs_since(*t) < window.max(0));
    }

    /// The longest Retry_interval of a group's resources (Num_rg_restarts' window).
    pub(crate) fn group_retry_interval(&self, g: &str) -> i64 {
        self.facts
            .group(g)
            .map(|f| {
                f.members
                    .iter()
                    .map(|r| self.retry_interval(r))
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    }

    fn pingpong(&self, g: &str) -> i64 {
        self.cfg
            .groups
            .get(g)
            .map(|x| x.pingpong_interval())
            .unwrap_or(0)
    }

    /// Prunes every history to its window as the configuration now sets it (a shorter
    /// Retry_interval or Pingpong_interval forgets what it no longer sees).
    pub(crate) fn prune_histories(&mut self) {
        let now = self.now;
        let mut resources: Vec<(String, String)> = Vec::new();
        for (r, nodes) in self.rt.resources() {
            let window = self.retry_interval(r);
            for (n, x) in nodes {
                if within(&x.restarts, now, window).len() != x.restarts.len() {
                    resources.push((r.to_string(), n.to_string()));
                }
            }
        }
        for (r, n) in resources {
            let window = self.retry_interval(&r);
            let x = self.rt.res_mut(&r, &n);
            x.restarts = within(&x.restarts, now, window);
        }
        let mut groups: Vec<(String, String)> = Vec::new();
        for (g, nodes) in self.rt.all_group_nodes() {
            let window = self.group_retry_interval(g);
            for (n, x) in nodes {
                if within(&x.restarts, now, window).len() != x.restarts.len() {
                    groups.push((g.clone(), n.clone()));
                }
            }
        }
        for (g, n) in groups {
            let window = self.group_retry_interval(&g);
            let x = self.rt.group_node_mut(&g, &n);
            x.restarts = within(&x.restarts, now, window);
        }
        let stale: Vec<String> = self
            .rt
            .groups()
            .iter()
            .filter(|(g, x)| {
                let w = self.pingpong(g).max(0);
                x.giveovers.iter().any(|(_, _, t)| now.secs_since(*t) >= w)
            })
            .map(|(g, _)| g.clone())
            .collect();
        for g in stale {
            let w = self.pingpong(&g).max(0);
            self.rt
                .group_mut(&g)
                .giveovers
                .retain(|(_, _, t)| now.secs_since(*t) < w);
        }
    }
}
