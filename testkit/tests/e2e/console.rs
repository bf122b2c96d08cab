//! The staff console in a real browser (Debian's Chromium through chromedriver): a reception
//! officer signs in with a one-time password, is made to set their own, receives a dossier and
//! prints its receipt (Mẫu 01) to PDF through Chromium — the PDF's text holds the code, the
//! lookup secret and the procedure's Vietnamese name, and the QR read back from the rendered
//! page is one the kiosk's scanner accepts — then transfers it; the agency's head assigns it,
//! the officer submits it, the head approves, the officer sends the result to the desk, and the
//! desk returns it; every step shows in the timeline.

use std::process::Command;
use std::time::Duration;

use fantoccini::wd::{PrintConfiguration, PrintSize};
use fantoccini::{Client, Locator};

use crate::browser::{apt_install, browser, chromedriver, click, fill, sign_in, wait_text};

/// poppler-utils (pdftotext, pdftoppm) and zbar-tools (zbarimg), installed when missing (as
/// root, as on CI): the README's one test command needs nothing installed by hand.
pub(crate) fn ensure_readers() {
    let present = |p: &str| std::path::Path::new(p).exists();
    if present("/usr/bin/pdftotext") && present("/usr/bin/pdftoppm") && present("/usr/bin/zbarimg")
    {
        return;
    }
    assert!(
        apt_install(&["poppler-utils", "zbar-tools"]),
        "the console's print test needs poppler-utils and zbar-tools (apt-get install, as root)"
    );
}

/// Press the dossier page's button `id` (after filling the form) and wait for the timeline to
/// show `step`.
async fn act(c: &Client, id: &str, step: &str) {
    click(c, &format!("#{id}")).await;
    wait_text(c, "#timeline", Duration::from_secs(5), |t| t.contains(step)).await;
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_goes_through_the_console_and_its_receipt_prints_with_a_readable_qr() {
    ensure_readers();
    let centre = motcua_testkit::start().await;
    let driver = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();

    // The desk: sign in, find the procedure without diacritics, receive.
    let desk = browser(&driver, &profiles.path().join("desk"), (1280, 1000)).await;
    sign_in(&desk, &centre, "/desk", "tiepnhan1").await;
    fill(&desk, "q", "khai sinh").await;
    desk.find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("\u{e007}")
        .await
        .unwrap();
    wait_text(&desk, "main", Duration::from_secs(5), |t| {
        t.contains("Đăng ký khai sinh")
    })
    .await;
    click(&desk, "a[href^='/desk/receive?procedure=']").await;
    fill(&desk, "name", "Nguyễn Thị Ánh Tuyết").await;
    // A mistyped citizen ID is pointed out as it is typed, before anything is sent.
    fill(&desk, "citizen_id", "0011900").await;
    wait_text(&desk, "#citizen_id-msg", Duration::from_secs(5), |t| {
        t.contains("12 chữ số")
    })
    .await;
    desk.find(Locator::Id("citizen_id"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    fill(&desk, "citizen_id", "001190012345").await;
    wait_text(
        &desk,
        "#citizen_id-msg",
        Duration::from_secs(5),
        str::is_empty,
    )
    .await;
    fill(&desk, "phone", "0912345678").await;
    click(&desk, "#submit").await;
    wait_text(&desk, "#receipt", Duration::from_secs(5), |t| {
        t.contains("GIẤY TIẾP NHẬN")
    })
    .await;
    let url = desk.current_url().await.unwrap();
    let code = url
        .path()
        .trim_start_matches("/desk/dossiers/")
        .trim_end_matches("/receipt")
        .to_owned();
    let secret = desk
        .find(Locator::Id("secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // Printed through Chromium: the text and the QR of the paper the visitor takes home.
    let pdf = desk
        .print(
            PrintConfiguration::builder()
                .size(PrintSize::A4)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let pdf_path = work.path().join("receipt.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let pdf_arg = pdf_path.to_str().unwrap();
    let text = run("pdftotext", &["-layout", pdf_arg, "-"]);
    assert!(text.contains(&code), "the code in {text}");
    // The secret is printed spaced out for reading aloud: "7 0 4 1".
    let secret_line = text
        .lines()
        .find(|l| l.contains("Mã tra cứu:"))
        .unwrap_or_else(|| panic!("the secret's line in {text}"));
    assert!(
        secret_line
            .replace(' ', "")
            .contains(&format!("Mãtracứu:{secret}")),
        "the secret in {secret_line}"
    );
    assert!(
        text.contains("Đăng ký khai sinh"),
        "the procedure in {text}"
    );
    assert!(
        text.contains("Nguyễn Thị Ánh Tuyết"),
        "the applicant in {text}"
    );
    let pages = run("pdfinfo", &[pdf_arg]);
    assert!(pages.contains("Pages:           1"), "one page: {pages}");
    let png = work.path().join("receipt");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            pdf_arg,
            png.to_str().unwrap(),
        ],
    );
    let scanned = run(
        "zbarimg",
        &[
            "--raw",
            "-q",
            work.path().join("receipt.png").to_str().unwrap(),
        ],
    );
    let scan = motcua_drivers::qr::parse_scan(scanned.trim().as_bytes())
        .unwrap_or_else(|e| panic!("the kiosk reads {scanned:?}: {e:?}"));
    assert_eq!(scan.code.to_string(), code, "{scan:?}");
    assert_eq!(scan.secret.as_deref(), Some(secret.as_str()));

    // Transfer from the dossier's page.
    desk.goto(&format!("{}/desk/dossiers/{code}", centre.base))
        .await
        .unwrap();
    act(&desk, "transfer", "Chuyển cơ quan giải quyết").await;

    // The head assigns from the worklist.
    let head = browser(&driver, &profiles.path().join("head"), (1280, 1000)).await;
    sign_in(&head, &centre, "/agency", "ld.tanlap").await;
    click(&head, &format!("#assign a[href='/desk/dossiers/{code}']")).await;
    head.find(Locator::Id("officer"))
        .await
        .unwrap()
        .select_by_value("cv.tanlap")
        .await
        .unwrap();
    act(&head, "assign", "Phân công xử lý").await;

    // The officer submits.
    let officer = browser(&driver, &profiles.path().join("officer"), (1280, 1000)).await;
    sign_in(&officer, &centre, "/agency", "cv.tanlap").await;
    click(&officer, &format!("#mine a[href='/desk/dossiers/{code}']")).await;
    act(&officer, "submit", "Trình phê duyệt").await;

    // The head approves; the officer sends the result to the desk; the desk returns it.
    head.goto(&format!("{}/agency", centre.base)).await.unwrap();
    click(&head, &format!("#approve a[href='/desk/dossiers/{code}']")).await;
    act(&head, "approve", "Phê duyệt").await;
    officer
        .goto(&format!("{}/desk/dossiers/{code}", centre.base))
        .await
        .unwrap();
    act(
        &officer,
        "result-ready",
        "Kết quả đã chuyển Bộ phận Một cửa",
    )
    .await;
    desk.goto(&format!("{}/desk/work", centre.base))
        .await
        .unwrap();
    click(&desk, &format!("#return a[href='/desk/dossiers/{code}']")).await;
    act(&desk, "return", "Trả kết quả").await;

    let timeline = desk
        .find(Locator::Id("timeline"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for step in [
        "Tiếp nhận hồ sơ",
        "Chuyển cơ quan giải quyết",
        "Phân công xử lý",
        "Trình phê duyệt",
        "Phê duyệt",
        "Kết quả đã chuyển Bộ phận Một cửa",
        "Trả kết quả",
    ] {
        assert!(timeline.contains(step), "{step} in {timeline}");
    }
    // The session cookie is out of the page's reach.
    let cookies = desk
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(
        !cookies
            .as_str()
            .unwrap_or_default()
            .contains("motcua_session"),
        "{cookies}"
    );
    for c in [desk, head, officer] {
        c.close().await.unwrap();
    }
}
