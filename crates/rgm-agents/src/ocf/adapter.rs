//! The OCF adapter's methods: each runs one action of the agent with the environment Pacemaker
//! gives agents, and reads its exit code.

use std::path::PathBuf;
use std::time::Duration;

use rgm_core::engine::{ControlTag, Status};

use super::exit::{Rc, exit_reason};
use super::rtr::parameter_name;
use crate::args::MethodArgs;
use crate::method::{Ctx, finish};
use crate::probe::{Check, Health};
use crate::props::{Pending, ResourceProps, value_text};
use crate::run::{Command, Finished, run};

/// An agent, found from its registered type: `RT_basedir/Resource_type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub path: PathBuf,
    pub provider: String,
    pub agent: String,
    pub ocf_root: PathBuf,
}

impl Agent {
    pub fn of(spec: &rtreg::ResourceTypeSpec) -> Result<Agent, String> {
        let base = spec
            .rt_basedir
            .as_deref()
            .ok_or_else(|| format!("type {} has no RT_basedir", spec.name))?;
        let base = PathBuf::from(base);
        let ocf_root = base
            .parent()
            .and_then(|p| p.parent())
            .map(PathBuf::from)
            .ok_or_else(|| {
                format!(
                    "RT_basedir {} is not OCF_ROOT/resource.d/PROVIDER",
                    base.display()
                )
            })?;
        Ok(Agent {
            path: base.join(&spec.resource_type),
            provider: spec.vendor_id.clone().unwrap_or_default(),
            agent: spec.resource_type.clone(),
            ocf_root,
        })
    }
}

/// One action to run.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub agent: &'a Agent,
    pub resource: &'a str,
    pub node: &'a str,
    pub node_id: u32,
    /// `OCF_RESKEY_<name>` values.
    pub params: Vec<(String, String)>,
    pub action: &'a str,
    pub timeout: Duration,
    /// The monitor's interval (0 for other actions).
    pub interval: Duration,
    pub check_level: Option<i64>,
}

/// The environment of an action, after rgm's `HOME`, `PATH` and `RGM_SOCKET`: what
/// Pacemaker's executor sets (OCF_ROOT, OCF_RA_VERSION_MAJOR/MINOR, OCF_RESOURCE_INSTANCE,
/// OCF_RESOURCE_TYPE, OCF_RESOURCE_PROVIDER, OCF_EXIT_REASON_PREFIX, `OCF_RESKEY_<param>` for
/// every parameter the administrator set, OCF_CHECK_LEVEL for a monitor with a depth) and the
/// meta values agents read (`OCF_RESKEY_CRM_meta_timeout` and `_interval` in milliseconds,
/// `_name`, `_on_node`, `_on_node_uuid`).
pub fn environment(call: &Call<'_>) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "OCF_ROOT".to_string(),
            call.agent.ocf_root.display().to_string(),
        ),
        ("OCF_RA_VERSION_MAJOR".into(), "1".into()),
        ("OCF_RA_VERSION_MINOR".into(), "1".into()),
        ("OCF_RESOURCE_INSTANCE".into(), call.resource.into()),
        ("OCF_RESOURCE_TYPE".into(), call.agent.agent.clone()),
        ("OCF_RESOURCE_PROVIDER".into(), call.agent.provider.clone()),
        (
            "OCF_EXIT_REASON_PREFIX".into(),
            super::exit::EXIT_REASON_PREFIX.into(),
        ),
    ];
    for (name, value) in &call.params {
        env.push((format!("OCF_RESKEY_{name}"), value.clone()));
    }
    env.push(("OCF_RESKEY_CRM_meta_name".into(), call.action.into()));
    env.push((
        "OCF_RESKEY_CRM_meta_timeout".into(),
        call.timeout.as_millis().to_string(),
    ));
    env.push((
        "OCF_RESKEY_CRM_meta_interval".into(),
        call.interval.as_millis().to_string(),
    ));
    env.push(("OCF_RESKEY_CRM_meta_on_node".into(), call.node.into()));
    env.push((
        "OCF_RESKEY_CRM_meta_on_node_uuid".into(),
        call.node_id.to_string(),
    ));
    if let Some(level) = call.check_level {
        env.push(("OCF_CHECK_LEVEL".into(), level.to_string()));
    }
    env
}

/// Runs an action; the agent gets 90 % of the time left to it (its grace period within the
/// rest), so that rgm-exec never has to kill the method around it.
pub fn call(c: &Call<'_>) -> (Rc, Finished) {
    let mut cmd = Command::new(
        c.action,
        vec![c.agent.path.display().to_string(), c.action.to_string()],
        c.timeout,
    );
    cmd.env = environment(c);
    cmd.grace = c
        .timeout
        .mul_f64(0.05)
        .clamp(Duration::from_millis(100), Duration::from_secs(10));
    let f = run(&cmd);
    (Rc::of(f.code), f)
}

/// The text of an OCF parameter's value (booleans as `true`/`false`).
fn param_text(v: &rtreg::Value) -> String {
    match v {
        rtreg::Value::Bool(b) => b.to_string(),
        other => value_text(other),
    }
}

/// The parameters of a resource the administrator set, as `(OCF name, value)`.
pub fn parameters(props: &ResourceProps) -> Vec<(String, String)> {
    let Some(t) = props.rtype() else {
        return Vec::new();
    };
    t.spec
        .properties
        .iter()
        .filter(|p| p.extension)
        .filter_map(|p| {
            let ocf = parameter_name(&p.name)?;
            let v = props.explicit(&p.name)?;
            Some((ocf, param_text(v)))
        })
        .collect()
}

/// What a method says about an action's result: its exit reason, else its output's last line.
fn reason(rc: Rc, f: &Finished) -> String {
    let why = exit_reason(&f.output).or_else(|| {
        f.output
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .map(str::to_string)
    });
    let what = match rc {
        Rc::NoResult => f.how.clone(),
        rc => format!("{} ({})", f.how, rc.name()),
    };
    match why {
        Some(w) => format!("{w} [{what}]"),
        None => what,
    }
}

/// The context of a running-resource method: the agent and one action's call data.
struct Running {
    ctx: Ctx,
    agent: Agent,
}

impl Running {
    fn load(who: &str) -> Result<Running, String> {
        let ctx = Ctx::load(who)?;
        let spec = &ctx.props.rtype().ok_or("the resource's type is gone")?.spec;
        let agent = Agent::of(spec)?;
        Ok(Running { ctx, agent })
    }

    fn call(&self, action: &str, timeout_property: &str) -> (Rc, Finished) {
        let props = &self.ctx.props;
        let timeout = self.ctx.timeout(timeout_property).mul_f64(0.9);
        let c = Call {
            agent: &self.agent,
            resource: &self.ctx.args.resource,
            node: props.node(),
            node_id: props.node_id(),
            params: parameters(props),
            action,
            timeout,
            interval: Duration::ZERO,
            check_level: None,
        };
        let (rc, f) = call(&c);
        print!("{}", f.output);
        (rc, f)
    }
}

/// START: `start`. 0 (or 8, 190, 191) is started; 6 is a configuration error, which must not
/// make the group fail over (`scha_control IGNORE_FAILED_START`); everything else is a failed
/// start, handled by Failover_mode.
pub fn start() -> i32 {
    finish((|| {
        let mut r = Running::load("ocf_svc_start")?;
        let (rc, f) = r.call("start", "Start_timeout");
        let why = reason(rc, &f);
        match rc {
            Rc::Success | Rc::RunningPromoted => {
                r.ctx.set_status(
                    Status::Ok,
                    &exit_reason(&f.output).unwrap_or_else(|| "started".into()),
                );
                Ok(String::new())
            }
            Rc::Degraded | Rc::DegradedPromoted => {
                r.ctx.set_status(Status::Degraded, &why);
                Ok(String::new())
            }
            Rc::Configured => {
                let (g, res) = (r.ctx.args.group.clone(), r.ctx.args.resource.clone());
                let _ = r.ctx.rgm.control(ControlTag::IgnoreFailedStart, &g, &res);
                let text = format!("configuration error: {why}; not failed over");
                r.ctx.set_status(Status::Faulted, &text);
                Err(format!("start of {res}: {text}"))
            }
            rc if rc.is_hard() => {
                let text = format!("hard error on node {}: {why}", r.ctx.props.node());
                r.ctx.set_status(Status::Faulted, &text);
                Err(format!("start of {}: {text}", r.ctx.args.resource))
            }
            _ => {
                r.ctx
                    .set_status(Status::Faulted, &format!("start failed: {why}"));
                Err(format!("start of {} failed: {why}", r.ctx.args.resource))
            }
        }
    })())
}

/// STOP: `stop`; 0 or 7 is stopped.
pub fn stop() -> i32 {
    finish((|| {
        let r = Running::load("ocf_svc_stop")?;
        let (rc, f) = r.call("stop", "Stop_timeout");
        match rc {
            Rc::Success | Rc::NotRunning => Ok(String::new()),
            rc => Err(format!(
                "stop of {} failed: {}",
                r.ctx.args.resource,
                reason(rc, &f)
            )),
        }
    })())
}

/// UPDATE: `reload-agent` (OCF 1.1) or `reload`, so changed parameters take effect.
pub fn update() -> i32 {
    finish((|| {
        let r = Running::load("ocf_update")?;
        let action = if has_action(&r.agent, "reload-agent") {
            "reload-agent"
        } else {
            "reload"
        };
        let (rc, f) = r.call(action, "Update_timeout");
        match rc {
            Rc::Success => Ok(String::new()),
            rc => Err(format!(
                "{action} of {} failed: {}",
                r.ctx.args.resource,
                reason(rc, &f)
            )),
        }
    })())
}

fn has_action(agent: &Agent, action: &str) -> bool {
    super::read_meta_data(&agent.path, &agent.provider, &agent.agent).is_ok_and(|m| m.has(action))
}

/// VALIDATE (with `-c`/`-u`: the values being set) and MONITOR_CHECK (the current values):
/// `validate-all` with OCF_CHECK_LEVEL=10, since both run on the node concerned.
pub fn validate() -> i32 {
    finish((|| {
        let args = MethodArgs::parse(std::env::args().skip(1))?;
        let p = Pending::load("ocf_validate", &args)?;
        let agent = Agent::of(&p.spec)?;
        let mut params = Vec::new();
        for prop in p.spec.properties.iter().filter(|x| x.extension) {
            let Some(ocf) = parameter_name(&prop.name) else {
                continue;
            };
            let value = p.value(&prop.name)?;
            let set = if args.creating == Some(true) {
                value != prop.default
            } else {
                p.is_set(&prop.name)
            };
            if let (true, Some(v)) = (set, value) {
                params.push((ocf, param_text(&v)));
            }
        }
        let node = p.view.node.clone();
        let node_id = p.view.config.nodes.get(&node).map_or(0, |n| n.id);
        let timeout_prop = if args.is_validate() {
            "Validate_timeout"
        } else {
            "Monitor_check_timeout"
        };
        let secs = p.int(timeout_prop)?.unwrap_or(20).max(1) as u64;
        let c = Call {
            agent: &agent,
            resource: &args.resource,
            node: &node,
            node_id,
            params,
            action: "validate-all",
            timeout: Duration::from_secs(secs).mul_f64(0.9),
            interval: Duration::ZERO,
            check_level: Some(10),
        };
        let (rc, f) = call(&c);
        match rc {
            Rc::Success => Ok(String::new()),
            rc => Err(format!(
                "{}: validate-all refuses it: {}",
                args.resource,
                reason(rc, &f)
            )),
        }
    })())
}

/// The fault monitor's check: `monitor`.
#[derive(Debug, Clone)]
pub struct OcfCheck;

impl Check for OcfCheck {
    fn check(&mut self, props: &ResourceProps) -> Health {
        let Some(t) = props.rtype() else {
            return Health::Busy;
        };
        let agent = match Agent::of(&t.spec) {
            Ok(a) => a,
            Err(e) => return Health::Misconfigured(e),
        };
        let level = props.int("OCF_CHECK_LEVEL").unwrap_or(0);
        let c = Call {
            agent: &agent,
            resource: &props.name,
            node: props.node(),
            node_id: props.node_id(),
            params: parameters(props),
            action: "monitor",
            timeout: Duration::from_secs(props.int("Probe_timeout").unwrap_or(20).max(1) as u64),
            interval: Duration::from_secs(
                props.int("Thorough_probe_interval").unwrap_or(10).max(1) as u64,
            ),
            check_level: (level != 0).then_some(level),
        };
        let (rc, f) = call(&c);
        let why = reason(rc, &f);
        if rc != Rc::Success {
            print!("{}", f.output);
        }
        match rc {
            Rc::Success => Health::Ok(exit_reason(&f.output).unwrap_or_else(|| "running".into())),
            Rc::RunningPromoted => Health::Ok(format!("running (promoted) [{}]", rc.name())),
            Rc::Degraded | Rc::DegradedPromoted => Health::Degraded(why),
            Rc::NotRunning => Health::Failed(format!("not running: {why}")),
            Rc::Configured => Health::Misconfigured(why),
            rc if rc.is_hard() => {
                Health::Hard(format!("hard error on node {}: {why}", props.node()))
            }
            _ => Health::Failed(format!("monitor failed: {why}")),
        }
    }
}

/// MONITOR_START, or with `--probe` the fault monitor itself.
pub fn monitor_start() -> i32 {
    if std::env::args().nth(1).as_deref() == Some("--probe") {
        return match MethodArgs::parse(std::env::args().skip(2)) {
            Ok(args) => crate::probe::run("ocf_probe", args, OcfCheck),
            Err(e) => {
                eprintln!("ocf probe: {e}");
                2
            }
        };
    }
    crate::method::monitor_start("ocf_monitor_start")
}

/// MONITOR_STOP.
pub fn monitor_stop() -> i32 {
    crate::method::monitor_stop("ocf_monitor_stop")
}
