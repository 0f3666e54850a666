//! The HTTP server (axum over rgmd's tokio): `/metrics`, the status page's files, its JSON
//! (`/api/status`) and its live updates (`/api/events`, server-sent events). Every handler
//! asks the event loop and waits, bounded, for the answer; GET only.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use rgm_proto::{Query, Request, Response as Answer};

use crate::event_loop::LoopEvent;

use super::Observe;

/// How long a handler waits for the loop.
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub(super) struct Loop(pub mpsc::UnboundedSender<LoopEvent>);

impl Loop {
    pub async fn observe(&self, what: Observe) -> Result<String, String> {
        let (reply, rx) = oneshot::channel();
        self.0
            .send(LoopEvent::Observe { what, reply })
            .map_err(|_| "rgmd is stopping".to_string())?;
        wait(rx).await
    }

    pub async fn query(&self, query: Query) -> Result<Answer, String> {
        let (reply, rx) = oneshot::channel();
        let request = Request::Query(query);
        self.0
            .send(LoopEvent::Client {
                request,
                reply,
                progress: None,
            })
            .map_err(|_| "rgmd is stopping".to_string())?;
        wait(rx).await
    }

    /// The page's document: the cluster view (this node's, as `clrg status` sees it), why
    /// groups are not where they should be, and the latest cluster-log records.
    pub async fn status(&self) -> Result<String, String> {
        let (view, graphs) = match self.query(Query::View).await? {
            Answer::View(v) => (
                serde_json::to_value(&*v).map_err(|e| e.to_string())?,
                super::graph::of(&v.config),
            ),
            Answer::Refused { messages, .. } => return Err(messages.join("; ")),
            _ => return Err("unexpected answer".into()),
        };
        let why = match self.query(Query::WhyNot(Vec::new())).await? {
            Answer::WhyNot(w) => serde_json::to_value(&w).map_err(|e| e.to_string())?,
            _ => serde_json::Value::Null,
        };
        let why = add_texts(why);
        let log: serde_json::Value =
            serde_json::from_str(&self.observe(Observe::RecentLog).await?).unwrap_or_default();
        let doc = serde_json::json!({"view": view, "graphs": graphs, "why_not": why, "log": log});
        Ok(doc.to_string())
    }
}

/// Each reason of a why-not report with its sentence (`text`), as `clrg status -v -o json`.
fn add_texts(mut why: serde_json::Value) -> serde_json::Value {
    for g in why.as_array_mut().into_iter().flatten() {
        for n in g["nodes"].as_array_mut().into_iter().flatten() {
            for r in n["reasons"].as_array_mut().into_iter().flatten() {
                if let Ok(reason) = serde_json::from_value::<rgm_core::engine::Reason>(r.clone()) {
                    r["text"] = serde_json::Value::String(reason.to_string());
                }
            }
        }
    }
    why
}

async fn wait<T>(rx: oneshot::Receiver<T>) -> Result<T, String> {
    match tokio::time::timeout(PATIENCE, rx).await {
        Ok(Ok(x)) => Ok(x),
        Ok(Err(_)) => Err("rgmd dropped the question".into()),
        Err(_) => Err("rgmd did not answer in time".into()),
    }
}

/// Binds the address now, so that a bad one stops rgmd at start-up with the reason.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("--http {addr}: cannot listen: {e}"))
}

/// Serves in the background for as long as rgmd runs.
pub fn spawn(listener: TcpListener, tx: mpsc::UnboundedSender<LoopEvent>) {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/api/status", get(status))
        .route("/api/events", get(super::page::events))
        .route("/", get(super::page::index))
        .route("/app.js", get(super::page::script))
        .route("/style.css", get(super::page::style))
        .with_state(Loop(tx));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("the HTTP server stopped: {e}");
        }
    });
}

async fn metrics(State(lp): State<Loop>) -> Response {
    match lp
        .observe(Observe::Metrics {
            asked: Instant::now(),
        })
        .await
    {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    }
}

async fn status(State(lp): State<Loop>) -> Response {
    match lp.status().await {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    }
}
