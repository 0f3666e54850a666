//! The node side of a cluster: running what the president assigns to this node's current
//! incarnation (each run once, whatever the watches repeat), killing what it says to kill,
//! and reporting results — written only while this node's lease holds, so a node that lost
//! its lease can never report a resource online.

use std::collections::{BTreeMap, BTreeSet};

use rgm_core::engine::{MethodResult, MethodRun, RunId};
use rgm_store::{KeyValue, WatchEvent};

use super::keys::{Assignment, Keys};

#[derive(Debug, Default)]
pub struct Agent {
    /// Runs launched and not yet ended.
    running: BTreeSet<RunId>,
    /// Runs ended whose assignment the president has not deleted yet (never run again).
    ended: BTreeSet<RunId>,
    /// Results to write.
    pub results: BTreeMap<RunId, MethodResult>,
}

/// What the agent must do about an assignment it saw.
#[derive(Debug, PartialEq)]
pub enum Todo {
    Launch(MethodRun),
    /// A run the previous rgmd of this incarnation was given: never launched again, only
    /// taken over where it left something to take over (assigned at `assigned_ms`).
    Adopt {
        run: MethodRun,
        assigned_ms: u64,
    },
    Kill(RunId),
}

impl Agent {
    /// Assignments seen (`change` of `assign/<node>/`): runs for `incarnation` not seen before.
    /// `inherited`: this rgmd carries on the membership of a previous one and these are the
    /// assignments it found (the watch's first reading): that rgmd was given them, so each is
    /// to be adopted, never launched a second time.
    pub fn assignments(
        &mut self,
        keys: &Keys,
        node: &str,
        incarnation: &str,
        kvs: impl IntoIterator<Item = AssignmentSeen>,
        inherited: bool,
    ) -> Vec<Todo> {
        let prefix = keys.assignments(node);
        let mut todo = Vec::new();
        for seen in kvs {
            match seen {
                AssignmentSeen::Put(kv) => {
                    let Ok(a) = serde_json::from_slice::<Assignment>(&kv.value) else {
                        tracing::warn!(key = %kv.key, "unreadable assignment; ignored");
                        continue;
                    };
                    let run = a.run.run;
                    if a.incarnation != incarnation
                        || self.running.contains(&run)
                        || self.ended.contains(&run)
                    {
                        continue;
                    }
                    self.running.insert(run);
                    todo.push(if inherited {
                        Todo::Adopt {
                            run: a.run,
                            assigned_ms: a.assigned_ms,
                        }
                    } else {
                        Todo::Launch(a.run)
                    });
                }
                AssignmentSeen::Gone(key) => {
                    if let Some(run) = keys.number(&prefix, &key) {
                        self.ended.remove(&RunId(run));
                    }
                }
            }
        }
        todo
    }

    /// A run the president launched here directly (it also comes back through the watch).
    pub fn launched_directly(&mut self, run: RunId) -> bool {
        self.running.insert(run) && !self.ended.contains(&run)
    }

    /// A kill seen under `kill/<node>/`.
    pub fn kill(&self, keys: &Keys, node: &str, key: &str) -> Option<Todo> {
        let run = keys.number(&keys.kills(node), key)?;
        let run = RunId(run);
        self.running.contains(&run).then_some(Todo::Kill(run))
    }

    /// An inherited run with nothing left to take over: it ended before this rgmd (its result
    /// written, or lost — the president's engine counts a result that never comes as lost).
    /// It is never run again and reports nothing.
    pub fn abandon(&mut self, run: RunId) {
        if self.running.remove(&run) {
            self.ended.insert(run);
        }
    }

    /// A run of this node ended: its result is to be written.
    pub fn ended(&mut self, run: RunId, result: MethodResult) {
        if self.running.remove(&run) {
            self.ended.insert(run);
            self.results.insert(run, result);
        }
    }

    /// This node fenced itself or joined again: what ran is dead and reports nothing.
    pub fn forget(&mut self) {
        self.running.clear();
        self.results.clear();
    }

    pub fn take_results(&mut self) -> BTreeMap<RunId, MethodResult> {
        std::mem::take(&mut self.results)
    }
}

/// An assignment key as a watch showed it.
#[derive(Debug)]
pub enum AssignmentSeen {
    Put(KeyValue),
    Gone(String),
}

impl From<WatchEvent> for AssignmentSeen {
    fn from(e: WatchEvent) -> Self {
        match e {
            WatchEvent::Put(kv) => AssignmentSeen::Put(kv),
            WatchEvent::Delete { key, .. } => AssignmentSeen::Gone(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::engine::MethodResult;
    use rtreg::Method;

    fn run(id: u64) -> MethodRun {
        MethodRun {
            run: RunId(id),
            node: "n1".into(),
            resource: "r".into(),
            group: "g".into(),
            type_name: "T.t:1".into(),
            method: Method::Start,
            path: "/bin/true".into(),
            timeout_secs: 10,
            validate: None,
        }
    }

    fn put(keys: &Keys, incarnation: &str, id: u64) -> AssignmentSeen {
        AssignmentSeen::Put(KeyValue {
            key: keys.assignment("n1", RunId(id)),
            value: super::super::keys::json(&Assignment {
                incarnation: incarnation.into(),
                run: run(id),
                assigned_ms: 0,
            }),
            create_revision: 1,
            mod_revision: 1,
            version: 1,
            lease: 0,
        })
    }

    #[test]
    fn each_run_of_this_incarnation_is_launched_once() {
        let keys = Keys::new("c");
        let mut a = Agent::default();
        let todo = a.assignments(
            &keys,
            "n1",
            "i2",
            [put(&keys, "i2", 1), put(&keys, "i1", 2)],
            false,
        );
        assert_eq!(
            todo,
            [Todo::Launch(run(1))],
            "an earlier incarnation's run never runs"
        );
        // The watch repeats itself (a resync): nothing runs twice, even after it ended.
        assert!(
            a.assignments(&keys, "n1", "i2", [put(&keys, "i2", 1)], false)
                .is_empty()
        );
        a.ended(RunId(1), MethodResult::exited(0, 1));
        assert!(
            a.assignments(&keys, "n1", "i2", [put(&keys, "i2", 1)], false)
                .is_empty()
        );
        assert_eq!(a.take_results().len(), 1);
        // Once the president deleted the assignment, the run is forgotten.
        a.assignments(
            &keys,
            "n1",
            "i2",
            [AssignmentSeen::Gone(keys.assignment("n1", RunId(1)))],
            false,
        );
        assert!(a.ended.is_empty());
    }

    #[test]
    fn inherited_runs_are_adopted_never_launched_and_an_abandoned_one_never_runs() {
        let keys = Keys::new("c");
        let mut a = Agent::default();
        let todo = a.assignments(
            &keys,
            "n1",
            "i2",
            [
                put(&keys, "i2", 1),
                put(&keys, "i2", 2),
                put(&keys, "i1", 3),
            ],
            true,
        );
        assert_eq!(
            todo,
            [
                Todo::Adopt {
                    run: run(1),
                    assigned_ms: 0
                },
                Todo::Adopt {
                    run: run(2),
                    assigned_ms: 0
                }
            ]
        );
        a.abandon(RunId(2));
        assert!(
            a.assignments(&keys, "n1", "i2", [put(&keys, "i2", 2)], false)
                .is_empty(),
            "a run the previous rgmd had is never launched"
        );
        assert!(
            a.take_results().is_empty(),
            "an abandoned run reports nothing"
        );
        a.ended(RunId(1), MethodResult::exited(0, 1));
        assert_eq!(
            a.take_results().len(),
            1,
            "an adopted run reports its result"
        );
    }

    #[test]
    fn a_kill_names_a_running_run() {
        let keys = Keys::new("c");
        let mut a = Agent::default();
        a.assignments(&keys, "n1", "i", [put(&keys, "i", 7)], false);
        assert_eq!(
            a.kill(&keys, "n1", &keys.kill("n1", RunId(7))),
            Some(Todo::Kill(RunId(7)))
        );
        assert_eq!(a.kill(&keys, "n1", &keys.kill("n1", RunId(8))), None);
    }
}
