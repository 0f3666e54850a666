//! The store's semantics as one suite, run against every backend (the embedded store in this
//! crate's tests, etcd in the end-to-end tests): revisions and versions, compares, prefix
//! reads, watches, leases. Each check panics with what differed. Keys are under `root`, which
//! must be empty.

use std::time::Duration;

use crate::StoreError;
use crate::model::{CmpOp, Compare, Op, Txn, WatchEvent};
use crate::store::Store;

/// Every check, in order.
pub async fn check_all(s: &dyn Store, root: &str) {
    revisions_and_versions(s, root).await;
    compares(s, root).await;
    prefixes(s, root).await;
    watches(s, root).await;
    leases(s, root).await;
}

fn k(root: &str, rel: &str) -> String {
    format!("{root}{rel}")
}

async fn revisions_and_versions(s: &dyn Store, root: &str) {
    let r0 = s.range(root).await.unwrap().revision;
    let r = s
        .txn(Txn::ops(vec![
            Op::put(k(root, "a"), "1"),
            Op::put(k(root, "b"), "1"),
        ]))
        .await
        .unwrap();
    assert!(r.succeeded);
    assert_eq!(r.revision, r0 + 1, "one revision per transaction");
    let r = s
        .txn(Txn::ops(vec![Op::put(k(root, "a"), "2")]))
        .await
        .unwrap();
    assert_eq!(r.revision, r0 + 2);
    let a = s.get(&k(root, "a")).await.unwrap().unwrap();
    assert_eq!(a.value, b"2");
    assert_eq!(
        (a.create_revision, a.mod_revision, a.version),
        (r0 + 1, r0 + 2, 2)
    );
    let err = s
        .txn(Txn::ops(vec![
            Op::put(k(root, "d"), "1"),
            Op::put(k(root, "d"), "2"),
        ]))
        .await
        .unwrap_err();
    assert!(
        !err.is_transient(),
        "a duplicate key is refused for good: {err}"
    );
    assert!(s.get(&k(root, "d")).await.unwrap().is_none());
    s.txn(Txn::ops(vec![Op::delete(k(root, "b"))]))
        .await
        .unwrap();
    s.txn(Txn::ops(vec![Op::put(k(root, "b"), "x")]))
        .await
        .unwrap();
    let b = s.get(&k(root, "b")).await.unwrap().unwrap();
    assert_eq!(b.version, 1, "a key created again starts over");
}

async fn compares(s: &dyn Store, root: &str) {
    let owner = k(root, "owner");
    s.txn(
        Txn::new()
            .when([Compare::missing(&owner)])
            .and_then([Op::put(&owner, "n1")]),
    )
    .await
    .unwrap();
    let epoch = s.get(&owner).await.unwrap().unwrap().create_revision;
    let guarded = |value: &'static str| {
        Txn::new()
            .when([Compare::created_at(&owner, epoch)])
            .and_then([Op::put(k(root, "assign"), value)])
            .or_else([Op::put(k(root, "refused"), value)])
    };
    assert!(s.txn(guarded("first")).await.unwrap().succeeded);
    // A new owner (a new epoch): the old owner's writes fail inside the store.
    s.txn(Txn::ops(vec![Op::delete(&owner)])).await.unwrap();
    s.txn(
        Txn::new()
            .when([Compare::missing(&owner)])
            .and_then([Op::put(&owner, "n2")]),
    )
    .await
    .unwrap();
    assert!(!s.txn(guarded("stale")).await.unwrap().succeeded);
    assert_eq!(
        s.get(&k(root, "assign")).await.unwrap().unwrap().value,
        b"first"
    );
    assert_eq!(
        s.get(&k(root, "refused")).await.unwrap().unwrap().value,
        b"stale"
    );
    let ok = s
        .txn(
            Txn::new()
                .when([
                    Compare::Value {
                        key: owner.clone(),
                        op: CmpOp::Equal,
                        value: b"n2".to_vec(),
                    },
                    Compare::ModRevision {
                        key: k(root, "assign"),
                        op: CmpOp::Less,
                        revision: i64::MAX,
                    },
                    Compare::Version {
                        key: owner.clone(),
                        op: CmpOp::Equal,
                        version: 1,
                    },
                ])
                .and_then([Op::put(k(root, "c"), "1")]),
        )
        .await
        .unwrap();
    assert!(ok.succeeded);
}

async fn prefixes(s: &dyn Store, root: &str) {
    s.txn(Txn::ops(vec![
        Op::put(k(root, "p/b/n1"), "1"),
        Op::put(k(root, "p/a/n1"), "1"),
        Op::put(k(root, "px"), "1"),
    ]))
    .await
    .unwrap();
    let got = s.range(&k(root, "p/")).await.unwrap();
    let keys: Vec<String> = got.kvs.iter().map(|kv| kv.key.clone()).collect();
    assert_eq!(keys, [k(root, "p/a/n1"), k(root, "p/b/n1")]);
    s.txn(Txn::ops(vec![Op::DeletePrefix {
        prefix: k(root, "p/"),
    }]))
    .await
    .unwrap();
    assert!(s.range(&k(root, "p/")).await.unwrap().kvs.is_empty());
    assert!(s.get(&k(root, "px")).await.unwrap().is_some());
}

async fn watches(s: &dyn Store, root: &str) {
    let prefix = k(root, "w/");
    let from = s.range(root).await.unwrap().revision + 1;
    let mut w = s.watch(&prefix, from).await.unwrap();
    s.txn(Txn::ops(vec![Op::put(k(root, "elsewhere"), "1")]))
        .await
        .unwrap();
    s.txn(Txn::ops(vec![
        Op::put(k(root, "w/a"), "1"),
        Op::put(k(root, "w/b"), "2"),
    ]))
    .await
    .unwrap();
    s.txn(Txn::ops(vec![Op::delete(k(root, "w/a"))]))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let batch = tokio::time::timeout(Duration::from_secs(10), w.next())
            .await
            .expect("a watch event within 10 s")
            .expect("the watch goes on")
            .unwrap();
        for e in batch.events {
            seen.push(match e {
                WatchEvent::Put(kv) => format!("put {}", kv.key),
                WatchEvent::Delete { key, .. } => format!("delete {key}"),
            });
        }
    }
    assert_eq!(
        seen,
        [
            format!("put {}", k(root, "w/a")),
            format!("put {}", k(root, "w/b")),
            format!("delete {}", k(root, "w/a"))
        ]
    );
}

async fn leases(s: &dyn Store, root: &str) {
    let lease = s.grant_lease(5).await.unwrap();
    assert!(s.keep_alive(lease).await.unwrap() > 0);
    let member = k(root, "members/n1");
    s.txn(Txn::ops(vec![Op::Put {
        key: member.clone(),
        value: b"{}".to_vec(),
        lease,
    }]))
    .await
    .unwrap();
    assert_eq!(s.get(&member).await.unwrap().unwrap().lease, lease);
    // A node's writes are conditioned on its own lease.
    let mine = Txn::new()
        .when([Compare::leased_by(&member, lease)])
        .and_then([Op::put(k(root, "result"), "ok")]);
    assert!(s.txn(mine.clone()).await.unwrap().succeeded);
    s.revoke(lease).await.unwrap();
    assert!(
        s.get(&member).await.unwrap().is_none(),
        "revoking deletes the lease's keys"
    );
    assert!(!s.txn(mine).await.unwrap().succeeded);
    assert!(matches!(
        s.keep_alive(lease).await,
        Err(StoreError::LeaseNotFound(_))
    ));
}
