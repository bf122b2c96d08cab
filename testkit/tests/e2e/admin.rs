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
