//! The key layout: a configuration and a runtime state written as one key per object read back
//! whole, and a change written as exactly the keys of the objects it changed.

use rgm_core::engine::MethodResult;
use rgm_core::engine::Snapshot;
use rgm_core::engine::{AdminRequest, EventKind, Operands};
use rgm_core::testkit::{self, Harness};
use rgm_core::{Change, ClusterConfig, NothingRunning};
use rgm_store::layout::{RUN_ID_BLOCK, RunIndex};
use rgm_store::{Layout, LocalStore, Op, Txn};

fn sample() -> ClusterConfig {
    let mut cfg = testkit::cluster(&["n1", "n2"]);
    testkit::group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    testkit::resource(&mut cfg, "r1", "rg1", &[]);
    testkit::resource(&mut cfg, "r2", "rg1", &["Resource_dependencies=r1"]);
    cfg
}

/// `cfg` with resource r2 gone from it and from its group.
fn without_r2(cfg: &ClusterConfig) -> ClusterConfig {
    let mut gone = cfg.clone();
    gone.resources.remove("r2");
    gone.groups
        .get_mut("rg1")
        .unwrap()
        .resources
        .retain(|r| r != "r2");
    gone
}

/// `clrg online -M rg1`.
fn online_rg1() -> AdminRequest {
    AdminRequest::Online {
        groups: Operands::named(&["rg1"]),
        nodes: None,
        enable: false,
        monitor: false,
        manage: true,
    }
}

fn keys(ops: &[Op]) -> Vec<String> {
    ops.iter()
        .map(|o| match o {
            Op::Put { key, .. } => format!("put {key}"),
            Op::Delete { key } => format!("delete {key}"),
            Op::DeletePrefix { prefix } => format!("delete {prefix}*"),
        })
        .collect()
}

#[test]
fn a_configuration_round_trips_through_one_key_per_object() {
    for layout in [Layout::local(), Layout::cluster("c1")] {
        let t = tempfile::tempdir().unwrap();
        let store = LocalStore::open(t.path()).unwrap();
        let cfg = sample();
        let ops = layout.config_ops(None, &cfg);
        assert_eq!(
            keys(&ops),
            [
                "config/cluster",
                "config/node/n1",
                "config/node/n2",
                "config/type/TEST.app:1",
                "config/group/rg1",
                "config/resource/r1",
                "config/resource/r2"
            ]
            .map(|k| format!("put {}", layout.key(k)))
        );
        store.txn_now(Txn::ops(ops)).unwrap();
        let got = layout
            .load_config(&store.range_now(&layout.config_prefix()).unwrap().kvs)
            .unwrap();
        assert!(got.as_ref() == Some(&cfg));
    }
}

#[test]
fn a_change_writes_only_the_objects_it_changed() {
    let layout = Layout::local();
    let old = sample();
    let mut new = old.clone();
    new.apply(
        &Change::UpdateResource {
            name: "r2".into(),
            edits: testkit::edits(&["Retry_count=1"]),
        },
        &NothingRunning,
    )
    .unwrap();
    assert_eq!(
        keys(&layout.config_ops(Some(&old), &new)),
        ["put config/resource/r2"]
    );
    let gone = without_r2(&old);
    assert_eq!(
        keys(&layout.config_ops(Some(&old), &gone)),
        ["put config/group/rg1", "delete config/resource/r2"]
    );
    assert!(layout.config_ops(Some(&old), &old).is_empty());
}

#[test]
fn a_whole_configuration_is_compared_with_what_the_store_holds() {
    let layout = Layout::cluster("c1");
    let t = tempfile::tempdir().unwrap();
    let store = LocalStore::open(t.path()).unwrap();
    let old = sample();
    let stored = || store.range_now(&layout.config_prefix()).unwrap().kvs;
    let ops = layout.config_ops_against(&stored(), &old);
    assert_eq!(ops.len(), 7);
    store.txn_now(Txn::ops(ops)).unwrap();
    assert!(layout.config_ops_against(&stored(), &old).is_empty());
    let gone = without_r2(&old);
    let ops = layout.config_ops_against(&stored(), &gone);
    assert_eq!(
        keys(&ops),
        [
            format!("put {}", layout.key("config/group/rg1")),
            format!("delete {}", layout.key("config/resource/r2"))
        ]
    );
    store.txn_now(Txn::ops(ops)).unwrap();
    let got = layout.load_config(&stored()).unwrap();
    assert!(got.as_ref() == Some(&gone));
    // The objects a change names are written as they are now, whatever was there.
    let named = |n: &[&str]| n.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        keys(&layout.object_ops(&named(&["rg1"]), &named(&["r1", "r2"]), &gone)),
        [
            format!("put {}", layout.key("config/group/rg1")),
            format!("put {}", layout.key("config/resource/r1")),
            format!("delete {}", layout.key("config/resource/r2"))
        ]
    );
}

#[test]
fn the_runtime_state_round_trips_and_a_method_completion_writes_what_it_changed() {
    let layout = Layout::local();
    let t = tempfile::tempdir().unwrap();
    let store = LocalStore::open(t.path()).unwrap();
    let load = || {
        layout
            .load_state(&store.range_now(&layout.state_prefix()).unwrap().kvs)
            .unwrap()
            .unwrap()
    };
    let mut runs = RunIndex::default();
    let mut h = Harness::new(sample());
    h.event(EventKind::NodeJoined { node: "n1".into() });
    h.event(EventKind::NodeJoined { node: "n2".into() });
    h.request(online_rg1());
    let changes = h.engine.take_changes();
    store
        .txn_now(Txn::ops(layout.change_ops(&changes, &h.engine, &mut runs)))
        .unwrap();
    assert_same_state(load(), h.engine.snapshot());
    assert_eq!(load().runs.len(), 1, "the START in flight is stored");
    // One method completes: only what it changed is written, and its run's key goes.
    let run = *h.pending.keys().next().expect("a method runs");
    h.complete(run, MethodResult::exited(0, 5));
    let changes = h.engine.take_changes();
    let ops = layout.change_ops(&changes, &h.engine, &mut runs);
    let written = keys(&ops);
    assert!(
        written.contains(&format!("delete state/resource/r1/n1/run/{:020}", run.0)),
        "{written:?}"
    );
    assert!(ops.len() <= 6, "{written:?}");
    assert!(
        !written.contains(&"put state/next-run".to_string()),
        "the run id reserved with the first launch covers the next: {written:?}"
    );
    store.txn_now(Txn::ops(ops)).unwrap();
    assert_same_state(load(), h.engine.snapshot());
    // A whole snapshot written at once reads back the same.
    let t2 = tempfile::tempdir().unwrap();
    let other = LocalStore::open(t2.path()).unwrap();
    other
        .txn_now(Txn::ops(layout.snapshot_ops(&h.engine.snapshot())))
        .unwrap();
    let got = layout
        .load_state(&other.range_now("state/").unwrap().kvs)
        .unwrap()
        .unwrap();
    assert_eq!(got, h.engine.snapshot());
    // A clean stop forgets it.
    store.txn_now(Txn::ops(layout.clear_state_ops())).unwrap();
    assert!(
        layout
            .load_state(&store.range_now(&layout.state_prefix()).unwrap().kvs)
            .unwrap()
            .is_none()
    );
}

/// The stored runtime state is the engine's, but for `state/next-run`, which holds a
/// reservation: never below the engine's next run id, at most a block above it.
fn assert_same_state(stored: Snapshot, engine: Snapshot) {
    assert!(
        (engine.next_run..=engine.next_run + RUN_ID_BLOCK).contains(&stored.next_run),
        "stored next run {} against the engine's {}",
        stored.next_run,
        engine.next_run
    );
    assert_eq!(
        Snapshot {
            next_run: engine.next_run,
            ..stored
        },
        engine
    );
}

#[test]
fn run_ids_are_reserved_a_block_at_a_time_and_a_restored_engine_never_reuses_one() {
    let layout = Layout::local();
    let t = tempfile::tempdir().unwrap();
    let store = LocalStore::open(t.path()).unwrap();
    let mut runs = RunIndex::default();
    let mut h = Harness::new(sample());
    h.event(EventKind::NodeJoined { node: "n1".into() });
    h.event(EventKind::NodeJoined { node: "n2".into() });
    let mut next_run_writes = 0;
    let mut launched = 0;
    let mut last_id = 0;
    let mut online = true;
    // Online and offline until well past one block of ids, every batch written as rgmd does.
    while launched < RUN_ID_BLOCK + 100 {
        let request = if online {
            online_rg1()
        } else {
            AdminRequest::Offline {
                groups: Operands::named(&["rg1"]),
                nodes: None,
            }
        };
        online = !online;
        h.request(request);
        loop {
            let changes = h.engine.take_changes();
            let ops = layout.change_ops(&changes, &h.engine, &mut runs);
            next_run_writes += keys(&ops)
                .iter()
                .filter(|k| *k == "put state/next-run")
                .count();
            store.txn_now(Txn::ops(ops)).unwrap();
            let Some(run) = h.pending.keys().next().copied() else {
                break;
            };
            last_id = last_id.max(run.0);
            launched += 1;
            h.complete(run, MethodResult::exited(0, 5));
        }
    }
    assert_eq!(next_run_writes, 2, "{launched} launches");
    // A restored engine numbers its runs past every id used before.
    let stored = layout
        .load_state(&store.range_now(&layout.state_prefix()).unwrap().kvs)
        .unwrap()
        .unwrap();
    let restored = rgm_core::engine::Engine::restore(sample(), stored);
    assert!(restored.next_run_id().0 > last_id);
}

#[test]
fn runs_stored_apart_by_an_older_rgm_are_read_and_deleted_where_they_are() {
    let layout = Layout::local();
    let t = tempfile::tempdir().unwrap();
    let store = LocalStore::open(t.path()).unwrap();
    let mut h = Harness::new(sample());
    h.event(EventKind::NodeJoined { node: "n1".into() });
    h.request(online_rg1());
    let before = h.engine.snapshot();
    assert_eq!(before.runs.len(), 1, "a START in flight");
    // The state as state version 2 stored it: runs under state/run/<node>/<run id>.
    let mut ops: Vec<Op> = layout
        .snapshot_ops(&before)
        .into_iter()
        .filter(
            |op| !matches!(op, Op::Put { key, .. } if key.contains("/run/") || key == "state/meta"),
        )
        .collect();
    ops.push(Op::put(
        "state/meta",
        r#"{"format":"rgm-state","version":2}"#,
    ));
    let (id, run) = before.runs.iter().next().unwrap();
    let old_key = format!("state/run/n1/{:020}", id.0);
    ops.push(Op::put(old_key.clone(), serde_json::to_vec(run).unwrap()));
    store.txn_now(Txn::ops(ops)).unwrap();

    let kvs = store.range_now(&layout.state_prefix()).unwrap().kvs;
    let restored = layout.load_state(&kvs).unwrap().unwrap();
    assert_eq!(restored, before);
    let mut runs = layout.run_index(&kvs, &restored);
    let mut h2 = Harness::with_engine(rgm_core::engine::Engine::restore(sample(), restored));
    h2.pending = h.pending.clone();
    h2.complete(*id, MethodResult::exited(0, 5));
    let changes = h2.engine.take_changes();
    let ops = layout.change_ops(&changes, &h2.engine, &mut runs);
    let written = keys(&ops);
    assert!(
        written.contains(&format!("delete {old_key}")),
        "{written:?}"
    );
    assert!(
        written.contains(&"put state/meta".to_string()),
        "the state is marked as this version's: {written:?}"
    );
    store.txn_now(Txn::ops(ops)).unwrap();
    let kvs = store.range_now(&layout.state_prefix()).unwrap().kvs;
    assert!(kvs.iter().all(|kv| !kv.key.starts_with("state/run/")));
    assert_same_state(
        layout.load_state(&kvs).unwrap().unwrap(),
        h2.engine.snapshot(),
    );
}

#[test]
fn a_node_named_run_does_not_confuse_runs_with_resources() {
    let layout = Layout::local();
    let mut cfg = testkit::cluster(&["run"]);
    testkit::group(&mut cfg, "rg1", &["Nodelist=run"]);
    testkit::resource(&mut cfg, "run", "rg1", &[]);
    let mut h = Harness::new(cfg);
    h.event(EventKind::NodeJoined { node: "run".into() });
    h.request(online_rg1());
    let snap = h.engine.snapshot();
    assert_eq!(snap.runs.len(), 1);
    let t = tempfile::tempdir().unwrap();
    let store = LocalStore::open(t.path()).unwrap();
    store.txn_now(Txn::ops(layout.snapshot_ops(&snap))).unwrap();
    let kvs = store.range_now(&layout.state_prefix()).unwrap().kvs;
    assert_eq!(layout.load_state(&kvs).unwrap().unwrap(), snap);
}

#[test]
fn an_unknown_key_or_a_damaged_value_is_an_error_naming_the_key() {
    let layout = Layout::local();
    let t = tempfile::tempdir().unwrap();
    let store = LocalStore::open(t.path()).unwrap();
    store
        .txn_now(Txn::ops(layout.config_ops(None, &sample())))
        .unwrap();
    store
        .txn_now(Txn::ops(vec![Op::put("config/resource/r1", "{not json")]))
        .unwrap();
    let err = layout
        .load_config(&store.range_now("config/").unwrap().kvs)
        .unwrap_err()
        .to_string();
    assert!(err.contains("config/resource/r1"), "{err}");
    store
        .txn_now(Txn::ops(vec![
            Op::delete("config/resource/r1"),
            Op::put("config/gadget/x", "{}"),
        ]))
        .unwrap();
    let err = layout
        .load_config(&store.range_now("config/").unwrap().kvs)
        .unwrap_err()
        .to_string();
    assert!(err.contains("config/gadget/x"), "{err}");
}
