//! What a change is doing while its command waits (protocol version 2): a client that asked
//! for it in its [`Hello`](crate::Hello) gets [`Response::Progress`](crate::Response) frames —
//! each method run of the groups the change concerns, when it begins and how it ended — before
//! the one final answer. The same wording names a failed method in that answer: "START of
//! web-front on node1 timed out after 8 s: ..." with the last lines of its output.
//!
//! Every frame is small: names are bounded by the configuration's limits, a run's output is cut
//! to its last [`MAX_TAIL_LINES`] lines of at most [`MAX_TAIL_LINE`] bytes, escaped.

use serde::{Deserialize, Serialize};

use rgm_core::engine::MethodOutcome;

use crate::text::{cut, escape_controls};

/// The most lines of a method's output a progress report or an answer quotes.
pub const MAX_TAIL_LINES: usize = 5;
/// The longest quoted line of a method's output, in bytes.
pub const MAX_TAIL_LINE: usize = 512;

/// One method run: which method of which resource on which node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodStep {
    /// The RTR keyword (`START`, `MONITOR_STOP`, ...).
    pub method: String,
    pub resource: String,
    pub node: String,
}

impl std::fmt::Display for MethodStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {} on {}", self.method, self.resource, self.node)
    }
}

/// One progress report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "progress", rename_all = "snake_case")]
pub enum Progress {
    /// A method run began.
    Started { run: MethodStep, timeout_secs: i64 },
    /// A method run ended; `output` is the last lines of what it wrote when it failed.
    Ended {
        run: MethodStep,
        outcome: MethodOutcome,
        timeout_secs: i64,
        millis: u64,
        output: Vec<String>,
    },
    /// Anything else worth a line ("sent to the president, node2").
    Note { text: String },
}

impl Progress {
    /// The report of a run that ended, quoting the end of `output` if it failed.
    pub fn ended(
        run: MethodStep,
        outcome: MethodOutcome,
        timeout_secs: i64,
        millis: u64,
        output: &str,
    ) -> Progress {
        let output = match outcome {
            MethodOutcome::Exited(0) => Vec::new(),
            _ => tail(output),
        };
        Progress::Ended {
            run,
            outcome,
            timeout_secs,
            millis,
            output,
        }
    }

    /// Whether this reports a run that failed.
    pub fn failed(&self) -> bool {
        matches!(self, Progress::Ended { outcome, .. } if *outcome != MethodOutcome::Exited(0))
    }

    /// The report as lines for a person (a failure quotes its output, one line each after the
    /// first), control characters escaped.
    pub fn lines(&self) -> Vec<String> {
        let lines = match self {
            Progress::Started { run, timeout_secs } => {
                vec![format!("{run}: running (timeout {timeout_secs} s)")]
            }
            Progress::Ended {
                run,
                outcome,
                timeout_secs,
                millis,
                output,
            } => {
                let head = match outcome {
                    MethodOutcome::Exited(0) => {
                        return vec![
                            escape_controls(&format!("{run}: done in {}", seconds(*millis)))
                                .into_owned(),
                        ];
                    }
                    MethodOutcome::Exited(code) => format!("{run} failed with exit status {code}"),
                    MethodOutcome::Signaled(sig) => format!("{run} was killed by signal {sig}"),
                    MethodOutcome::TimedOut { .. } => {
                        format!("{run} timed out after {timeout_secs} s")
                    }
                    MethodOutcome::Cancelled => format!("{run} was killed on request"),
                    MethodOutcome::NotRun(why) => format!("{run} could not run: {why}"),
                    MethodOutcome::Unknown => format!(
                        "{run} ended; the previous rgmd started it, so its result is unknown"
                    ),
                };
                match output.as_slice() {
                    [] => vec![format!("{head} (no output)")],
                    [one] => vec![format!("{head}: {one}")],
                    many => std::iter::once(format!("{head}; the end of its output:"))
                        .chain(many.iter().map(|l| format!("    {l}")))
                        .collect(),
                }
            }
            Progress::Note { text } => vec![text.clone()],
        };
        lines
            .iter()
            .map(|l| escape_controls(l).into_owned())
            .collect()
    }

    /// The report with every string escaped and cut, as the daemon sends it.
    pub fn bounded(self) -> Progress {
        let name = |s: String| cut(&escape_controls(&s), MAX_TAIL_LINE).into_owned();
        let step = |r: MethodStep| MethodStep {
            method: name(r.method),
            resource: name(r.resource),
            node: name(r.node),
        };
        match self {
            Progress::Started { run, timeout_secs } => Progress::Started {
                run: step(run),
                timeout_secs,
            },
            Progress::Ended {
                run,
                outcome,
                timeout_secs,
                millis,
                output,
            } => Progress::Ended {
                run: step(run),
                outcome: match outcome {
                    MethodOutcome::NotRun(why) => MethodOutcome::NotRun(name(why)),
                    o => o,
                },
                timeout_secs,
                millis,
                output: output
                    .into_iter()
                    .rev()
                    .take(MAX_TAIL_LINES)
                    .rev()
                    .map(name)
                    .collect(),
            },
            Progress::Note { text } => Progress::Note {
                text: cut(&escape_controls(&text), crate::limits::MAX_MESSAGE_LINE).into_owned(),
            },
        }
    }
}

/// The last [`MAX_TAIL_LINES`] non-blank lines of a method's output, each escaped and cut.
pub fn tail(output: &str) -> Vec<String> {
    let mut lines: Vec<String> = output
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty())
        .take(MAX_TAIL_LINES)
        .map(|l| cut(&escape_controls(l.trim_end()), MAX_TAIL_LINE).into_owned())
        .collect();
    lines.reverse();
    lines
}

/// `0.3 s`, `12 s`.
fn seconds(millis: u64) -> String {
    if millis < 10_000 {
        format!("{:.1} s", millis as f64 / 1000.0)
    } else {
        format!("{} s", millis / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> MethodStep {
        MethodStep {
            method: "START".into(),
            resource: "web-front".into(),
            node: "node1".into(),
        }
    }

    #[test]
    fn a_failure_names_method_resource_node_and_quotes_the_end_of_the_output() {
        let out = "one\ntwo\n\nthree\nfour\nfive\nsix\n";
        let p = Progress::ended(
            start(),
            MethodOutcome::TimedOut { killed: false },
            8,
            8004,
            out,
        );
        assert!(p.failed());
        assert_eq!(
            p.lines(),
            [
                "START of web-front on node1 timed out after 8 s; the end of its output:",
                "    two",
                "    three",
                "    four",
                "    five",
                "    six",
            ]
        );
        let one = Progress::ended(start(), MethodOutcome::Exited(1), 8, 20, "port 80 in use\n");
        assert_eq!(
            one.lines(),
            ["START of web-front on node1 failed with exit status 1: port 80 in use"]
        );
        let none = Progress::ended(start(), MethodOutcome::Signaled(9), 8, 20, "");
        assert_eq!(
            none.lines(),
            ["START of web-front on node1 was killed by signal 9 (no output)"]
        );
    }

    #[test]
    fn success_and_start_are_one_line_and_output_is_not_sent_for_success() {
        let ok = Progress::ended(start(), MethodOutcome::Exited(0), 8, 312, "chatter\n");
        assert!(!ok.failed());
        assert_eq!(ok.lines(), ["START of web-front on node1: done in 0.3 s"]);
        assert!(matches!(ok, Progress::Ended { ref output, .. } if output.is_empty()));
        let s = Progress::Started {
            run: start(),
            timeout_secs: 8,
        };
        assert_eq!(
            s.lines(),
            ["START of web-front on node1: running (timeout 8 s)"]
        );
    }

    #[test]
    fn reports_are_escaped_and_bounded() {
        let long = "x".repeat(MAX_TAIL_LINE * 3);
        let out = format!("\u{1b}[2Jcleared\n{long}\n");
        let p = Progress::ended(start(), MethodOutcome::Exited(2), 8, 1, &out).bounded();
        let Progress::Ended { output, .. } = &p else {
            panic!("{p:?}")
        };
        assert_eq!(output[0], "\\u{1b}[2Jcleared");
        assert!(output[1].len() < MAX_TAIL_LINE + 40, "{}", output[1].len());
        let many = Progress::Ended {
            run: start(),
            outcome: MethodOutcome::Exited(1),
            timeout_secs: 8,
            millis: 1,
            output: vec!["l".into(); 100],
        }
        .bounded();
        assert!(matches!(many, Progress::Ended { output, .. } if output.len() == MAX_TAIL_LINES));
    }
}
