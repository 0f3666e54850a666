//! What rgmd checks of a request before the engine sees it (the host runs [`admit`] on every
//! request, from this node's socket or forwarded by another): the things only the daemon can
//! know, so the engine stays pure.
//!
//! - **Method files.** When a type is registered, installed on this node (`Installed_nodes`), or
//!   a resource moves to another `Type_version`, each method of the type is checked as rgm-exec
//!   will check it before running it ([`rgm_exec::safety`]): a path that is not a regular,
//!   executable file owned by root or rgmd's user, in a directory only they can write, or that
//!   leads into `/proc` or `/sys`, is refused with the path and the reason.
//! - **Size.** A change that could make the view (the largest answer) larger than a frame is
//!   refused with the size and the limit ([`rgm_proto::limits::view_bound`]), and so is a
//!   status message that would; one over [`MAX_STATUS_MSG`] is cut to it. A change is first
//!   bounded from the request alone (`growth`), added to the view's size kept from request to
//!   request at the cost of what changed (`view_size`); only one that might reach the limit
//!   is worked out exactly.
//!
//! A request these checks cannot judge (it names something that does not exist, say) is passed
//! on: the engine refuses it with every reason.

mod growth;
mod view_size;

pub use view_size::ViewSize;

use std::path::Path;

use rgm_core::engine::{AdminRequest, Engine};
use rgm_core::{ClusterConfig, ErrorCode, InstalledNodesEdit, NothingRunning};
use rgm_proto::limits::{MAX_FRAME, MAX_STATUS_MSG, json_len, status_msg_bytes, view_bound};
use rgm_proto::text::cut;
use rgm_proto::{Request, Response};

/// [`Admission::admit`] with nothing kept from earlier requests.
pub fn admit(request: &mut Request, engine: &Engine, node: &str) -> Result<(), Response> {
    Admission::default().admit(request, engine, node)
}

/// The checks, with the size of the view kept between requests ([`ViewSize`]).
#[derive(Default)]
pub struct Admission {
    view: ViewSize,
}

impl Admission {
    /// `Ok` when the request may go to the engine, else the refusal to send back. A status
    /// message over [`MAX_STATUS_MSG`] is cut to it (a monitor reporting too much is still
    /// heard), ending with how much was cut.
    pub fn admit(
        &mut self,
        request: &mut Request,
        engine: &Engine,
        node: &str,
    ) -> Result<(), Response> {
        admit_with(&mut self.view, request, engine, node)
    }
}

fn admit_with(
    view: &mut ViewSize,
    request: &mut Request,
    engine: &Engine,
    node: &str,
) -> Result<(), Response> {
    match request {
        Request::Admin(admin) | Request::AdminAsync(admin) | Request::DryRun(admin) => {
            admit_change(view, admin, engine, node)
        }
        Request::SetStatus {
            resource,
            message: Some(message),
            ..
        } => {
            if message.len() > MAX_STATUS_MSG {
                *message = cut(message, MAX_STATUS_MSG - 64).into_owned();
            }
            admit_status(view, resource, message, engine, node)
        }
        _ => Ok(()),
    }
}

fn admit_status(
    view: &mut ViewSize,
    resource: &str,
    message: &str,
    engine: &Engine,
    node: &str,
) -> Result<(), Response> {
    let (_, old) = engine.resource_status(resource, node);
    // Far from the limit by the kept bound: no need to work the view out.
    if view.bound(engine, node) - msg_bytes(&old) + msg_bytes(message) <= MAX_FRAME {
        return Ok(());
    }
    let msgs = status_msg_bytes(engine) - msg_bytes(&old) + msg_bytes(message);
    check_view(engine.config(), node, msgs)
}

/// What a status message adds to the view.
fn msg_bytes(message: &str) -> usize {
    if message.is_empty() {
        0
    } else {
        json_len(message) - 2
    }
}

fn admit_change(
    view: &mut ViewSize,
    request: &AdminRequest,
    engine: &Engine,
    node: &str,
) -> Result<(), Response> {
    let current = engine.config();
    let Some(changes) = rgm_core::requested::config_changes(request, current) else {
        return Ok(());
    };
    if let Some(growth) = growth::growth_bound(request, current) {
        let problems = methods_brought_here(request, current, node);
        if !problems.is_empty() {
            return Err(refuse_methods(problems));
        }
        if view.bound(engine, node) + growth <= MAX_FRAME {
            return Ok(());
        }
    }
    let msgs = status_msg_bytes(engine);
    // Near the limit, or a change whose effect only the configuration it makes tells: make it.
    let mut next: Option<ClusterConfig> = None;
    for change in &changes {
        match next
            .as_ref()
            .unwrap_or(current)
            .plan(change, &NothingRunning)
        {
            Ok(plan) => next = Some(plan.next),
            // The engine refuses it, with every reason.
            Err(_) => return Ok(()),
        }
    }
    let Some(next) = next else {
        return Ok(());
    };
    let problems = method_problems(current, &next, node);
    if !problems.is_empty() {
        return Err(refuse_methods(problems));
    }
    check_view(&next, node, msgs)
}

fn refuse_methods(problems: Vec<String>) -> Response {
    Response::Refused {
        code: ErrorCode::Inval,
        messages: problems,
    }
}

/// The method problems of the type a request registers or installs on `node`, told from the
/// request.
fn methods_brought_here(request: &AdminRequest, cfg: &ClusterConfig, node: &str) -> Vec<String> {
    match request {
        AdminRequest::RegisterType {
            spec,
            installed_nodes,
            ..
        } if installed_nodes
            .as_ref()
            .is_none_or(|nodes| nodes.iter().any(|n| n == node)) =>
        {
            type_methods(&spec.name, spec)
        }
        AdminRequest::UpdateType {
            name,
            installed_nodes: Some(edit),
            ..
        } => {
            let arrives = match edit {
                InstalledNodesEdit::All => true,
                InstalledNodesEdit::Set(nodes) | InstalledNodesEdit::Add(nodes) => {
                    nodes.iter().any(|n| n == node)
                }
                InstalledNodesEdit::Remove(_) => false,
            };
            match cfg.resolve_type(name) {
                Ok(t) if arrives && !t.installed_on(node) => type_methods(t.name(), &t.spec),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// The view of `config` must fit a frame.
fn check_view(config: &ClusterConfig, node: &str, status_msgs: usize) -> Result<(), Response> {
    let bound = view_bound(config, node, status_msgs);
    if bound <= MAX_FRAME {
        return Ok(());
    }
    Err(Response::refused(
        ErrorCode::Inval,
        format!(
            "the change would let the cluster view grow to {bound} bytes (the configuration \
             alone would be {} bytes), over the protocol's limit of {MAX_FRAME} bytes; nothing \
             was changed",
            json_len(config)
        ),
    ))
}

/// The method files of the types a change brings to `node` — newly registered or installed
/// here, or moved to by a resource — that rgm-exec would refuse to run, each with its reason.
fn method_problems(current: &ClusterConfig, next: &ClusterConfig, node: &str) -> Vec<String> {
    let mut types: Vec<&str> = next
        .types
        .values()
        .filter(|t| t.installed_on(node))
        .filter(|t| {
            current
                .types
                .get(t.name())
                .is_none_or(|before| !before.installed_on(node))
        })
        .map(|t| t.name())
        .collect();
    for (name, r) in &next.resources {
        let moved = current
            .resources
            .get(name)
            .is_some_and(|before| before.type_name != r.type_name);
        if moved
            && next
                .types
                .get(&r.type_name)
                .is_some_and(|t| t.installed_on(node))
        {
            types.push(&r.type_name);
        }
    }
    types.sort_unstable();
    types.dedup();
    types
        .into_iter()
        .flat_map(|name| type_methods(name, &next.types[name].spec))
        .collect()
}

/// The methods of a type that rgm-exec would refuse to run, each with its reason.
fn type_methods(name: &str, spec: &rtreg::ResourceTypeSpec) -> Vec<String> {
    let owners = rgm_exec::safety::default_owners();
    spec.methods
        .iter()
        .filter_map(|(method, path)| {
            rgm_exec::safety::check_method_file(Path::new(path), &owners)
                .err()
                .map(|refusal| {
                    format!(
                        "resource type {name}, method {method}: {refusal}; rgmd will not run it"
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::testkit::{TypeBuilder, cluster, group, must, resource};
    use rgm_core::{Change, InstalledNodesEdit};

    /// A type whose methods (under /opt/ACME/bin) do not exist.
    fn missing_methods(version: &str) -> rtreg::ResourceTypeSpec {
        TypeBuilder::new("ACME", "gone", version).build()
    }

    fn problems_of(current: &ClusterConfig, change: Change, node: &str) -> Vec<String> {
        let mut next = current.clone();
        next.apply(&change, &NothingRunning)
            .expect("a valid change");
        method_problems(current, &next, node)
    }

    #[test]
    fn methods_are_checked_where_and_when_the_type_comes_to_this_node() {
        let cfg = cluster(&["n1", "n2"]);
        let elsewhere = Change::RegisterType {
            spec: Box::new(missing_methods("1")),
            installed_nodes: Some(vec!["n2".into()]),
            rt_system: None,
        };
        assert_eq!(
            problems_of(&cfg, elsewhere.clone(), "n1"),
            Vec::<String>::new()
        );
        let problems = problems_of(&cfg, elsewhere.clone(), "n2");
        assert_eq!(
            problems,
            [
                "resource type ACME.gone:1, method START: method file /opt/ACME/bin/gone_start does not exist; rgmd will not run it",
                "resource type ACME.gone:1, method STOP: method file /opt/ACME/bin/gone_stop does not exist; rgmd will not run it",
            ]
        );
        // Installed here later: checked then.
        let mut cfg = cfg;
        must(&mut cfg, elsewhere);
        let here = Change::UpdateType {
            name: "ACME.gone:1".into(),
            installed_nodes: Some(InstalledNodesEdit::Add(vec!["n1".into()])),
            rt_system: None,
        };
        assert_eq!(problems_of(&cfg, here, "n1").len(), 2);
        // Told from the request alone, the same.
        let register_here = AdminRequest::RegisterType {
            spec: Box::new(missing_methods("2")),
            installed_nodes: None,
            rt_system: None,
        };
        assert_eq!(methods_brought_here(&register_here, &cfg, "n1").len(), 2);
        let add_here = AdminRequest::UpdateType {
            name: "gone".into(),
            installed_nodes: Some(InstalledNodesEdit::Add(vec!["n1".into()])),
            rt_system: None,
        };
        assert_eq!(methods_brought_here(&add_here, &cfg, "n1").len(), 2);
        assert_eq!(
            methods_brought_here(&add_here, &cfg, "n2"),
            Vec::<String>::new()
        );
        // A change that brings no type here checks nothing.
        let other = Change::UpdateType {
            name: "ACME.gone:1".into(),
            installed_nodes: None,
            rt_system: Some(true),
        };
        assert_eq!(problems_of(&cfg, other, "n1"), Vec::<String>::new());
    }

    #[test]
    fn a_resource_moving_to_another_type_version_has_that_type_checked() {
        let mut cfg = cluster(&["n1"]);
        group(&mut cfg, "rg", &[]);
        resource(&mut cfg, "r", "rg", &[]);
        must(
            &mut cfg,
            Change::RegisterType {
                spec: Box::new(missing_methods("2")),
                installed_nodes: None,
                rt_system: None,
            },
        );
        let mut next = cfg.clone();
        next.resources.get_mut("r").unwrap().type_name = "ACME.gone:2".into();
        let problems = method_problems(&cfg, &next, "n1");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("resource type ACME.gone:2, method START"));
    }

    #[test]
    fn a_status_message_over_the_limit_is_cut_saying_so() {
        let mut cfg = cluster(&["n1"]);
        group(&mut cfg, "rg", &[]);
        resource(&mut cfg, "r", "rg", &[]);
        let engine = Engine::new(cfg);
        let request = |message: String| Request::SetStatus {
            resource: "r".into(),
            group: "rg".into(),
            status: rgm_core::engine::Status::Ok,
            message: Some(message),
        };
        let mut fits = request("m".repeat(MAX_STATUS_MSG));
        assert!(admit(&mut fits, &engine, "n1").is_ok());
        assert_eq!(fits, request("m".repeat(MAX_STATUS_MSG)));
        let mut long = request("m".repeat(100_000));
        assert!(admit(&mut long, &engine, "n1").is_ok());
        let Request::SetStatus {
            message: Some(m), ..
        } = long
        else {
            panic!("{long:?}")
        };
        assert!(m.len() <= MAX_STATUS_MSG, "{} bytes", m.len());
        let kept = MAX_STATUS_MSG - 64;
        assert!(
            m.ends_with(&format!("... ({} more bytes not shown)", 100_000 - kept)),
            "{m}"
        );
    }
}
