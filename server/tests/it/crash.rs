//! A server killed with SIGKILL in the middle of a load restarts with every acknowledged command.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Client, LLTP, receipt};

const BIN: &str = env!("CARGO_BIN_EXE_motcua-server");

/// A server process, killed when dropped so that a failing test leaves nothing running.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `motcua-server serve` on a free port; the process and its base URL.
fn serve(dir: &std::path::Path) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("MOTCUA_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(a) = line.strip_prefix("motcua-server listening on ") {
            break a.to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Server(child), addr)
}

async fn sign_in(base: &str, password: &str) -> Client {
    let mut c = Client::new(motcua_client::Client::new(base).unwrap());
    let (s, v) = c
        .post(
            "/api/v1/auth/login",
            json!({"username": "tiepnhan1", "password": password}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    c.token = Some(v["token"].as_str().unwrap().to_owned());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_load_loses_no_acknowledged_command() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = Command::new(BIN)
        .args(["seed", "--demo", "--dossiers", "0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(seeded.status.success());
    // The seed prints each account's one-time password, once.
    let printed = String::from_utf8(seeded.stdout).unwrap();
    let pw = printed
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("tiepnhan1")).then(|| l.split_whitespace().last().unwrap())
        })
        .expect("the seed printed tiepnhan1's password")
        .to_owned();
    // A second seed of the same demo store adds nothing and prints no password again.
    let again = Command::new(BIN)
        .args(["seed", "--demo", "--dossiers", "0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stdout).contains(&pw));

    let (mut server, addr) = serve(dir.path());
    let base = addr.clone();
    let c = sign_in(&base, &pw).await;
    let (s, _) = c
        .post(
            "/api/v1/auth/password",
            json!({"current_password": pw, "new_password": "mat-khau-moi-rat-dai"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // 16 clients receive and act as fast as they can; every acknowledgement is noted.
    let acked: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (c, acked) = (c.clone(), acked.clone());
            tokio::spawn(async move {
                // Through the typed client: a server killed mid-request is an error, not a
                // panic.
                let api = c.typed();
                let json = |v: serde_json::Value| {
                    Some((serde_json::to_vec(&v).unwrap(), "application/json"))
                };
                loop {
                    let Ok(r) = api
                        .raw("POST", "/api/v1/dossiers", json(receipt(LLTP, "direct")))
                        .await
                    else {
                        break;
                    };
                    if r.status != StatusCode::CREATED.as_u16() {
                        break;
                    }
                    let v = r.json();
                    let code = v["code"].as_str().unwrap().to_owned();
                    acked.lock().unwrap().push((code.clone(), false));
                    let Ok(r) = api
                        .raw(
                            "POST",
                            &format!("/api/v1/dossiers/{code}/actions"),
                            json(json!({"type": "accept_and_transfer", "agency": "000.00.10.H16"})),
                        )
                        .await
                    else {
                        break;
                    };
                    if r.status != StatusCode::OK.as_u16() {
                        break;
                    }
                    acked.lock().unwrap().push((code, true));
                }
            })
        })
        .collect();
    // Kill once a good number of commands has been acknowledged, with more in flight.
    loop {
        tokio::task::yield_now().await;
        if acked.lock().unwrap().len() >= 400 {
            break;
        }
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 400);

    let (_server, addr) = serve(dir.path());
    let c = sign_in(&addr, "mat-khau-moi-rat-dai").await;
    for (code, transferred) in &acked {
        let (s, v) = c.get(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!(s, StatusCode::OK, "{code} was acknowledged but is lost");
        if *transferred {
            assert_eq!(v["step"]["key"], "accepted_transferred", "{code}");
        }
    }
    // The sequence goes on without reusing a code.
    let (s, v) = c.post("/api/v1/dossiers", receipt(LLTP, "direct")).await;
    assert_eq!(s, StatusCode::CREATED);
    let new = v["code"].as_str().unwrap().to_owned();
    assert!(acked.iter().all(|(code, _)| *code != new));
}
