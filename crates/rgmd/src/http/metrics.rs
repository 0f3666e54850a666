//! `/metrics`: counters and histograms the event loop keeps (method runs and their durations,
//! restarts, failovers, fences — counted from the engine's own cluster-log records —, batch
//! times, store commits) and the states read from the engine when scraped, in the Prometheus
//! text format (docs/observing.md lists every metric).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use rgm_core::engine::log::msg;
use rgm_core::engine::{Engine, LogRecord, Time};

/// Seconds: from a fast probe to a long start.
const METHOD_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];
/// Seconds: what the loop and the store take, from well under a millisecond on.
const FAST_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A cumulative histogram of seconds.
#[derive(Debug, Clone)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    pub fn observe(&mut self, seconds: f64) {
        for (i, b) in self.bounds.iter().enumerate() {
            if seconds <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {}", braces(labels), self.sum);
        let _ = writeln!(out, "{name}_count{} {}", braces(labels), self.count);
    }
}

/// What the loop counts between scrapes.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// (method, outcome) → runs ended.
    runs: BTreeMap<(String, &'static str), u64>,
    /// method → durations of runs that exited.
    durations: BTreeMap<String, Histogram>,
    /// resource → restarts decided.
    restarts: BTreeMap<String, u64>,
    /// group → failovers decided.
    failovers: BTreeMap<String, u64>,
    /// node → fences asked for, and fences that could not be done.
    fences: BTreeMap<String, u64>,
    fence_failures: BTreeMap<String, u64>,
    batches: Histogram,
    commits: Histogram,
    /// How long the last scrape's question waited in the loop's queue.
    lag: Duration,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            runs: BTreeMap::new(),
            durations: BTreeMap::new(),
            restarts: BTreeMap::new(),
            failovers: BTreeMap::new(),
            fences: BTreeMap::new(),
            fence_failures: BTreeMap::new(),
            batches: Histogram::new(FAST_BUCKETS),
            commits: Histogram::new(FAST_BUCKETS),
            lag: Duration::ZERO,
        }
    }
}

impl Metrics {
    /// Counts what a batch's cluster-log records say was done.
    pub fn records(&mut self, records: &[LogRecord]) {
        for r in records {
            let field = |k: &str| r.fields.get(k).cloned().unwrap_or_default();
            let outcome = match r.id {
                msg::METHOD_OK => "ok",
                msg::METHOD_FAILED => "failed",
                msg::METHOD_TIMEOUT => "timeout",
                msg::METHOD_NOT_RUN => "not_run",
                msg::METHOD_LOST => "lost",
                msg::METHOD_UNKNOWN => "unknown",
                msg::RESTART => {
                    *self.restarts.entry(field("resource")).or_default() += 1;
                    continue;
                }
                msg::FAILOVER => {
                    *self.failovers.entry(field("group")).or_default() += 1;
                    continue;
                }
                // A resource found dead after a restart of rgmd: restarted or given over.
                msg::GONE => {
                    match r.fields.get("decision").map(String::as_str) {
                        Some("restart") => {
                            *self.restarts.entry(field("resource")).or_default() += 1
                        }
                        Some("giveover") => *self.failovers.entry(field("group")).or_default() += 1,
                        _ => {}
                    }
                    continue;
                }
                msg::FENCE => {
                    *self.fences.entry(field("node")).or_default() += 1;
                    continue;
                }
                msg::FENCE_FAILED => {
                    *self.fence_failures.entry(field("node")).or_default() += 1;
                    continue;
                }
                _ => continue,
            };
            let method = field("method");
            *self.runs.entry((method.clone(), outcome)).or_default() += 1;
            if let Some(ms) = r
                .fields
                .get("duration_ms")
                .and_then(|v| v.parse::<u64>().ok())
            {
                self.durations
                    .entry(method)
                    .or_insert_with(|| Histogram::new(METHOD_BUCKETS))
                    .observe(ms as f64 / 1000.0);
            }
        }
    }

    pub fn batch(&mut self, took: Duration) {
        self.batches.observe(took.as_secs_f64());
    }

    pub fn commit(&mut self, took: Duration) {
        self.commits.observe(took.as_secs_f64());
    }

    pub fn lag(&mut self, waited: Duration) {
        self.lag = waited;
    }

    /// The exposition: the loop's counters, then the states of `engine` (the president's;
    /// none on a node that is not president).
    pub fn render(&self, engine: Option<&Engine>, node: &str, now: Time) -> String {
        let mut out = String::new();
        family(
            &mut out,
            "rgm_method_runs_total",
            "counter",
            "Method runs ended, by method and outcome (ok, failed, timeout, not_run, lost, unknown).",
        );
        for ((m, o), n) in &self.runs {
            let _ = writeln!(
                out,
                "rgm_method_runs_total{{{}}} {n}",
                labels(&[("method", m), ("outcome", o)])
            );
        }
        family(
            &mut out,
            "rgm_method_duration_seconds",
            "histogram",
            "How long method runs that exited took, by method.",
        );
        for (m, h) in &self.durations {
            h.render(
                &mut out,
                "rgm_method_duration_seconds",
                &labels(&[("method", m)]),
            );
        }
        counters(
            &mut out,
            "rgm_resource_restarts_total",
            "Resource restarts decided (scha_control, restart dependencies, fault monitors), by resource.",
            "resource",
            &self.restarts,
        );
        counters(
            &mut out,
            "rgm_failovers_total",
            "Failovers decided, by resource group.",
            "group",
            &self.failovers,
        );
        counters(
            &mut out,
            "rgm_fence_attempts_total",
            "Fences asked for, by node.",
            "node",
            &self.fences,
        );
        counters(
            &mut out,
            "rgm_fence_failures_total",
            "Fences that could not be done, by node.",
            "node",
            &self.fence_failures,
        );
        family(
            &mut out,
            "rgm_event_loop_lag_seconds",
            "gauge",
            "How long the last scrape waited in the event loop's queue.",
        );
        let _ = writeln!(out, "rgm_event_loop_lag_seconds {}", self.lag.as_secs_f64());
        family(
            &mut out,
            "rgm_event_loop_batch_duration_seconds",
            "histogram",
            "How long the event loop took per batch of events (handling, commit, carrying out).",
        );
        self.batches
            .render(&mut out, "rgm_event_loop_batch_duration_seconds", "");
        family(
            &mut out,
            "rgm_store_commit_duration_seconds",
            "histogram",
            "How long each durable store transaction took.",
        );
        self.commits
            .render(&mut out, "rgm_store_commit_duration_seconds", "");
        family(
            &mut out,
            "rgm_president",
            "gauge",
            "1 when this node's rgmd runs the engine (the president; always on one node).",
        );
        let _ = writeln!(
            out,
            "rgm_president{{{}}} {}",
            labels(&[("node", node)]),
            u8::from(engine.is_some())
        );
        if let Some(e) = engine {
            states(&mut out, e, now);
        }
        out
    }
}

fn states(out: &mut String, e: &Engine, now: Time) {
    let cfg = e.config();
    let nodes = cfg.node_names();
    family(
        out,
        "rgm_node_up",
        "gauge",
        "1 when the node is a cluster member.",
    );
    for n in &nodes {
        let _ = writeln!(
            out,
            "rgm_node_up{{{}}} {}",
            labels(&[("node", n)]),
            u8::from(e.node_up(n))
        );
    }
    family(
        out,
        "rgm_group_state",
        "gauge",
        "RG_state of each resource group on each node: 1 for the state it is in.",
    );
    for g in cfg.groups.keys() {
        for n in &nodes {
            let s = e.group_state(g, n).public_name();
            let _ = writeln!(
                out,
                "rgm_group_state{{{}}} 1",
                labels(&[("group", g), ("node", n), ("state", s)])
            );
        }
    }
    family(
        out,
        "rgm_resource_state",
        "gauge",
        "Resource_state of each resource on each node: 1 for the state it is in.",
    );
    for (name, r) in &cfg.resources {
        for n in &nodes {
            let s = e.resource_state(name, n).public_name();
            let l = labels(&[
                ("resource", name),
                ("group", &r.group),
                ("node", n),
                ("state", s),
            ]);
            let _ = writeln!(out, "rgm_resource_state{{{l}}} 1");
        }
    }
    family(
        out,
        "rgm_resource_restarts",
        "gauge",
        "Num_resource_restarts: restarts of the resource on the node within its Retry_interval.",
    );
    for name in cfg.resources.keys() {
        for n in &nodes {
            let k = e.num_resource_restarts(name, n, now);
            let _ = writeln!(
                out,
                "rgm_resource_restarts{{{}}} {k}",
                labels(&[("resource", name), ("node", n)])
            );
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn counters(out: &mut String, name: &str, help: &str, label: &str, values: &BTreeMap<String, u64>) {
    family(out, name, "counter", help);
    for (k, v) in values {
        let _ = writeln!(out, "{name}{{{}}} {v}", labels(&[(label, k)]));
    }
}

/// `a="x",b="y"`, values escaped as the text format wants (backslash, quote, newline).
fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u32, fields: &[(&'static str, &str)]) -> LogRecord {
        LogRecord::new(
            id,
            rgm_core::engine::Severity::Notice,
            String::new(),
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        )
    }

    #[test]
    fn records_count_as_runs_restarts_failovers_and_fences() {
        let mut m = Metrics::default();
        m.records(&[
            record(
                msg::METHOD_OK,
                &[("method", "START"), ("duration_ms", "1500")],
            ),
            record(
                msg::METHOD_FAILED,
                &[("method", "STOP"), ("duration_ms", "20")],
            ),
            record(msg::METHOD_TIMEOUT, &[("method", "STOP")]),
            record(msg::RESTART, &[("resource", "db"), ("group", "rg")]),
            record(msg::GONE, &[("resource", "db"), ("decision", "restart")]),
            record(
                msg::GONE,
                &[
                    ("resource", "db"),
                    ("group", "rg"),
                    ("decision", "giveover"),
                ],
            ),
            record(msg::GONE, &[("resource", "db"), ("decision", "down")]),
            record(msg::FAILOVER, &[("group", "rg")]),
            record(msg::FENCE, &[("node", "n2")]),
            record(msg::FENCE_FAILED, &[("node", "n2")]),
        ]);
        let out = m.render(None, "n1", Time(0));
        for line in [
            "rgm_method_runs_total{method=\"START\",outcome=\"ok\"} 1",
            "rgm_method_runs_total{method=\"STOP\",outcome=\"failed\"} 1",
            "rgm_method_runs_total{method=\"STOP\",outcome=\"timeout\"} 1",
            "rgm_method_duration_seconds_bucket{method=\"START\",le=\"2.5\"} 1",
            "rgm_method_duration_seconds_bucket{method=\"START\",le=\"1\"} 0",
            "rgm_resource_restarts_total{resource=\"db\"} 2",
            "rgm_failovers_total{group=\"rg\"} 2",
            "rgm_fence_attempts_total{node=\"n2\"} 1",
            "rgm_fence_failures_total{node=\"n2\"} 1",
            "rgm_president{node=\"n1\"} 0",
        ] {
            assert!(out.lines().any(|l| l == line), "no {line} in:\n{out}");
        }
        // Not president: no states.
        assert!(!out.contains("rgm_group_state"));
    }

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let mut h = Histogram::new(&[0.1, 1.0]);
        h.observe(0.05);
        h.observe(0.5);
        h.observe(3.0);
        let mut out = String::new();
        h.render(&mut out, "x", "m=\"a\"");
        assert!(out.contains("x_bucket{m=\"a\",le=\"0.1\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{m=\"a\",le=\"1\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{m=\"a\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{m=\"a\"} 3\n"), "{out}");
        assert_eq!(labels(&[("r", "a\"b\\c\nd")]), "r=\"a\\\"b\\\\c\\nd\"");
    }
}
