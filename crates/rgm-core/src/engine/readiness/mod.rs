//! The rules of what may run now (reference §d.4, §f): whether a resource wants to be up on a
//! node, whether its dependencies let it start (PRENET_START, START) or stop (STOP,
//! POSTNET_STOP), and the group-level gates (STOP_FAILED anywhere, one node at a time for a
//! failover group, RG_dependencies).

mod start;
mod stop;

use crate::deps::DependencyKind;
use crate::engine::Engine;
use crate::engine::reason::Reason;
use crate::engine::state::RState;
use crate::fxhash::FxMap;
use crate::graph::EffectiveScope;

/// Whether a step may be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ready {
    /// Now.
    Go,
    /// Not yet: something it waits for is under way.
    Wait,
    /// Not until something outside the group changes (reason): PENDING_ONLINE_BLOCKED.
    Blocked(Reason),
    /// Not as things stand inside the group (reason).
    Never(Reason),
}

impl Ready {
    fn and(self, other: impl FnOnce() -> Ready) -> Ready {
        match self {
            Ready::Go => other(),
            stop => stop,
        }
    }
}

/// Which start step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Phase {
    Prenet,
    Start,
}

/// Memoised answers to "does this resource want to be up on this node", which depends on its
/// dependencies' answers when one of them is going down. Resources and nodes are taken by id
/// (the runtime's) on the hot paths; the name-taking forms resolve the names once.
/// The memos live for one pass over the state; every pass starts afresh.
pub(crate) struct Want<'e> {
    pub e: &'e Engine,
    m: Memos,
}

/// The memos of a pass. The reconciler hands them from one pass to the next, emptied, so that
/// a pass allocates nothing for them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Memos {
    memo: FxMap<(u32, u32), bool>,
    ready_memo: FxMap<(u32, u32, Phase), Ready>,
    /// Readiness without the PRENET barrier (what "will it come online" asks).
    dep_memo: FxMap<(u32, u32, Phase), Ready>,
    gate_memo: FxMap<(u32, u32), Ready>,
    /// Whether a group (id) wants to be up on a node.
    group_up_memo: FxMap<(u32, u32), bool>,
    /// The cluster nodes (ids) that are up and not being fenced.
    up_nodes: Vec<u32>,
}

impl Memos {
    fn clear(&mut self) {
        self.memo.clear();
        self.ready_memo.clear();
        self.dep_memo.clear();
        self.gate_memo.clear();
        self.group_up_memo.clear();
        self.up_nodes.clear();
    }
}

impl<'e> Want<'e> {
    pub fn new(e: &'e Engine) -> Want<'e> {
        Want::with_memos(e, Memos::default())
    }

    /// A pass that reuses the memos of an earlier one (emptied first).
    pub fn with_memos(e: &'e Engine, mut m: Memos) -> Want<'e> {
        m.clear();
        let up = e
            .facts
            .nodes
            .iter()
            .zip(&e.facts.node_names)
            .filter(|(_, name)| e.rt.node_up(name))
            .map(|(n, _)| *n);
        m.up_nodes.extend(up);
        Want { e, m }
    }

    /// Whether cluster node `n` (id) is up and not being fenced.
    pub fn node_up(&self, n: u32) -> bool {
        self.m.up_nodes.contains(&n)
    }

    /// The memos, for the next pass.
    pub fn into_memos(self) -> Memos {
        self.m
    }

    /// The group wants to be up on the node.
    pub fn group_up(&self, group: &str, node: &str) -> bool {
        let e = self.e;
        let Some(g) = e.facts.group(group) else {
            return false;
        };
        let Some(grt) = e.rt.group(group) else {
            return false;
        };
        g.managed
            && grt.wanted
            && grt.primaries.contains(node)
            && e.rt.node_up(node)
            && !e.rt.group_node(group, node).is_some_and(|x| x.restarting)
    }

    /// [`Want::group_up`] for the group of resource `r`, on node `n`.
    fn group_up_of(&mut self, r: u32, n: u32) -> bool {
        let e = self.e;
        let Some(f) = e.facts.res(r) else {
            return false;
        };
        self.group_up_at(f.group_id, &f.group, n)
    }

    /// [`Want::group_up`] for group id `g` (named `group`) on node id `n`.
    pub fn group_up_at(&mut self, g: u32, group: &str, n: u32) -> bool {
        if let Some(v) = self.m.group_up_memo.get(&(g, n)) {
            return *v;
        }
        let v = self.group_up(group, self.e.rt.node_name(n));
        self.m.group_up_memo.insert((g, n), v);
        v
    }

    /// The resource wants to be up, judged by targets only (group, enabled, bounce).
    pub fn base(&mut self, resource: &str, node: &str) -> bool {
        self.e
            .facts
            .key(resource, node)
            .is_some_and(|(r, n)| self.base_at(r, n))
    }

    fn base_at(&mut self, r: u32, n: u32) -> bool {
        self.targeted(r, n) && !self.bouncing(r, n)
    }

    /// Its group wants it up and it is enabled (whether or not it is being restarted).
    fn targeted(&mut self, r: u32, n: u32) -> bool {
        let e = self.e;
        e.facts
            .res(r)
            .is_some_and(|f| f.enabled.on(e.rt.node_name(n)))
            && self.group_up_of(r, n)
    }

    /// It is being taken down to be brought back (a restart).
    fn bouncing(&self, r: u32, n: u32) -> bool {
        self.e.rt.res_at(r, n).is_some_and(|x| x.bounce.is_some())
    }

    /// It is down or going down for a moment and will come back up here.
    fn coming_back(&mut self, r: u32, n: u32) -> bool {
        self.bouncing(r, n) && self.targeted(r, n)
    }

    /// It is being restarted here: a bounce, or its group restarting on the node.
    fn restarting(&self, r: u32, n: u32) -> bool {
        let e = self.e;
        self.bouncing(r, n)
            || e.facts.res(r).is_some_and(|f| {
                e.rt.group_node(&f.group, e.rt.node_name(n))
                    .is_some_and(|x| x.restarting)
            })
    }

    /// The resource wants to be up: by its targets, and no resource it needs is being taken
    /// down from under it.
    pub fn up(&mut self, resource: &str, node: &str) -> bool {
        match self.e.facts.key(resource, node) {
            Some((r, n)) => self.up_at(r, n),
            None => false,
        }
    }

    /// [`Want::up`] by ids.
    pub fn up_at(&mut self, r: u32, n: u32) -> bool {
        let key = (r, n);
        if let Some(v) = self.m.memo.get(&key) {
            return *v;
        }
        if !self.base_at(r, n) {
            self.m.memo.insert(key, false);
            return false;
        }
        // Provisional answer guards against a (refused, so impossible) cycle.
        self.m.memo.insert(key, true);
        let v = !self.forced_down(r, n);
        self.m.memo.insert(key, v);
        v
    }

    /// What it depends on takes it down with it (r_properties(5), issue 9 rule 1): an
    /// offline_restart dependency going offline where this resource relies on it, or a restart
    /// dependency being restarted there. Strong and weak dependents are left running.
    fn forced_down(&mut self, r: u32, n: u32) -> bool {
        let e = self.e;
        let Some(f) = e.facts.res(r) else {
            return false;
        };
        for dep in &f.deps {
            if !matches!(
                dep.kind,
                DependencyKind::Restart | DependencyKind::OfflineRestart
            ) || !dep.applies_on(n)
            {
                continue;
            }
            let relied = self.relied_nodes(dep.id, dep.scope, n);
            if relied.is_empty() {
                continue;
            }
            let all_going = relied.iter().all(|m| !self.up_at(dep.id, *m));
            let restarted = relied.iter().all(|m| self.restarting(dep.id, *m));
            let forced = match dep.kind {
                DependencyKind::OfflineRestart => all_going,
                _ => all_going && restarted,
            };
            if forced {
                return true;
            }
        }
        false
    }

    /// The nodes whose instance of `d` a dependent on `n` relies on: those where `d` is
    /// started, within the scope.
    fn relied_nodes(&self, d: u32, scope: EffectiveScope, n: u32) -> Vec<u32> {
        let e = self.e;
        let local = match scope {
            EffectiveScope::Local => true,
            EffectiveScope::Any => false,
            EffectiveScope::LocalIfColocated => e.group_active_on_res_at(d, n),
        };
        e.rt.res_slot(d)
            .iter()
            .filter(|(m, x)| x.state.is_started() && (!local || *m == n))
            .map(|(m, _)| *m)
            .collect()
    }
}

impl Engine {
    /// Some resource of the group is not offline on the node.
    pub(crate) fn group_active_on(&self, group: &str, node: &str) -> bool {
        let (Some(g), Some(n)) = (self.facts.group(group), self.rt.node_id(node)) else {
            return false;
        };
        self.members_active_on(&g.member_ids, n)
    }

    /// Some of the resources (ids) is not offline on node `n`.
    pub(crate) fn members_active_on(&self, members: &[u32], n: u32) -> bool {
        members
            .iter()
            .any(|r| self.rt.state_at(*r, n) != RState::Offline)
    }

    /// The group of `resource` is online or coming online on `node`.
    pub(crate) fn group_active_on_res(&self, resource: &str, node: &str) -> bool {
        match (self.facts.res_id(resource), self.rt.node_id(node)) {
            (Some(r), Some(n)) => self.group_active_on_res_at(r, n),
            _ => false,
        }
    }

    pub(crate) fn group_active_on_res_at(&self, r: u32, n: u32) -> bool {
        let Some(f) = self.facts.res(r) else {
            return false;
        };
        let node = self.rt.node_name(n);
        self.rt
            .group(&f.group)
            .is_some_and(|g| g.wanted && g.primaries.contains(node))
            || self.group_active_on(&f.group, node)
    }

    /// A node where a resource of the group is STOP_FAILED.
    pub(crate) fn stop_failed_node(&self, group: &str) -> Option<String> {
        let g = self.facts.group(group)?;
        g.member_ids.iter().find_map(|r| {
            self.rt
                .res_slot(*r)
                .iter()
                .find(|(_, x)| x.state == RState::StopFailed)
                .map(|(n, _)| self.rt.node_name(*n).to_string())
        })
    }

    pub(crate) fn group_state_on(&self, group: &str, node: &str) -> crate::engine::state::RgState {
        self.rt
            .group_node(group, node)
            .map(|x| x.state)
            .unwrap_or_default()
    }
}
