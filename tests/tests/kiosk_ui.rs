//! The kiosk window under Slint's testing backend, against the real server with demo data:
//! look up by code and see the status; by citizen ID only minimal rows; the secret unlocks the
//! detail; the idle timeout wipes the screen; feedback goes to the outbox and reaches the server
//! exactly once. Elements are found by their accessible labels and pressed as a visitor would.
//!
//! One test function: the testing backend is set up once per process and drives one thread.

use std::rc::Rc;

use i_slint_backend_testing::ElementHandle;
use motcua_core::Step;
use motcua_kiosk::app::{Logic, Options};
use motcua_kiosk::ui::{AppWindow, Kiosk, Screen};
use slint::{ComponentHandle, Model};

fn press(w: &AppWindow, label: &str) {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(w, label).collect();
    assert!(
        !found.is_empty(),
        "nothing labelled {label:?} on {:?}",
        w.get_screen()
    );
    found[0].invoke_accessible_default_action();
}

fn type_keys(w: &AppWindow, text: &str) {
    for c in text.chars() {
        match c {
            ' ' => press(w, "Dấu cách"),
            c => press(w, &c.to_string()),
        }
    }
}

fn value_of(w: &AppWindow, label: &str) -> String {
    ElementHandle::find_by_accessible_label(w, label)
        .find_map(|e| e.accessible_value())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn seconds(n: u64) {
    for _ in 0..n {
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_secs(1));
    }
}

#[test]
fn a_visitor_at_the_kiosk() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let centre = motcua_tests::centre(300);
    let (store, client, health) = centre.kiosk("ui");
    let now = centre.state.clock.now_vn();
    let logic = Logic::new(
        store.clone(),
        Options {
            server: Some(centre.base.clone()),
            printer: None,
            health: None,
        },
    );
    let kiosk = Kiosk::new(logic, health, Rc::new(move || now)).unwrap();
    let w = &kiosk.window;
    assert_eq!(w.get_screen(), Screen::Home);

    // By code: the secret pad first, then the detail with the status in words.
    let rec = centre.dossier(|r| r.state.step == Step::ResultReady);
    press(w, "Tra cứu hồ sơ");
    assert_eq!(w.get_screen(), Screen::Lookup);
    type_keys(w, &rec.code);
    assert_eq!(w.get_input(), rec.code.as_str());
    press(w, "Tra cứu");
    assert_eq!(w.get_screen(), Screen::Secret, "{}", w.get_message());
    assert!(!w.get_detail().unlocked);
    let wrong = if rec.secret == "0000" { "1111" } else { "0000" };
    type_keys(w, wrong);
    press(w, "Xem chi tiết");
    assert_eq!(w.get_screen(), Screen::Secret);
    assert!(
        w.get_message().contains("Mã tra cứu không đúng"),
        "{}",
        w.get_message()
    );
    type_keys(w, &rec.secret);
    press(w, "Xem chi tiết");
    assert_eq!(w.get_screen(), Screen::Detail, "{}", w.get_message());
    let status = value_of(w, "Trạng thái");
    assert!(status.contains("Đã có kết quả"), "{status}");
    assert!(w.get_detail().next.contains("nhận kết quả") || !w.get_detail().next.is_empty());
    assert!(w.get_timeline().row_count() >= 3);
    assert!(!w.get_detail().masked_name.contains(&rec.applicant.name));

    // Nothing touched for the idle timeout: a countdown, then everything is wiped.
    seconds(50);
    assert_eq!(w.get_idle_countdown(), 10);
    seconds(10);
    assert_eq!(w.get_screen(), Screen::Home);
    assert_eq!(w.get_idle_countdown(), 0);
    assert_eq!(w.get_detail().code, "");
    assert_eq!(w.get_timeline().row_count(), 0);
    assert_eq!(w.get_input(), "");

    // By citizen ID: minimal rows only; opening one asks for the secret.
    let id = rec.applicant.citizen_id.canonical();
    press(w, "Tra cứu hồ sơ");
    press(w, "Số CCCD/CMND");
    type_keys(w, &id[..11]);
    press(w, "Tra cứu");
    assert_eq!(
        w.get_screen(),
        Screen::Lookup,
        "a wrong digit count is refused"
    );
    assert!(!w.get_message().is_empty());
    type_keys(w, &id[11..]);
    press(w, "Tra cứu");
    assert_eq!(w.get_screen(), Screen::Results, "{}", w.get_message());
    let rows = w.get_rows();
    assert!(rows.row_count() >= 1);
    let row = rows
        .iter()
        .find(|r| r.code == rec.code.as_str())
        .expect("the dossier's row");
    assert!(!row.masked_name.contains(&rec.applicant.name));
    press(w, &rec.code);
    assert_eq!(
        w.get_screen(),
        Screen::Secret,
        "a row never opens the detail by itself"
    );
    press(w, "‹ Trang chủ");
    assert_eq!(w.get_screen(), Screen::Home);

    // Feedback: typed with Telex, consent, a tracking code at once, into the outbox.
    press(w, "Phản ánh, kiến nghị");
    assert_eq!(w.get_screen(), Screen::Feedback);
    type_keys(w, "ghees");
    assert_eq!(w.get_content(), "ghế");
    type_keys(w, " chowf hongr");
    assert_eq!(w.get_content(), "ghế chờ hỏng");
    press(w, "Gửi phản ánh");
    assert_eq!(w.get_screen(), Screen::Feedback, "consent is required");
    press(
        w,
        "Tôi đồng ý để Trung tâm dùng thông tin này để trả lời phản ánh.",
    );
    press(w, "Gửi phản ánh");
    assert_eq!(w.get_screen(), Screen::FeedbackDone, "{}", w.get_message());
    let code = w.get_tracking_code().to_string();
    assert!(code.starts_with("PA-KIOSK"), "{code}");
    assert_eq!(store.outbox_depth().unwrap(), 1);

    // The server gets it once, whatever the retries.
    let pending = store.pending(10).unwrap();
    assert_eq!(centre.rt.block_on(client.push()).unwrap(), 1);
    assert_eq!(store.outbox_depth().unwrap(), 0);
    let token = store.state("token").unwrap().unwrap();
    let http = reqwest::Client::new();
    let replay: serde_json::Value = centre.rt.block_on(async {
        http.post(format!("{}/api/v1/sync/events", centre.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"events": [pending[0].json]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(replay["stored"], 0);
    assert_eq!(replay["duplicates"], 1);
    let (status, fb): (u16, serde_json::Value) = centre.rt.block_on(async {
        let r = http
            .get(format!("{}/api/v1/public/feedback/{code}", centre.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    });
    assert_eq!(status, 200, "{fb}");
    assert_eq!(fb["code"], code.as_str());

    // Printing without a printer says so and keeps the screen.
    press(w, "In phiếu");
    assert_eq!(w.get_screen(), Screen::FeedbackDone);
    assert!(
        w.get_message().contains("ghi lại mã"),
        "{}",
        w.get_message()
    );

    // Rating a counter: nothing is sent before a level is chosen; criteria are optional.
    press(w, "‹ Trang chủ");
    press(w, "Đánh giá");
    assert_eq!(w.get_screen(), Screen::Rating);
    let targets: Vec<String> = w
        .get_rating_targets()
        .iter()
        .map(|t| t.label.to_string())
        .collect();
    assert_eq!(targets[0], "Trung tâm nói chung", "{targets:?}");
    let counter = targets
        .iter()
        .find(|t| t.starts_with("Quầy 1 ·"))
        .expect("the demo centre's counters")
        .clone();
    assert!(counter.contains("Nguyễn Thị Hồng Nhung"), "{counter}");
    press(w, &counter);
    assert!(
        w.get_rating_targets()
            .iter()
            .any(|t| t.selected && t.label == counter.as_str())
    );
    press(w, "Gửi đánh giá");
    assert_eq!(w.get_screen(), Screen::Rating, "no level chosen yet");
    assert_eq!(store.outbox_depth().unwrap(), 0);
    press(w, "Rất hài lòng");
    assert_eq!(w.get_rating_level(), 3);
    press(w, "Thêm tiêu chí");
    assert_eq!(w.get_screen(), Screen::RatingCriteria);
    assert_eq!(w.get_criteria().row_count(), 12);
    press(w, "Thái độ của cán bộ: Hài lòng");
    press(w, "Đúng hẹn: Không hài lòng");
    press(w, "Đúng hẹn: Không hài lòng");
    press(w, "‹ Quay lại");
    assert_eq!(w.get_screen(), Screen::Rating);
    assert_eq!(w.get_rating_level(), 3, "the draft stays");
    assert!(
        w.get_rating_targets()
            .iter()
            .any(|t| t.selected && t.label == counter.as_str())
    );
    press(w, "Gửi đánh giá");
    assert_eq!(w.get_screen(), Screen::RatingDone, "{}", w.get_message());
    assert_eq!(store.outbox_depth().unwrap(), 1);
    assert_eq!(centre.rt.block_on(client.push()).unwrap(), 1);
    let ratings: Vec<motcua_server::db::model::Rating> = centre
        .state
        .store
        .read_now(|txn| {
            use redb::ReadableTable;
            let mut out = Vec::new();
            for item in txn.open_table(motcua_server::db::RATINGS)?.iter()? {
                out.push(motcua_server::db::decode(item?.1.value())?);
            }
            Ok::<_, motcua_server::ops::Error>(out)
        })
        .unwrap();
    assert_eq!(ratings.len(), 1);
    let r = &ratings[0];
    assert_eq!(
        (
            r.level,
            r.counter.as_deref(),
            r.officer.as_deref(),
            r.dossier.as_deref()
        ),
        (3, Some("1"), Some("Nguyễn Thị Hồng Nhung"), None)
    );
    assert_eq!(
        r.criteria
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<Vec<_>>(),
        vec![("attitude", 2)],
        "a criterion touched twice is cleared"
    );

    // A garbage scan says so plainly; a receipt QR with its secret opens the detail at once.
    kiosk.scan(b"\x00\xffhello");
    assert!(
        w.get_message().contains("Không đọc được mã QR"),
        "{}",
        w.get_message()
    );
    let qr = motcua_drivers::qr::own_payload(
        &motcua_core::DossierCode::parse(&rec.code).unwrap(),
        Some(&rec.secret),
    );
    kiosk.scan(qr.as_bytes());
    assert_eq!(w.get_screen(), Screen::Detail, "{}", w.get_message());
    assert_eq!(w.get_detail().code, rec.code.as_str());

    // The same receipt read by a keyboard-wedge scanner: a burst of keys ending with Enter.
    press(w, "‹ Trang chủ");
    assert_eq!(w.get_screen(), Screen::Home);
    for c in qr.chars().chain(std::iter::once('\n')) {
        w.window()
            .dispatch_event(slint::platform::WindowEvent::KeyPressed { text: c.into() });
    }
    assert_eq!(w.get_screen(), Screen::Detail, "{}", w.get_message());
    assert_eq!(w.get_detail().code, rec.code.as_str());

    // English.
    press(w, "English");
    assert!(w.get_english());
    assert!(value_of(w, "Status").contains("Result ready") || !w.get_detail().step.is_empty());

    // Rating the dossier on screen: it is the first choice, in the language shown (texts of
    // the .slint file keep their Vietnamese source under the testing backend; what Rust fills
    // in follows the language).
    press(w, "Đánh giá");
    assert_eq!(w.get_screen(), Screen::Rating);
    let first = w.get_rating_targets().row_data(0).unwrap();
    assert_eq!(first.label, format!("Dossier {}", rec.code).as_str());
    assert!(first.selected);
    press(w, "Not satisfied");
    press(w, "Gửi đánh giá");
    assert_eq!(w.get_screen(), Screen::RatingDone, "{}", w.get_message());
    let pending = store.pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].json["data"]["dossier"], rec.code.as_str());
    assert_eq!(pending[0].json["data"]["level"], 1);

    // A rating left half-chosen is wiped with the rest, and nothing is sent.
    press(w, "‹ Trang chủ");
    press(w, "Đánh giá");
    press(w, "Very satisfied");
    assert_eq!(w.get_rating_level(), 3);
    seconds(60);
    assert_eq!(w.get_screen(), Screen::Home);
    assert_eq!(w.get_rating_level(), 0);
    assert_eq!(w.get_rating_targets().row_count(), 0);
    assert_eq!(store.outbox_depth().unwrap(), 1);
}
