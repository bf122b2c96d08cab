//! A real server on a free loopback port, a real redb file in a temporary directory, and an HTTP
//! client that speaks to it.

use chrono::{TimeZone, Utc};
use motcua_server::{AppState, Clock, Config, Running};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct TestServer {
    pub running: Running,
    pub clock: Clock,
    /// Kept alive for the server's lifetime; removed on drop.
    pub _dir: tempfile::TempDir,
    pub base: String,
    /// The demo accounts' one-time passwords, from the seed's report.
    pub passwords: std::collections::HashMap<String, String>,
}

/// Monday 10/11/2025 09:00 in Hà Nội.
pub fn monday_morning() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 10, 2, 0, 0).unwrap()
}

pub async fn start() -> TestServer {
    start_at(monday_morning(), true).await
}

/// Start a server whose clock stands at `at`; with `catalogue`, the demo agencies, procedures and
/// staff (no dossiers).
pub async fn start_at(at: chrono::DateTime<Utc>, catalogue: bool) -> TestServer {
    start_configured(at, catalogue, |_| {}).await
}

/// A server with the demo catalogue that trusts loopback as a reverse proxy, so that tests
/// speak from any address through `X-Forwarded-For`.
pub async fn start_behind_proxy() -> TestServer {
    start_configured(monday_morning(), true, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
}

/// Like [`start_at`], with the configuration adjusted by `adjust`.
pub async fn start_configured(
    at: chrono::DateTime<Utc>,
    catalogue: bool,
    adjust: impl FnOnce(&mut Config),
) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(at);
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        max_body_bytes: 64 * 1024,
        // Tests move the clock by days; the expiry test reads this value.
        session_minutes: 90 * 24 * 60,
        ..Config::default()
    };
    adjust(&mut config);
    let state = AppState::open(config, clock.clone()).unwrap();
    let mut passwords = std::collections::HashMap::new();
    if catalogue {
        let now = clock.now_vn();
        let (store, cal) = (state.store.clone(), state.cal.get());
        let report = tokio::task::spawn_blocking(move || {
            motcua_server::seed::seed_demo(&store, &cal, now, 0)
        })
        .await
        .unwrap()
        .unwrap();
        passwords = report.staff.into_iter().map(|(u, _, p)| (u, p)).collect();
    }
    let running = motcua_server::spawn(state).await.unwrap();
    let base = format!("http://{}", running.addr);
    TestServer {
        running,
        clock,
        _dir: dir,
        base,
        passwords,
    }
}

/// Stop `srv` and start a new server on the same data directory, its clock where the old one's
/// stood.
pub async fn restart(srv: TestServer) -> TestServer {
    let TestServer {
        running,
        clock,
        _dir: dir,
        passwords,
        ..
    } = srv;
    let config = (*running.state.config).clone();
    running.stop().await;
    // The old store closes once its writer thread has seen the last handle go: wait for that
    // (bounded), not for a time.
    let mut tries = 0;
    let state = loop {
        match AppState::open(config.clone(), clock.clone()) {
            Ok(s) => break s,
            Err(e) if tries < 500 => {
                tries += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            Err(e) => panic!("the store did not reopen: {e}"),
        }
    };
    let running = motcua_server::spawn(state).await.unwrap();
    let base = format!("http://{}", running.addr);
    TestServer {
        running,
        clock,
        _dir: dir,
        base,
        passwords,
    }
}

#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl TestServer {
    /// The one-time password the seed gave a demo account.
    pub fn password(&self, username: &str) -> String {
        self.passwords
            .get(username)
            .unwrap_or_else(|| panic!("{username} is no demo account"))
            .clone()
    }

    /// A client whose requests name `ip` in `X-Forwarded-For` (the server must trust loopback
    /// as a proxy: [`start_behind_proxy`]).
    pub fn anon_from(&self, ip: &str) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", ip.parse().unwrap());
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap(),
            token: None,
        }
    }

    /// Sign in as `username` with `password` from `client`; the session's client.
    pub async fn sign_in(&self, mut client: Client, username: &str, password: &str) -> Client {
        let (s, v) = client
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        client.token = Some(v["token"].as_str().unwrap().to_owned());
        client
    }

    pub fn anon(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: None,
        }
    }

    /// Sign in as a demo account and change its password as the first login demands.
    pub async fn staff(&self, username: &str) -> Client {
        let mut c = self.anon();
        let pw = self.password(username);
        let (mut s, mut v) = c
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": pw}),
            )
            .await;
        if s == StatusCode::UNAUTHORIZED {
            // Signed in before: the password was already changed.
            (s, v) = c
                .post(
                    "/api/v1/auth/login",
                    json!({"username": username, "password": format!("{pw}-moi-doi")}),
                )
                .await;
        }
        assert_eq!(s, StatusCode::OK, "{v}");
        c.token = Some(v["token"].as_str().unwrap().to_owned());
        if v["must_change_password"] == true {
            let (s, v) = c
                .post(
                    "/api/v1/auth/password",
                    json!({"current_password": pw, "new_password": format!("{pw}-moi-doi")}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        c
    }
}

impl Client {
    fn req(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .req(self.http.get(format!("{}{path}", self.base)))
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .req(self.http.post(format!("{}{path}", self.base)).json(&body))
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// Any method with a JSON body.
    pub async fn send(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = self
            .req(
                self.http
                    .request(m, format!("{}{path}", self.base))
                    .json(&body),
            )
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> (StatusCode, Value) {
        self.send_raw("POST", path, body, content_type).await
    }

    /// Any method with a body of any type.
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> (StatusCode, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = self
            .req(
                self.http
                    .request(m, format!("{}{path}", self.base))
                    .header("content-type", content_type)
                    .body(body),
            )
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// Receive a dossier for `procedure` at this reception desk; its code.
    pub async fn receive(&self, procedure: &str, channel: &str) -> String {
        let (s, v) = self
            .post("/api/v1/dossiers", receipt(procedure, channel))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["code"].as_str().unwrap().to_owned()
    }

    pub async fn act(&self, code: &str, action: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/dossiers/{code}/actions"), action)
            .await
    }

    /// An action that must succeed; the dossier after it.
    pub async fn ok(&self, code: &str, action: Value) -> Value {
        let (s, v) = self.act(code, action.clone()).await;
        assert_eq!(s, StatusCode::OK, "{action} → {v}");
        v
    }
}

/// A valid receipt body.
pub fn receipt(procedure: &str, channel: &str) -> Value {
    json!({
        "procedure": procedure,
        "applicant": {
            "name": "Nguyễn Văn An",
            "citizen_id": "066185012345",
            "phone": "0905123456",
            "address": "12 Lê Duẩn, phường Buôn Ma Thuột"
        },
        "channel": channel,
        "documents": [{"name": "Tờ khai", "original": true}]
    })
}

/// Lý lịch tư pháp at Sở Tư pháp, received at the provincial centre: 10 working days, a fee.
/// The lookup secret of a dossier, as its desk sees it.
pub async fn secret_of(desk: &Client, code: &str) -> String {
    let (s, v) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["secret"]
        .as_str()
        .expect("the desk sees the secret")
        .to_owned()
}

pub const LLTP: &str = "2.001193.000.00.10.H16";
/// Building permits at Sở Xây dựng.
pub const GPXD: &str = "1.009972.000.00.11.H16";
pub const TU_PHAP: &str = "000.00.10.H16";
