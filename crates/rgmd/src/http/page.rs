//! The status page: its files, embedded in the binary (nothing is fetched at build or run
//! time), and its live updates — server-sent events carrying the whole status document each
//! time it changes (the loop's generation looked at every 250 ms, so a change shows within a
//! second, and the document built only when it moved).

use std::convert::Infallible;
use std::time::{Duration, Instant};

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
/// How often it builds the document all the same: on a node that is not president, changes
/// the president makes reach this node's loop as no event of its own; and restart counts age
/// out of Retry_interval with no event.
const REFRESH_EVERY: Duration = Duration::from_secs(1);

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
/// The loop is asked for its generation every [`LOOK_EVERY`] — a number — and for the whole
/// document only when that moved, or every [`REFRESH_EVERY`] all the same.
pub(super) async fn events(
    State(lp): State<Loop>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let start = Watch {
        lp,
        generation: None,
        fetched: Instant::now(),
        last: String::new(),
    };
    let stream = futures_util::stream::unfold(start, |mut w| async move {
        loop {
            let generation = w.lp.observe(super::Observe::Generation).await.ok()?;
            let due = w.fetched.elapsed() >= REFRESH_EVERY;
            if w.generation.as_ref() != Some(&generation) || due {
                w.generation = Some(generation);
                w.fetched = Instant::now();
                // rgmd is stopping: the stream ends and the page says it lost the daemon.
                let doc = w.lp.status().await.ok()?;
                if doc != w.last {
                    w.last = doc.clone();
                    let event = Event::default().event("status").data(doc);
                    return Some((Ok(event), w));
                }
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

struct Watch {
    lp: Loop,
    generation: Option<String>,
    fetched: Instant,
    last: String,
}
