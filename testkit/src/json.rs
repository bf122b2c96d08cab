//! Requests as JSON values, answers as status and JSON: for tests that send what the typed
//! client cannot (malformed bodies, unknown fields, other content types) and read errors as they
//! come. Every request goes through `motcua-client`, which holds the token.

use reqwest::StatusCode;
use serde_json::{Value, json};

/// A client that speaks JSON values.
#[derive(Debug, Clone)]
pub struct Client {
    pub base: String,
    /// The typed client underneath (its HTTP client: default headers, the pool).
    pub api: motcua_client::Client,
    /// The session or device token sent with every request.
    pub token: Option<String>,
}

impl Client {
    pub fn new(api: motcua_client::Client) -> Client {
        Client {
            base: api.base().to_owned(),
            api,
            token: None,
        }
    }

    /// The typed client, with this client's token.
    pub fn typed(&self) -> motcua_client::Client {
        match &self.token {
            Some(t) => self.api.with_token(t.clone()),
            None => self.api.anonymous(),
        }
    }

    /// Any method, a body of any type; the status and the body as JSON (`Null` when it is
    /// none).
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> (StatusCode, Value) {
        self.call(method, path, Some((body, content_type))).await
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> (StatusCode, Value) {
        let r = self
            .typed()
            .raw(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = StatusCode::from_u16(r.status).expect("an HTTP status");
        (status, r.json())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send("POST", path, body).await
    }

    /// Any method with a JSON body.
    pub async fn send(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let bytes = serde_json::to_vec(&body).expect("JSON");
        self.send_raw(method, path, bytes, "application/json").await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> (StatusCode, Value) {
        self.send_raw("POST", path, body, content_type).await
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

/// The lookup secret of a dossier, as its desk sees it.
pub async fn secret_of(desk: &Client, code: &str) -> String {
    let (s, v) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["secret"]
        .as_str()
        .expect("the desk sees the secret")
        .to_owned()
}

/// Lý lịch tư pháp at Sở Tư pháp, received at the provincial centre: 10 working days, a fee.
pub const LLTP: &str = "2.001193.000.00.10.H16";
/// Building permits at Sở Xây dựng.
pub const GPXD: &str = "1.009972.000.00.11.H16";
pub const TU_PHAP: &str = "000.00.10.H16";
