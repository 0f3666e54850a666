//! `clnode event …`: this node's event scripts (docs/events.md), `ctdb event`'s verbs in rgm's
//! spelling. Answered by the rgmd the command talks to, for its own node.
//!
//! Exit statuses: 0 when the event (or the status asked for) succeeded;
//! `SCHA_ERR_METHOD` (10) when it failed or timed out; `SCHA_ERR_RECONF` (5) when another event
//! cancelled it; `SCHA_ERR_STATE` (9) for the status of an event that never completed; the
//! others as every cl* command's.

use clap::Subcommand;

use rgm_core::ErrorCode;
use rgm_proto::events::{EventReport, EventResult, EventsRequest, EventsResponse, ScriptList};
use rgm_proto::{Request, Response};

use super::{Ctx, Output};
use crate::failure::Failure;
use crate::format;

/// `clnode event …`.
#[derive(Debug, Subcommand)]
pub enum EventSub {
    /// Run an event now on this node: every enabled script, in order, with the event and its
    /// arguments; the first failure stops it.
    Run {
        /// Seconds for the whole event (default: rgmd's --event-timeout, 30).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<u64>,
        /// The event: init, setup, startup, shutdown, monitor, startrecovery, recovered,
        /// takeip, releaseip, updateip, ipreallocated.
        #[arg(value_name = "EVENT")]
        event: String,
        /// Its arguments (takeip and releaseip: IFACE IP MASKBITS; updateip: OLD-IFACE
        /// NEW-IFACE IP MASKBITS).
        #[arg(value_name = "ARGS", allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Show the last completed run of an event: each script's result, exit status, duration
    /// and output.
    Status {
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value_t)]
        output: Output,
        /// The event.
        #[arg(value_name = "EVENT")]
        event: String,
    },
    /// The event scripts of this node.
    Script {
        #[command(subcommand)]
        command: ScriptSub,
    },
}

/// `clnode event script …`.
#[derive(Debug, Subcommand)]
pub enum ScriptSub {
    /// List the scripts in the order events run them, and whether each is enabled.
    List {
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value_t)]
        output: Output,
    },
    /// Enable a script (make it executable).
    Enable {
        /// The script, `NN.name`.
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Disable a script (remove its execute bits): events skip it.
    Disable {
        /// The script, `NN.name`.
        #[arg(value_name = "NAME")]
        name: String,
    },
}

/// Runs a `clnode event` subcommand.
pub fn execute(sub: EventSub, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    match sub {
        EventSub::Run {
            timeout,
            event,
            args,
        } => {
            let report = match ask(
                ctx,
                EventsRequest::Run {
                    event,
                    args,
                    timeout,
                },
            )? {
                EventsResponse::Ran(r) => r,
                other => return Err(unexpected(&other)),
            };
            ctx.print(&report_text(&report))?;
            outcome(&report)
        }
        EventSub::Status { output, event } => {
            let report = match ask(
                ctx,
                EventsRequest::Status {
                    event: event.clone(),
                },
            )? {
                EventsResponse::Status(Some(r)) => r,
                EventsResponse::Status(None) => {
                    return Err(Failure::new(
                        ErrorCode::State,
                        format!("event {event} has never completed on this node"),
                    ));
                }
                other => return Err(unexpected(&other)),
            };
            if output == Output::Json {
                ctx.print_json(&to_json(&report)?)?;
            } else {
                ctx.print(&report_text(&report))?;
            }
            outcome(&report)
        }
        EventSub::Script {
            command: ScriptSub::List { output },
        } => {
            let list = match ask(ctx, EventsRequest::ListScripts)? {
                EventsResponse::Scripts(l) => l,
                other => return Err(unexpected(&other)),
            };
            if output == Output::Json {
                return ctx.print_json(&to_json(&list)?);
            }
            for w in &list.warnings {
                let _ = writeln!(ctx.err, "{}: warning: {w}", ctx.program);
            }
            ctx.print(&list_text(&list))
        }
        EventSub::Script {
            command: ScriptSub::Enable { name },
        } => set(ctx, name, true),
        EventSub::Script {
            command: ScriptSub::Disable { name },
        } => set(ctx, name, false),
    }
}

fn set(ctx: &mut Ctx<'_>, script: String, enabled: bool) -> Result<(), Failure> {
    match ask(ctx, EventsRequest::SetEnabled { script, enabled })? {
        EventsResponse::Changed(entry) => ctx.print_lines(&[format!(
            "{} {}",
            entry.name,
            if entry.enabled { "enabled" } else { "disabled" }
        )]),
        other => Err(unexpected(&other)),
    }
}

fn ask(ctx: &Ctx<'_>, request: EventsRequest) -> Result<EventsResponse, Failure> {
    match ctx.connect()?.call(&Request::Events(request))? {
        Response::Events(e) => Ok(e),
        Response::Refused { code, messages } => Err(Failure {
            code,
            lines: messages,
        }),
        _ => Err(Failure::internal(
            "rgmd answered an event request with something else",
        )),
    }
}

fn unexpected(r: &EventsResponse) -> Failure {
    Failure::internal(format!("rgmd answered with an unexpected {r:?}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::internal(format!("cannot write JSON: {e}")))
}

/// The exit status a report stands for.
fn outcome(r: &EventReport) -> Result<(), Failure> {
    let call = call(r);
    match r.result {
        EventResult::Ok => Ok(()),
        EventResult::Cancelled => Err(Failure::new(
            ErrorCode::Reconf,
            format!("event {call} was cancelled by another event"),
        )),
        EventResult::Failed | EventResult::Timedout => Err(Failure::new(
            ErrorCode::Method,
            format!(
                "event {call} {} on node {}",
                if r.result == EventResult::Failed {
                    "failed"
                } else {
                    "timed out"
                },
                r.node
            ),
        )),
    }
}

fn call(r: &EventReport) -> String {
    std::iter::once(r.event.as_str())
        .chain(r.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Event monitor on node n1: OK (0.012 s)`, then one row per script and its output.
pub fn report_text(r: &EventReport) -> String {
    let mut out = format!(
        "Event {} on node {}: {} ({})\n\n",
        call(r),
        r.node,
        r.result.as_str(),
        seconds(r.duration_ms)
    );
    let rows: Vec<Vec<String>> = r
        .scripts
        .iter()
        .map(|s| {
            let ran = s.exit_status.is_some() || s.duration_ms > 0;
            vec![
                s.name.clone(),
                s.result.as_str().to_string(),
                s.exit_status.map_or("-".into(), |c| c.to_string()),
                if ran {
                    seconds(s.duration_ms)
                } else {
                    "-".into()
                },
            ]
        })
        .collect();
    let table = format::list::table(&["Script", "Result", "Exit", "Duration"], &rows);
    let mut lines = table.lines();
    for header in lines.by_ref().take(2) {
        out += header;
        out.push('\n');
    }
    for (line, s) in lines.zip(&r.scripts) {
        out += line;
        out.push('\n');
        if let Some(why) = &s.reason {
            out += &format!("  REASON: {why}\n");
        }
        for l in s.output.lines() {
            out += &format!("  OUTPUT: {l}\n");
        }
    }
    out
}

/// The scripts, one row each.
pub fn list_text(l: &ScriptList) -> String {
    let rows: Vec<Vec<String>> = l
        .scripts
        .iter()
        .map(|s| {
            let mut file = s.file.clone();
            if let Some(target) = &s.link {
                file += &format!(" -> {target}");
            }
            if let Some(problem) = &s.problem {
                file += &format!(" ({problem})");
            }
            vec![
                s.name.clone(),
                if s.enabled { "yes" } else { "no" }.to_string(),
                file,
            ]
        })
        .collect();
    format!(
        "Event scripts of node {} in {}\n\n{}",
        l.node,
        l.dir,
        format::list::table(&["Script", "Enabled", "File"], &rows)
    )
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_proto::events::{ScriptEntry, ScriptReport, ScriptResult};

    fn script(
        name: &str,
        result: ScriptResult,
        exit: Option<i32>,
        ms: u64,
        out: &str,
    ) -> ScriptReport {
        ScriptReport {
            name: name.into(),
            result,
            exit_status: exit,
            duration_ms: ms,
            output: out.into(),
            reason: None,
        }
    }

    #[test]
    fn a_report_as_text() {
        let mut late = script("50.sleepy", ScriptResult::Timedout, None, 2000, "");
        late.reason = Some("still running at the event's deadline".into());
        let r = EventReport {
            node: "n1".into(),
            event: "takeip".into(),
            args: vec!["eth0".into(), "192.0.2.10".into(), "24".into()],
            result: EventResult::Timedout,
            started_ms: 0,
            duration_ms: 2013,
            timeout_secs: 2,
            scripts: vec![
                script("01.first", ScriptResult::Ok, Some(0), 4, "hello\n"),
                script("21.noexec", ScriptResult::Disabled, None, 0, ""),
                late,
            ],
        };
        assert_eq!(
            report_text(&r),
            "Event takeip eth0 192.0.2.10 24 on node n1: TIMEDOUT (2.013 s)\n\
             \n\
             Script      Result     Exit   Duration\n\
             ------      ------     ----   --------\n\
             01.first    OK         0      0.004 s\n  OUTPUT: hello\n\
             21.noexec   DISABLED   -      -\n\
             50.sleepy   TIMEDOUT   -      2.000 s\n  REASON: still running at the event's deadline\n"
        );
        assert_eq!(outcome(&r).unwrap_err().code, ErrorCode::Method);
    }

    #[test]
    fn a_list_as_text() {
        let l = ScriptList {
            node: "n1".into(),
            dir: "/etc/rgm/events".into(),
            scripts: vec![
                ScriptEntry {
                    name: "10.interface".into(),
                    file: "10.interface.script".into(),
                    enabled: true,
                    link: Some("/usr/share/ctdb/events/legacy/10.interface.script".into()),
                    problem: None,
                },
                ScriptEntry {
                    name: "22.gone".into(),
                    file: "22.gone".into(),
                    enabled: false,
                    link: Some("/nowhere".into()),
                    problem: Some("No such file or directory".into()),
                },
            ],
            warnings: vec![],
        };
        assert_eq!(
            list_text(&l),
            "Event scripts of node n1 in /etc/rgm/events\n\
             \n\
             Script         Enabled   File\n\
             ------         -------   ----\n\
             10.interface   yes       10.interface.script -> /usr/share/ctdb/events/legacy/10.interface.script\n\
             22.gone        no        22.gone -> /nowhere (No such file or directory)\n"
        );
    }
}
