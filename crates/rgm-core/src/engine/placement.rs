//! Where a group should be online: its primaries. Current primaries stay while they remain
//! eligible (no failback unless asked); missing ones are chosen in Nodelist order among the
//! eligible nodes, preferring weak positive affinities and avoiding weak negative ones
//! (reference §e.4–§e.6, §f.4).

use std::collections::BTreeSet;

use crate::deps::AffinityKind;
use crate::engine::Engine;
use crate::engine::log::{LogRecord, Severity, msg};

/// How often a group's primaries may change within one event before placement leaves it be.
const MAX_MOVES: u32 = 4;

/// Why a node cannot master a group now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unfit {
    NotInNodelist,
    Down,
    Booting,
    Evacuated,
    Unhealthy(String),
    PingPong,
    StrongPositive(String),
    StrongNegative(String),
}

impl std::fmt::Display for Unfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unfit::NotInNodelist => f.write_str("not in Nodelist"),
            Unfit::Down => f.write_str("not a cluster member"),
            Unfit::Booting => f.write_str("still running BOOT methods"),
            Unfit::Evacuated => f.write_str("evacuated"),
            Unfit::Unhealthy(why) => write!(f, "unhealthy ({why})"),
            Unfit::PingPong => {
                f.write_str("the group failed to start there within Pingpong_interval")
            }
            Unfit::StrongPositive(t) => write!(f, "group {t} (++ affinity) is not there"),
            Unfit::StrongNegative(t) => write!(f, "group {t} (-- affinity) is there"),
        }
    }
}

impl Engine {
    /// Whether `node` may master `group` now; `fresh` applies the rules for a new choice
    /// (Pingpong_interval), not for keeping a current primary.
    pub(crate) fn fitness(&self, group: &str, node: &str, fresh: bool) -> Result<(), Unfit> {
        self.fitness_but_health(group, node, fresh)?;
        match self.rt.node(node).and_then(|x| x.unhealthy.as_ref()) {
            Some(why) => Err(Unfit::Unhealthy(why.clone())),
            None => Ok(()),
        }
    }

    /// [`Engine::fitness`] without the node's health.
    fn fitness_but_health(&self, group: &str, node: &str, fresh: bool) -> Result<(), Unfit> {
        let (Some(g), Some(facts)) = (self.cfg.groups.get(group), self.facts.group(group)) else {
            return Err(Unfit::NotInNodelist);
        };
        if !facts.nodelist.iter().any(|n| n == node) {
            return Err(Unfit::NotInNodelist);
        }
        if !self.rt.node_up(node) {
            return Err(Unfit::Down);
        }
        let nrt = self.rt.node(node);
        if fresh && nrt.is_some_and(|x| x.booting) {
            return Err(Unfit::Booting);
        }
        if nrt
            .and_then(|x| x.evacuated_until)
            .is_some_and(|t| self.now < t)
        {
            return Err(Unfit::Evacuated);
        }
        if fresh {
            let failed = self.rt.group_node(group, node).and_then(|x| x.failed_at);
            if failed.is_some_and(|t| self.now.secs_since(t) < g.pingpong_interval()) {
                return Err(Unfit::PingPong);
            }
        }
        for a in &facts.rg_affinities {
            let there = self.group_targets(&a.group, node);
            match a.kind {
                AffinityKind::StrongPositive | AffinityKind::StrongPositiveDelegated if !there => {
                    return Err(Unfit::StrongPositive(a.group.clone()));
                }
                AffinityKind::StrongNegative if there => {
                    return Err(Unfit::StrongNegative(a.group.clone()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The target group is meant to be online on the node (its primaries). Placement follows
    /// targets; the start gates in readiness make sure nothing overlaps while they move.
    pub(crate) fn group_targets(&self, group: &str, node: &str) -> bool {
        self.rt
            .group(group)
            .is_some_and(|t| t.wanted && t.primaries.contains(node))
    }

    /// Recomputes a group's primaries; logs and propagates a change. A group whose placement
    /// keeps changing within one event (affinities that chase each other) is left where it is
    /// for the rest of the event, so the engine always returns.
    pub(crate) fn place(&mut self, group: &str) {
        if self.primaries_stand(group) {
            return;
        }
        let Some(next) = self.choose_primaries(group, false) else {
            return;
        };
        let current = self
            .rt
            .group(group)
            .map(|g| g.primaries.clone())
            .unwrap_or_default();
        if next == current {
            return;
        }
        let moves = self.moves.entry(group.to_string()).or_insert(0);
        *moves += 1;
        if *moves > MAX_MOVES {
            if *moves == MAX_MOVES + 1 {
                self.log(LogRecord::decision(
                    msg::NOT_PLACED,
                    Severity::Warning,
                    format!("placement of resource group {group} does not settle (its affinities chase each other); it stays where it is for now"),
                    &[("group", group)],
                ));
            }
            return;
        }
        self.set_primaries(group, next);
    }

    /// Whether placement would leave the group's primaries as they are, known without choosing
    /// (the common case, asked on every reconciliation): quiescing; or not wanted and on no
    /// node; or as many primaries as it wants, each still fit to stay.
    fn primaries_stand(&self, group: &str) -> bool {
        let (Some(g), Some(facts), Some(grt)) = (
            self.cfg.groups.get(group),
            self.facts.group(group),
            self.rt.group(group),
        ) else {
            return false;
        };
        if grt.quiescing {
            return true;
        }
        if !g.managed || !grt.wanted {
            return grt.primaries.is_empty();
        }
        let want = if facts.scalable {
            facts.desired_primaries
        } else {
            1
        }
        .max(0) as usize;
        grt.primaries.len() == want
            && grt
                .primaries
                .iter()
                .all(|n| self.fitness(group, n, false).is_ok())
    }

    /// Sets a group's primaries, logging the change and waking linked groups.
    pub(crate) fn set_primaries(&mut self, group: &str, next: BTreeSet<String>) {
        let grt = self.rt.group_mut(group);
        if grt.primaries == next {
            return;
        }
        let previous = std::mem::replace(&mut grt.primaries, next.clone());
        let list = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "no node".to_string()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        self.log(LogRecord::decision(
            msg::PLACEMENT,
            Severity::Notice,
            format!(
                "resource group {group} primaries change from {} to {}",
                list(&previous),
                list(&next)
            ),
            &[("group", group)],
        ));
        self.touch_group(group);
        let affine = self
            .facts
            .group(group)
            .map(|f| f.affine_sources.clone())
            .unwrap_or_default();
        self.dirty.extend(affine);
    }

    /// The primaries a group should have. `from_scratch` ignores the current ones (remaster,
    /// failback). `None` when placement must not touch the group (unmanaged, STOP_FAILED,
    /// quiescing).
    pub(crate) fn choose_primaries(
        &self,
        group: &str,
        from_scratch: bool,
    ) -> Option<BTreeSet<String>> {
        let g = self.cfg.groups.get(group)?;
        let facts = self.facts.group(group)?;
        let grt = self.rt.group(group)?;
        if grt.quiescing {
            return None;
        }
        if !g.managed || !grt.wanted {
            return Some(BTreeSet::new());
        }
        let keep: BTreeSet<String> = if from_scratch {
            BTreeSet::new()
        } else {
            grt.primaries
                .iter()
                .filter(|n| self.fitness(group, n, false).is_ok())
                .cloned()
                .collect()
        };
        if self.stop_failed_node(group).is_some() {
            // Starts nowhere new until the administrator clears STOP_FAILED.
            return Some(keep);
        }
        let want = if facts.scalable {
            facts.desired_primaries
        } else {
            1
        }
        .max(0) as usize;
        if keep.len() >= want {
            // Fewer wanted now (Desired_primaries lowered): the most preferred stay.
            return Some(
                facts
                    .nodelist
                    .iter()
                    .filter(|n| keep.contains(*n))
                    .take(want)
                    .cloned()
                    .collect(),
            );
        }
        let mut candidates: Vec<(i64, usize, String)> = facts
            .nodelist
            .iter()
            .enumerate()
            .filter(|(_, n)| !keep.contains(*n) && self.fitness(group, n, true).is_ok())
            .map(|(i, n)| (-self.weak_affinity_score(group, n), i, n.clone()))
            .collect();
        candidates.sort();
        let mut next = keep;
        for (_, _, n) in candidates {
            if next.len() >= want {
                break;
            }
            next.insert(n);
        }
        // A primary that is fit but for its health stays while no healthy node can take over.
        if next.len() < want {
            for n in &grt.primaries {
                if next.len() >= want {
                    break;
                }
                if self.fitness_but_health(group, n, false).is_ok() {
                    next.insert(n.clone());
                }
            }
        }
        Some(next)
    }

    /// +1 for each weak positive affinity satisfied on the node, -1 for each weak negative.
    fn weak_affinity_score(&self, group: &str, node: &str) -> i64 {
        let Some(facts) = self.facts.group(group) else {
            return 0;
        };
        facts
            .rg_affinities
            .iter()
            .map(|a| match a.kind {
                AffinityKind::WeakPositive if self.group_targets(&a.group, node) => 1,
                AffinityKind::WeakNegative if self.group_targets(&a.group, node) => -1,
                _ => 0,
            })
            .sum()
    }
}
