//! What arrives on rgmd's socket: any bytes as a stream of frames and as one message body of
//! each kind. Nothing panics; a request that decodes survives its own encoding and goes
//! through rgmd's admission checks (against a small cluster); an answer rgmd would send is
//! escaped and bounded.

#![no_main]

use libfuzzer_sys::fuzz_target;

use rgm_core::engine::Engine;
use rgm_core::testkit::{cluster, group, resource};
use rgm_proto::limits::{MAX_MESSAGE_LINE, MAX_MESSAGES};
use rgm_proto::{Hello, HelloReply, Request, Response, decode, encode, read_frame};

thread_local! {
    static ENGINE: Engine = {
        let mut cfg = cluster(&["n1", "n2"]);
        group(&mut cfg, "rg1", &[]);
        resource(&mut cfg, "r1", "rg1", &[]);
        Engine::new(cfg)
    };
}

fn request(req: &Request) {
    let frame = encode(req).expect("a decoded request encodes");
    let back: Request = decode(&frame[4..]).expect("and decodes again");
    assert_eq!(&back, req);
    ENGINE.with(|engine| {
        let _ = rgmd::admission::admit(req, engine, "n1");
    });
}

fn response(resp: Response) {
    if let Response::Done { messages } | Response::Refused { messages, .. } =
        rgmd::server::tidy(resp)
    {
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
