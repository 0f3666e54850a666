//! Between rgm-store's model and etcd-client's types, and etcd's errors in rgm's words.

use etcd_client::{Compare as EtcdCompare, CompareOp, DeleteOptions, PutOptions, TxnOp};

use crate::error::StoreError;
use crate::model::{CmpOp, Compare, KeyValue, Op, Txn};

pub(super) fn kv_of(kv: &etcd_client::KeyValue) -> Result<KeyValue, StoreError> {
    let key = String::from_utf8(kv.key().to_vec()).map_err(|_| StoreError::Corrupt {
        store: "etcd".into(),
        key: String::from_utf8_lossy(kv.key()).into_owned(),
        message: "the key is not UTF-8".into(),
    })?;
    Ok(KeyValue {
        key,
        value: kv.value().to_vec(),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        version: kv.version(),
        lease: kv.lease(),
    })
}

fn cmp_op(op: CmpOp) -> CompareOp {
    match op {
        CmpOp::Equal => CompareOp::Equal,
        CmpOp::NotEqual => CompareOp::NotEqual,
        CmpOp::Less => CompareOp::Less,
        CmpOp::Greater => CompareOp::Greater,
    }
}

fn compare_of(c: &Compare) -> EtcdCompare {
    match c {
        Compare::CreateRevision { key, op, revision } => {
            EtcdCompare::create_revision(key.as_bytes(), cmp_op(*op), *revision)
        }
        Compare::ModRevision { key, op, revision } => {
            EtcdCompare::mod_revision(key.as_bytes(), cmp_op(*op), *revision)
        }
        Compare::Version { key, op, version } => {
            EtcdCompare::version(key.as_bytes(), cmp_op(*op), *version)
        }
        Compare::Value { key, op, value } => {
            EtcdCompare::value(key.as_bytes(), cmp_op(*op), value.clone())
        }
        Compare::Lease { key, op, lease } => {
            EtcdCompare::lease(key.as_bytes(), cmp_op(*op), *lease)
        }
    }
}

fn op_of(op: &Op) -> TxnOp {
    match op {
        Op::Put { key, value, lease } => {
            let options = (*lease != 0).then(|| PutOptions::new().with_lease(*lease));
            TxnOp::put(key.as_bytes(), value.clone(), options)
        }
        Op::Delete { key } => TxnOp::delete(key.as_bytes(), None),
        Op::DeletePrefix { prefix } => TxnOp::delete(
            prefix.as_bytes(),
            Some(if prefix.is_empty() {
                DeleteOptions::new().with_all_keys()
            } else {
                DeleteOptions::new().with_prefix()
            }),
        ),
    }
}

pub(super) fn txn_of(txn: &Txn) -> etcd_client::Txn {
    etcd_client::Txn::new()
        .when(txn.compares.iter().map(compare_of).collect::<Vec<_>>())
        .and_then(txn.success.iter().map(op_of).collect::<Vec<_>>())
        .or_else(txn.failure.iter().map(op_of).collect::<Vec<_>>())
}

/// etcd unreachable: worth trying again.
pub(super) fn unavailable(name: &str, e: etcd_client::Error) -> StoreError {
    StoreError::Unavailable(format!("etcd at {name}: {e}"))
}

/// An etcd error in rgm's terms: a refusal that will not change, a missing lease, or the
/// store unreachable.
pub(super) fn error(name: &str, what: &str, e: etcd_client::Error) -> StoreError {
    if let etcd_client::Error::LeaseKeepAliveError(m) = &e
        && m.contains("lease not found")
    {
        return StoreError::LeaseNotFound(0);
    }
    if let etcd_client::Error::GRpcStatus(status) = &e {
        use tonic::Code;
        match status.code() {
            Code::NotFound if status.message().contains("lease not found") => {
                return StoreError::LeaseNotFound(0);
            }
            Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::ResourceExhausted
            | Code::OutOfRange => {
                return StoreError::Database {
                    path: name.into(),
                    message: format!("{what}: {}", status.message()),
                };
            }
            _ => {}
        }
    }
    StoreError::Unavailable(format!("etcd at {name}: {what}: {e}"))
}
