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

/// The watched requests.
#[derive(Default)]
pub struct Watches {
    by_request: HashMap<RequestId, Watch>,
}

impl Watches {
    /// Watches request `id` if the engine has it under way.
    pub fn add(&mut self, id: RequestId, engine: &Engine, progress: Option<ProgressTx>) {
        let Some((groups, runs)) = engine.request_scope(id) else {
            return;
        };
        self.by_request.insert(
            id,
            Watch {
                groups,
                runs: runs.into_iter().collect(),
                progress,
                failures: Vec::new(),
            },
        );
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
            for run in runs {
                if !w.runs.contains(&run.run) && w.groups.binary_search(&run.group).is_err() {
                    continue;
                }
                w.runs.insert(run.run);
                if let Some(tx) = &w.progress {
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
