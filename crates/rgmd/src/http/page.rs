//! The status page: its files, embedded in the binary (nothing is fetched at build or run
//! time), and its live updates — server-sent events carrying the whole status document each
//! time it changes (looked at every 250 ms, so a change shows within a second).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;

use super::routes::Loop;

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/style.css");

/// How often the stream looks for a change.
const LOOK_EVERY: Duration = Duration::from_millis(250);

pub(super) async fn index() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX)
}

pub(super) async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

pub(super) async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}

/// `status` events: the document when it changed since the last one sent (the first at once).
pub(super) async fn events(
    State(lp): State<Loop>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold((lp, String::new()), |(lp, last)| async move {
        loop {
            match lp.status().await {
                Ok(doc) if doc != last => {
                    let event = Event::default().event("status").data(doc.clone());
                    return Some((Ok(event), (lp, doc)));
                }
                Ok(_) => {}
                // rgmd is stopping: the stream ends and the page says it lost the daemon.
                Err(_) => return None,
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
