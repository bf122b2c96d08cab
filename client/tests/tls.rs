//! The client speaks TLS to an `https://` server (a kiosk behind the centre's reverse proxy):
//! what reaches the server's port first is a TLS handshake, and a server that does not finish it
//! is "unreachable", not a misuse.

use std::io::Read;

#[tokio::test]
async fn an_https_address_is_spoken_to_in_tls() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut head = [0u8; 3];
        s.read_exact(&mut head).unwrap();
        head
    });
    let c = motcua_client::Client::new(&format!("https://127.0.0.1:{port}")).unwrap();
    let e = c.enrol("8AB084E00EAA").await.unwrap_err();
    assert!(
        matches!(e, motcua_client::ClientError::Unreachable(_)),
        "{e:?}"
    );
    let head = server.join().unwrap();
    assert_eq!(head[0], 0x16, "a TLS handshake record");
    assert_eq!(head[1], 0x03, "of TLS version 3.x");
}
