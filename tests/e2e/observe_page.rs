//! The status page (issue 16) in headless Chromium: it shows the cluster, follows a
//! `clrg switch` live (server-sent events, no reload), shows a group's graph and the log; a
//! screenshot is kept in the target directory (`observe-page.png`).

use std::time::{Duration, Instant};

use crate::observe_browser::Browser;
use crate::observe_http::{get, start};
use crate::support::group_with;

const CELL: &str = r#"(document.querySelector('td[data-group="rg1"][data-node="node1"]') || {}).textContent || ''"#;

fn wait_for_page(b: &mut Browser, s: &str, expression: &str, want: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let got = b.eval(s, expression);
        if got.as_str() == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page shows {got} for {expression}, not {want}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_page_follows_a_switch_live() {
    let (c, addr) = start();
    group_with(
        &c,
        &[("db", &[]), ("web", &["-p", "Resource_dependencies=db"])],
    );
    c.ok("clresourcegroup", &["manage", "rg1"]);
    // The page's files are served from the binary.
    let (code, ctype, html) = get(&addr, "/");
    assert_eq!(code, 200);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(html.contains("<script src=\"/app.js\">"), "{html}");

    let mut b = Browser::start();
    let s = b.open(&format!("http://{addr}/"));
    wait_for_page(&mut b, &s, CELL, "OFFLINE", Duration::from_secs(60));
    // A mark set now would be lost by a reload.
    b.eval(&s, "window.mark = 'kept'");
    let before = b.eval(&s, "Number(document.body.dataset.updates)");

    c.ok("clresourcegroup", &["switch", "-n", "node1", "rg1"]);
    let answered = Instant::now();
    wait_for_page(&mut b, &s, CELL, "ONLINE", Duration::from_secs(10));
    eprintln!(
        "the page showed ONLINE {} ms after clrg switch returned",
        answered.elapsed().as_millis()
    );
    assert_eq!(
        b.eval(&s, "window.mark").as_str(),
        Some("kept"),
        "the page reloaded"
    );
    let after = b.eval(&s, "Number(document.body.dataset.updates)");
    assert!(after.as_f64() > before.as_f64(), "{before} -> {after}");

    // Resources per node with their states, the graph of the chosen group, the log.
    let web = r#"(document.querySelector('td[data-resource="web"][data-node="node1"]') || {}).textContent"#;
    wait_for_page(&mut b, &s, web, "ONLINE", Duration::from_secs(10));
    let rects = b.eval(&s, "document.querySelectorAll('#graph-svg rect').length");
    assert_eq!(rects.as_u64(), Some(2), "db and web in the graph");
    let edge = b.eval(&s, "document.getElementById('graph-svg').textContent");
    assert!(edge.as_str().unwrap().contains("dep"), "{edge}");
    let log = b.eval(&s, "document.getElementById('log').textContent");
    assert!(
        log.as_str()
            .unwrap()
            .contains("resource group rg1 state on node node1 change to RG_ONLINE"),
        "{log}"
    );
    let role = b.eval(&s, "document.getElementById('nodes').textContent");
    assert!(role.as_str().unwrap().contains("president"), "{role}");
    let why = b.eval(&s, "document.getElementById('why').textContent");
    assert!(
        why.as_str()
            .unwrap()
            .contains("Every resource group is where it should be."),
        "{why}"
    );

    // A why-not appears live too: web's START fails on a restart of the group.
    std::fs::write(c.run_dir().join("fail.web.start"), "").unwrap();
    let _ = c.run("clresourcegroup", &["restart", "rg1"]);
    wait_for_page(
        &mut b,
        &s,
        r#"(document.querySelector('#why li[data-kind="start_failed"]') || {}).textContent || ''"#,
        "ONLINE_FAULTED on node1: web is START_FAILED",
        Duration::from_secs(10),
    );

    let png = b.screenshot(&s);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let artifact = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("observe-page.png");
    std::fs::write(&artifact, &png).unwrap();
    eprintln!("screenshot: {}", artifact.display());
}

/// In a cluster, a node that is not president serves the cluster's view, as its `clrg
/// status` does (forwarded to the president), and says in /metrics that it is not president.
#[test]
fn a_node_that_is_not_president_shows_the_cluster_view() {
    use rgm_e2e::cluster::TestCluster;
    let http = || vec!["--http".to_string(), "127.0.0.1:0".to_string()];
    let c = TestCluster::start_with(
        rgm_e2e::bin_dir(),
        &["n1", "n2"],
        3,
        rgm_e2e::etcd::Etcd::start(),
        |_| (Vec::new(), http()),
    );
    let president = c.president("n1").expect("a president");
    let other = if president == "n1" { "n2" } else { "n1" };
    let node = other.to_string();
    let addr = crate::observe_http::address(|| c.node(&node).log());
    c.lock_group(other, "rg1", &["n1", "n2"], &[], "r1");
    c.ok(other, "clrg", &["online", "-M", "-n", &president, "rg1"]);
    let (code, _, body) = get(&addr, "/api/status");
    assert_eq!(code, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["view"]["president"], president.as_str());
    assert_eq!(doc["view"]["node"], other);
    let status = c.ok(other, "clrg", &["status", "-o", "json", "rg1"]).stdout;
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    for row in status[0]["nodes"].as_array().unwrap() {
        let n = row["node"].as_str().unwrap();
        let page = doc["view"]["groups"]["rg1"]["states"][n].as_str().unwrap();
        assert_eq!(
            page.to_uppercase(),
            row["state"].as_str().unwrap(),
            "rg1 on {n}"
        );
    }
    assert_eq!(doc["why_not"], serde_json::json!([]));
    let (_, _, metrics) = get(&addr, "/metrics");
    assert!(
        metrics.contains(&format!("rgm_president{{node=\"{other}\"}} 0")),
        "{metrics}"
    );
}
