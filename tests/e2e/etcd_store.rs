//! The etcd backend of the store against a real etcd: the same semantics as the embedded
//! store, leases that expire, and watches that say when their history is compacted.

use std::time::{Duration, Instant};

use rgm_e2e::etcd::Etcd;
use rgm_store::etcd::EtcdStore;
use rgm_store::{Op, Store, StoreError, Txn};

#[tokio::test]
async fn etcd_keeps_the_store_semantics() {
    let etcd = Etcd::start();
    let s = EtcdStore::connect(&[etcd.endpoint()]).await.unwrap();
    rgm_store::conformance::check_all(&s, "/rgm-test/").await;
    assert_eq!(s.describe(), format!("etcd://{}", etcd.endpoint()));
}

#[tokio::test]
async fn a_lease_not_renewed_expires_and_takes_its_keys() {
    let etcd = Etcd::start();
    let s = EtcdStore::connect(&[etcd.endpoint()]).await.unwrap();
    let lease = s.grant_lease(2).await.unwrap();
    s.txn(Txn::ops(vec![Op::Put {
        key: "/m/n1".into(),
        value: b"{}".to_vec(),
        lease,
    }]))
    .await
    .unwrap();
    let granted = Instant::now();
    while s.get("/m/n1").await.unwrap().is_some() {
        assert!(
            granted.elapsed() < Duration::from_secs(10),
            "the lease never expired"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        granted.elapsed() >= Duration::from_millis(1900),
        "expired before its TTL"
    );
    assert!(matches!(
        s.keep_alive(lease).await,
        Err(StoreError::LeaseNotFound(_))
    ));
}

#[tokio::test]
async fn an_unreachable_etcd_is_a_transient_error_not_a_hang() {
    let etcd = Etcd::start();
    let s = EtcdStore::connect(&[etcd.endpoint()]).await.unwrap();
    etcd.pause();
    let t = Instant::now();
    let err = s.get("/x").await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
    etcd.resume();
    // It answers again once etcd is back.
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.get("/x").await.is_err() {
        assert!(Instant::now() < deadline, "etcd never answered again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_watch_from_compacted_history_says_so() {
    let etcd = Etcd::start();
    let s = EtcdStore::connect(&[etcd.endpoint()]).await.unwrap();
    let first = s
        .txn(Txn::ops(vec![Op::put("/w/a", "1")]))
        .await
        .unwrap()
        .revision;
    let last = s
        .txn(Txn::ops(vec![Op::put("/w/a", "2")]))
        .await
        .unwrap()
        .revision;
    s.compact(last).await.unwrap();
    let mut w = s.watch("/w/", first).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(10), w.next()).await {
        Ok(Some(Err(StoreError::Compacted {
            compact_revision, ..
        }))) => {
            assert_eq!(compact_revision, last)
        }
        other => panic!("expected Compacted, got {other:?}"),
    }
    // Watching from the current revision works.
    let mut w = s.watch("/w/", last + 1).await.unwrap();
    s.txn(Txn::ops(vec![Op::put("/w/b", "1")])).await.unwrap();
    let batch = tokio::time::timeout(Duration::from_secs(10), w.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(batch.events.len(), 1);
}
