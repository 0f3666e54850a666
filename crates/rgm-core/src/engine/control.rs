//! Requests from resource type code: `scha_control` (reference §e.3; what Failover_mode
//! allows, §e.1) and `scha_resource_setstatus`.

use rtreg::Method;

use crate::config::FailoverMode;
use crate::deps::AffinityKind;
use crate::engine::Engine;
use crate::engine::action::{Action, Answer, RequestError};
use crate::engine::event::{ControlTag, RequestId};
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::ops::{Goal, Op, Step};
use crate::engine::runtime::RunPurpose;
use crate::engine::state::{RState, Status};
use crate::error::ErrorCode;

fn checks(message: String) -> RequestError {
    RequestError::new(ErrorCode::Checks, message)
}

impl Engine {
    pub(crate) fn control(
        &mut self,
        id: RequestId,
        tag: ControlTag,
        group: &str,
        resource: &str,
        node: &str,
    ) {
        let fields = [
            ("resource", resource),
            ("group", group),
            ("node", node),
            ("tag", tag.name()),
        ];
        let requested = LogRecord::decision(
            msg::CONTROL,
            Severity::Notice,
            format!(
                "scha_control {} requested by resource {resource} of resource group {group} on node {node}",
                tag.name()
            ),
            &fields,
        );
        // The request's record goes before whatever deciding it logs.
        let mark = self.out.len();
        let result = self.control_checked(id, tag, group, resource, node);
        let refusal = result.as_ref().err().map(|e| e.messages.join("; "));
        let logged = match &refusal {
            // A probe asking again and again for what cannot be done: once per window.
            Some(why) => {
                let window = self.retry_interval(resource);
                self.refusals
                    .worth_logging(resource, node, tag, why, window, self.now)
            }
            None => Some(0),
        };
        if logged.is_some() {
            self.out.insert(mark, Action::Log(requested));
        }
        match result {
            Ok(Some(op)) => self.start_op(id, op),
            Ok(None) => self.reply(id, Ok(Answer::default())),
            Err(e) => {
                if let Some(suppressed) = logged {
                    let since = if suppressed > 0 {
                        format!(" ({suppressed} identical refusal(s) since the last one logged)")
                    } else {
                        String::new()
                    };
                    self.log(LogRecord::decision(
                        msg::CONTROL_REFUSED,
                        Severity::Warning,
                        format!(
                            "scha_control {} by resource {resource} refused: {}{since}",
                            tag.name(),
                            e.messages.join("; ")
                        ),
                        &fields,
                    ));
                }
                // (Not `reply`: the refusal is logged above, or on purpose not.)
                self.emit(Action::Reply { id, result: Err(e) });
            }
        }
    }

    /// Checks a scha_control request and carries out what can be done at once; returns the
    /// operation that finishes it, if any.
    fn control_checked(
        &mut self,
        id: RequestId,
        tag: ControlTag,
        group: &str,
        resource: &str,
        node: &str,
    ) -> Result<Option<Op>, RequestError> {
        let r = self.cfg.resource(resource)?;
        if r.group != group {
            return Err(RequestError::new(
                ErrorCode::Rg,
                format!(
                    "resource {resource} is in resource group {}, not {group}",
                    r.group
                ),
            ));
        }
        let mode = self.cfg.failover_mode(r);
        let g = self.cfg.group(group)?;
        let suspended = g.suspended() || self.rt.group(group).is_some_and(|x| x.quiescing);
        let mode_name = mode.name();
        let recovery_refused = |what: &str| -> Result<(), RequestError> {
            if suspended {
                return Err(checks(format!(
                    "automatic recovery of resource group {group} is suspended; {what} refused"
                )));
            }
            Ok(())
        };
        match tag {
            ControlTag::Giveover | ControlTag::CheckGiveover => {
                if matches!(mode, FailoverMode::RestartOnly | FailoverMode::LogOnly) {
                    return Err(checks(format!(
                        "Failover_mode of {resource} is {mode_name}, which forbids GIVEOVER"
                    )));
                }
                recovery_refused("GIVEOVER")?;
                // With a +++ affinity the giveover is delegated to the target group.
                let target = g
                    .rg_affinities()
                    .into_iter()
                    .find(|a| a.kind == AffinityKind::StrongPositiveDelegated)
                    .map(|a| a.group)
                    .unwrap_or_else(|| group.to_string());
                if !self.group_state_on(&target, node).is_online() {
                    return Err(RequestError::new(
                        ErrorCode::State,
                        format!("resource group {target} is not online on node {node}"),
                    ));
                }
                let candidates = self.giveover_candidates(&target, resource, node);
                if candidates.is_empty() {
                    return Err(checks(format!(
                        "no other node can master resource group {target}"
                    )));
                }
                let check_only = tag == ControlTag::CheckGiveover;
                let mut steps = vec![
                    Step::MonitorCheck {
                        group: target.clone(),
                        candidates: candidates.clone(),
                    },
                    Step::Giveover {
                        group: target.clone(),
                        resource: resource.to_string(),
                        from: node.to_string(),
                        candidates,
                        check_only,
                    },
                ];
                if !check_only {
                    steps.push(Step::Settle {
                        groups: vec![target],
                        goal: Goal::Settled,
                    });
                }
                Ok(Some(Op::new(steps)))
            }
            ControlTag::Restart | ControlTag::CheckRestart => {
                if matches!(mode, FailoverMode::RestartOnly | FailoverMode::LogOnly) {
                    return Err(checks(format!(
                        "Failover_mode of {resource} is {mode_name}, which forbids RESTART"
                    )));
                }
                recovery_refused("RESTART")?;
                if !self.group_state_on(group, node).is_online() {
                    return Err(RequestError::new(
                        ErrorCode::State,
                        format!("resource group {group} is not online on node {node}"),
                    ));
                }
                if tag == ControlTag::CheckRestart {
                    return Ok(None);
                }
                self.note_group_restart(group, node);
                self.rt.group_node_mut(group, node).restarting = true;
                self.log(LogRecord::decision(
                    msg::RESTART,
                    Severity::Notice,
                    format!("restarting resource group {group} on node {node} (scha_control RESTART by {resource})"),
                    &[("group", group), ("node", node), ("resource", resource)],
                ));
                self.touch_group(group);
                Ok(Some(Op::new([Step::Settle {
                    groups: vec![group.to_string()],
                    goal: Goal::Online(Some(vec![node.to_string()])),
                }])))
            }
            ControlTag::ResourceRestart | ControlTag::ResourceIsRestarted => {
                if mode == FailoverMode::LogOnly {
                    return Err(checks(format!(
                        "Failover_mode of {resource} is LOG_ONLY, which forbids restarts"
                    )));
                }
                recovery_refused(tag.name())?;
                if !self.rt.state(resource, node).is_started() {
                    return Err(RequestError::new(
                        ErrorCode::State,
                        format!("resource {resource} is not online on node {node}"),
                    ));
                }
                // A restart only makes sense where the resource is meant to stay up.
                let staying = crate::engine::readiness::Want::new(self).up(resource, node);
                if !staying || self.stop_failed_node(group).is_some() {
                    return Err(RequestError::new(
                        ErrorCode::State,
                        format!(
                            "resource {resource} is going offline on node {node} (or its group is STOP_FAILED); not restarting it"
                        ),
                    ));
                }
                if mode == FailoverMode::RestartOnly {
                    let (allowed, done, limit) = self.restart_allowed(resource, node);
                    if !allowed {
                        return Err(checks(format!(
                            "resource {resource} has been restarted {done} time(s) within Retry_interval; Retry_count is {limit} and Failover_mode is RESTART_ONLY"
                        )));
                    }
                }
                self.note_resource_restart(resource, node);
                let restart_self = tag == ControlTag::ResourceRestart;
                self.log(LogRecord::decision(
                    msg::RESTART,
                    Severity::Notice,
                    if restart_self {
                        format!("restarting resource {resource} on node {node} (scha_control RESOURCE_RESTART)")
                    } else {
                        format!("resource {resource} was restarted on node {node} by its monitor (RESOURCE_IS_RESTARTED)")
                    },
                    &[("resource", resource), ("group", group), ("node", node)],
                ));
                let groups = self.bounce_resource(resource, node, restart_self);
                if !restart_self {
                    return Ok(None);
                }
                let mut steps = vec![Step::Settle {
                    groups,
                    goal: Goal::Settled,
                }];
                steps.push(Step::Settle {
                    groups: vec![group.to_string()],
                    goal: Goal::StartedOn(resource.to_string(), node.to_string()),
                });
                Ok(Some(Op::new(steps)))
            }
            ControlTag::IgnoreFailedStart => {
                if !matches!(
                    self.rt.state(resource, node),
                    RState::Starting | RState::PrenetStarting
                ) {
                    return Err(RequestError::new(
                        ErrorCode::State,
                        format!("resource {resource} is not starting on node {node}"),
                    ));
                }
                self.rt.res_mut(resource, node).ignore_failed_start = true;
                Ok(None)
            }
            ControlTag::ResourceDisable => {
                if mode == FailoverMode::LogOnly {
                    return Err(checks(format!(
                        "Failover_mode of {resource} is LOG_ONLY, which forbids a disable request"
                    )));
                }
                let change = crate::change::Change::SetEnabled {
                    resource: resource.to_string(),
                    nodes: Some(vec![node.to_string()]),
                    enabled: false,
                };
                Ok(Some(Op::new([Step::Apply(change)])))
            }
            ControlTag::ChangeStateOnline | ControlTag::ChangeStateOffline => {
                let proxy = self.cfg.type_of(r).is_ok_and(|t| t.spec.proxy);
                if !proxy {
                    return Err(RequestError::new(
                        ErrorCode::Inval,
                        format!(
                            "{} applies only to resources of Proxy types; {resource} is not one",
                            tag.name()
                        ),
                    ));
                }
                let state = if tag == ControlTag::ChangeStateOnline {
                    RState::Online
                } else {
                    RState::Offline
                };
                self.set_state(resource, node, state);
                let _ = id;
                Ok(None)
            }
        }
    }

    /// Nodes a GIVEOVER may go to, most preferred first: fit for a new start, not the node it
    /// leaves, not already a primary, and not a node this resource gave the group away from
    /// within Pingpong_interval.
    pub(crate) fn giveover_candidates(
        &self,
        group: &str,
        resource: &str,
        from: &str,
    ) -> Vec<String> {
        let Some(g) = self.cfg.groups.get(group) else {
            return Vec::new();
        };
        let Some(grt) = self.rt.group(group) else {
            return Vec::new();
        };
        let pingpong = g.pingpong_interval();
        g.nodelist()
            .into_iter()
            .filter(|n| n != from && !grt.primaries.contains(n))
            .filter(|n| self.fitness(group, n, true).is_ok())
            .filter(|n| {
                !grt.giveovers.iter().any(|(r, away, t)| {
                    r == resource && away == n && self.now.secs_since(*t) < pingpong
                })
            })
            .collect()
    }

    pub(crate) fn monitor_check(&mut self, id: RequestId, group: &str, candidates: &[String]) {
        let members: Vec<String> = self
            .cfg
            .groups
            .get(group)
            .map(|g| g.resources.clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| self.has_method(r, Method::MonitorCheck))
            .collect();
        for r in &members {
            for n in candidates {
                if let Some(run) = self.launch(r, n, Method::MonitorCheck, RunPurpose::Op(id), None)
                    && let Some(op) = self.ops.get_mut(&id)
                {
                    op.waiting.insert(run);
                }
            }
        }
    }

    pub(crate) fn giveover(
        &mut self,
        id: RequestId,
        group: &str,
        resource: &str,
        from: &str,
        candidates: &[String],
        check_only: bool,
    ) -> Result<bool, RequestError> {
        let failed = self
            .ops
            .get(&id)
            .map(|op| op.check_failures.clone())
            .unwrap_or_default();
        let Some(to) = candidates.iter().find(|n| !failed.contains(*n)).cloned() else {
            return Err(checks(format!(
                "MONITOR_CHECK failed on every candidate node ({}) for resource group {group}",
                candidates.join(", ")
            )));
        };
        if check_only {
            return Ok(true);
        }
        self.log(LogRecord::decision(
            msg::FAILOVER,
            Severity::Warning,
            format!("resource group {group} giving over from node {from} to node {to} (scha_control GIVEOVER by {resource})"),
            &[("group", group), ("resource", resource), ("node", from)],
        ));
        self.note_giveover(group, resource, from);
        let mut next = self
            .rt
            .group(group)
            .map(|g| g.primaries.clone())
            .unwrap_or_default();
        next.remove(from);
        next.insert(to);
        self.set_primaries(group, next);
        Ok(true)
    }

    pub(crate) fn set_status(
        &mut self,
        id: RequestId,
        resource: &str,
        node: &str,
        status: Status,
        message: Option<String>,
    ) {
        if let Err(e) = self.cfg.resource(resource) {
            self.reply(id, Err(RequestError::new(ErrorCode::Rsrc, e.to_string())));
            return;
        }
        let message = message.unwrap_or_default();
        let x = self.rt.res_mut(resource, node);
        let status_changed = x.status != status;
        let msg_changed = x.status_msg != message;
        x.status = status;
        x.status_msg = message.clone();
        self.msg_writes += 1;
        if status_changed {
            self.log(LogRecord::status(resource, node, status));
        }
        if msg_changed {
            self.log(LogRecord::status_msg(resource, node, &message));
        }
        if status_changed {
            // FAULTED makes the group ONLINE_FAULTED; OK again, ONLINE.
            self.touch_resource(resource);
        }
        self.reply(id, Ok(Answer::default()));
    }
}
