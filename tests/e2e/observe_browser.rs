//! Headless Chromium driven through the DevTools protocol over `--remote-debugging-pipe`
//! (commands on fd 3, answers on fd 4, each message JSON ended by a NUL): open a page,
//! evaluate JavaScript in it, take a screenshot. Chromium and everything it started are killed
//! when the browser is dropped; its profile is a temporary directory.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Browser {
    child: Child,
    to: std::io::PipeWriter,
    from: mpsc::Receiver<Value>,
    next: u64,
    /// Answers read while waiting for another.
    early: HashMap<u64, Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Debian's `chromium` (installed by `cargo xtask ci`); fails the test without it.
    pub fn start() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (cmd_r, cmd_w) = std::io::pipe().unwrap();
        let (resp_r, resp_w) = std::io::pipe().unwrap();
        let (r, w) = (cmd_r.as_raw_fd(), resp_w.as_raw_fd());
        let mut cmd = Command::new("chromium");
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-pipe",
            "--window-size=1200,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
        on_fds_3_and_4(&mut cmd, r, w);
        let child = cmd
            .spawn()
            .expect("chromium (Debian's chromium package; cargo xtask ci installs it)");
        drop(cmd_r);
        drop(resp_w);
        let (tx, from) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(resp_r);
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                buf.pop_if(|b| *b == 0);
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(v).is_err()
                {
                    return;
                }
                buf.clear();
            }
        });
        Browser {
            child,
            to: cmd_w,
            from,
            next: 1,
            early: HashMap::new(),
            _profile: profile,
        }
    }

    /// Sends a command (to a page's session when given) and waits for its result.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(v) = self.early.remove(&id) {
                return result(method, v);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("chromium did not answer {method}"));
            match v.get("id").and_then(Value::as_u64) {
                Some(got) if got == id => return result(method, v),
                Some(other) => {
                    self.early.insert(other, v);
                }
                None => {} // an event
            }
        }
    }

    /// Opens `url` in a new page; returns the page's session.
    pub fn open(&mut self, url: &str) -> String {
        let target = self.call(None, "Target.createTarget", json!({"url": url}));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        attached["sessionId"].as_str().unwrap().to_string()
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, session: &str, expression: &str) -> Value {
        let r = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// A PNG of the page.
    pub fn screenshot(&mut self, session: &str) -> Vec<u8> {
        let r = self.call(
            Some(session),
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64(r["data"].as_str().expect("screenshot data"))
    }
}

/// The child gets `r` as fd 3 and `w` as fd 4 (where `--remote-debugging-pipe` wants them).
#[allow(unsafe_code)]
fn on_fds_3_and_4(cmd: &mut Command, r: i32, w: i32) {
    // SAFETY: `pre_exec` runs the closure in the child between fork and exec, where it makes
    // only async-signal-safe calls (fcntl, dup2) and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            // Above the range first, so that neither lands on the other's target; dup2 leaves
            // the targets without close-on-exec.
            let r2 = libc::fcntl(r, libc::F_DUPFD, 10);
            let w2 = libc::fcntl(w, libc::F_DUPFD, 10);
            if r2 < 0 || w2 < 0 || libc::dup2(r2, 3) < 0 || libc::dup2(w2, 4) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn result(method: &str, v: Value) -> Value {
    if let Some(e) = v.get("error") {
        panic!("chromium refused {method}: {e}");
    }
    v["result"].clone()
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole process group: the browser and its zygote, renderer and GPU processes.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
