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

/// The page at `path` for `b`: its status and text.
async fn page_of(srv: &TestServer, b: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let res = b.get(format!("{}{path}", srv.base)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Post a dossier page's form as `b` (its CSRF token read from the page); the response.
async fn act_as(
    srv: &TestServer,
    b: &reqwest::Client,
    code: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, body) = page_of(srv, b, &format!("/desk/dossiers/{code}")).await;
    let csrf = between(&body, "name=\"csrf\" value=\"", "\"").to_owned();
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(format!("{}/desk/dossiers/{code}/act", srv.base))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_agency_assigns_appraises_approves_and_the_desk_returns_from_their_pages() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let head = browser(srv.staff("ld.tanlap").await.token.as_deref().unwrap());
    let officer = browser(srv.staff("cv.tanlap").await.token.as_deref().unwrap());
    let name = "Hoàng <script>alert(1)</script> Yến";
    let code = receive(&srv, &desk, name).await;
    let ok = |res: &reqwest::Response, what: &str| {
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{what}");
    };
    ok(
        &act_as(&srv, &desk, &code, &[("action", "transfer")]).await,
        "transfer",
    );

    // The head: waiting for assignment, with the agency's officers to choose from.
    let (s, work) = page_of(&srv, &head, "/agency").await;
    assert_eq!(s, StatusCode::OK);
    let assign_pile = between(&work, "id=\"assign\"", "</section>");
    assert!(assign_pile.contains(&code), "{work}");
    let (_, body) = page_of(&srv, &head, &format!("/desk/dossiers/{code}")).await;
    assert!(body.contains("<option value=\"cv.tanlap\""), "{body}");
    assert!(
        !body.contains("id=\"submit\""),
        "a head does not submit before assigning"
    );
    // A forged assignment changes nothing.
    let res = head
        .post(format!("{}/desk/dossiers/{code}/act", srv.base))
        .form(&[
            ("csrf", "f".repeat(32).as_str()),
            ("action", "assign"),
            ("officer", "cv.tanlap"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    ok(
        &act_as(
            &srv,
            &head,
            &code,
            &[("action", "assign"), ("officer", "cv.tanlap")],
        )
        .await,
        "assign",
    );

    // The officer: the dossier in hand; an opinion asked, answered; a verification; submitted.
    let (_, work) = page_of(&srv, &officer, "/agency").await;
    assert!(
        between(&work, "id=\"mine\"", "</section>").contains(&code),
        "{work}"
    );
    let (_, body) = page_of(&srv, &officer, &format!("/desk/dossiers/{code}")).await;
    assert!(
        body.contains("id=\"consult\"")
            && body.contains("id=\"verify\"")
            && body.contains("id=\"submit\"")
    );
    assert!(
        !body.contains("id=\"approve\""),
        "an officer does not approve"
    );
    let tomorrow = between(&body, "id=\"deadline\" name=\"deadline\" value=\"", "\"").to_owned();
    ok(
        &act_as(
            &srv,
            &officer,
            &code,
            &[
                ("action", "consult"),
                ("agency", "000.00.10.H16"),
                ("subject", "Xác nhận nơi cư trú"),
                ("deadline", &tomorrow),
            ],
        )
        .await,
        "consult",
    );
    let (_, body) = page_of(&srv, &officer, &format!("/desk/dossiers/{code}")).await;
    assert!(body.contains("Xác nhận nơi cư trú") && body.contains("id=\"answer-btn\""));
    assert!(
        !body.contains("id=\"submit\""),
        "not while an opinion is awaited"
    );
    // A date that is not one: refused in words, nothing lost.
    let res = act_as(
        &srv,
        &officer,
        &code,
        &[
            ("action", "verify"),
            ("at", "ngày mai"),
            ("place", "x"),
            ("participants", "x"),
            ("content", "x"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for fields in [
        vec![
            ("action", "answer"),
            ("agency", "000.00.10.H16"),
            ("answer", "Đúng nơi cư trú"),
        ],
        vec![
            ("action", "verify"),
            ("at", tomorrow.as_str()),
            ("place", "Trụ sở UBND phường"),
            ("participants", "Cán bộ tư pháp\nNgười nộp"),
            ("content", "Đối chiếu bản chính"),
        ],
        vec![("action", "submit")],
    ] {
        ok(&act_as(&srv, &officer, &code, &fields).await, fields[0].1);
    }

    // The head: to approve; a late-style apology first prints Mẫu 04, then approval.
    let (_, work) = page_of(&srv, &head, "/agency").await;
    assert!(between(&work, "id=\"approve\"", "</section>").contains(&code));
    let (_, body) = page_of(&srv, &head, &format!("/desk/dossiers/{code}")).await;
    let new_due = between(&body, "id=\"new-due\" name=\"new_due\" value=\"", "\"").to_owned();
    let res = act_as(
        &srv,
        &head,
        &code,
        &[
            ("action", "apologize"),
            ("reason", "Chờ xác minh tại địa phương"),
            ("new_due", &new_due),
        ],
    )
    .await;
    ok(&res, "apologize");
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.ends_with("/form/mau-04"), "{to}");
    let (s, letter) = page_of(&srv, &head, &to).await;
    assert_eq!(s, StatusCode::OK);
    assert!(letter.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"));
    assert!(letter.contains("Chờ xác minh tại địa phương"));
    let (date, time) = new_due.split_once('T').unwrap();
    let (y, rest) = date.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    let (hh, mm) = time.split_once(':').unwrap();
    assert!(
        letter.contains(&format!("{hh} giờ {mm} phút, ngày {d}/{m}/{y}")),
        "the new appointment: {letter}"
    );
    ok(
        &act_as(&srv, &head, &code, &[("action", "approve")]).await,
        "approve",
    );
    ok(
        &act_as(&srv, &officer, &code, &[("action", "result_ready")]).await,
        "result ready",
    );

    // The desk: the result to hand back, then returned.
    let (_, work) = page_of(&srv, &desk, "/desk/work").await;
    assert!(between(&work, "id=\"return\"", "</section>").contains(&code));
    ok(
        &act_as(
            &srv,
            &desk,
            &code,
            &[("action", "return"), ("channel", "counter")],
        )
        .await,
        "return",
    );

    // Every step in the timeline, the name escaped everywhere.
    let (_, body) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}")).await;
    let timeline = between(&body, "id=\"timeline\"", "</ol>");
    for step in [
        "Tiếp nhận hồ sơ",
        "Chuyển cơ quan giải quyết",
        "Phân công xử lý",
        "Lấy ý kiến cơ quan liên quan",
        "Cơ quan liên quan trả lời",
        "Hẹn thẩm tra, xác minh",
        "Trình phê duyệt",
        "Xin lỗi và hẹn lại ngày trả kết quả",
        "Phê duyệt",
        "Kết quả đã chuyển Bộ phận Một cửa",
        "Trả kết quả",
    ] {
        assert!(timeline.contains(step), "{step} in {timeline}");
    }
    assert!(!body.contains("<script>alert(1)</script>"), "{body}");
    assert!(body.contains("&#60;script&#62;") || body.contains("&lt;script&gt;"));

    // Mẫu 05: each hand-over, judged.
    let (s, sheet) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}/form/mau-05")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(sheet.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"));
    let rows = between(&sheet, "id=\"hand-overs\"", "</table>");
    assert_eq!(rows.matches("<tr>").count(), 1 + 8, "{rows}");
    assert!(rows.contains("Sở Tư pháp") && rows.contains("Đúng hạn") || rows.contains("Trước hạn"));
    assert!(!sheet.contains("<script>alert(1)</script>"));

    // Search: the name without diacritics, the citizen ID, a status; a bad page position.
    let (s, found) = page_of(&srv, &desk, "/search?q=hoang").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        found.contains(&code) && !found.contains("<script>alert(1)</script>"),
        "{found}"
    );
    let (_, found) = page_of(&srv, &desk, "/search?q=001190012345&status=10").await;
    assert!(found.contains(&code), "{found}");
    let (s, found) = page_of(&srv, &desk, "/search?q=hoang&after=nonsense").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(found.contains("id=\"error\""));
}

#[tokio::test]
async fn search_pages_go_on_where_the_last_stopped() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let mut received = std::collections::BTreeSet::new();
    for i in 0..61 {
        received.insert(receive(&srv, &desk, &format!("Phạm Văn Số {i}")).await);
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut path = "/search?q=pham%20van".to_owned();
    let mut pages = 0;
    loop {
        let (s, body) = page_of(&srv, &desk, &path).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let rows = between(&body, "id=\"results\"", "</table>").to_owned();
        for code in rows.split("href=\"/desk/dossiers/").skip(1) {
            let code = code.split('"').next().unwrap().to_owned();
            assert!(seen.insert(code.clone()), "{code} twice");
        }
        pages += 1;
        if !body.contains("id=\"next\"") {
            break;
        }
        let href = between(&body, "<a href=\"/search?", "\" id=\"next\"");
        path = format!(
            "/search?{}",
            href.replace("&#38;", "&").replace("&amp;", "&")
        );
        assert!(pages < 10);
    }
    assert_eq!(pages, 2, "50 a page");
    assert_eq!(seen, received, "every one once");

    // The worklist's pile to transfer, page after page, holds them all once, as many as it says.
    let mut path = "/desk/work".to_owned();
    let mut in_pile = std::collections::BTreeSet::new();
    let mut said = None;
    for _ in 0..10 {
        let (s, body) = page_of(&srv, &desk, &path).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let pile = between(&body, "id=\"transfer\"", "</section>").to_owned();
        let count: u64 = between(&pile, "<span class=\"count\">", "<")
            .parse()
            .unwrap();
        assert_eq!(*said.get_or_insert(count), count);
        for code in pile.split("href=\"/desk/dossiers/").skip(1) {
            let code = code.split('"').next().unwrap().to_owned();
            assert!(in_pile.insert(code.clone()), "{code} twice");
        }
        if !pile.contains("id=\"more-transfer\"") {
            break;
        }
        let href = between(&pile, "<a href=\"/desk/work?", "\" id=\"more-transfer\"");
        path = format!(
            "/desk/work?{}",
            href.replace("&#38;", "&").replace("&amp;", "&")
        );
    }
    assert!(received.is_subset(&in_pile));
    assert_eq!(
        in_pile.len() as u64,
        said.unwrap(),
        "the count is the pile's"
    );
    let (s, _) = page_of(&srv, &desk, "/desk/work?pile=transfer&after=x").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// Post a feedback page's form as `b`, its CSRF token read from the page.
async fn feedback_act(
    srv: &TestServer,
    b: &reqwest::Client,
    to: &str,
    fields: Vec<(&'static str, String)>,
) -> reqwest::Response {
    let (_, page) = page_of(srv, b, to).await;
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    let mut form = vec![("csrf", csrf)];
    form.extend(fields);
    b.post(format!("{}{to}/act", srv.base))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn feedback_is_entered_assigned_answered_and_closed_from_the_feedback_desk() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let admin = browser(srv.staff("qt.trungtam").await.token.as_deref().unwrap());
    let officer = browser(srv.staff("cv.tuphap").await.token.as_deref().unwrap());
    let (s, body) = page_of(&srv, &desk, "/feedback").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = between(&body, "name=\"csrf\" value=\"", "\"").to_owned();
    let enter = |fields: Vec<(&'static str, String)>| {
        desk.post(format!("{}/feedback", srv.base))
            .form(&fields)
            .send()
    };
    let fields = vec![
        ("csrf", csrf.clone()),
        ("channel", "phone".to_owned()),
        ("category", "Thái độ phục vụ".to_owned()),
        (
            "content",
            "Cán bộ <script>alert(1)</script> hẹn sai ngày".to_owned(),
        ),
        ("name", "Lê Văn Tám".to_owned()),
        ("phone", "0912345678".to_owned()),
        ("consent", "1".to_owned()),
    ];
    let mut forged = fields.clone();
    forged[0].1 = "0".repeat(32);
    assert_eq!(enter(forged).await.unwrap().status(), StatusCode::FORBIDDEN);
    let mut empty = fields.clone();
    empty[3].1 = "   ".to_owned();
    let res = enter(empty).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("value=\"Thái độ phục vụ\""),
        "kept"
    );
    let res = enter(fields).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let code = to.trim_start_matches("/feedback/").to_owned();

    // In the list with its 13-working-day countdown; the text escaped.
    let (_, list) = page_of(&srv, &desk, "/feedback").await;
    let row = between(&list, &format!("href=\"/feedback/{code}\""), "</tr>");
    assert!(row.contains("còn 13 ngày"), "{row}");
    assert!(!list.contains("<script>alert(1)</script>"), "{list}");

    // The administrator assigns; the officer answers; the administrator closes.
    let (_, page) = page_of(&srv, &admin, &to).await;
    assert!(page.contains("<option value=\"cv.tuphap\""));
    let res = feedback_act(
        &srv,
        &admin,
        &to,
        vec![("action", "assign".into()), ("officer", "cv.tuphap".into())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, page) = page_of(&srv, &officer, &to).await;
    assert_eq!(s, StatusCode::OK, "the assigned agency reads it");
    assert!(page.contains("id=\"answer-btn\"") && !page.contains("id=\"close\""));
    let res = feedback_act(
        &srv,
        &officer,
        &to,
        vec![
            ("action", "answer".into()),
            ("answer", "Trung tâm xin lỗi, đã hẹn lại đúng ngày.".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = feedback_act(&srv, &admin, &to, vec![("action", "close".into())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = page_of(&srv, &admin, &to).await;
    assert!(page.contains("Đã đóng") && page.contains("Trung tâm xin lỗi, đã hẹn lại đúng ngày."));
    let (_, list) = page_of(&srv, &desk, "/feedback").await;
    assert!(
        !list.contains(&format!("href=\"/feedback/{code}\"")),
        "closed leaves the list"
    );
    let (s, v) = srv
        .anon()
        .get(&format!("/api/v1/public/feedback/{code}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["answer"], "Trung tâm xin lỗi, đã hẹn lại đúng ngày.");
}

#[tokio::test]
async fn the_receipt_prints_on_the_desks_thermal_printer_and_a_dead_printer_is_said_plainly() {
    use motcua_drivers::sim::SimPrinter;
    use motcua_drivers::status::PrinterStatus;
    let out = tempfile::tempdir().unwrap();
    let printer = SimPrinter::new(out.path(), 576).unwrap();
    let plug = printer.listen("127.0.0.1:0").unwrap();
    let uri = format!("tcp://{}", plug.addr);
    let srv = start_configured(monday_morning(), true, |c| {
        c.desk_printers.insert("tiepnhan1".into(), uri.clone());
    })
    .await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let code = receive(&srv, &desk, "Đoàn Thị Thu Hương").await;
    let receipt = format!("/desk/dossiers/{code}/receipt");
    let (_, page) = page_of(&srv, &desk, &receipt).await;
    assert!(page.contains("id=\"print-thermal\""), "{page}");
    let secret = between(&page, "id=\"secret\">", "<").to_owned();
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    let print = |csrf: String| {
        desk.post(format!("{}{receipt}/print", srv.base))
            .form(&[("csrf", csrf)])
            .send()
    };
    assert_eq!(
        print("0".repeat(32)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let res = print(csrf.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Đã in giấy tiếp nhận"));
    let slips = printer.wait_for(1, std::time::Duration::from_secs(10));
    assert_eq!(slips.len(), 1, "one slip, not one per retry");
    let t = &slips[0].transcript;
    assert!(t.cut, "{t:?}");
    let read = t
        .qr_in_image
        .first()
        .expect("a QR readable in the printed image");
    let scan = motcua_drivers::qr::parse_scan(read.as_bytes()).unwrap();
    assert_eq!(scan.code.to_string(), code);
    assert_eq!(scan.secret.as_deref(), Some(secret.as_str()));

    // Out of paper, then unplugged: the desk reads what to do; nothing else changes.
    printer.set_status(PrinterStatus::PaperOut);
    let res = print(csrf.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.text().await.unwrap().contains("hết giấy"));
    printer.set_status(PrinterStatus::Online);
    plug.stop();
    let res = print(csrf.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Không in được") && body.contains("id=\"receipt\""),
        "{body}"
    );
    assert_eq!(printer.slips().len(), 1);

    // Another officer's receipt page offers no printer of the first's.
    let other = browser(srv.staff("tiepnhan2").await.token.as_deref().unwrap());
    let code2 = receive(&srv, &other, "Hà Văn Bảy").await;
    let (_, page) = page_of(&srv, &other, &format!("/desk/dossiers/{code2}/receipt")).await;
    assert!(!page.contains("id=\"print-thermal\""));
}

#[tokio::test]
async fn a_browser_may_choose_vietnamese_only_and_every_form_needs_its_token() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let code = receive(&srv, &desk, "Võ Thị Sáu").await;

    // Vietnamese with English beside it by default; Vietnamese only once chosen.
    let (_, page) = page_of(&srv, &desk, "/desk/work").await;
    assert!(page.contains("href=\"/lang/vi?next=/desk/work\""), "{page}");
    assert!(!page.contains("vi-only"));
    let res = desk
        .get(format!("{}/lang/vi?next=/desk/work", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/desk/work");
    let cookie = res.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("motcua_lang=vi;"), "{cookie}");
    let vi = desk
        .get(format!("{}/desk/dossiers/{code}", srv.base))
        .header(
            COOKIE,
            format!("{}; motcua_lang=vi", desk_cookie(&srv).await),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(vi.contains("<body class=\"vi-only "), "{vi}");
    // Somewhere to go back to that is not this site: home instead.
    let res = desk
        .get(format!("{}/lang/en?next=//evil.example", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[LOCATION], "/work");

    // Every staff form, posted without its token or with another's: refused, nothing done.
    let forms = [
        "/desk/receive".to_owned(),
        format!("/desk/dossiers/{code}/act"),
        format!("/desk/dossiers/{code}/receipt/print"),
        "/feedback".to_owned(),
        "/feedback/PA-000000-AAAAAAAA/act".to_owned(),
        "/counter/seat".to_owned(),
        "/counter/leave".to_owned(),
        "/counter/call-next".to_owned(),
        "/counter/act".to_owned(),
        "/password".to_owned(),
        "/logout".to_owned(),
    ];
    for path in &forms {
        for csrf in [None, Some("0".repeat(32))] {
            let mut form = vec![
                ("action", "transfer".to_owned()),
                ("counter", "1".to_owned()),
            ];
            if let Some(c) = &csrf {
                form.push(("csrf", c.clone()));
            }
            let res = desk
                .post(format!("{}{path}", srv.base))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert!(
                res.status().is_client_error() && res.status() != StatusCode::NOT_FOUND,
                "{path} {csrf:?}: {}",
                res.status()
            );
        }
    }
    // Nothing happened: the dossier is still at the desk, and the session still works.
    let (s, page) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"transfer\""), "not transferred");
}

/// The session cookie of the desk's browser in these tests, as a header value.
async fn desk_cookie(srv: &TestServer) -> String {
    format!(
        "motcua_session={}",
        srv.staff("tiepnhan1").await.token.unwrap()
    )
}

/// Art. 8.2: a procedure whose result is given at once is settled at the desk and recorded,
/// without the receipt (printed only if asked for); any other procedure cannot be.
#[tokio::test]
async fn an_immediate_procedure_is_settled_and_recorded_at_the_desk() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let (_, body) = page_of(&srv, &desk, "/desk?q=chung%20thuc%20ban%20sao").await;
    let procedure = between(&body, "href=\"/desk/receive?procedure=", "\"").to_owned();
    let (_, form) = page_of(&srv, &desk, &format!("/desk/receive?procedure={procedure}")).await;
    assert!(
        form.contains("id=\"at-once\"") && form.contains("checked"),
        "{form}"
    );
    let csrf = between(&form, "name=\"csrf\" value=\"", "\"").to_owned();
    let res = desk
        .post(format!("{}/desk/receive", srv.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("procedure", &procedure),
            ("name", "Phan Văn Trị"),
            ("citizen_id", "001190012345"),
            ("channel", "direct"),
            ("doc0", "1"),
            ("doc1", "1"),
            ("at_once", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(!to.ends_with("/receipt"), "no receipt unless asked: {to}");
    let (_, page) = page_of(&srv, &desk, &to).await;
    assert!(page.contains("data-step=\"Result returned\""), "{page}");
    let timeline = between(&page, "id=\"timeline\"", "</ol>");
    assert!(timeline.contains("Tiếp nhận hồ sơ") && timeline.contains("Trả kết quả"));
    assert!(
        page.contains("/receipt\""),
        "the receipt still there if asked for"
    );
    // Recorded: the search finds it, returned.
    let (_, found) = page_of(&srv, &desk, "/search?q=phan%20van%20tri").await;
    assert!(found.contains("Đã trả kết quả"), "{found}");

    // A procedure that is not immediate offers no such thing, and the API refuses it.
    let code = receive(&srv, &desk, "Lâm Văn Tư").await;
    let (_, page) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}")).await;
    assert!(!page.contains("id=\"resolve-at-once\""));
    let api = srv.staff("tiepnhan1").await;
    let (s, v) = api
        .post(
            &format!("/api/v1/dossiers/{code}/actions"),
            serde_json::json!({"type": "resolve_at_once"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "procedure.not_immediate");
}

/// Art. 10.1b: the agency asked for its opinion finds it in its worklist, reads what the opinion
/// needs and nothing more, answers it itself; a late opinion says so; other agencies see nothing.
#[tokio::test]
async fn the_consulted_agency_answers_its_own_opinion_and_late_ones_are_flagged() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let head = browser(srv.staff("ld.tanlap").await.token.as_deref().unwrap());
    let officer = browser(srv.staff("cv.tanlap").await.token.as_deref().unwrap());
    let asked = browser(srv.staff("cv.tuphap").await.token.as_deref().unwrap());
    let other = browser(srv.staff("cv.xaydung").await.token.as_deref().unwrap());
    let code = receive(&srv, &desk, "Trịnh Thị Mai").await;
    for (b, fields) in [
        (&desk, vec![("action", "transfer")]),
        (&head, vec![("action", "assign"), ("officer", "cv.tanlap")]),
    ] {
        assert_eq!(
            act_as(&srv, b, &code, &fields).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let (_, page) = page_of(&srv, &officer, &format!("/desk/dossiers/{code}")).await;
    let tomorrow = between(&page, "id=\"deadline\" name=\"deadline\" value=\"", "\"").to_owned();
    let res = act_as(
        &srv,
        &officer,
        &code,
        &[
            ("action", "consult"),
            ("agency", "000.00.10.H16"),
            ("subject", "Xác nhận không có án tích"),
            ("deadline", &tomorrow),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The asked agency: in its worklist, the opinion's page and not the dossier's.
    let (_, work) = page_of(&srv, &asked, "/agency").await;
    let pile = between(&work, "id=\"consulted\"", "</section>");
    assert!(
        pile.contains(&format!("href=\"/consultations/{code}\"")),
        "{work}"
    );
    let (s, page) = page_of(&srv, &asked, &format!("/consultations/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Xác nhận không có án tích") && page.contains("Trịnh Thị Mai"));
    assert!(!page.contains("001190012345"), "no citizen ID: {page}");
    let (s, _) = page_of(&srv, &asked, &format!("/desk/dossiers/{code}")).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the dossier stays the handling agency's"
    );
    for b in [&other, &desk] {
        let (s, _) = page_of(&srv, b, &format!("/consultations/{code}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    // A day and a half later the opinion is late, and says so.
    srv.clock.advance(chrono::Duration::hours(36));
    let (_, page) = page_of(&srv, &asked, &format!("/consultations/{code}")).await;
    assert!(page.contains("Quá hạn trả lời"), "{page}");
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    // Another agency cannot answer in its place.
    let (_, other_page) = page_of(&srv, &other, "/agency").await;
    let other_csrf = between(&other_page, "name=\"csrf\" value=\"", "\"").to_owned();
    let res = other
        .post(format!("{}/consultations/{code}/answer", srv.base))
        .form(&[("csrf", other_csrf.as_str()), ("answer", "Không")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = asked
        .post(format!("{}/consultations/{code}/answer", srv.base))
        .form(&[("csrf", csrf.as_str()), ("answer", "Không có án tích")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = page_of(&srv, &asked, &format!("/consultations/{code}")).await;
    assert!(page.contains("id=\"answer-given\">Không có án tích"));
    let (_, work) = page_of(&srv, &asked, "/agency").await;
    assert!(
        !work.contains(&format!("/consultations/{code}")),
        "answered: off the pile"
    );
    // The handling agency sees the answer, by whom, and that it came late.
    let (_, page) = page_of(&srv, &officer, &format!("/desk/dossiers/{code}")).await;
    let timeline = between(&page, "id=\"timeline\"", "</ol>");
    assert!(timeline.contains("Cơ quan liên quan trả lời"), "{timeline}");
    assert!(
        timeline.contains("Không có án tích") && timeline.contains("muộn"),
        "{timeline}"
    );
    assert!(
        page.contains("id=\"submit\""),
        "no opinion awaited: may submit"
    );
}

#[tokio::test]
async fn forms_refuse_in_words_what_they_used_to_bend() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let code = receive(&srv, &desk, "Kiều Văn Tâm").await;
    // A reason past its limit is refused, not cut.
    let long = "a".repeat(2_500);
    let res = act_as(
        &srv,
        &desk,
        &code,
        &[("action", "refuse"), ("reason", &long)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An amount with a fraction is refused, not multiplied.
    let res = act_as(
        &srv,
        &desk,
        &code,
        &[("action", "fee_paid"), ("amount", "50.000,50")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("không có phần lẻ"));
    // Asking one's own agency, or one that does not exist, for an opinion is refused.
    let head = browser(srv.staff("ld.tanlap").await.token.as_deref().unwrap());
    act_as(&srv, &desk, &code, &[("action", "transfer")]).await;
    act_as(
        &srv,
        &head,
        &code,
        &[("action", "assign"), ("officer", "cv.tanlap")],
    )
    .await;
    let officer = browser(srv.staff("cv.tanlap").await.token.as_deref().unwrap());
    let (_, page) = page_of(&srv, &officer, &format!("/desk/dossiers/{code}")).await;
    let tomorrow = between(&page, "id=\"deadline\" name=\"deadline\" value=\"", "\"").to_owned();
    for agency in ["000.30.31.H16", "000.00.99.H16"] {
        let res = act_as(
            &srv,
            &officer,
            &code,
            &[
                ("action", "consult"),
                ("agency", agency),
                ("subject", "x"),
                ("deadline", &tomorrow),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{agency}");
    }
    // A payment when nothing is owed is not offered, and refused.
    assert!(!page.contains("id=\"fee-paid\""));
    let res = act_as(
        &srv,
        &officer,
        &code,
        &[("action", "fee_paid"), ("amount", "5")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another site cannot sign a browser in.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", srv.base))
        .header("origin", "https://evil.example")
        .form(&[("username", "tiepnhan1"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// Art. 8.1c on the desk's page: an online submission is checked and found valid before it can
/// be transferred; it is received then.
#[tokio::test]
async fn an_online_submission_is_found_valid_before_it_is_transferred() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let (_, body) = page_of(&srv, &desk, "/desk?q=khai%20sinh").await;
    let procedure = between(&body, "href=\"/desk/receive?procedure=", "\"").to_owned();
    let (_, form) = page_of(&srv, &desk, &format!("/desk/receive?procedure={procedure}")).await;
    let csrf = between(&form, "name=\"csrf\" value=\"", "\"").to_owned();
    let res = desk
        .post(format!("{}/desk/receive", srv.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("procedure", &procedure),
            ("name", "Mạc Thị Bưởi"),
            ("citizen_id", "001190012345"),
            ("channel", "online"),
            ("doc0", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let code = between(&to, "/desk/dossiers/", "/receipt").to_owned();
    let (_, page) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}")).await;
    assert!(
        page.contains("id=\"accept-online\"") && !page.contains("id=\"transfer\""),
        "{page}"
    );
    let res = act_as(&srv, &desk, &code, &[("action", "transfer")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = act_as(&srv, &desk, &code, &[("action", "accept_online")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}")).await;
    assert!(page.contains("data-step=\"Received online\""), "{page}");
    assert!(page.contains("Hồ sơ trực tuyến hợp lệ, tiếp nhận"));
    assert!(page.contains("id=\"transfer\"") && !page.contains("id=\"accept-online\""));
    assert_eq!(
        act_as(&srv, &desk, &code, &[("action", "transfer")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

/// Art. 23: a closed dossier is exported for the archive — a print view of its whole history
/// and JSON — without the lookup secret; an open one is not; every export is audited.
#[tokio::test]
async fn a_closed_dossier_is_exported_for_the_archive_without_its_secret() {
    let srv = start().await;
    let desk = browser(srv.staff("tiepnhan1").await.token.as_deref().unwrap());
    let code = receive(&srv, &desk, "Tạ Thị Lưu").await;
    let (s, _) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}/archive")).await;
    assert_eq!(s, StatusCode::CONFLICT, "still open");
    let (_, receipt) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}/receipt")).await;
    let secret = between(&receipt, "id=\"secret\">", "<").to_owned();
    let res = act_as(
        &srv,
        &desk,
        &code,
        &[
            ("action", "refuse"),
            ("reason", "Không thuộc thẩm quyền của Trung tâm"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, page) = page_of(&srv, &desk, &format!("/desk/dossiers/{code}/archive")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("HỒ SƠ THỦ TỤC HÀNH CHÍNH LƯU TRỮ") && page.contains(&code));
    let history = between(&page, "id=\"history\"", "</table>");
    assert!(history.contains("Tiếp nhận hồ sơ") && history.contains("Từ chối tiếp nhận"));
    assert!(history.contains("Không thuộc thẩm quyền của Trung tâm"));
    // Art. 23.1: kept as long as its procedure's retention class says (khai sinh: permanent in
    // the demo catalogue).
    assert!(
        page.contains("Thời hạn bảo quản: <strong>Vĩnh viễn</strong>"),
        "{page}"
    );
    let res = desk
        .get(format!(
            "{}/desk/dossiers/{code}/archive?format=json",
            srv.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["code"], code.as_str());
    assert!(v["history"].as_array().unwrap().len() >= 2);
    assert_eq!(v["retention"]["class"], "permanent", "{v}");
    assert_eq!(v["retention"]["closed_year"], 2025);
    assert!(v["retention"]["keep_through"].is_null());
    assert!(
        !v.to_string().contains(&format!("\"{secret}\"")),
        "no secret: {v}"
    );
    let admin = srv.staff("qt.hethong").await;
    let (_, log) = admin
        .get(&format!("/api/v1/admin/audit?target={code}"))
        .await;
    let log = log.to_string();
    assert!(
        log.contains("export_dossier") && log.contains("export_dossier_json"),
        "{log}"
    );
    // Outside one's scope: nothing.
    let other = browser(srv.staff("cv.xaydung").await.token.as_deref().unwrap());
    let (s, _) = page_of(&srv, &other, &format!("/desk/dossiers/{code}/archive")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
