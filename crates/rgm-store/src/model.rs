//! What a store holds and the operations on it, after etcd's v3 data model: keys with values,
//! each with the revision that created it, the revision that last changed it and its version;
//! one revision counter for the whole store, advanced once per transaction that changes
//! something; transactions that compare keys and then apply a list of operations atomically.

use serde::{Deserialize, Serialize};

/// The store's logical clock: every transaction that changes something gets the next one.
pub type Revision = i64;

/// A lease a key can be attached to (etcd); 0 means none.
pub type LeaseId = i64;

/// A key and its value with their history counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: Vec<u8>,
    /// The revision of the transaction that created the key (since it last did not exist).
    pub create_revision: Revision,
    /// The revision of the transaction that last changed it.
    pub mod_revision: Revision,
    /// How many times it has been written since it was created (1 for a new key).
    pub version: i64,
    /// The lease it is attached to, 0 for none.
    pub lease: LeaseId,
}

/// The result of a read: the keys, and the store's revision when they were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    pub kvs: Vec<KeyValue>,
    pub revision: Revision,
}

/// How a compared value must relate to the given one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Equal,
    NotEqual,
    Less,
    Greater,
}

impl CmpOp {
    pub fn holds<T: Ord>(self, actual: T, given: T) -> bool {
        match self {
            CmpOp::Equal => actual == given,
            CmpOp::NotEqual => actual != given,
            CmpOp::Less => actual < given,
            CmpOp::Greater => actual > given,
        }
    }
}

/// A condition of a transaction. A key that does not exist has create and mod revision 0,
/// version 0, lease 0 and an empty value — as in etcd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compare {
    CreateRevision {
        key: String,
        op: CmpOp,
        revision: Revision,
    },
    ModRevision {
        key: String,
        op: CmpOp,
        revision: Revision,
    },
    Version {
        key: String,
        op: CmpOp,
        version: i64,
    },
    Value {
        key: String,
        op: CmpOp,
        value: Vec<u8>,
    },
    Lease {
        key: String,
        op: CmpOp,
        lease: LeaseId,
    },
}

impl Compare {
    /// The key does not exist.
    pub fn missing(key: impl Into<String>) -> Compare {
        Compare::CreateRevision {
            key: key.into(),
            op: CmpOp::Equal,
            revision: 0,
        }
    }

    /// The key was created by `revision` and still exists: the fencing check for an owner
    /// whose epoch is its key's create revision.
    pub fn created_at(key: impl Into<String>, revision: Revision) -> Compare {
        Compare::CreateRevision {
            key: key.into(),
            op: CmpOp::Equal,
            revision,
        }
    }

    /// The key is attached to `lease` (so it exists and the lease has not expired).
    pub fn leased_by(key: impl Into<String>, lease: LeaseId) -> Compare {
        Compare::Lease {
            key: key.into(),
            op: CmpOp::Equal,
            lease,
        }
    }

    pub fn key(&self) -> &str {
        match self {
            Compare::CreateRevision { key, .. }
            | Compare::ModRevision { key, .. }
            | Compare::Version { key, .. }
            | Compare::Value { key, .. }
            | Compare::Lease { key, .. } => key,
        }
    }

    /// Whether the condition holds for `kv` (`None`: the key does not exist).
    pub fn holds(&self, kv: Option<&KeyValue>) -> bool {
        match self {
            Compare::CreateRevision { op, revision, .. } => {
                op.holds(kv.map_or(0, |k| k.create_revision), *revision)
            }
            Compare::ModRevision { op, revision, .. } => {
                op.holds(kv.map_or(0, |k| k.mod_revision), *revision)
            }
            Compare::Version { op, version, .. } => op.holds(kv.map_or(0, |k| k.version), *version),
            Compare::Value { op, value, .. } => {
                op.holds(kv.map_or(&[][..], |k| k.value.as_slice()), value.as_slice())
            }
            Compare::Lease { op, lease, .. } => op.holds(kv.map_or(0, |k| k.lease), *lease),
        }
    }
}

/// A write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Put {
        key: String,
        value: Vec<u8>,
        lease: LeaseId,
    },
    Delete {
        key: String,
    },
    /// Every key that starts with `prefix`.
    DeletePrefix {
        prefix: String,
    },
}

impl Op {
    pub fn put(key: impl Into<String>, value: impl Into<Vec<u8>>) -> Op {
        Op::Put {
            key: key.into(),
            value: value.into(),
            lease: 0,
        }
    }

    pub fn delete(key: impl Into<String>) -> Op {
        Op::Delete { key: key.into() }
    }

    /// How many bytes the operation sends (for size limits).
    pub fn size(&self) -> usize {
        match self {
            Op::Put { key, value, .. } => key.len() + value.len(),
            Op::Delete { key } => key.len(),
            Op::DeletePrefix { prefix } => prefix.len(),
        }
    }
}

/// If every comparison holds, apply `success`, else `failure` — atomically.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Txn {
    pub compares: Vec<Compare>,
    pub success: Vec<Op>,
    pub failure: Vec<Op>,
}

impl Txn {
    pub fn new() -> Txn {
        Txn::default()
    }

    /// A transaction with no conditions.
    pub fn ops(ops: Vec<Op>) -> Txn {
        Txn {
            success: ops,
            ..Txn::default()
        }
    }

    pub fn when(mut self, compares: impl IntoIterator<Item = Compare>) -> Txn {
        self.compares.extend(compares);
        self
    }

    pub fn and_then(mut self, ops: impl IntoIterator<Item = Op>) -> Txn {
        self.success.extend(ops);
        self
    }

    pub fn or_else(mut self, ops: impl IntoIterator<Item = Op>) -> Txn {
        self.failure.extend(ops);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.compares.is_empty() && self.success.is_empty() && self.failure.is_empty()
    }
}

/// What a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnResponse {
    /// Whether every comparison held (and so `success` was applied).
    pub succeeded: bool,
    /// The store's revision after the transaction.
    pub revision: Revision,
}

/// A change seen by a watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    Put(KeyValue),
    Delete { key: String, mod_revision: Revision },
}

impl WatchEvent {
    pub fn key(&self) -> &str {
        match self {
            WatchEvent::Put(kv) => &kv.key,
            WatchEvent::Delete { key, .. } => key,
        }
    }
}

/// The changes of one or more transactions, in revision order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchBatch {
    pub events: Vec<WatchEvent>,
    /// The store's revision when the batch was sent.
    pub revision: Revision,
}
