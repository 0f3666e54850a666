//! One line per administrator request for the cluster log.

use crate::engine::event::AdminRequest;

/// One line saying what a request asks (`online groups=rg1 manage`).
pub(super) fn summary(request: &AdminRequest) -> String {
    let json = serde_json::to_value(request).unwrap_or_default();
    let kind = json
        .get("request")
        .and_then(|v| v.as_str())
        .unwrap_or("request")
        .to_string();
    let mut parts = vec![kind];
    if let Some(obj) = json.as_object() {
        for (k, v) in obj {
            match (k.as_str(), v) {
                ("request" | "spec", _)
                | (_, serde_json::Value::Null | serde_json::Value::Bool(false)) => {}
                (_, serde_json::Value::Bool(true)) => parts.push(k.clone()),
                _ => parts.push(format!("{k}={}", plain(v))),
            }
        }
    }
    if let AdminRequest::RegisterType { spec, .. } = request {
        parts.push(format!("type={}", spec.name));
    }
    parts.join(" ")
}

/// A request field as an administrator would write it.
fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(","),
        serde_json::Value::Object(o) if o.contains_key("named") => plain(&o["named"]),
        serde_json::Value::Object(o) if o.len() == 3 && o.contains_key("op") => {
            // A property edit.
            let nodes = o
                .get("nodes")
                .map(|n| format!("{{{}}}", plain(n)))
                .unwrap_or_default();
            let op = match o["op"].as_str() {
                Some("add") => "+=",
                Some("remove") => "-=",
                _ => "=",
            };
            format!("{}{nodes}{op}{}", plain(&o["name"]), plain(&o["value"]))
        }
        other => other.to_string().trim_matches('"').to_string(),
    }
}
