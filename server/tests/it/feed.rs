//! The change feed: a snapshot from the start, only the kiosk's scope, the privacy projection,
//! cursors (forged, foreign, stale after a scope change), long-polls woken by a change at the
//! counter, and dossiers leaving the scope.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

struct Kiosk {
    client: Client,
    id: String,
}

async fn enrol(srv: &TestServer, admin: &Client, scope: &[&str]) -> Kiosk {
    let (s, v) = admin
        .post(
            "/api/v1/admin/kiosks",
            json!({"name": "Kiosk sảnh A", "centre": "000.00.01.H16", "scope": scope}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut client = srv.anon();
    let (s, v) = client
        .post(
            "/api/v1/sync/enrol",
            json!({"enrolment_code": v["enrolment_code"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v.get("hash_key").is_none(),
        "no key to make digests with: {v}"
    );
    client.token = Some(v["token"].as_str().unwrap().to_owned());
    Kiosk {
        client,
        id: v["kiosk_id"].as_str().unwrap().to_owned(),
    }
}

/// Read the feed from `since` until nothing more is ready: the changes and the last cursor.
async fn drain(k: &Client, since: Option<&str>, limit: usize) -> (Vec<Value>, String, bool) {
    let mut out = Vec::new();
    let mut cursor = since.map(str::to_owned);
    let mut reset = false;
    let mut first = true;
    loop {
        let q = match &cursor {
            Some(c) => format!("/api/v1/sync/changes?since={c}&limit={limit}"),
            None => format!("/api/v1/sync/changes?limit={limit}"),
        };
        let (s, v) = k.get(&q).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if first {
            reset = v["reset"] == true;
            first = false;
        }
        assert!(v["changes"].as_array().unwrap().len() <= limit);
        out.extend(v["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(v["cursor"].as_str().unwrap().to_owned());
        if v["more"] != true {
            return (out, cursor.unwrap(), reset);
        }
    }
}

fn of_type<'a>(changes: &'a [Value], t: &str) -> Vec<&'a Value> {
    changes.iter().filter(|c| c["type"] == t).collect()
}

/// A counter of `/metrics`.
async fn counter(srv: &TestServer, name: &str) -> u64 {
    let r = reqwest::get(format!("{}/metrics", srv.base)).await.unwrap();
    let text = r.text().await.unwrap();
    let prefix = format!("{name} ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}

async fn waiting(srv: &TestServer) -> i64 {
    let r = reqwest::get(format!("{}/metrics", srv.base)).await.unwrap();
    let text = r.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("motcua_sync_waiting "))
        .and_then(|n| n.parse().ok())
        .expect("the waiting gauge")
}

#[tokio::test]
async fn snapshot_scope_privacy_and_a_change_at_the_counter() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let desk = srv.staff("tiepnhan1").await;
    let mine = desk.receive(LLTP, "direct").await;
    let other = desk.receive(GPXD, "direct").await;
    let k = enrol(&srv, &admin, &[TU_PHAP]).await;

    // A full snapshot, read in small pages.
    let (changes, cursor, reset) = drain(&k.client, None, 7).await;
    assert!(reset, "the first page of a snapshot says so");
    let dossiers = of_type(&changes, "dossier");
    assert_eq!(dossiers.len(), 1, "only the scope's dossiers: {dossiers:?}");
    let d = dossiers[0];
    assert_eq!(d["code"], mine.as_str());
    assert!(!changes.iter().any(|c| c["code"] == other.as_str()));
    assert_eq!(of_type(&changes, "procedure").len(), 34);
    assert_eq!(of_type(&changes, "agency").len(), 13);
    let centre = of_type(&changes, "centre");
    assert_eq!(centre.len(), 1);
    assert!(!centre[0]["hotline"].as_str().unwrap().is_empty());
    let config = of_type(&changes, "config");
    assert_eq!(config.len(), 1);
    assert_eq!(config[0]["kiosk_id"], k.id.as_str());
    assert_eq!(config[0]["idle_timeout_s"], 60);
    assert_eq!(config[0]["rating_scale"], 3);

    // The projection: the minimal row and what the overdue rule needs; nothing that names the
    // applicant or checks the secret, not even as a digest.
    assert_eq!(d["masked_name"], "Nguyễn V. A.");
    assert_eq!(d["agency"], "Sở Tư pháp");
    assert_eq!(d["agency_code"], TU_PHAP);
    assert_eq!(d["due_state"]["open"], true);
    let (_, staff_view) = desk.get(&format!("/api/v1/dossiers/{mine}")).await;
    assert_eq!(d["due_state"]["due"], staff_view["appointment"]);
    let secret = staff_view["secret"].as_str().expect("staff see the secret");
    let fields: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert!(
        !fields
            .iter()
            .any(|f| f.contains("hash") || f.contains("secret") || f.contains("citizen")),
        "{fields:?}"
    );
    assert!(!d.to_string().contains(&format!("\"{secret}\"")));
    let text = serde_json::to_string(&changes).unwrap();
    for leak in [
        "Nguyễn Văn An",
        "066185012345",
        "0905123456",
        "12 Lê Duẩn",
        "tiepnhan1",
    ] {
        assert!(!text.contains(leak), "{leak} leaked into the feed");
    }
    assert!(d.get("secret").is_none());

    // Nothing new: an immediate answer with no change and the same position.
    let (s, v) = k
        .client
        .get(&format!("/api/v1/sync/changes?since={cursor}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["changes"], json!([]));
    assert_eq!(v["reset"], false);
    assert_eq!(v["cursor"], cursor.as_str());

    // A long-poll waits; a change outside the scope does not answer it; one inside does.
    let poll = {
        let c = k.client.clone();
        let cursor = cursor.clone();
        tokio::spawn(async move {
            c.get(&format!("/api/v1/sync/changes?since={cursor}&wait=30"))
                .await
        })
    };
    while waiting(&srv).await < 1 {
        tokio::task::yield_now().await;
    }
    desk.ok(
        &other,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    // The commit outside the scope reached the waiting poll, which let it pass without waking.
    while counter(&srv, "motcua_sync_ignored_total").await < 1 {
        tokio::task::yield_now().await;
    }
    assert_eq!(counter(&srv, "motcua_sync_woken_total").await, 0);
    assert!(!poll.is_finished());
    desk.ok(
        &mine,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    let (s, v) = poll.await.unwrap();
    assert_eq!(s, StatusCode::OK, "{v}");
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{v}");
    assert_eq!(changes[0]["code"], mine.as_str());
    assert_eq!(changes[0]["step"], "accepted_transferred");
    assert_eq!(waiting(&srv).await, 0);
    assert_eq!(counter(&srv, "motcua_sync_woken_total").await, 1);
}

#[tokio::test]
async fn cursors_forged_foreign_or_stale_and_revoked_kiosks() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let desk = srv.staff("tiepnhan1").await;
    let other = desk.receive(GPXD, "direct").await;
    let k = enrol(&srv, &admin, &[TU_PHAP]).await;
    let (_, cursor, _) = drain(&k.client, None, 500).await;

    for (since, code) in [
        ("garbage", "sync.bad_cursor"),
        ("0a1b-0-1", "sync.bad_cursor"),
        ("00000000-0-1", "sync.resnapshot"),
    ] {
        let (s, v) = k
            .client
            .get(&format!("/api/v1/sync/changes?since={since}"))
            .await;
        assert_eq!(v["error"]["code"], code, "{since}: {v}");
        assert!(s == StatusCode::BAD_REQUEST || s == StatusCode::GONE);
    }
    // A cursor from the future.
    let (epoch, rest) = cursor.split_once('-').unwrap();
    let (scope, seq) = rest.split_once('-').unwrap();
    let future = format!("{epoch}-{scope}-{}", seq.parse::<u64>().unwrap() + 1000);
    let (s, v) = k
        .client
        .get(&format!("/api/v1/sync/changes?since={future}"))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::GONE, Some("sync.resnapshot"))
    );

    // The admin widens the scope: the old cursor must resnapshot, and the snapshot has the
    // newly visible dossier.
    let (s, v) = admin
        .send(
            "PATCH",
            &format!("/api/v1/admin/kiosks/{}", k.id),
            json!({"scope": [TU_PHAP, "000.00.11.H16"], "config": {"idle_timeout_s": 90, "orientation": "landscape"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v.get("enrolment_key").is_none(),
        "no enrolment key in the admin answer"
    );
    let (s, v) = k
        .client
        .get(&format!("/api/v1/sync/changes?since={cursor}"))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::GONE, Some("sync.resnapshot"))
    );
    let (changes, _, reset) = drain(&k.client, None, 500).await;
    assert!(reset);
    assert!(changes.iter().any(|c| c["code"] == other.as_str()));
    let config = of_type(&changes, "config");
    assert_eq!(config[0]["idle_timeout_s"], 90);
    assert_eq!(config[0]["orientation"], "landscape");

    let (s, v) = admin
        .send(
            "PATCH",
            &format!("/api/v1/admin/kiosks/{}", k.id),
            json!({"scope": []}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kiosk.fields"))
    );

    let (s, _) = admin
        .post(&format!("/api/v1/admin/kiosks/{}/revoke", k.id), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = k.client.get("/api/v1/sync/changes").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("kiosk.unauthenticated"))
    );
}

#[tokio::test]
async fn a_dossier_transferred_out_of_scope_is_removed_and_centre_info_flows() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let desk = srv.staff("tiepnhan1").await;
    let code = desk.receive(LLTP, "direct").await;
    let k = enrol(&srv, &admin, &[TU_PHAP]).await;
    let (changes, cursor, _) = drain(&k.client, None, 500).await;
    assert!(changes.iter().any(|c| c["code"] == code.as_str()));

    // Handled elsewhere: this kiosk must drop it.
    desk.ok(
        &code,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    let put_centre = |second: u16| {
        admin.send(
            "PUT",
            "/api/v1/admin/centres/000.00.01.H16",
            json!({"name": "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk", "hotline": "0262 1111 222",
                   "counters": [{"number": 1, "name": "Tư pháp", "officer": "Lê Thị Mai"},
                                {"number": second, "name": "Đất đai"}]}),
        )
    };
    let (s, v) = put_centre(1).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "two counters numbered 1: {v}");
    assert_eq!(v["error"]["code"], "centre.counter");
    let (s, v) = put_centre(2).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (changes, _, reset) = drain(&k.client, Some(&cursor), 500).await;
    assert!(!reset);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0], json!({"type": "dossier_removed", "code": code}));
    assert_eq!(changes[1]["type"], "centre");
    assert_eq!(changes[1]["hotline"], "0262 1111 222");
    assert_eq!(changes[1]["counters"][0]["officer"], "Lê Thị Mai");
    assert_eq!(changes[1]["counters"][1]["officer"], "");
    let (s, v) = srv.anon().get("/api/v1/public/centres/000.00.01.H16").await;
    assert_eq!(
        (s, v["hotline"].as_str()),
        (StatusCode::OK, Some("0262 1111 222"))
    );

    // A fresh snapshot no longer holds it at all.
    let (changes, _, _) = drain(&k.client, None, 500).await;
    assert!(!changes.iter().any(|c| c["code"] == code.as_str()));
}

#[tokio::test]
async fn kiosks_have_their_own_allowance_on_public_routes() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let desk = srv.staff("tiepnhan1").await;
    let (_, r) = desk.post("/api/v1/dossiers", receipt(LLTP, "direct")).await;
    let code = r["code"].as_str().unwrap().to_owned();
    let secret = r["secret"].as_str().unwrap().to_owned();
    let other = desk.receive(LLTP, "direct").await;
    let k = enrol(&srv, &admin, &[TU_PHAP]).await;
    let public = srv.anon();
    let path = format!("/api/v1/public/dossiers/{code}");

    // The address runs out of its allowance; the kiosk on the same address does not.
    let mut n = 0;
    while public.get(&path).await.0 != StatusCode::TOO_MANY_REQUESTS {
        n += 1;
        assert!(n <= 120, "the per-address limit applies");
    }
    assert_eq!(n, 120);
    for _ in 0..200 {
        let (s, v) = k.client.get(&path).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // A forged token is just an address (already limited here).
    let mut forged = srv.anon();
    forged.token = Some("not-a-device-token".into());
    assert_eq!(forged.get(&path).await.0, StatusCode::TOO_MANY_REQUESTS);

    // Wrong secrets typed at a kiosk lock that dossier's detail, not the whole kiosk.
    let wrong = if secret == "0000" { "1111" } else { "0000" };
    for _ in 0..5 {
        let (s, _) = k.client.get(&format!("{path}?secret={wrong}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, v) = k.client.get(&format!("{path}?secret={secret}")).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("public.secret_locked"))
    );
    let (_, staff_view) = desk.get(&format!("/api/v1/dossiers/{other}")).await;
    let (s, v) = k
        .client
        .get(&format!(
            "/api/v1/public/dossiers/{other}?secret={}",
            staff_view["secret"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["timeline"].is_array());
}

/// Finding 8: one kiosk (or a stolen device token) holds at most two long-polls; a stopping
/// server answers the waiting ones at once instead of holding its stop.
#[tokio::test]
async fn a_kiosk_holds_two_long_polls_and_a_stop_answers_them() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let k = enrol(&srv, &admin, &[TU_PHAP]).await;
    let (_, cursor, _) = drain(&k.client, None, 500).await;
    let poll = format!("/api/v1/sync/changes?since={cursor}&wait=30");
    let held: Vec<_> = (0..2)
        .map(|_| {
            let (c, p) = (k.client.clone(), poll.clone());
            tokio::spawn(async move { c.get(&p).await })
        })
        .collect();
    // Both are waiting (bounded: the gauge moves as soon as they are).
    for _ in 0..2000 {
        if waiting(&srv).await == 2 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(waiting(&srv).await, 2);
    let (s, v) = k.client.get(&poll).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("sync.too_many_polls"))
    );
    // A poll without waiting is still answered.
    let (s, _) = k
        .client
        .get(&format!("/api/v1/sync/changes?since={cursor}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let stopped =
        tokio::time::timeout(std::time::Duration::from_secs(20), srv.running.stop()).await;
    assert!(stopped.is_ok(), "the stop did not wait out the long-polls");
    for h in held {
        let (s, v) = h.await.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["changes"].as_array().unwrap().len(), 0);
    }
}

/// A snapshot goes gzip-compressed to a kiosk that asks for it: under 400 bytes a dossier on the
/// wire, the same JSON once inflated; a client that does not ask gets the JSON as it is.
#[tokio::test]
async fn a_snapshot_goes_compressed_in_under_400_bytes_a_dossier() {
    let srv = Centre::start(
        CentreOptions {
            dossiers: 3_000,
            ..CentreOptions::default()
        },
        |_| {},
    )
    .await;
    let admin = srv.staff("qt.trungtam").await;
    let (_, agencies) = admin.get("/api/v1/agencies").await;
    let scope: Vec<&str> = agencies
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    let k = enrol(&srv, &admin, &scope).await;
    let http = reqwest::Client::new();
    let token = k.client.token.clone().unwrap();
    let page = |since: Option<String>, gzip: bool| {
        let mut r = http
            .get(format!("{}/api/v1/sync/changes", srv.base))
            .bearer_auth(&token)
            .query(&[("limit", "2000")]);
        if let Some(c) = since {
            r = r.query(&[("since", c)]);
        }
        if gzip {
            r = r.header("accept-encoding", "gzip, deflate;q=0.5");
        }
        r.send()
    };
    let (mut wire, mut json_bytes, mut dossiers) = (0usize, 0usize, 0usize);
    let mut since = None;
    loop {
        let r = page(since.clone(), true).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let body = r.bytes().await.unwrap();
        wire += body.len();
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut text)
            .unwrap();
        json_bytes += text.len();
        let v: Value = serde_json::from_slice(&text).unwrap();
        if since.is_none() {
            // The same page as plain JSON to a client that does not ask for gzip.
            let plain = page(None, false).await.unwrap();
            assert!(plain.headers().get("content-encoding").is_none());
            let plain: Value = plain.json().await.unwrap();
            assert_eq!(plain, v);
        }
        dossiers += of_type(v["changes"].as_array().unwrap(), "dossier").len();
        since = Some(v["cursor"].as_str().unwrap().to_owned());
        if v["more"] != true {
            break;
        }
    }
    assert!(dossiers >= 2_900, "{dossiers} dossiers");
    let (per_wire, per_json) = (wire / dossiers, json_bytes / dossiers);
    assert!(
        per_wire < 400,
        "{per_wire} bytes a dossier on the wire ({per_json} as JSON)"
    );
    assert!(per_wire * 4 < per_json, "{per_wire} vs {per_json}");
    // Asked with gzip refused (q=0), the answer is plain.
    let r = http
        .get(format!("{}/api/v1/sync/changes", srv.base))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
}
