//! The desk in the browser on the real server: find a procedure without diacritics, receive a
//! dossier through the form (a wrong citizen ID keeps what was typed), and the receipt (Mẫu 01)
//! as an A4 or A5 print view whose QR and secret are the dossier's own.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};

use crate::common::*;

/// A browser-like client carrying `token` as the session cookie, not following redirects.
fn browser(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(COOKIE, format!("motcua_session={token}").parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {body}"))
        + start.len();
    let j = body[i..].find(end).unwrap() + i;
    &body[i..j]
}

#[tokio::test]
async fn the_desk_receives_a_dossier_and_prints_its_receipt() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let b = browser(desk.token.as_deref().unwrap());
    let get = |path: &str| b.get(format!("{}{path}", srv.base)).send();

    // Words without diacritics find the procedure.
    let res = get("/desk?q=khai%20sinh").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("Đăng ký khai sinh"), "{body}");
    let link = between(&body, "href=\"/desk/receive?procedure=", "\"").to_owned();
    let form_path = format!("/desk/receive?procedure={link}");
    let body = get(&form_path).await.unwrap().text().await.unwrap();
    assert!(body.contains("Tờ khai đăng ký khai sinh") && body.contains("Giấy chứng sinh"));
    let csrf = between(&body, "name=\"csrf\" value=\"", "\"").to_owned();

    let post = |fields: Vec<(&'static str, String)>| {
        b.post(format!("{}/desk/receive", srv.base))
            .form(&fields)
            .send()
    };
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("procedure", link.clone()),
        ("name", "Nguyễn Thị Lan".to_owned()),
        ("citizen_id", "12345".to_owned()),
        ("phone", "0912345678".to_owned()),
        ("channel", "direct".to_owned()),
        ("doc0", "1".to_owned()),
        ("orig0", "1".to_owned()),
        ("count0", "1".to_owned()),
        ("doc1", "1".to_owned()),
        ("count1", "2".to_owned()),
    ];
    // A wrong citizen ID: refused, what was typed is kept.
    let res = post(fields.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("id=\"error\"") && body.contains("value=\"Nguyễn Thị Lan\""),
        "{body}"
    );
    // A forged form: refused.
    let mut forged = fields.clone();
    forged[0].1 = "0".repeat(32);
    assert_eq!(post(forged).await.unwrap().status(), StatusCode::FORBIDDEN);

    fields[3].1 = "001190012345".to_owned();
    let res = post(fields).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let code = between(&to, "/desk/dossiers/", "/receipt").to_owned();

    let res = get(&to).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"));
    assert!(body.contains("class=\"form-print a4\""));
    assert!(body.contains(&code) && body.contains("Nguyễn Thị Lan"));
    assert!(
        body.contains("Giấy chứng sinh</td><td>Bản sao</td><td>2"),
        "{body}"
    );
    assert!(body.contains("<svg"), "the receipt QR");
    // The secret printed is the dossier's: it unlocks the public detail.
    let secret = between(&body, "id=\"secret\">", "<").to_owned();
    let (s, v) = srv
        .anon()
        .get(&format!("/api/v1/public/dossiers/{code}?secret={secret}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["timeline"].is_array(), "the detail: {v}");

    let a5 = get(&format!("{to}?size=a5"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(a5.contains("class=\"form-print a5\""));
    assert_eq!(
        get(&format!("{to}?size=a3")).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    // A query the page cannot read: a page in both languages, not the API's JSON.
    let res = get(&format!("{to}?size=a4&size=a5")).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("<html"));

    // An agency's officer is not the desk; another centre's desk does not see the receipt.
    let officer = srv.staff("cv.tuphap").await;
    let o = browser(officer.token.as_deref().unwrap());
    let res = o.get(format!("{}/desk", srv.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let other = srv.staff("tiepnhan.tanlap").await;
    let res = browser(other.token.as_deref().unwrap())
        .get(format!("{}{to}", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Without a session: to the sign-in page.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/desk", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Receive a "khai sinh" dossier through the desk's form; its code.
async fn receive(srv: &TestServer, b: &reqwest::Client, name: &str) -> String {
    let body = b
        .get(format!("{}/desk?q=khai%20sinh", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let procedure = between(&body, "href=\"/desk/receive?procedure=", "\"").to_owned();
    let form = b
        .get(format!("{}/desk/receive?procedure={procedure}", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = between(&form, "name=\"csrf\" value=\"", "\"").to_owned();
    let res = b
        .post(format!("{}/desk/receive", srv.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("procedure", &procedure),
            ("name", name),
            ("citizen_id", "001190012345"),
            ("channel", "direct"),
            ("doc0", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    between(&to, "/desk/dossiers/", "/receipt").to_owned()
}

#[tokio::test]
async fn the_desk_asks_for_a_supplement_refuses_and_transfers_printing_its_forms() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let b = browser(desk.token.as_deref().unwrap());
    let base = srv.base.clone();
    let page = |path: String| {
        let b = b.clone();
        let base = base.clone();
        async move {
            let res = b.get(format!("{base}{path}")).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let code = receive(&srv, &b, "Trần Văn Bình").await;
    // A dossier code typed in the search opens the dossier.
    let res = b
        .get(format!("{}/desk?q={code}", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, body) = page(format!("/desk/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("id=\"transfer\"") && body.contains("id=\"supplement\""));
    let csrf = between(&body, "name=\"csrf\" value=\"", "\"").to_owned();
    let act = |fields: Vec<(&'static str, String)>| {
        b.post(format!("{}/desk/dossiers/{code}/act", srv.base))
            .form(&fields)
            .send()
    };

    // The supplement request: one complete list, printed as Mẫu 02.
    let res = act(vec![
        ("csrf", csrf.clone()),
        ("action", "supplement".into()),
        (
            "items",
            "Giấy chứng sinh | bản chụp không rõ | nộp bản chính\nTờ khai <b>ký</b> | thiếu chữ ký | ký lại tờ khai".into(),
        ),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.ends_with("/form/mau-02"), "{to}");
    let (s, form) = page(to).await;
    assert_eq!(s, StatusCode::OK);
    assert!(form.contains("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"));
    assert!(
        form.contains("<td>Giấy chứng sinh</td><td>bản chụp không rõ</td><td>nộp bản chính</td>"),
        "{form}"
    );
    assert!(
        form.contains("Tờ khai &#60;b&#62;ký&#60;/b&#62;")
            || form.contains("Tờ khai &lt;b&gt;ký&lt;/b&gt;"),
        "escaped: {form}"
    );
    // A form the dossier has not had yet is not made up.
    let (s, _) = page(format!("/desk/dossiers/{code}/form/mau-03")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Supplemented, then transferred; transferring again is refused on the page, in words.
    for action in ["supplemented", "transfer"] {
        let res = act(vec![("csrf", csrf.clone()), ("action", action.into())])
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{action}");
    }
    let res = act(vec![("csrf", csrf.clone()), ("action", "transfer".into())])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("id=\"error\"") && body.contains("<html"),
        "{body}"
    );
    assert!(
        !body.contains("id=\"transfer\""),
        "no transfer once transferred"
    );
    // A forged form and an unknown action change nothing.
    let res = act(vec![("csrf", "0".repeat(32)), ("action", "refuse".into())])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = act(vec![("csrf", csrf.clone()), ("action", "explode".into())])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Another dossier refused with its reason: Mẫu 03.
    let refused = receive(&srv, &b, "Lê Thị Cúc").await;
    let res = b
        .post(format!("{}/desk/dossiers/{refused}/act", srv.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "refuse"),
            ("reason", "Thủ tục không thuộc thẩm quyền của Trung tâm."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, form) = page(format!("/desk/dossiers/{refused}/form/mau-03")).await;
    assert!(form.contains("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"));
    assert!(form.contains("Thủ tục không thuộc thẩm quyền của Trung tâm."));
    // An officer of an agency the dossier never reached does not see it.
    let officer = srv.staff("cv.tuphap").await;
    let res = browser(officer.token.as_deref().unwrap())
        .get(format!("{}/desk/dossiers/{code}", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_worklist_puts_late_transfers_first_and_follows_each_dossier() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let b = browser(desk.token.as_deref().unwrap());
    let work = || async {
        let res = b
            .get(format!("{}/desk/work", srv.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    };
    let pile = |body: &str, id: &str| -> String {
        between(body, &format!("id=\"{id}\""), "</section>").to_owned()
    };
    let first = receive(&srv, &b, "Phạm Văn An").await;
    srv.clock.advance(chrono::Duration::hours(1));
    let second = receive(&srv, &b, "Đỗ Thị Hoa").await;
    let body = work().await;
    let today = pile(&body, "today");
    assert!(today.contains(&first) && today.contains(&second), "{today}");
    let to_transfer = pile(&body, "transfer");
    assert!(
        to_transfer.find(&first).unwrap() < to_transfer.find(&second).unwrap(),
        "the earlier deadline first: {to_transfer}"
    );
    assert!(to_transfer.contains("còn 7 giờ"), "{to_transfer}");
    // The first waits for a supplement: it leaves the pile to transfer for that one.
    let page = b
        .get(format!("{}/desk/dossiers/{first}", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    let res = b
        .post(format!("{}/desk/dossiers/{first}/act", srv.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "supplement"),
            ("items", "Giấy chứng sinh | thiếu | nộp bản chính"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Two days on: the second is past its 8 working hours, in red, first of its pile.
    srv.clock.advance(chrono::Duration::days(2));
    let body = work().await;
    assert!(pile(&body, "supplement").contains(&first));
    let to_transfer = pile(&body, "transfer");
    assert!(!to_transfer.contains(&first));
    assert!(to_transfer.contains(&second) && to_transfer.contains("class=\"late\""));
    assert!(to_transfer.contains("quá "), "{to_transfer}");
    assert!(pile(&body, "today").contains("Không có hồ sơ nào"));
    // Transferred, it leaves every pile.
    let res = b
        .post(format!("{}/desk/dossiers/{second}/act", srv.base))
        .form(&[("csrf", csrf.as_str()), ("action", "transfer")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = work().await;
    assert!(!pile(&body, "transfer").contains(&second));
    // Another desk's worklist holds none of these.
    let other = srv.staff("tiepnhan.tanlap").await;
    let body = browser(other.token.as_deref().unwrap())
        .get(format!("{}/desk/work", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains(&first) && !body.contains(&second));

    // The log book (Mẫu 06) of the period, as a print view and as CSV.
    let get = |path: String| {
        let b = b.clone();
        async move { b.get(path).send().await.unwrap() }
    };
    let res = get(format!(
        "{}/desk/log?from=2025-11-10&to=2025-11-12",
        srv.base
    ))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let log = res.text().await.unwrap();
    assert!(log.contains("SỔ THEO DÕI HỒ SƠ") && log.contains("Mẫu số 06"));
    assert!(log.contains(&first) && log.contains("Phạm Văn An") && log.contains(&second));
    let res = get(format!(
        "{}/desk/log?from=2025-11-10&to=2025-11-12&format=csv",
        srv.base
    ))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(
        csv.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets"
    );
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 3, "a header and two dossiers: {csv}");
    assert!(lines[1].starts_with(&format!("1,{first},")), "{}", lines[1]);
    // Today holds none of them; a period backwards or too long, a format that is none: refused.
    let today = get(format!("{}/desk/log", srv.base))
        .await
        .text()
        .await
        .unwrap();
    assert!(!today.contains(&first));
    for bad in [
        "from=2025-11-12&to=2025-11-10",
        "from=2025-10-01&to=2025-11-12",
        "format=xml",
        "from=x",
    ] {
        let res = get(format!("{}/desk/log?{bad}", srv.base)).await;
        assert!(res.status().is_client_error(), "{bad}: {}", res.status());
        assert!(res.text().await.unwrap().contains("<html"), "{bad}: a page");
    }
}
