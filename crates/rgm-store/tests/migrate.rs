//! A state directory of the rgm before the store (`config.json`, `state.json`, as in
//! tests/data/legacy, written by that rgmd) is moved into the store on the first start.

use std::fs;

use rgm_store::layout::BootRecord;
use rgm_store::migrate::{Migration, migrate};
use rgm_store::{Layout, LocalStore};

fn legacy_dir() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/legacy");
    for f in ["config.json", "state.json"] {
        fs::copy(data.join(f), t.path().join(f)).unwrap();
    }
    t
}

#[test]
fn older_files_are_moved_into_the_store_once_and_set_aside() {
    let t = legacy_dir();
    let old_config =
        rgm_core::serial::from_json(&fs::read_to_string(t.path().join("config.json")).unwrap())
            .unwrap();
    let old_state: rgm_store::migrate::LegacyState =
        serde_json::from_str(&fs::read_to_string(t.path().join("state.json")).unwrap()).unwrap();
    let layout = Layout::local();
    let store = LocalStore::open(t.path()).unwrap();
    let done = migrate(&store, &layout).unwrap();
    assert_eq!(
        done,
        Migration::Done {
            config: true,
            state: true,
            state_skipped: None
        }
    );
    let cfg = layout
        .load_config(&store.range_now("config/").unwrap().kvs)
        .unwrap()
        .unwrap();
    assert!(cfg == old_config);
    assert_eq!(cfg.resources.len(), 2);
    let snap = layout
        .load_state(&store.range_now("state/").unwrap().kvs)
        .unwrap()
        .unwrap();
    assert_eq!(snap.resources, old_state.snapshot.resources);
    assert_eq!(snap.groups, old_state.snapshot.groups);
    // The older file's member list became node records.
    assert_eq!(old_state.snapshot.up_nodes, ["n1"]);
    assert!(snap.nodes["n1"].up);
    let boot: BootRecord =
        serde_json::from_slice(&store.get_now("boot/n1").unwrap().unwrap().value).unwrap();
    assert_eq!(boot.boot_id, old_state.boot_id);
    assert!(!t.path().join("config.json").exists());
    assert!(t.path().join("config.json.migrated").exists());
    assert!(t.path().join("state.json.migrated").exists());
    // A second start finds nothing to migrate.
    assert_eq!(migrate(&store, &layout).unwrap(), Migration::Nothing);
}

#[test]
fn an_unreadable_state_file_is_reported_and_the_configuration_still_moves() {
    let t = legacy_dir();
    fs::write(t.path().join("state.json"), "garbage").unwrap();
    let layout = Layout::local();
    let store = LocalStore::open(t.path()).unwrap();
    match migrate(&store, &layout).unwrap() {
        Migration::Done {
            config: true,
            state: false,
            state_skipped: Some(why),
        } => assert!(why.contains("state.json"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(store.get_now("config/cluster").unwrap().is_some());
    assert!(store.range_now("state/").unwrap().kvs.is_empty());
}

#[test]
fn an_unreadable_configuration_file_stops_the_migration_and_changes_nothing() {
    let t = legacy_dir();
    fs::write(t.path().join("config.json"), "{not json").unwrap();
    let layout = Layout::local();
    let store = LocalStore::open(t.path()).unwrap();
    let err = migrate(&store, &layout).unwrap_err().to_string();
    assert!(
        err.contains("config.json") && err.contains("cannot migrate"),
        "{err}"
    );
    assert!(t.path().join("config.json").exists());
    assert!(store.range_now("").unwrap().kvs.is_empty());
}

#[test]
fn files_beside_a_store_that_has_a_configuration_are_refused() {
    let t = legacy_dir();
    let layout = Layout::local();
    let store = LocalStore::open(t.path()).unwrap();
    migrate(&store, &layout).unwrap();
    fs::rename(
        t.path().join("config.json.migrated"),
        t.path().join("config.json"),
    )
    .unwrap();
    let err = migrate(&store, &layout).unwrap_err().to_string();
    assert!(err.contains("move the old file away"), "{err}");
}
