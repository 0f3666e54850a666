//! The latest cluster-log records this rgmd wrote, for the status page: a bounded ring.

use std::collections::VecDeque;

use rgm_core::engine::{LogRecord, Severity, Time};

/// How many records the page can show.
const KEEP: usize = 100;

#[derive(Debug, Default)]
pub struct RecentLog {
    records: VecDeque<serde_json::Value>,
}

impl RecentLog {
    pub fn push(&mut self, at: Time, r: &LogRecord) {
        if self.records.len() == KEEP {
            self.records.pop_front();
        }
        let severity = match r.severity {
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let text = rgm_proto::text::escape_controls(&r.text).into_owned();
        self.records.push_back(serde_json::json!({
            "ms": at.0,
            "id": r.id,
            "severity": severity,
            "text": text,
        }));
    }

    /// Newest last.
    pub fn json(&self) -> String {
        serde_json::Value::Array(self.records.iter().cloned().collect()).to_string()
    }
}
