//! Membership: this node's lease and its key `members/<node>`. A task joins (resuming the
//! lease of this node's previous rgmd when that one died within it, so an rgmd restart is
//! invisible to the cluster; otherwise as a new incarnation), renews the lease every TTL/5 and
//! tells the loop each renewal's send time — the fail-fast deadline counts from it — and when
//! the lease is lost. Told to, it abandons the lease (revokes it, so the cluster sees this
//! node die at once) and joins again, or leaves for good. It also publishes the node's health
//! (its event scripts' word) in the member record: a new incarnation's record carries the
//! health last known (unhealthy until this rgmd's `startup` has succeeded), and each change
//! rewrites it, while the lease holds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use rgm_store::{Compare, LeaseId, Op, Store, StoreError, Txn};

use super::ClusterEvent;
use super::keys::{Keys, MemberRecord, json};
use crate::event_loop::LoopEvent;

/// What the loop tells the membership task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberCommand {
    /// This node fenced itself: end the lease now and join again as a new incarnation.
    Abandon,
    /// rgmd is stopping: end the lease and stop.
    Leave,
    /// rgmd exits for a restart in place: renew the lease a last time and stop renewing it,
    /// without ending it, so the next rgmd carries the membership on (its watchdog kills the
    /// node's processes if none does in time).
    Detach,
    /// The node's event scripts changed its health: publish it in the member record.
    Health { healthy: bool, reason: String },
}

/// The health a member record carries before this rgmd's `startup` event has succeeded.
pub fn startup_pending() -> (bool, String) {
    (false, "its startup event has not succeeded yet".into())
}

/// Who this node is, for its member key.
#[derive(Debug, Clone)]
pub struct Identity {
    pub node: String,
    pub boot_id: String,
    pub ttl: Duration,
    /// Whether a previous rgmd's lease may be resumed (not after its fail-fast fired).
    pub may_resume: bool,
}

pub fn spawn(
    store: Arc<dyn Store>,
    keys: Keys,
    me: Identity,
    events: UnboundedSender<LoopEvent>,
    mut commands: UnboundedReceiver<MemberCommand>,
) {
    tokio::spawn(async move {
        let send = |e: ClusterEvent| events.send(LoopEvent::Cluster(e)).is_ok();
        let every = (me.ttl / 5).max(Duration::from_millis(200));
        let mut may_resume = me.may_resume;
        let mut health = startup_pending();
        loop {
            // Health news that came while joining is kept for the record.
            while let Ok(c) = commands.try_recv() {
                match c {
                    MemberCommand::Health { healthy, reason } => health = (healthy, reason),
                    MemberCommand::Leave | MemberCommand::Detach => return,
                    MemberCommand::Abandon => {}
                }
            }
            let joined = join(&*store, &keys, &me, may_resume, &health).await;
            let (lease, incarnation, resumed) = match joined {
                Ok(j) => {
                    // A later join is a new incarnation: this one is over by then.
                    may_resume = false;
                    j
                }
                Err(e) => {
                    if !send(ClusterEvent::Trouble {
                        reason: format!("cannot join: {e}"),
                    }) {
                        return;
                    }
                    tokio::time::sleep(every).await;
                    continue;
                }
            };
            if !send(ClusterEvent::Joined {
                lease,
                incarnation: incarnation.clone(),
                resumed,
                at: Instant::now(),
            }) {
                return;
            }
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                let command = tokio::select! {
                    _ = tick.tick() => None,
                    c = commands.recv() => Some(c.unwrap_or(MemberCommand::Leave)),
                };
                match command {
                    Some(MemberCommand::Health { healthy, reason }) => {
                        health = (healthy, reason);
                        let record = record(&me, &incarnation, &health);
                        publish(&*store, &keys, lease, record).await;
                        continue;
                    }
                    Some(MemberCommand::Leave) => {
                        let _ = store.revoke(lease).await;
                        return;
                    }
                    Some(MemberCommand::Abandon) => {
                        let _ = store.revoke(lease).await;
                        break;
                    }
                    Some(MemberCommand::Detach) => {
                        let _ = store.keep_alive(lease).await;
                        return;
                    }
                    None => {}
                }
                let sent = Instant::now();
                let event = match store.keep_alive(lease).await {
                    Ok(_) => ClusterEvent::Renewed { sent },
                    Err(StoreError::LeaseNotFound(_)) => ClusterEvent::LeaseLost {
                        reason: format!("lease {lease:x} expired or was revoked"),
                    },
                    Err(e) => ClusterEvent::Trouble {
                        reason: format!("cannot renew the lease: {e}"),
                    },
                };
                let lost = matches!(event, ClusterEvent::LeaseLost { .. });
                if !send(event) {
                    return;
                }
                if lost {
                    break;
                }
            }
            // A new incarnation, once the loop has fenced this node (it handles the loss
            // before the next Joined).
            tokio::time::sleep(every).await;
        }
    });
}

fn record(me: &Identity, incarnation: &str, health: &(bool, String)) -> MemberRecord {
    MemberRecord {
        node: me.node.clone(),
        incarnation: incarnation.to_string(),
        boot_id: me.boot_id.clone(),
        healthy: health.0,
        reason: health.1.clone(),
    }
}

/// Rewrites the member record, on its lease, while the lease holds (a lost lease means a new
/// incarnation, whose record carries the health anew).
async fn publish(store: &dyn Store, keys: &Keys, lease: LeaseId, record: MemberRecord) {
    let key = keys.member(&record.node);
    let txn = Txn::new()
        .when([Compare::leased_by(&key, lease)])
        .and_then([Op::Put {
            key: key.clone(),
            value: json(&record),
            lease,
        }]);
    match store.txn(txn).await {
        Ok(done) if !done.succeeded => {
            tracing::debug!(%key, "health not published: the lease is gone");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(%key, error = %e, "cannot publish the node's health"),
    }
}

/// Joins: `(lease, incarnation, resumed)`. A new incarnation's record carries `health`; a
/// resumed one keeps what its previous rgmd published (this one's scripts say soon enough).
async fn join(
    store: &dyn Store,
    keys: &Keys,
    me: &Identity,
    may_resume: bool,
    health: &(bool, String),
) -> Result<(LeaseId, String, bool), StoreError> {
    let key = keys.member(&me.node);
    if let Some(kv) = store.get(&key).await? {
        let old: Option<MemberRecord> = serde_json::from_slice(&kv.value).ok();
        let same_boot = old.as_ref().is_some_and(|o| o.boot_id == me.boot_id);
        if may_resume && same_boot && kv.lease != 0 {
            match store.keep_alive(kv.lease).await {
                Ok(_) => {
                    let incarnation = old.map(|o| o.incarnation).unwrap_or_default();
                    return Ok((kv.lease, incarnation, true));
                }
                // Expired: the key goes with it.
                Err(StoreError::LeaseNotFound(_)) => {}
                // Unknown: its services may be alive; never end it on a guess.
                Err(e) => return Err(e),
            }
        }
        // This node's previous rgmd is dead (this one holds the state directory) and its
        // processes are gone (another boot, or its watchdog fired): end its membership, so
        // the cluster sees it die before this one joins.
        if kv.lease != 0 {
            store.revoke(kv.lease).await?;
        } else {
            store.txn(Txn::ops(vec![Op::delete(&key)])).await?;
        }
    }
    let lease = store.grant_lease(me.ttl.as_secs().max(1) as i64).await?;
    let incarnation = new_incarnation(&me.boot_id);
    let record = record(me, &incarnation, health);
    let done = store
        .txn(
            Txn::new()
                .when([Compare::missing(&key)])
                .and_then([Op::Put {
                    key: key.clone(),
                    value: json(&record),
                    lease,
                }]),
        )
        .await?;
    if !done.succeeded {
        let _ = store.revoke(lease).await;
        return Err(StoreError::Unavailable(format!(
            "{key} was taken meanwhile: is another rgmd running with --node {}?",
            me.node
        )));
    }
    Ok((lease, incarnation, false))
}

fn new_incarnation(boot_id: &str) -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let boot = boot_id.split('-').next().unwrap_or("");
    format!("{boot}-{}-{ms}", std::process::id())
}
