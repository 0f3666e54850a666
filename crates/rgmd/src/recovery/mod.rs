//! Taking over from a previous rgmd of the same boot (docs/recovery.md, "What rgmd does after
//! a restart"), before it feeds the engine anything but this node's join:
//!
//! 1. **Runs in flight** the restored engine has on this node are adopted: each one's process
//!    is found (its run file; without one, a run cgroup of its resource that no run file
//!    names), waited for until its remaining timeout (`started + timeout` on the wall clock),
//!    then stopped with SIGTERM and SIGKILL after the grace period as any run. Its result comes
//!    back as for any run: `Unknown` — or the one its run file recorded, or `TimedOut` — and
//!    the engine redoes the step where it must. The resource stays busy meanwhile, so nothing
//!    else of it runs: never a second START beside a running START, never a STOP landing after
//!    a new START.
//! 2. **Evidence**: every resource the restored engine believes started here (and that has no
//!    run in flight) is checked against what it left running (see [`evidence`]); one whose
//!    processes are all gone is reported with `ResourceGone` (Failover_mode applies).
//! 3. Run files of runs the engine no longer has in flight, and marks of resources that no
//!    longer exist, are removed.

pub mod runs;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use rgm_core::engine::{Engine, EventKind, RState, Run, RunId, Severity, Time};
use rgm_exec::{Launcher, LauncherConfig, MethodFinished, ProcessOs};
use rtreg::Method;

use crate::clock;
use crate::executor::LauncherExecutor;
use runs::{Mark, RunsDir};

/// The launcher of the rgmd whose state directory is `state_dir` — its resources' cgroups
/// named after that directory — and the `runs/` area. Unless rgmd restarted on the same boot
/// (`same_boot`), nothing in `runs/` concerns this rgmd: it is cleared.
pub fn launcher(state_dir: &Path, same_boot: bool) -> anyhow::Result<(Launcher, RunsDir)> {
    let runs = RunsDir::open(state_dir)?;
    if !same_boot {
        runs.clear();
    }
    let owner = std::fs::canonicalize(state_dir)
        .with_context(|| format!("cannot resolve {}", state_dir.display()))?;
    let launcher = Launcher::new(LauncherConfig {
        owner: Some(owner),
        ..LauncherConfig::default()
    });
    Ok((launcher, runs))
}

/// What taking over asks of the loop, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A record for the cluster log.
    Note(Severity, String),
    /// An event for the engine.
    Event(EventKind),
}

/// See the module documentation.
pub fn take_over<O: ProcessOs>(
    exec: &mut LauncherExecutor<O>,
    engine: &Engine,
    node: &str,
) -> Vec<Step> {
    let now = clock::now();
    let in_flight: Vec<(RunId, Run)> = engine
        .running()
        .into_iter()
        .filter(|(_, n, ..)| n == node)
        .filter_map(|(id, ..)| Some((id, engine.run_record(id)?)))
        .collect();
    let keep: HashSet<RunId> = in_flight.iter().map(|(id, _)| *id).collect();
    exec.runs().keep_runs(&keep);
    let config = engine.config();
    exec.runs().keep_marks(|r| config.resources.contains_key(r));
    let mut steps = Vec::new();
    for (id, run) in &in_flight {
        let remaining = remaining(run, now);
        let running = exec.adopt(*id, run, remaining);
        let found = match running.pid() {
            Some(pid) => format!("process {pid}"),
            None => "no process of it left".to_string(),
        };
        steps.push(Step::Note(
            Severity::Notice,
            format!(
                "{} of resource {} on node {node}, started by the previous rgmd: {found}; waiting for it to end, at most {} s more before it is stopped",
                run.method.keyword(),
                run.resource,
                remaining.as_secs()
            ),
        ));
        exec.report(*id, running, run.resource.clone(), run.method);
    }
    steps.extend(evidence(engine, node, exec.launcher(), exec.runs()));
    steps
}

/// How long a run may still run: its timeout less the time since it started (engine time is
/// wall-clock milliseconds, so this holds across a restart).
pub fn remaining(run: &Run, now: Time) -> Duration {
    time_left(run.started, run.timeout_secs, now)
}

/// What is left at `now` of a timeout of `timeout_secs` begun at `started`.
pub fn time_left(started: Time, timeout_secs: i64, now: Time) -> Duration {
    let ends = started.plus_secs(timeout_secs.max(1));
    Duration::from_millis(ends.0.saturating_sub(now.0))
}

/// Which evidence counts, for each resource the engine believes started on `node` with no run
/// in flight:
///
/// - its START (PRENET_START, UPDATE) left processes (marked when that run's report came):
///   they are looked for in its `start` leftovers cgroup; none alive → `ResourceGone`;
/// - its MONITOR_START left processes and it is ONLINE (monitored): they are looked for in its
///   `monitor` cgroup; none alive → `ResourceGone` (the engine then restarts it, monitor
///   included, or moves it as Failover_mode says);
/// - its methods left no processes (a type whose START only configures something, or whose
///   service lives outside rgm's cgroups), or cgroups are not in use: no evidence — it is
///   trusted, and rgmd says so.
pub fn evidence<O: ProcessOs>(
    engine: &Engine,
    node: &str,
    launcher: &Launcher<O>,
    runs: &RunsDir,
) -> Vec<Step> {
    let busy: HashSet<String> = engine
        .running()
        .into_iter()
        .filter(|(_, n, ..)| n == node)
        .map(|(_, _, r, _)| r)
        .collect();
    let mut steps = Vec::new();
    let mut trusted = Vec::new();
    let mut names: Vec<&String> = engine.config().resources.keys().collect();
    names.sort();
    for r in names {
        let state = engine.resource_state(r, node);
        if !state.is_started() || busy.contains(r) {
            continue;
        }
        let mut marks = vec![Mark::Start];
        if state == RState::Online {
            marks.push(Mark::Monitor);
        }
        let mut evidence = false;
        for mark in marks.into_iter().filter(|m| runs.marked(r, *m)) {
            evidence = true;
            match launcher.leftovers_alive(r, mark.name()) {
                Some(true) => continue,
                Some(false) => {}
                None => {
                    evidence = false;
                    break;
                }
            }
            let cgroup = launcher
                .leftovers_cgroup(r, mark.name())
                .map(|c| c.display().to_string())
                .unwrap_or_default();
            let what = match mark {
                Mark::Start => "its START left running",
                Mark::Monitor => "its MONITOR_START left running (its fault monitor)",
            };
            steps.push(Step::Event(EventKind::ResourceGone {
                resource: r.clone(),
                node: node.to_string(),
                reason: format!(
                    "the processes {what} are all gone (cgroup {cgroup}): they died with the previous rgmd"
                ),
            }));
            break;
        }
        if !evidence {
            trusted.push(r.clone());
        }
    }
    if !trusted.is_empty() {
        let why = if launcher.tracks_resources() {
            "their methods left no processes running to look for"
        } else {
            "resources have no cgroups here, so what their methods left running cannot be found"
        };
        let count = trusted.len();
        let mut names = trusted.into_iter().take(20).collect::<Vec<_>>().join(", ");
        if count > 20 {
            names.push_str(&format!(" and {} more", count - 20));
        }
        steps.insert(
            0,
            Step::Note(
                Severity::Notice,
                format!(
                    "resources believed started on node {node} and taken as running, without evidence ({why}): {names}"
                ),
            ),
        );
    }
    steps
}

/// Updates a resource's marks from a run's report, before the engine sees the result.
pub fn note_leftovers(runs: &RunsDir, resource: &str, method: Method, finished: &MethodFinished) {
    match method {
        Method::PrenetStart | Method::Start | Method::Update if finished.leftovers > 0 => {
            runs.mark(resource, Mark::Start)
        }
        Method::MonitorStart if finished.leftovers > 0 => runs.mark(resource, Mark::Monitor),
        Method::Stop | Method::PostnetStop => {
            runs.unmark(resource, Mark::Start);
            runs.unmark(resource, Mark::Monitor);
        }
        Method::MonitorStop => runs.unmark(resource, Mark::Monitor),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::engine::RunPurpose;
    use rgm_exec::{CapturedOutput, MethodStatus};

    fn finished(leftovers: usize) -> MethodFinished {
        MethodFinished {
            status: MethodStatus::Exited(0),
            timed_out: false,
            cancelled: false,
            killed: false,
            survivors: false,
            duration: Duration::ZERO,
            pid: Some(1),
            output: CapturedOutput::default(),
            leftovers,
        }
    }

    #[test]
    fn marks_follow_what_methods_left_running() {
        let state = tempfile::tempdir().unwrap();
        let runs = RunsDir::open(state.path()).unwrap();
        note_leftovers(&runs, "db", Method::Start, &finished(0));
        assert!(!runs.marked("db", Mark::Start), "a START that left nothing");
        note_leftovers(&runs, "db", Method::PrenetStart, &finished(2));
        note_leftovers(&runs, "db", Method::Start, &finished(0));
        assert!(
            runs.marked("db", Mark::Start),
            "PRENET_START's processes count"
        );
        note_leftovers(&runs, "db", Method::MonitorStart, &finished(1));
        assert!(runs.marked("db", Mark::Monitor));
        note_leftovers(&runs, "db", Method::MonitorStop, &finished(0));
        assert!(!runs.marked("db", Mark::Monitor));
        assert!(runs.marked("db", Mark::Start));
        note_leftovers(&runs, "db", Method::MonitorStart, &finished(1));
        note_leftovers(&runs, "db", Method::Stop, &finished(0));
        assert!(!runs.marked("db", Mark::Start) && !runs.marked("db", Mark::Monitor));
        note_leftovers(&runs, "db", Method::Update, &finished(1));
        assert!(
            runs.marked("db", Mark::Start),
            "UPDATE may restart the service"
        );
        note_leftovers(&runs, "db", Method::PostnetStop, &finished(0));
        assert!(!runs.marked("db", Mark::Start));
    }

    #[test]
    fn the_remaining_timeout_is_counted_on_the_wall_clock() {
        let run = Run {
            node: "n1".into(),
            resource: "db".into(),
            group: "g".into(),
            method: Method::Start,
            program: "start".into(),
            started: Time(1_000),
            timeout_secs: 10,
            purpose: RunPurpose::Transition,
            timer: rgm_core::engine::TimerId(0),
        };
        assert_eq!(remaining(&run, Time(4_000)), Duration::from_secs(7));
        assert_eq!(remaining(&run, Time(60_000)), Duration::ZERO);
    }
}
