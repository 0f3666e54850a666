//! The requests under way that someone waits for, and what they are told while they wait: for
//! each, the groups it concerns and the runs it launched (from the engine's
//! [`Engine::request_scope`]); every method run of those that begins or ends becomes a
//! [`Progress`] report for a client that asked for them, and every failure is kept (the last
//! [`MAX_FAILURES`]) to be quoted in a refusal: "START of web-front on node1 timed out after
//! 8 s: ...", with the end of the method's output. Both ways of asking — a command connected
//! here or a request forwarded through the store — keep the failures; only a local client gets
//! reports.

use std::collections::{HashMap, HashSet};

use rgm_core::engine::{Engine, MethodResult, MethodRun, RequestId, RunId};
use rgm_proto::{MethodStep, Progress};

/// Where a client's progress reports go: bounded, never waited for (a report that does not
/// fit is dropped).
pub type ProgressTx = tokio::sync::mpsc::Sender<Progress>;

/// How many reports may wait for a slow client before newer ones are dropped.
pub const PROGRESS_QUEUE: usize = 256;

/// The most failures a refusal quotes.
pub const MAX_FAILURES: usize = 8;

struct Watch {
    groups: Vec<String>,
    runs: HashSet<RunId>,
    progress: Option<ProgressTx>,
    failures: Vec<Progress>,
}

impl Watch {
    /// Runs launched: those of its scope are its own, and reported.
    fn saw(&mut self, runs: &[MethodRun], reports: &mut Vec<(ProgressTx, Progress)>) {
        for run in runs {
            if !self.runs.contains(&run.run) && self.groups.binary_search(&run.group).is_err() {
                continue;
            }
            self.runs.insert(run.run);
            if let Some(tx) = &self.progress {
                let step = MethodStep {
                    method: run.method.keyword().to_string(),
                    resource: run.resource.clone(),
                    node: run.node.clone(),
                };
                let p = Progress::Started {
                    run: step,
                    timeout_secs: run.timeout_secs,
                };
                reports.push((tx.clone(), p));
            }
        }
    }
}

/// The watched requests.
#[derive(Default)]
pub struct Watches {
    by_request: HashMap<RequestId, Watch>,
}

impl Watches {
    /// Watches request `id` if the engine has it under way; `launched` are the runs its own
    /// event launched.
    pub fn add(
        &mut self,
        id: RequestId,
        engine: &Engine,
        progress: Option<ProgressTx>,
        launched: &[MethodRun],
        reports: &mut Vec<(ProgressTx, Progress)>,
    ) {
        let Some((groups, runs)) = engine.request_scope(id) else {
            return;
        };
        let mut w = Watch {
            groups,
            runs: runs.into_iter().collect(),
            progress,
            failures: Vec::new(),
        };
        w.saw(launched, reports);
        self.by_request.insert(id, w);
    }

    pub fn is_empty(&self) -> bool {
        self.by_request.is_empty()
    }

    /// Runs the engine launched: each watched request they concern learns of them (a
    /// request's scope is read again, since its steps launch runs and move on).
    pub fn launched(
        &mut self,
        engine: &Engine,
        runs: &[MethodRun],
        reports: &mut Vec<(ProgressTx, Progress)>,
    ) {
        for (id, w) in &mut self.by_request {
            if let Some((groups, waiting)) = engine.request_scope(*id) {
                w.groups = groups;
                w.runs.extend(waiting);
            }
            w.saw(runs, reports);
        }
    }

    /// A run ended (before the engine hears of it, which still knows the run).
    pub fn ended(
        &mut self,
        engine: &Engine,
        run: RunId,
        result: &MethodResult,
        reports: &mut Vec<(ProgressTx, Progress)>,
    ) {
        if self.by_request.is_empty() {
            return;
        }
        let Some(info) = engine.run(run) else {
            return;
        };
        let mut report = None;
        for w in self.by_request.values_mut() {
            if !w.runs.remove(&run) && w.groups.binary_search(&info.group).is_err() {
                continue;
            }
            let p = report
                .get_or_insert_with(|| {
                    Progress::ended(
                        MethodStep {
                            method: info.method.keyword().to_string(),
                            resource: info.resource.clone(),
                            node: info.node.clone(),
                        },
                        result.outcome.clone(),
                        info.timeout_secs,
                        result.duration_ms,
                        &result.output,
                    )
                })
                .clone();
            if let Some(tx) = &w.progress {
                reports.push((tx.clone(), p.clone()));
            }
            if p.failed() {
                if w.failures.len() == MAX_FAILURES {
                    w.failures.remove(0);
                }
                w.failures.push(p);
            }
        }
    }

    /// Request `id` is answered: its watch ends; the lines that quote its failures.
    pub fn answered(&mut self, id: RequestId) -> Vec<String> {
        self.by_request
            .remove(&id)
            .map(|w| w.failures.iter().flat_map(Progress::lines).collect())
            .unwrap_or_default()
    }

    /// Every watch ends (the host goes away).
    pub fn clear(&mut self) {
        self.by_request.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::engine::{AdminRequest, MethodOutcome, Operands};
    use rgm_core::testkit::{Harness, cluster, group, resource};
    use rtreg::Method;

    fn online(h: &mut Harness, g: &str) -> (RequestId, Vec<MethodRun>) {
        let before = h.launched.len();
        let id = h.request(AdminRequest::Online {
            groups: Operands::named(&[g]),
            nodes: None,
            enable: false,
            monitor: false,
            manage: true,
        });
        (id, h.launched[before..].to_vec())
    }

    fn said(reports: &[(ProgressTx, Progress)], tx: &ProgressTx) -> Vec<String> {
        reports
            .iter()
            .filter(|(t, _)| t.same_channel(tx))
            .flat_map(|(_, p)| p.lines())
            .collect()
    }

    /// Each request hears of the runs of its own groups, once; a failure reaches its
    /// progress and its refusal, with the method's output.
    #[test]
    fn each_waiting_request_hears_its_own_runs_once_and_its_failures() {
        let mut cfg = cluster(&["n1"]);
        group(&mut cfg, "g1", &[]);
        group(&mut cfg, "g2", &[]);
        resource(&mut cfg, "r1", "g1", &[]);
        resource(&mut cfg, "r2", "g2", &[]);
        let mut h = Harness::new(cfg);
        h.join("n1");
        let (a_tx, _a_rx) = tokio::sync::mpsc::channel(8);
        let (b_tx, _b_rx) = tokio::sync::mpsc::channel(8);
        let mut w = Watches::default();
        let mut reports = Vec::new();
        let (a, runs) = online(&mut h, "g1");
        w.add(a, &h.engine, Some(a_tx.clone()), &runs, &mut reports);
        let (b, runs) = online(&mut h, "g2");
        // As the host does: the watches already there see the new runs, then the new one.
        w.launched(&h.engine, &runs, &mut reports);
        w.add(b, &h.engine, Some(b_tx.clone()), &runs, &mut reports);
        assert_eq!(
            said(&reports, &a_tx),
            ["START of r1 on n1: running (timeout 3600 s)"]
        );
        assert_eq!(
            said(&reports, &b_tx),
            ["START of r2 on n1: running (timeout 3600 s)"]
        );
        reports.clear();
        let run = h.find("r1", Method::Start, "n1").expect("START of r1");
        let result = MethodResult {
            outcome: MethodOutcome::Exited(1),
            duration_ms: 20,
            output: "listening\nport 80 in use\n".into(),
        };
        w.ended(&h.engine, run, &result, &mut reports);
        h.complete(run, result);
        let failed = "START of r1 on n1 failed with exit status 1; the end of its output:";
        assert_eq!(
            said(&reports, &a_tx),
            [failed, "    listening", "    port 80 in use"]
        );
        assert!(said(&reports, &b_tx).is_empty());
        assert_eq!(
            w.answered(a),
            [failed, "    listening", "    port 80 in use"]
        );
        assert!(w.answered(a).is_empty(), "the watch ended");
        assert!(w.answered(b).is_empty(), "no failure of its own");
    }
}
