//! A kept-alive connection the server closed while the client was idle (a kiosk waits minutes
//! between visitors; the server closes idle connections after seconds): the next lookup goes
//! through on a new connection instead of failing as "unreachable".

use std::io::{Read, Write};
use std::sync::mpsc;

/// Read one request's head from `s` and answer it with `{}`, keeping the connection open.
fn answer(s: &mut std::net::TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let _ = s.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    );
    let _ = s.flush();
}

#[test]
fn a_connection_closed_while_idle_is_replaced_not_reported_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (close, closing) = mpsc::channel::<()>();
    let (closed, was_closed) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        // The first connection: answered, then closed while the client sits idle.
        let (mut first, _) = listener.accept().unwrap();
        answer(&mut first);
        closing.recv().unwrap();
        first.shutdown(std::net::Shutdown::Both).unwrap();
        drop(first);
        closed.send(()).unwrap();
        // Whatever comes next is answered on a new connection.
        let mut connections = 1;
        for stream in listener.incoming().take(2) {
            let mut s = stream.unwrap();
            connections += 1;
            answer(&mut s);
        }
        connections
    });
    // As the kiosk calls: a runtime of its own, driven only during each call.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = motcua_client::Client::new(&base).unwrap();
    let call = || rt.block_on(c.get::<serde_json::Value>("/api/v1/public/rating-scale"));
    assert_eq!(call().unwrap(), serde_json::json!({}));
    close.send(()).unwrap();
    was_closed.recv().unwrap();
    assert_eq!(
        call().expect("the second call, after the server closed the idle connection"),
        serde_json::json!({})
    );
    // A third, so the server thread ends.
    let _ = call();
    assert!(server.join().unwrap() >= 2);
}

/// What a failed call says (and the kiosk logs) never holds the request's query: a lookup's
/// query carries a receipt's secret, a citizen ID or a name.
#[test]
fn a_failed_lookup_says_why_without_its_query() {
    // A port nothing listens on: refused at once.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = motcua_client::Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let e = rt
        .block_on(c.public_dossier("000.00.01.H16-251110-0001", Some("4464")))
        .unwrap_err();
    let said = e.to_string();
    assert!(
        matches!(e, motcua_client::ClientError::Unreachable(_)),
        "{said}"
    );
    assert!(!said.contains("4464") && !said.contains("secret"), "{said}");
    let e = rt
        .block_on(c.lookup(&motcua_protocol::public::LookupQuery {
            citizen_id: Some("066185012345".into()),
            ..Default::default()
        }))
        .unwrap_err();
    assert!(!e.to_string().contains("066185012345"), "{e}");
}
