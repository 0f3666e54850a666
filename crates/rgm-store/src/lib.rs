//! rgm's store: where the configuration and the runtime state live, one key per object.
//!
//! - [`Store`] is the interface, in etcd's terms: prefix reads, transactions that compare a
//!   key's revisions, version, value or lease and then apply one of two lists of writes
//!   atomically, one revision per transaction, watches and leases. Both backends implement it:
//!   [`LocalStore`] (an embedded SQLite database in the state directory: one node, nothing
//!   else to run) and, for a cluster, `etcd::EtcdStore` (feature `etcd`).
//! - [`Layout`] is the one key layout both use, and turns configurations and runtime snapshots
//!   into the writes of only what changed.
//! - [`migrate`] moves an older state directory's whole files into the store.

#[cfg(feature = "conformance")]
#[doc(hidden)]
pub mod conformance;
pub mod error;
#[cfg(feature = "etcd")]
pub mod etcd;
pub mod layout;
pub mod local;
pub mod migrate;
pub mod model;
pub mod store;

pub use error::StoreError;
pub use layout::Layout;
pub use local::LocalStore;
pub use model::{
    CmpOp, Compare, KeyValue, LeaseId, Op, Range, Revision, Txn, TxnResponse, WatchBatch,
    WatchEvent,
};
pub use store::{Store, StoreFuture, Watch};
