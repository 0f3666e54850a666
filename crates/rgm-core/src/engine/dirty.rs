//! The groups waiting to be reconciled, taken in dependency order: a group after the groups it
//! depends on or has affinities for, so that one pass places and starts a chain of groups
//! instead of revisiting each group once per link. Groups are queued by id (the facts'), so
//! that queueing one costs no allocation; among groups of one rank, ids follow name order.

use std::collections::BTreeSet;

use crate::engine::facts::Facts;
use crate::fxhash::FxMap;

#[derive(Debug, Default, Clone)]
pub(crate) struct Dirty {
    /// (rank, group id).
    queue: BTreeSet<(u32, u32)>,
    ids: FxMap<String, u32>,
    /// By group id: its name and rank.
    names: Vec<String>,
    ranks: Vec<u32>,
}

impl Dirty {
    /// Recomputes the ids and ranks after a configuration change; the queued groups that
    /// still exist stay queued.
    pub fn set_ranks(&mut self, facts: &Facts) {
        let mut ranks = FxMap::default();
        let mut names: Vec<&String> = facts.groups.keys().collect();
        names.sort();
        for g in &names {
            rank_of(g, facts, &mut ranks, &mut Vec::new());
        }
        let queued: Vec<String> = self
            .queue
            .iter()
            .map(|(_, id)| self.names[*id as usize].clone())
            .collect();
        let mut by_id: Vec<(u32, &String)> = names
            .iter()
            .filter_map(|g| Some((facts.group_id(g)?, *g)))
            .collect();
        by_id.sort();
        let len = by_id.last().map(|(id, _)| *id as usize + 1).unwrap_or(0);
        self.names = vec![String::new(); len];
        self.ranks = vec![0; len];
        self.ids.clear();
        for (id, g) in by_id {
            self.names[id as usize] = g.clone();
            self.ranks[id as usize] = ranks.get(g).copied().unwrap_or(0);
            self.ids.insert(g.clone(), id);
        }
        self.queue.clear();
        for g in queued {
            self.insert(g);
        }
    }

    /// Queues a group; a name that is not a configured group is ignored (nothing to do).
    pub fn insert(&mut self, group: impl AsRef<str>) {
        if let Some(&id) = self.ids.get(group.as_ref()) {
            self.queue.insert((self.ranks[id as usize], id));
        }
    }

    pub fn extend<S: AsRef<str>>(&mut self, groups: impl IntoIterator<Item = S>) {
        for g in groups {
            self.insert(g);
        }
    }

    pub fn contains(&self, group: &str) -> bool {
        self.ids
            .get(group)
            .is_some_and(|&id| self.queue.contains(&(self.ranks[id as usize], id)))
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn pop_first(&mut self) -> Option<String> {
        self.queue
            .pop_first()
            .map(|(_, id)| self.names[id as usize].clone())
    }
}

/// 1 + the highest rank of the groups `g` depends on or has an affinity for (0 for none).
fn rank_of(g: &str, facts: &Facts, ranks: &mut FxMap<String, u32>, path: &mut Vec<String>) -> u32 {
    if let Some(r) = ranks.get(g) {
        return *r;
    }
    if path.iter().any(|p| p == g) {
        // Weak affinities may point round in a circle; order does not matter there.
        return 0;
    }
    let Some(f) = facts.group(g) else { return 0 };
    path.push(g.to_string());
    let targets: Vec<String> = f
        .rg_dependencies
        .iter()
        .cloned()
        .chain(f.rg_affinities.iter().map(|a| a.group.clone()))
        .collect();
    let rank = targets
        .iter()
        .map(|t| rank_of(t, facts, ranks, path) + 1)
        .max()
        .unwrap_or(0);
    path.pop();
    ranks.insert(g.to_string(), rank);
    rank
}
