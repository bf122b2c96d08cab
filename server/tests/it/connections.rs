//! Finding 8 of the security review: a stop waited for ever on a client holding a half-sent
//! request, and nothing bounded how long a client may take or how many connections it may
//! hold. Each bound is shown on raw sockets against the real server.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// A guard for what must happen: far longer than any bound under test.
const BOUND: Duration = Duration::from_secs(30);

async fn connect(srv: &TestServer) -> TcpStream {
    TcpStream::connect(srv.running.addr).await.unwrap()
}

/// Everything the server sends until it closes the connection.
async fn read_to_close(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(BOUND, s.read_to_end(&mut out))
        .await
        .expect("the server closed the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_head_is_cut() {
    let srv = start_configured(monday_morning(), false, |c| c.header_timeout_s = 1).await;
    let mut s = connect(&srv).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let answer = read_to_close(&mut s).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    // An idle kept-alive connection is closed the same way.
    let mut idle = connect(&srv).await;
    let answer = read_to_close(&mut idle).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"));
    srv.running.stop().await;
}

#[tokio::test]
async fn a_body_that_never_arrives_gets_408_in_json() {
    let srv = start_configured(monday_morning(), true, |c| c.body_timeout_s = 1).await;
    let mut s = connect(&srv).await;
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 64\r\n\r\n{\"username\":",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(BOUND, s.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request.timeout\""), "{answer}");
    srv.running.stop().await;
}

#[tokio::test]
async fn a_stop_does_not_wait_on_half_sent_requests() {
    let srv = start_configured(monday_morning(), true, |c| {
        c.header_timeout_s = 300;
        c.body_timeout_s = 300;
        c.shutdown_grace_s = 1;
    })
    .await;
    // One client stops in the middle of its head, another in the middle of its body.
    let mut head = connect(&srv).await;
    head.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut body = connect(&srv).await;
    body.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 64\r\n\r\n{",
    )
    .await
    .unwrap();
    // The body's request has reached its handler once a full request behind it is answered.
    let (s, _) = srv.anon().get("/healthz").await;
    assert!(s.is_success() || s.as_u16() == 503);
    let stopped = tokio::time::timeout(BOUND, srv.running.stop()).await;
    assert!(stopped.is_ok(), "the stop waited on its clients");
    read_to_close(&mut head).await;
    read_to_close(&mut body).await;
}

#[tokio::test]
async fn connections_past_the_cap_wait_their_turn() {
    let srv = start_configured(monday_morning(), false, |c| {
        c.max_connections = 16;
        c.header_timeout_s = 300;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..16 {
        let mut s = connect(&srv).await;
        // Each answered once, then kept open and idle.
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(BOUND, s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0);
        held.push(s);
    }
    let mut late = connect(&srv).await;
    late.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), late.read(&mut buf))
            .await
            .is_err(),
        "the 17th connection is not served while 16 are open"
    );
    drop(held.pop());
    let answer = read_to_close(&mut late).await;
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    srv.running.stop().await;
}
