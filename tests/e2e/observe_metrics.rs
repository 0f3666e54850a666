//! `/metrics` (issue 16), read back with a real Prometheus text-format parser
//! (`prometheus-parse`): states per node, method runs by method and outcome, durations,
//! restarts, the loop and the store.

use prometheus_parse::{Scrape, Value};

use crate::observe_http::{get, start};
use crate::support::group_with;

fn scrape(addr: &str) -> Scrape {
    let (code, ctype, body) = get(addr, "/metrics");
    assert_eq!(code, 200, "{body}");
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    let lines = body.lines().map(|l| Ok(l.to_string()));
    Scrape::parse(lines).expect("the Prometheus text format")
}

/// The value of the sample of `name` whose labels include every pair of `labels`.
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    s.samples
        .iter()
        .find(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(h) => h.iter().map(|b| b.count).fold(0.0, f64::max),
            Value::Summary(_) => f64::NAN,
        })
}

#[test]
fn metrics_parse_and_count_what_happened() {
    let (c, addr) = start();
    group_with(&c, &[("db", &[])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    c.ok(
        "scha_control",
        &["-O", "RESOURCE_RESTART", "-R", "db", "-G", "rg1"],
    );
    let s = scrape(&addr);
    assert_eq!(
        value(
            &s,
            "rgm_group_state",
            &[("group", "rg1"), ("node", "node1"), ("state", "ONLINE")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &s,
            "rgm_resource_state",
            &[("resource", "db"), ("node", "node1"), ("state", "ONLINE")]
        ),
        Some(1.0)
    );
    assert_eq!(value(&s, "rgm_node_up", &[("node", "node1")]), Some(1.0));
    assert_eq!(value(&s, "rgm_president", &[("node", "node1")]), Some(1.0));
    // START ran twice (online, restart), every run succeeded.
    assert_eq!(
        value(
            &s,
            "rgm_method_runs_total",
            &[("method", "START"), ("outcome", "ok")]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(&s, "rgm_resource_restarts_total", &[("resource", "db")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &s,
            "rgm_resource_restarts",
            &[("resource", "db"), ("node", "node1")]
        ),
        Some(1.0)
    );
    // Histograms: the parser reads their buckets; every START is in +Inf.
    let starts = s
        .samples
        .iter()
        .find(|x| {
            x.metric == "rgm_method_duration_seconds" && x.labels.get("method") == Some("START")
        })
        .expect("START durations");
    let Value::Histogram(buckets) = &starts.value else {
        panic!("not a histogram: {:?}", starts.value);
    };
    assert!(
        buckets
            .iter()
            .any(|b| b.less_than.is_infinite() && b.count == 2.0),
        "{buckets:?}"
    );
    let commits = value(&s, "rgm_store_commit_duration_seconds", &[]).expect("store commits");
    assert!(commits >= 1.0, "{commits}");
    assert!(value(&s, "rgm_event_loop_batch_duration_seconds", &[]).is_some());
    assert!(value(&s, "rgm_event_loop_lag_seconds", &[]).is_some());
    // Every family is documented: HELP and TYPE.
    for name in [
        "rgm_method_runs_total",
        "rgm_group_state",
        "rgm_store_commit_duration_seconds",
    ] {
        assert!(s.docs.contains_key(name), "no HELP for {name}");
    }
    // A failing method counts as failed.
    std::fs::write(c.run_dir().join("fail.db.stop"), "").unwrap();
    let r = c.run("clresourcegroup", &["offline", "rg1"]);
    assert_ne!(r.code, 0);
    let s = scrape(&addr);
    assert_eq!(
        value(
            &s,
            "rgm_method_runs_total",
            &[("method", "STOP"), ("outcome", "failed")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &s,
            "rgm_group_state",
            &[
                ("group", "rg1"),
                ("node", "node1"),
                ("state", "ERROR_STOP_FAILED")
            ]
        ),
        Some(1.0)
    );
}

#[test]
fn http_is_off_by_default_and_a_bad_address_stops_rgmd() {
    let c = rgm_e2e::Cluster::start();
    assert!(!c.log().contains("serving /metrics"));
    let out = std::process::Command::new(rgm_e2e::bin_dir().join("rgmd"))
        .args(["--http", "nowhere", "--version"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nowhere"),
        "{out:?}"
    );
}
