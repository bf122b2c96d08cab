//! The kiosk fleet in a real browser: an administrator enrols a kiosk from the fleet page (the
//! one-time code shown once, and as a QR code that reads back to it); the kiosk enrols with that
//! code and reports its printer's paper near its end — the fleet page, open all along, shows it
//! amber within two seconds without being reloaded; settings saved on the kiosk's page reach the
//! kiosk through its change feed; the revocation asks for confirmation, then the kiosk is refused.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use motcua_core::devices::PrinterStatus;
use motcua_kiosk::store::Store;
use motcua_kiosk::sync::{Health, SyncClient};

use crate::browser::{
    browser, chromedriver, click, fill, sign_in, wait_attr, wait_path, wait_text,
};
use crate::console::ensure_readers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_enrols_a_kiosk_from_the_page_and_sees_its_health_live() {
    ensure_readers();
    let centre = motcua_testkit::start().await;
    let driver = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let admin = browser(&driver, &profiles.path().join("admin"), (1280, 1400)).await;
    sign_in(&admin, &centre, "/fleet", "qt.trungtam").await;
    wait_text(&admin, "#no-kiosk", Duration::from_secs(5), |t| {
        t.contains("Chưa có kiosk")
    })
    .await;

    // Enrol from the page.
    click(&admin, "#new-kiosk").await;
    assert_eq!(
        wait_path(&admin, "/fleet/new", Duration::from_secs(5)).await,
        "/fleet/new"
    );
    fill(&admin, "name", "Kiosk sảnh B").await;
    admin
        .find(Locator::Css("#centre option[value='000.00.01.H16']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for agency in ["000.00.10.H16", "000.00.13.H16"] {
        click(&admin, &format!("#scope input[value='{agency}']")).await;
    }
    click(&admin, "#create").await;
    let code = wait_text(&admin, "#enrolment-code", Duration::from_secs(5), |t| {
        t.len() == 12
    })
    .await;
    // The QR code on the screen reads back to the server and the same code.
    let png = admin.screenshot().await.unwrap();
    let shot = work.path().join("enrol.png");
    std::fs::write(&shot, png).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q", shot.to_str().unwrap()])
        .output()
        .unwrap();
    let read = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        read.starts_with("motcua-enrol:http://") && read.ends_with(&format!("#{code}")),
        "{read:?}"
    );
    let kiosk_id = admin
        .find(Locator::Id("kiosk-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // The fleet page, open and live.
    admin.goto(&format!("{}/fleet", centre.base)).await.unwrap();
    wait_attr(
        &admin,
        "body[data-live]",
        "data-live",
        Duration::from_secs(5),
    )
    .await;
    admin
        .execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    let row = format!("tr[data-kiosk='{kiosk_id}']");
    wait_text(&admin, &row, Duration::from_secs(5), |t| {
        t.contains("Kiosk sảnh B") && t.contains("Chưa ghi danh")
    })
    .await;

    // The kiosk enrols with the code and reports paper near its end.
    let store = Store::open(&work.path().join("kiosk.redb")).unwrap();
    let health = Arc::new(Health::default());
    let kiosk = SyncClient::new(&centre.base, store.clone(), health.clone()).unwrap();
    kiosk.enrol(&code).await.unwrap();
    *health.printer.lock().unwrap() = PrinterStatus::PaperNearEnd;
    let sent = Instant::now();
    kiosk.heartbeat().await.unwrap();
    let deadline = sent + Duration::from_secs(2);
    loop {
        // Amber, and for the paper (not for the enrolment still awaited, also amber).
        let (health, text) = match admin.find(Locator::Css(&row)).await {
            Ok(e) => (
                e.attr("data-health").await.ok().flatten(),
                e.text().await.unwrap_or_default(),
            ),
            Err(_) => (None, String::new()),
        };
        if health.as_deref() == Some("warn") && text.contains("Sắp hết giấy") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "amber within 2 s of the heartbeat (now {health:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = admin
        .find(Locator::Css(&row))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Sắp hết giấy"), "{text}");
    let same_page = admin
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same_page, serde_json::json!(true), "not reloaded");

    // Settings changed on the kiosk's page reach the kiosk through its change feed.
    click(&admin, &format!("{row} a")).await;
    wait_text(&admin, "#health", Duration::from_secs(5), |t| {
        t.contains("Sắp hết giấy")
    })
    .await;
    assert!(
        admin.find(Locator::Css("#chart-printer")).await.is_ok(),
        "the heartbeat history is drawn"
    );
    admin
        .find(Locator::Css("#orientation option[value='landscape']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let idle = admin.find(Locator::Id("idle")).await.unwrap();
    idle.clear().await.unwrap();
    idle.send_keys("45").await.unwrap();
    admin
        .find(Locator::Css("#language option[value='en']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&admin, "#save").await;
    wait_text(&admin, "#saved", Duration::from_secs(5), |t| {
        t.contains("Đã lưu")
    })
    .await;
    kiosk.pull(0).await.unwrap();
    let settings = store.settings().unwrap().expect("settings in the replica");
    assert_eq!(
        settings.config.orientation,
        motcua_protocol::sync::Orientation::Landscape
    );
    assert_eq!(settings.config.idle_timeout_s, 45);
    assert_eq!(settings.config.language, motcua_core::Lang::En);

    // Revoking asks first; then the kiosk is refused.
    click(&admin, "#revoke").await;
    wait_text(&admin, "#revoke-confirm", Duration::from_secs(5), |t| {
        t.contains("Không hoàn tác được")
    })
    .await;
    assert!(
        kiosk.heartbeat().await.is_ok(),
        "not before it is confirmed"
    );
    click(&admin, "#revoke-yes").await;
    wait_text(&admin, "#health", Duration::from_secs(5), |t| {
        t.contains("Đã thu hồi")
    })
    .await;
    assert!(kiosk.heartbeat().await.is_err(), "refused once revoked");
}
