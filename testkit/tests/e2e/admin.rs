//! Accounts in a real browser: an administrator creates an account from the page and reads its
//! one-time password once; the new officer signing in with it is made to choose their own before
//! anything else; the administrator disables another account, whose session ends at once; the
//! audit log finds each of those actions by account, action and day.

use std::time::Duration;

use fantoccini::Locator;

use crate::browser::{browser, chromedriver, click, fill, sign_in, wait_path, wait_text};

async fn choose(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_made_on_the_page_must_change_its_password_and_the_log_says_so() {
    let centre = motcua_testkit::start().await;
    let driver = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let admin = browser(&driver, &profiles.path().join("admin"), (1280, 1200)).await;
    sign_in(&admin, &centre, "/admin/users", "qt.trungtam").await;

    // A centre administrator may not make an administrator.
    fill(&admin, "username", "qt.moi").await;
    fill(&admin, "full_name", "Trần Văn Mới").await;
    choose(&admin, "#role option[value='system_admin']").await;
    click(&admin, "#create-user").await;
    wait_text(&admin, "#error", Duration::from_secs(5), |t| {
        t.contains("quản trị hệ thống")
    })
    .await;

    let form = admin.find(Locator::Id("username")).await.unwrap();
    form.clear().await.unwrap();
    form.send_keys("cv.moi").await.unwrap();
    choose(&admin, "#role option[value='officer']").await;
    choose(&admin, "#agency option[value='000.00.10.H16']").await;
    click(&admin, "#create-user").await;
    let once = wait_text(&admin, "#one-time-password", Duration::from_secs(5), |t| {
        t.len() >= 12
    })
    .await;
    wait_text(
        &admin,
        "tr[data-user='cv.moi']",
        Duration::from_secs(5),
        |t| t.contains("Chờ đổi mật khẩu") && t.contains("Sở Tư pháp"),
    )
    .await;

    // The new officer: the one-time password works once, for choosing one's own.
    let officer = browser(&driver, &profiles.path().join("officer"), (1280, 900)).await;
    officer
        .goto(&format!("{}/work", centre.base))
        .await
        .unwrap();
    fill(&officer, "username", "cv.moi").await;
    fill(&officer, "password", &once).await;
    click(&officer, "#sign-in").await;
    assert_eq!(
        wait_path(&officer, "/password", Duration::from_secs(5)).await,
        "/password",
        "made to choose a password first"
    );
    officer
        .goto(&format!("{}/agency", centre.base))
        .await
        .unwrap();
    assert_eq!(
        wait_path(&officer, "/password", Duration::from_secs(5)).await,
        "/password",
        "nothing else before it"
    );
    let mine = "Mat-khau-cua-toi-2026";
    fill(&officer, "current", &once).await;
    fill(&officer, "new", mine).await;
    fill(&officer, "confirm", mine).await;
    click(&officer, "button[type=submit]").await;
    wait_text(&officer, "main", Duration::from_secs(5), |t| {
        t.contains("Việc cần làm")
    })
    .await;

    // Disabled: the officer's next page is the sign-in.
    admin
        .goto(&format!("{}/admin/users/cv.moi", centre.base))
        .await
        .unwrap();
    click(&admin, "#active").await;
    click(&admin, "#save-user").await;
    wait_text(&admin, "#saved", Duration::from_secs(5), |t| {
        t.contains("Đã lưu")
    })
    .await;
    officer
        .goto(&format!("{}/agency", centre.base))
        .await
        .unwrap();
    assert_eq!(
        wait_path(&officer, "/login", Duration::from_secs(5)).await,
        "/login",
        "a disabled account's session ends"
    );

    // The log: each step, found by account and by action.
    admin
        .goto(&format!(
            "{}/admin/audit?actor=qt.trungtam&action=create_user",
            centre.base
        ))
        .await
        .unwrap();
    let lines = wait_text(&admin, "#lines", Duration::from_secs(5), |t| {
        t.contains("cv.moi")
    })
    .await;
    assert!(lines.contains("create_user"), "{lines}");
    admin
        .goto(&format!("{}/admin/audit?target=cv.moi", centre.base))
        .await
        .unwrap();
    let lines = wait_text(&admin, "#lines", Duration::from_secs(5), |t| {
        t.contains("update_user")
    })
    .await;
    assert!(lines.contains("disabled"), "{lines}");
    // A day without any line.
    admin
        .goto(&format!(
            "{}/admin/audit?target=cv.moi&to=2020-01-01",
            centre.base
        ))
        .await
        .unwrap();
    wait_text(&admin, "#none", Duration::from_secs(5), |t| {
        t.contains("Không có")
    })
    .await;
}

/// The catalogue's import in a browser: the file chosen is read into the form by the page's
/// script; one wrong row is named (row and what is wrong) and nothing is imported; fixed, every
/// row is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_import_with_a_bad_row_names_it_and_imports_nothing() {
    let centre = motcua_testkit::start().await;
    let driver = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let admin = browser(&driver, &profiles.path().join("admin"), (1280, 1200)).await;
    sign_in(&admin, &centre, "/admin/catalogue", "qt.trungtam").await;
    let before = wait_text(&admin, "main", Duration::from_secs(5), |t| {
        t.contains("Danh mục thủ tục")
    })
    .await;
    assert!(before.contains("34 / 34"), "{before}");
    let csv = "national_code,name,field,agency,working_days,fees,documents\n\
        1.888001,Thủ tục nhập thử một,Thử,000.00.10.H16,5,Lệ phí: 20000,Đơn\n\
        1.888002,Thủ tục nhập thử hai,Thử,000.00.10.H16,năm,,Đơn\n";
    let path = files.path().join("danh-muc.csv");
    std::fs::write(&path, csv).unwrap();
    admin
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    wait_text(&admin, "#content", Duration::from_secs(5), |_| true).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let v = admin
            .find(Locator::Id("content"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        if v.contains("1.888002") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the file read into the form"
        );
        tokio::task::yield_now().await;
    }
    click(&admin, "#import-btn").await;
    let refused = wait_text(&admin, "#refused", Duration::from_secs(5), |t| {
        t.contains("Chưa nhập thủ tục nào")
    })
    .await;
    assert!(
        refused.contains("“năm” không phải số nguyên dương"),
        "{refused}"
    );
    let bad = admin
        .find(Locator::Css("#bad-rows tbody tr"))
        .await
        .unwrap()
        .attr("data-row")
        .await
        .unwrap();
    assert_eq!(bad.as_deref(), Some("2"));
    let listed = admin
        .find(Locator::Id("procedures"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("Thủ tục nhập thử một"), "nothing imported");
    let page = admin
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("34 / 34"), "{page}");
    // The text is kept: fixed in place, imported.
    let content = admin.find(Locator::Id("content")).await.unwrap();
    let fixed = csv.replace(",năm,", ",5,");
    content.clear().await.unwrap();
    content.send_keys(&fixed).await.unwrap();
    click(&admin, "#import-btn").await;
    wait_text(&admin, "#imported", Duration::from_secs(5), |t| {
        t.contains("2 thủ tục mới")
    })
    .await;
    wait_text(&admin, "main", Duration::from_secs(5), |t| {
        t.contains("36 / 36") && t.contains("Thủ tục nhập thử hai")
    })
    .await;
}

/// The reports' dashboard in a browser: its headline figures and every table equal the JSON
/// report's for the same period, and its charts are drawn (as SVG, one bar a figure).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_draws_the_json_report_s_figures() {
    use motcua_testkit::{LLTP, TU_PHAP, receipt};
    let centre = motcua_testkit::start().await;
    let desk = centre.staff("tiepnhan1").await;
    let head = centre.staff("ld.tuphap").await;
    let officer = centre.staff("cv.tuphap").await;
    let mut codes = Vec::new();
    for channel in ["direct", "direct", "postal"] {
        let (s, v) = desk.post("/api/v1/dossiers", receipt(LLTP, channel)).await;
        assert_eq!(s, 201, "{v}");
        codes.push(v["code"].as_str().unwrap().to_owned());
    }
    let first = &codes[0];
    desk.ok(
        first,
        serde_json::json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    head.ok(
        first,
        serde_json::json!({"type": "assign", "officer": "cv.tuphap"}),
    )
    .await;
    officer
        .ok(first, serde_json::json!({"type": "submit_for_approval"}))
        .await;
    head.ok(first, serde_json::json!({"type": "approve"})).await;
    officer
        .ok(first, serde_json::json!({"type": "mark_result_ready"}))
        .await;
    // Two weeks on, the others are past their ten working days.
    centre.clock.advance(chrono::Duration::days(15));
    let period = "from=2025-11-01&to=2025-11-25";
    let admin_api = centre.staff("qt.trungtam").await;
    let (s, json) = admin_api
        .get(&format!("/api/v1/reports/dossiers?{period}"))
        .await;
    assert_eq!(s, 200, "{json}");
    let total = &json["total"];
    assert_eq!(total["received"]["total"], 3);
    assert_eq!(total["in_progress"]["overdue"], 2, "{json}");

    let driver = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let admin = browser(&driver, &profiles.path().join("admin"), (1280, 1200)).await;
    sign_in(&admin, &centre, "/reports", "qt.hethong").await;
    admin
        .goto(&format!("{}/reports?{period}", centre.base))
        .await
        .unwrap();
    let tile = |id: &'static str| {
        let admin = admin.clone();
        async move {
            admin
                .find(Locator::Css(&format!("#{id} .value")))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        tile("tile-received").await,
        total["received"]["total"].to_string()
    );
    assert_eq!(
        tile("tile-finished").await,
        total["finished"]["total"].to_string()
    );
    assert_eq!(
        tile("tile-overdue").await,
        total["in_progress"]["overdue"].to_string()
    );
    let rate = total["on_time_rate"].as_f64().unwrap();
    assert_eq!(
        tile("tile-rate").await,
        format!("{:.1}%", rate * 100.0).replace('.', ",")
    );
    // The table beside each chart: a row per agency, the same figures.
    let row = admin
        .find(Locator::Css("#chart-received table tbody tr"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let agency_row = &json["rows"][0];
    let expect = format!(
        "{} {} {} {} {}",
        agency_row["agency_name"].as_str().unwrap(),
        agency_row["received"]["direct"],
        agency_row["received"]["postal"],
        agency_row["received"]["online"],
        agency_row["received"]["total"]
    );
    assert_eq!(row, expect);
    // Drawn: the received chart has a bar for each channel that received anything, each
    // titled with its figure.
    let bars = admin
        .find_all(Locator::Css("#svg-received rect title"))
        .await
        .unwrap();
    let mut titles = Vec::new();
    for b in bars {
        titles.push(b.html(true).await.unwrap());
    }
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.iter().any(|t| t.ends_with(": 2")), "{titles:?}");
    assert!(titles.iter().any(|t| t.ends_with(": 1")), "{titles:?}");
    assert!(
        admin.find(Locator::Css("#svg-finished")).await.is_ok()
            && admin.find(Locator::Css("#svg-days path")).await.is_ok()
    );
    // The CSV of the same figures downloads from the page.
    let href = admin
        .find(Locator::Id("csv-dossiers"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        href.starts_with("/reports/dossiers.csv?from=2025-11-01"),
        "{href}"
    );
}
