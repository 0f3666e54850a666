//! `rgmd --http [ADDR:]PORT` (docs/observing.md): Prometheus metrics at `/metrics` and a
//! read-only status page with live updates. The HTTP side owns nothing: every answer is a
//! question to the event loop, as a command's is — views as [`rgm_proto::Query`]s (forwarded
//! to the president on other nodes of a cluster, like `clrg status`), metrics and the latest
//! cluster-log records as [`Observe`]. Nothing over HTTP changes anything.

mod graph;
pub mod metrics;
mod page;
mod recent;
mod routes;

use std::net::SocketAddr;
use std::time::Instant;

use rgm_core::engine::{Engine, LogRecord};

pub use recent::RecentLog;
pub use routes::{bind, spawn};

/// What the loop is asked for, answered as text.
#[derive(Debug)]
pub enum Observe {
    /// The `/metrics` exposition; `asked` is when the scrape came (the loop's lag).
    Metrics { asked: Instant },
    /// The latest cluster-log records this rgmd wrote, as a JSON array.
    RecentLog,
    /// A number that changes whenever what the page shows may have: a cheap question the
    /// page's stream asks often, before the whole status document.
    Generation,
}

/// What the loop keeps for the HTTP side.
#[derive(Debug, Default)]
pub struct Observed {
    pub metrics: metrics::Metrics,
    pub recent: RecentLog,
    /// Bumped by every record written (every state change is one) and every store event.
    generation: u64,
}

impl Observed {
    /// A durable batch's records: counted, and kept for the page.
    pub fn records(&mut self, at: rgm_core::engine::Time, records: &[LogRecord]) {
        self.metrics.records(records);
        for r in records {
            self.recent.push(at, r);
        }
        if !records.is_empty() {
            self.changed();
        }
    }

    /// Something the page shows may have changed.
    pub fn changed(&mut self) {
        self.generation += 1;
    }

    /// The loop's answer; `engine` is this node's when it is president (always on one node).
    pub fn answer(&mut self, what: Observe, engine: Option<&Engine>, node: &str) -> String {
        match what {
            Observe::Metrics { asked } => {
                self.metrics.lag(asked.elapsed());
                self.metrics.render(engine, node, crate::clock::now())
            }
            Observe::RecentLog => self.recent.json(),
            Observe::Generation => self.generation.to_string(),
        }
    }
}

/// `--http`: `ADDR:PORT`, or `PORT` alone for the loopback address (127.0.0.1).
pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!("{text}: not ADDR:PORT or PORT (e.g. 127.0.0.1:9464, [::1]:9464 or 9464)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_alone_is_loopback() {
        assert_eq!(
            parse_address("9464").unwrap(),
            "127.0.0.1:9464".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            parse_address("[::1]:80").unwrap(),
            "[::1]:80".parse::<SocketAddr>().unwrap()
        );
        assert!(
            parse_address("localhost")
                .unwrap_err()
                .contains("localhost")
        );
    }
}
