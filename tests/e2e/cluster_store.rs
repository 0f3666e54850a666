//! A president deposed while it still believes it governs (issue 12's scenario 6): every write
//! it makes is a transaction checking its epoch — the create revision of the `president` key —
//! so etcd itself refuses them once another node holds the office.

use std::sync::Arc;

use rgm_core::engine::{AdminRequest, RunId};
use rgm_e2e::etcd::Etcd;
use rgm_store::etcd::EtcdStore;
use rgm_store::{Layout, Op, Store};
use rgmd::cluster::keys::Keys;
use rgmd::cluster::president::{Presidency, claim, load};
use rgmd::host::ReplyTo;

#[tokio::test]
async fn a_deposed_president_s_writes_are_refused_by_the_store() {
    let etcd = Etcd::start();
    let store: Arc<dyn Store> = Arc::new(EtcdStore::connect(&[etcd.endpoint()]).await.unwrap());
    let keys = Keys::new("t");
    let lease_a = store.grant_lease(5).await.unwrap();
    let epoch_a = claim(&*store, &keys, "a", "a-1", lease_a)
        .await
        .unwrap()
        .expect("a is president");
    assert_eq!(
        claim(&*store, &keys, "b", "b-1", lease_a).await.unwrap(),
        None
    );
    let (mut host, _) = load(Arc::clone(&store), Layout::cluster("t"), "t", "a", "boot")
        .await
        .unwrap();
    let old = Presidency::new(epoch_a, &keys, &[]);
    // a's lease lapses; b takes the office.
    store.revoke(lease_a).await.unwrap();
    let lease_b = store.grant_lease(5).await.unwrap();
    let epoch_b = claim(&*store, &keys, "b", "b-1", lease_b)
        .await
        .unwrap()
        .expect("b is president");
    assert!(epoch_b > epoch_a);
    // a, unaware, goes on: a new group and an assignment.
    host.internal_request(
        AdminRequest::CreateGroup {
            names: vec!["rg-of-a".into()],
            scalable: false,
            edits: vec![],
        },
        ReplyTo::Nobody,
    );
    let assignment = keys.assignment("n1", RunId(7));
    let written = host
        .commit(old.guard(&keys), vec![Op::put(&assignment, "{}")])
        .await
        .unwrap();
    assert!(!written, "the store took a deposed president's writes");
    assert!(store.get(&assignment).await.unwrap().is_none());
    let groups = store
        .range(&Layout::cluster("t").key("config/group/"))
        .await
        .unwrap();
    assert!(groups.kvs.is_empty(), "{:?}", groups.kvs);
    // The president in office writes.
    let now = Presidency::new(epoch_b, &keys, &[]);
    assert!(
        host.commit(now.guard(&keys), vec![Op::put(&assignment, "{}")])
            .await
            .unwrap()
    );
    assert!(store.get(&assignment).await.unwrap().is_some());
}
