//! What arrives on rgmd's socket: any bytes as a stream of frames and as one message body of
//! each kind. Nothing panics; a request that decodes survives its own encoding, and the
//! configuration changes it asks for are checked (against a small cluster) by the rules every
//! change passes, crafted types and values included; the message lines of an answer, as rgmd
//! sends them, are escaped and bounded.

#![no_main]

use libfuzzer_sys::fuzz_target;

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

fn request(req: &Request) {
    let frame = encode(req).expect("a decoded request encodes");
    let back: Request = decode(&frame[4..]).expect("and decodes again");
    assert_eq!(&back, req);
    if let Request::Admin(admin) = req {
        CONFIG.with(|cfg| {
            let changes = rgm_core::requested::config_changes(admin, cfg).unwrap_or_default();
            for change in changes {
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
