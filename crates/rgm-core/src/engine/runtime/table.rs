//! The records of resources on nodes, by number: every resource and node name the runtime
//! has seen gets a small id once ([`Names`]), and a resource's records on its nodes sit in a
//! vector under its id. The engine's hot paths (reconciling, readiness) look records up by id
//! — an index and a scan of at most one entry per node — instead of hashing names; the
//! name-keyed accessors of [`Runtime`](super::Runtime) resolve a name once.

use super::records::ResNode;
use crate::fxhash::FxMap;

/// Names interned to ids, in the order first seen. An id is never reused: a deleted object's
/// id stays (its records are gone), so ids held across a configuration change stay valid.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    ids: FxMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The id of `name`, given one if it has none yet.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// One resource's records, one per node, in node name order.
type Slot = Vec<(u32, ResNode)>;

/// Every resource's records on every node, by resource id.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResTable {
    pub names: Names,
    pub nodes: Names,
    /// `None`: the resource has no entry (never touched, or removed).
    slots: Vec<Option<Slot>>,
}

/// A resource's records on the nodes that have one, in node name order.
#[derive(Clone, Copy)]
pub(crate) struct ResNodes<'a> {
    nodes: &'a Names,
    entries: &'a [(u32, ResNode)],
}

impl<'a> ResNodes<'a> {
    pub fn iter(self) -> impl Iterator<Item = (&'a str, &'a ResNode)> + 'a {
        let nodes = self.nodes;
        self.entries.iter().map(move |(n, x)| (nodes.name(*n), x))
    }

    pub fn is_empty(self) -> bool {
        self.entries.is_empty()
    }
}

impl<'a> IntoIterator for ResNodes<'a> {
    type Item = (&'a str, &'a ResNode);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a ResNode)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl ResTable {
    pub fn get(&self, r: u32, n: u32) -> Option<&ResNode> {
        let slot = self.slots.get(r as usize)?.as_ref()?;
        slot.iter().find(|(m, _)| *m == n).map(|(_, x)| x)
    }

    pub fn get_by_name(&self, r: &str, n: &str) -> Option<&ResNode> {
        self.get(self.names.get(r)?, self.nodes.get(n)?)
    }

    pub fn slot(&self, r: u32) -> &[(u32, ResNode)] {
        match self.slots.get(r as usize) {
            Some(Some(slot)) => slot,
            _ => &[],
        }
    }

    pub fn nodes_of(&self, r: u32) -> Option<ResNodes<'_>> {
        let slot = self.slots.get(r as usize)?.as_ref()?;
        Some(ResNodes {
            nodes: &self.nodes,
            entries: slot,
        })
    }

    /// The record of `r` on `n`, created (default) if missing.
    pub fn entry(&mut self, r: u32, n: u32) -> &mut ResNode {
        let at = r as usize;
        if self.slots.len() <= at {
            self.slots.resize_with(at + 1, || None);
        }
        let slot = self.slots[at].get_or_insert_with(Vec::new);
        let pos = match slot.iter().position(|(m, _)| *m == n) {
            Some(pos) => pos,
            None => {
                let nodes = &self.nodes;
                let name = nodes.name(n);
                let pos = slot
                    .iter()
                    .position(|(m, _)| nodes.name(*m) > name)
                    .unwrap_or(slot.len());
                slot.insert(pos, (n, ResNode::default()));
                pos
            }
        };
        &mut slot[pos].1
    }

    /// Gives the resource an (empty) entry.
    pub fn ensure(&mut self, r: u32) {
        let at = r as usize;
        if self.slots.len() <= at {
            self.slots.resize_with(at + 1, || None);
        }
        self.slots[at].get_or_insert_with(Vec::new);
    }

    pub fn remove(&mut self, r: u32) {
        if let Some(slot) = self.slots.get_mut(r as usize) {
            *slot = None;
        }
    }

    pub fn remove_node(&mut self, r: u32, n: u32) {
        if let Some(Some(slot)) = self.slots.get_mut(r as usize) {
            slot.retain(|(m, _)| *m != n);
        }
    }

    /// Every resource with an entry: (id, name, records), in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str, ResNodes<'_>)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            let slot = s.as_ref()?;
            let id = i as u32;
            Some((
                id,
                self.names.name(id),
                ResNodes {
                    nodes: &self.nodes,
                    entries: slot,
                },
            ))
        })
    }
}
