//! The groups waiting to be reconciled, taken in dependency order: a group after the groups it
//! depends on or has affinities for, so that one pass places and starts a chain of groups
//! instead of revisiting each group once per link.

use std::collections::BTreeSet;

use crate::engine::facts::Facts;
use crate::fxhash::FxMap;

#[derive(Debug, Default, Clone)]
pub(crate) struct Dirty {
    queue: BTreeSet<(u32, String)>,
    ranks: FxMap<String, u32>,
}

impl Dirty {
    /// Recomputes the ranks after a configuration change.
    pub fn set_ranks(&mut self, facts: &Facts) {
        let mut ranks = FxMap::default();
        let mut names: Vec<&String> = facts.groups.keys().collect();
        names.sort();
        for g in names {
            rank_of(g, facts, &mut ranks, &mut Vec::new());
        }
        let queued: Vec<String> = self.queue.iter().map(|(_, g)| g.clone()).collect();
        self.ranks = ranks;
        self.queue.clear();
        for g in queued {
            self.insert(g);
        }
    }

    pub fn insert(&mut self, group: String) {
        let rank = self.ranks.get(&group).copied().unwrap_or(0);
        self.queue.insert((rank, group));
    }

    pub fn extend(&mut self, groups: impl IntoIterator<Item = String>) {
        for g in groups {
            self.insert(g);
        }
    }

    pub fn contains(&self, group: &str) -> bool {
        let rank = self.ranks.get(group).copied().unwrap_or(0);
        self.queue.contains(&(rank, group.to_string()))
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn pop_first(&mut self) -> Option<String> {
        self.queue.pop_first().map(|(_, g)| g)
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
