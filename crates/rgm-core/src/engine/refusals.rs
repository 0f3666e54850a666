//! Refusals of scha_control requests logged once per window (issue 9 rule 10): a probe asking
//! again and again for what cannot be done must not flood the cluster log. Identical refusals
//! (same resource, node, tag and reason) are logged once per Retry_interval (60 s without
//! one), the next one with how many were not. Not persisted: after a restart one more line.

use std::collections::HashMap;

use crate::engine::event::{ControlTag, Time};

/// The window when a resource has no Retry_interval.
const DEFAULT_WINDOW_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    resource: String,
    node: String,
    tag: ControlTag,
    why: String,
}

#[derive(Debug, Clone, Copy)]
struct Logged {
    at: Time,
    /// Identical refusals not logged since.
    unlogged: u64,
    window: i64,
}

/// The refusals last logged.
#[derive(Debug, Clone, Default)]
pub(crate) struct Refusals(HashMap<Key, Logged>);

impl Refusals {
    /// Whether to log this refusal now: `Some(identical refusals not logged since the last
    /// one)`, or `None` to leave it out.
    pub fn worth_logging(
        &mut self,
        resource: &str,
        node: &str,
        tag: ControlTag,
        why: &str,
        retry_interval: i64,
        now: Time,
    ) -> Option<u64> {
        let window = if retry_interval > 0 {
            retry_interval
        } else {
            DEFAULT_WINDOW_SECS
        };
        // Refusals that stopped coming are forgotten after two windows.
        self.0
            .retain(|_, l| now.secs_since(l.at) < l.window.saturating_mul(2));
        let key = Key {
            resource: resource.to_string(),
            node: node.to_string(),
            tag,
            why: why.to_string(),
        };
        match self.0.get_mut(&key) {
            Some(l) if now.secs_since(l.at) < window => {
                l.unlogged += 1;
                None
            }
            Some(l) => {
                let unlogged = std::mem::take(&mut l.unlogged);
                l.at = now;
                l.window = window;
                Some(unlogged)
            }
            None => {
                self.0.insert(
                    key,
                    Logged {
                        at: now,
                        unlogged: 0,
                        window,
                    },
                );
                Some(0)
            }
        }
    }
}
