//! What arrives on rgmd's socket: any bytes as a stream of frames and as one message body of
//! each kind. Nothing panics; a request that decodes survives its own encoding, and the
//! configuration changes it asks for are checked (against a small cluster) by the rules every
//! change passes, crafted types and values included; the message lines of an answer, as rgmd
//! sends them, are escaped and bounded.

#![no_main]

use libfuzzer_sys::fuzz_target;

use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::testkit::{cluster, group, resource};
use rgm_core::{Change, ClusterConfig, NothingRunning};
use rgm_proto::limits::{MAX_MESSAGE_LINE, MAX_MESSAGES};
use rgm_proto::{Hello, HelloReply, Request, Response, decode, encode, read_frame};

thread_local! {
    static CONFIG: ClusterConfig = {
        let mut cfg = cluster(&["n1", "n2"]);
        group(&mut cfg, "rg1", &[]);
        resource(&mut cfg, "r1", "rg1", &[]);
        cfg
    };
}

/// The changes of the requests that carry types, names and values.
fn changes(request: &AdminRequest) -> Vec<Change> {
    let named = |operands: &Operands| match operands {
        Operands::All => vec!["rg1".to_string(), "r1".to_string()],
        Operands::Named(names) => names.clone(),
    };
    match request {
        AdminRequest::RegisterType {
            spec,
            installed_nodes,
            rt_system,
        } => vec![Change::RegisterType {
            spec: spec.clone(),
            installed_nodes: installed_nodes.clone(),
            rt_system: *rt_system,
        }],
        AdminRequest::CreateGroup {
            names,
            scalable,
            edits,
        } => names
            .iter()
            .map(|name| Change::CreateGroup {
                name: name.clone(),
                scalable: *scalable,
                edits: edits.clone(),
            })
            .collect(),
        AdminRequest::UpdateGroup { groups, edits } => named(groups)
            .into_iter()
            .map(|name| Change::UpdateGroup {
                name,
                edits: edits.clone(),
            })
            .collect(),
        AdminRequest::CreateResource {
            names,
            group,
            type_name,
            edits,
            enabled,
        } => names
            .iter()
            .map(|name| Change::CreateResource {
                name: name.clone(),
                group: group.clone(),
                type_name: type_name.clone(),
                edits: edits.clone(),
                enabled: *enabled,
            })
            .collect(),
        AdminRequest::UpdateResource { resources, edits } => named(resources)
            .into_iter()
            .map(|name| Change::UpdateResource {
                name,
                edits: edits.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn request(req: &Request) {
    let frame = encode(req).expect("a decoded request encodes");
    let back: Request = decode(&frame[4..]).expect("and decodes again");
    assert_eq!(&back, req);
    if let Request::Admin(admin) = req {
        CONFIG.with(|cfg| {
            for change in changes(admin) {
                if let Ok(plan) = cfg.plan(&change, &NothingRunning) {
                    // An accepted type is within the limits, whoever built it.
                    if let Change::RegisterType { spec, .. } = &change {
                        assert_eq!(rtreg::limits::spec_problems(spec), Vec::new());
                    }
                    assert!(plan.next.check().is_ok(), "{change:?} broke the rules");
                }
            }
        });
    }
}

fn response(resp: Response) {
    if let Response::Done { messages } | Response::Refused { messages, .. } = resp {
        let messages = rgm_proto::text::tidy_lines(messages);
        let total: usize = messages.iter().map(String::len).sum();
        assert!(total <= MAX_MESSAGES + 100, "{total} bytes of messages");
        for m in &messages {
            assert!(
                m.len() <= MAX_MESSAGE_LINE + 64,
                "a line of {} bytes",
                m.len()
            );
            assert!(!m.chars().any(rgm_proto::text::needs_escape), "{m:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut stream = data;
    while let Ok(req) = read_frame::<Request>(&mut stream) {
        request(&req);
    }
    if let Ok(req) = decode::<Request>(data) {
        request(&req);
    }
    if let Ok(resp) = decode::<Response>(data) {
        response(resp);
    }
    let _ = decode::<Hello>(data);
    let _ = decode::<HelloReply>(data);
});
