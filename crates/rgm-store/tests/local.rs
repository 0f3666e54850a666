//! The embedded store keeps etcd's semantics: revisions, versions, compares, leases, watches,
//! and durability across reopening.

use rgm_store::{CmpOp, Compare, LocalStore, Op, Store, StoreError, Txn, WatchEvent};

fn store() -> (tempfile::TempDir, LocalStore) {
    let t = tempfile::tempdir().unwrap();
    let s = LocalStore::open(&t.path().join("state")).unwrap();
    (t, s)
}

#[test]
fn every_writing_transaction_is_one_revision_and_keys_keep_their_counters() {
    let (_t, s) = store();
    assert_eq!(s.revision().unwrap(), 0);
    let r = s
        .txn_now(Txn::ops(vec![Op::put("a", "1"), Op::put("b", "1")]))
        .unwrap();
    assert!(r.succeeded);
    assert_eq!(r.revision, 1);
    let r = s.txn_now(Txn::ops(vec![Op::put("a", "2")])).unwrap();
    assert_eq!(r.revision, 2);
    let a = s.get_now("a").unwrap().unwrap();
    assert_eq!(
        (
            a.value.as_slice(),
            a.create_revision,
            a.mod_revision,
            a.version
        ),
        (&b"2"[..], 1, 2, 2)
    );
    let b = s.get_now("b").unwrap().unwrap();
    assert_eq!((b.create_revision, b.mod_revision, b.version), (1, 1, 1));
    // A delete of a key that does not exist changes nothing.
    let r = s.txn_now(Txn::ops(vec![Op::delete("zz")])).unwrap();
    assert_eq!(r.revision, 2);
    // A key deleted and created again starts over.
    s.txn_now(Txn::ops(vec![Op::delete("b")])).unwrap();
    s.txn_now(Txn::ops(vec![Op::put("b", "x")])).unwrap();
    let b = s.get_now("b").unwrap().unwrap();
    assert_eq!((b.create_revision, b.version), (4, 1));
}

#[test]
fn a_failed_compare_applies_the_failure_branch_only() {
    let (_t, s) = store();
    s.txn_now(Txn::ops(vec![Op::put("owner", "n1")])).unwrap();
    let created = s.get_now("owner").unwrap().unwrap().create_revision;
    // Fencing by epoch: a write conditioned on the owner key's create revision.
    let ok = s
        .txn_now(
            Txn::new()
                .when([Compare::created_at("owner", created)])
                .and_then([Op::put("assign", "x")])
                .or_else([Op::put("refused", "1")]),
        )
        .unwrap();
    assert!(ok.succeeded);
    // The owner key is replaced (a new epoch): the old owner's writes are refused.
    s.txn_now(Txn::ops(vec![Op::delete("owner")])).unwrap();
    s.txn_now(Txn::ops(vec![Op::put("owner", "n2")])).unwrap();
    let stale = s
        .txn_now(
            Txn::new()
                .when([Compare::created_at("owner", created)])
                .and_then([Op::put("assign", "stale")])
                .or_else([Op::put("refused", "1")]),
        )
        .unwrap();
    assert!(!stale.succeeded);
    assert_eq!(s.get_now("assign").unwrap().unwrap().value, b"x");
    assert!(s.get_now("refused").unwrap().is_some());
    // Missing, value and mod revision compares.
    let r = s
        .txn_now(
            Txn::new()
                .when([
                    Compare::missing("nope"),
                    Compare::Value {
                        key: "owner".into(),
                        op: CmpOp::Equal,
                        value: b"n2".to_vec(),
                    },
                    Compare::ModRevision {
                        key: "assign".into(),
                        op: CmpOp::Less,
                        revision: 100,
                    },
                ])
                .and_then([Op::put("c", "1")]),
        )
        .unwrap();
    assert!(r.succeeded);
}

#[test]
fn a_transaction_writing_one_key_twice_is_refused_whole() {
    let (_t, s) = store();
    let err = s
        .txn_now(Txn::ops(vec![Op::put("k", "1"), Op::put("k", "2")]))
        .unwrap_err();
    assert!(err.to_string().contains("writes key k twice"), "{err}");
    assert!(s.get_now("k").unwrap().is_none());
    assert_eq!(s.revision().unwrap(), 0);
}

#[test]
fn prefix_reads_return_only_the_prefix_in_key_order() {
    let (_t, s) = store();
    s.txn_now(Txn::ops(vec![
        Op::put("state/resource/b/n1", "1"),
        Op::put("state/resource/a/n1", "1"),
        Op::put("state/resourcex", "1"),
        Op::put("config/x", "1"),
    ]))
    .unwrap();
    let r = s.range_now("state/resource/").unwrap();
    let keys: Vec<&str> = r.kvs.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["state/resource/a/n1", "state/resource/b/n1"]);
    assert_eq!(r.revision, 1);
    s.txn_now(Txn::ops(vec![Op::DeletePrefix {
        prefix: "state/".into(),
    }]))
    .unwrap();
    assert!(s.range_now("state/").unwrap().kvs.is_empty());
    assert_eq!(s.range_now("").unwrap().kvs.len(), 1);
}

#[test]
fn what_was_committed_is_there_after_reopening_and_leased_keys_are_not() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("state");
    {
        let s = LocalStore::open(&dir).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let lease = rt.block_on(s.grant_lease(5)).unwrap();
        s.txn_now(Txn::ops(vec![
            Op::put("kept", "1"),
            Op::Put {
                key: "member".into(),
                value: b"me".to_vec(),
                lease,
            },
        ]))
        .unwrap();
        assert!(s.get_now("member").unwrap().is_some());
    }
    let s = LocalStore::open(&dir).unwrap();
    assert_eq!(s.get_now("kept").unwrap().unwrap().value, b"1");
    assert!(
        s.get_now("member").unwrap().is_none(),
        "a lease's holder is gone"
    );
}

#[tokio::test]
async fn watches_see_committed_changes_under_their_prefix() {
    let (_t, s) = store();
    let rev = s.revision().unwrap();
    let mut w = s.watch("state/", rev + 1).await.unwrap();
    s.txn_now(Txn::ops(vec![Op::put("config/a", "1")])).unwrap();
    s.txn_now(Txn::ops(vec![
        Op::put("state/a", "1"),
        Op::put("state/b", "2"),
    ]))
    .unwrap();
    s.txn_now(Txn::ops(vec![Op::delete("state/a")])).unwrap();
    let first = w.next().await.unwrap().unwrap();
    assert_eq!(first.revision, 2);
    let keys: Vec<&str> = first.events.iter().map(|e| e.key()).collect();
    assert_eq!(keys, ["state/a", "state/b"]);
    let second = w.next().await.unwrap().unwrap();
    assert!(matches!(
        &second.events[..],
        [WatchEvent::Delete { key, mod_revision: 3 }] if key == "state/a"
    ));
    // History is not kept: an older revision is compacted.
    assert!(matches!(
        s.watch("state/", 1).await,
        Err(StoreError::Compacted { .. })
    ));
}

#[tokio::test]
async fn a_revoked_lease_deletes_its_keys() {
    let (_t, s) = store();
    let lease = s.grant_lease(3).await.unwrap();
    s.keep_alive(lease).await.unwrap();
    s.txn(Txn::ops(vec![Op::Put {
        key: "members/n1".into(),
        value: b"{}".to_vec(),
        lease,
    }]))
    .await
    .unwrap();
    // A node's result write checks its own lease.
    let r = s
        .txn(
            Txn::new()
                .when([Compare::leased_by("members/n1", lease)])
                .and_then([Op::put("result", "ok")]),
        )
        .await
        .unwrap();
    assert!(r.succeeded);
    s.revoke(lease).await.unwrap();
    assert!(s.get_now("members/n1").unwrap().is_none());
    assert!(matches!(
        s.keep_alive(999).await,
        Err(StoreError::LeaseNotFound(999))
    ));
}

#[test]
fn a_database_with_large_pages_is_rewritten_with_small_ones_and_keeps_its_keys() {
    let (t, s) = store();
    let dir = t.path().join("state");
    assert_eq!(
        s.page_size().unwrap(),
        1024,
        "a new database has 1 KiB pages"
    );
    s.txn_now(Txn::ops(vec![Op::put("a", "1"), Op::put("b", "2")]))
        .unwrap();
    let revision = s.revision().unwrap();
    drop(s);
    // As an older rgm made it: 4 KiB pages, WAL mode.
    let conn = rusqlite::Connection::open(dir.join(rgm_store::local::DB_FILE)).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE; PRAGMA page_size=4096; VACUUM; PRAGMA journal_mode=WAL;",
    )
    .unwrap();
    let size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(size, 4096);
    drop(conn);
    let s = LocalStore::open(&dir).unwrap();
    assert_eq!(s.page_size().unwrap(), 1024);
    assert_eq!(s.revision().unwrap(), revision);
    let keys: Vec<_> = s.range_now("").unwrap().kvs;
    assert_eq!(
        keys.iter()
            .map(|kv| (kv.key.as_str(), kv.value.as_slice()))
            .collect::<Vec<_>>(),
        [("a", b"1".as_slice()), ("b", b"2".as_slice())]
    );
}

#[test]
fn the_database_is_not_opened_through_a_planted_symlink() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("state");
    std::fs::create_dir(&dir).unwrap();
    let elsewhere = t.path().join("elsewhere.db");
    std::os::unix::fs::symlink(&elsewhere, dir.join(rgm_store::local::DB_FILE)).unwrap();
    let err = LocalStore::open(&dir).err().expect("refused").to_string();
    assert!(err.contains(rgm_store::local::DB_FILE), "{err}");
    assert!(!elsewhere.exists());
}

#[tokio::test]
async fn the_embedded_store_keeps_the_store_semantics() {
    let (_t, s) = store();
    rgm_store::conformance::check_all(&s, "").await;
}
