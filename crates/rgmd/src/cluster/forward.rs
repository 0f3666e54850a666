//! Commands on a node that is not the president: each request goes through the store
//! (`request/<node>/<seq>`) to the president, whose answer comes back the same way
//! (`reply/<node>/<seq>`). A request whose key the president consumed without an answer (it
//! died in between) is answered with that fact once a new president is elected.

use std::collections::BTreeMap;

use tokio::sync::oneshot;

use rgm_core::ErrorCode;
use rgm_proto::{Request, Response};
use rgm_store::{KeyValue, Op};

use super::keys::{Forwarded, Keys, json};

#[derive(Debug)]
pub struct Forwarder {
    next: u64,
    waiting: BTreeMap<u64, oneshot::Sender<Response>>,
    to_send: Vec<(u64, Request)>,
    /// Reply keys read, to delete.
    to_delete: Vec<String>,
}

impl Forwarder {
    pub fn new() -> Forwarder {
        // Numbers that a restarted rgmd does not reuse while its old keys may linger.
        let base = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(1);
        Forwarder {
            next: base,
            waiting: BTreeMap::new(),
            to_send: Vec::new(),
            to_delete: Vec::new(),
        }
    }

    /// Queues a request for the president.
    pub fn forward(&mut self, request: Request, reply: oneshot::Sender<Response>) {
        let seq = self.next;
        self.next += 1;
        self.waiting.insert(seq, reply);
        self.to_send.push((seq, request));
    }

    /// The writes that send what is queued, and delete the replies read.
    pub fn ops(&mut self, keys: &Keys, node: &str) -> Vec<Op> {
        let mut ops: Vec<Op> = std::mem::take(&mut self.to_send)
            .into_iter()
            .map(|(seq, request)| {
                let f = Forwarded {
                    node: node.to_string(),
                    request,
                };
                Op::put(keys.request(node, seq), json(&f))
            })
            .collect();
        ops.extend(self.to_delete.drain(..).map(Op::delete));
        ops
    }

    /// A reply key seen: answers its command.
    pub fn reply(&mut self, keys: &Keys, node: &str, kv: &KeyValue) {
        self.to_delete.push(kv.key.clone());
        let Some(seq) = keys.number(&keys.replies(node), &kv.key) else {
            return;
        };
        let response = serde_json::from_slice(&kv.value).unwrap_or_else(|e| {
            Response::refused(
                ErrorCode::Internal,
                format!("the president's answer could not be read: {e}"),
            )
        });
        if let Some(tx) = self.waiting.remove(&seq) {
            let _ = tx.send(response);
        }
    }

    /// The numbers of requests still waiting.
    pub fn waiting(&self) -> Vec<u64> {
        self.waiting.keys().copied().collect()
    }

    /// Answers a request that will get no answer from the president.
    pub fn give_up(&mut self, seq: u64, why: &str) {
        if let Some(tx) = self.waiting.remove(&seq) {
            let _ = tx.send(Response::refused(ErrorCode::Reconf, why));
        }
    }

    /// Answers every waiting request with `why` (rgmd stops).
    pub fn give_up_all(&mut self, why: &str) {
        for seq in self.waiting() {
            self.give_up(seq, why);
        }
    }
}

impl Default for Forwarder {
    fn default() -> Self {
        Forwarder::new()
    }
}
