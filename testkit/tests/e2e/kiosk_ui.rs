//! The kiosk window under Slint's testing backend, against the real server with demo data:
//! look up by code and see the status; by citizen ID only minimal rows; the secret unlocks the
//! detail; the idle timeout wipes the screen; feedback goes to the outbox and reaches the server
//! exactly once. Elements are found by their accessible labels and pressed as a visitor would.
//!
//! One test function: the testing backend is set up once per process and drives one thread.

use std::rc::Rc;

use i_slint_backend_testing::ElementHandle;
use motcua_core::Step;
use motcua_drivers::sim::SimPrinter;
use motcua_kiosk::app::{Logic, Options};
use motcua_kiosk::ui::{AppWindow, FeedbackState, Kiosk, LookupState, RatingState, Screen, Shell};
use slint::{ComponentHandle, Model};

/// The window of a kiosk as a test drives it: every press waits for the work it starts (a
/// lookup at the server, a slip printing) and takes its answer, as the event loop would.
struct K<'a> {
    kiosk: &'a Kiosk,
}

impl K<'_> {
    fn w(&self) -> &AppWindow {
        &self.kiosk.window
    }

    fn shell(&self) -> Shell<'_> {
        self.w().global::<Shell>()
    }

    fn lookup(&self) -> LookupState<'_> {
        self.w().global::<LookupState>()
    }

    fn rating(&self) -> RatingState<'_> {
        self.w().global::<RatingState>()
    }

    fn screen(&self) -> Screen {
        self.shell().get_screen()
    }

    fn message(&self) -> String {
        self.shell().get_message().to_string()
    }

    /// Press what carries `label`, and take the answer of the work it started.
    fn press(&self, label: &str) {
        self.press_only(label);
        assert!(self.kiosk.settle(), "the work under way finished");
    }

    /// Press what carries `label`, without waiting for the work it starts.
    fn press_only(&self, label: &str) {
        let found: Vec<ElementHandle> =
            ElementHandle::find_by_accessible_label(self.w(), label).collect();
        assert!(
            !found.is_empty(),
            "nothing labelled {label:?} on {:?}",
            self.screen()
        );
        found[0].invoke_accessible_default_action();
    }

    fn type_keys(&self, text: &str) {
        for c in text.chars() {
            match c {
                ' ' => self.press("Dấu cách"),
                c => self.press(&c.to_string()),
            }
        }
    }

    fn value_of(&self, label: &str) -> String {
        ElementHandle::find_by_accessible_label(self.w(), label)
            .find_map(|e| e.accessible_value())
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// Whether something labelled `label` is on screen (looked for in repeated and
    /// conditional parts too).
    fn shown(&self, label: &str) -> bool {
        i_slint_backend_testing::ElementQuery::from_root(self.w())
            .match_descendants()
            .find_all()
            .iter()
            .any(|e| e.accessible_label().is_some_and(|l| l == label))
    }

    fn scan(&self, raw: &[u8]) {
        self.kiosk.scan(raw);
        assert!(self.kiosk.settle());
    }
}

/// Every button and every text of the screen shown lies whole inside the window (a layout that
/// runs past the screen's edge, as the landscape feedback form once did, fails here).
fn on_screen(k: &K, what: &str) {
    use i_slint_backend_testing::{AccessibleRole, ElementQuery};
    let size = k
        .w()
        .window()
        .size()
        .to_logical(k.w().window().scale_factor());
    let mut seen = 0;
    for role in [AccessibleRole::Button, AccessibleRole::Text] {
        for e in ElementQuery::from_root(k.w())
            .match_descendants()
            .match_accessible_role(role)
            .find_all()
        {
            let (p, s) = (e.absolute_position(), e.size());
            if s.width <= 0.0 || s.height <= 0.0 {
                continue;
            }
            seen += 1;
            assert!(
                p.x >= -0.5
                    && p.y >= -0.5
                    && p.x + s.width <= size.width + 0.5
                    && p.y + s.height <= size.height + 0.5,
                "{what}: {:?} at {p:?} {s:?} leaves the {size:?} screen",
                e.accessible_label()
            );
        }
    }
    assert!(seen > 3, "{what}: something is shown");
}

/// Run what other threads handed to the event loop (the sync thread's news), then return.
fn pump() {
    slint::invoke_from_event_loop(|| {
        let _ = slint::quit_event_loop();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
}

fn seconds(n: u64) {
    for _ in 0..n {
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_secs(1));
    }
}

#[test]
fn a_visitor_at_the_kiosk() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let centre = motcua_testkit::centre(300);
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
    let k = K { kiosk: &kiosk };
    assert_eq!(k.screen(), Screen::Home);

    // A visitor calls for staff: the screen says someone is coming, the next heartbeat says so,
    // and the fleet page puts the kiosk first, in red.
    k.press("Gọi cán bộ hỗ trợ");
    assert!(
        k.message().contains("Đã báo cán bộ hỗ trợ"),
        "{}",
        k.message()
    );
    centre.rt.block_on(client.heartbeat()).unwrap();
    let kiosks = centre.kiosks();
    let me = kiosks
        .iter()
        .find(|x| x.last_heartbeat.is_some() && x.name == "Kiosk thử")
        .expect("this kiosk");
    assert_eq!(
        me.last_heartbeat.as_ref().unwrap().1.help_requested_at,
        Some(now),
        "the call travels with the heartbeat"
    );

    // By code: the secret pad first, then the detail with the status in words.
    let rec = centre.dossier(|r| r.state.step == Step::ResultReady);
    k.press("Tra cứu hồ sơ");
    assert_eq!(k.screen(), Screen::Lookup);
    // The visitor types the digits and letters; the dots and dashes come by themselves.
    let raw: String = rec
        .code
        .chars()
        .filter(|c| !matches!(c, '.' | '-'))
        .collect();
    k.type_keys(&raw);
    assert_eq!(k.lookup().get_input(), rec.code.as_str());
    k.press("⌫");
    k.press("⌫");
    k.press("⌫");
    k.press("⌫");
    assert_eq!(
        k.lookup().get_input(),
        &rec.code[..rec.code.len() - 5],
        "no dash left dangling"
    );
    // Cut short, the code is explained in a visitor's words, with an example of this
    // province's codes (not a pattern of placeholders).
    k.press("Tra cứu");
    assert_eq!(k.screen(), Screen::Lookup);
    let said = k.message();
    assert!(
        said.contains("Mã hồ sơ chưa đúng") && said.contains("ví dụ 000.00.01.H16-"),
        "{said}"
    );
    assert!(!said.contains('‹') && !said.contains("YYMMDD"), "{said}");
    k.press("Xoá hết");
    assert_eq!(
        k.message(),
        "",
        "clearing the field clears what was said of it"
    );
    // Typed with its dots and dashes, it reads the same.
    k.type_keys(&rec.code);
    assert_eq!(k.lookup().get_input(), rec.code.as_str());
    k.press("Tra cứu");
    assert_eq!(k.screen(), Screen::Secret, "{}", k.message());
    assert!(!k.lookup().get_detail().unlocked);
    let wrong = if rec.secret == "0000" { "1111" } else { "0000" };
    k.type_keys(wrong);
    k.press("Xem chi tiết");
    assert_eq!(k.screen(), Screen::Secret);
    assert!(
        k.message().contains("Mã tra cứu không đúng"),
        "{}",
        k.message()
    );
    k.type_keys(&rec.secret);
    k.press("Xem chi tiết");
    assert_eq!(k.screen(), Screen::Detail, "{}", k.message());
    let status = k.value_of("Trạng thái");
    assert!(status.contains("Đã có kết quả"), "{status}");
    assert!(
        k.lookup().get_detail().next.contains("nhận kết quả")
            || !k.lookup().get_detail().next.is_empty()
    );
    assert!(k.lookup().get_timeline().row_count() >= 3);
    assert!(
        !k.lookup()
            .get_detail()
            .masked_name
            .contains(&rec.applicant.name)
    );

    // Nothing touched for the idle timeout: a countdown, then everything is wiped.
    seconds(50);
    assert_eq!(k.shell().get_idle_countdown(), 10);
    seconds(10);
    assert_eq!(k.screen(), Screen::Home);
    assert_eq!(k.shell().get_idle_countdown(), 0);
    assert_eq!(k.lookup().get_detail().code, "");
    assert_eq!(k.lookup().get_timeline().row_count(), 0);
    assert_eq!(k.lookup().get_input(), "");

    // By citizen ID: minimal rows only; opening one asks for the secret.
    let id = rec.applicant.citizen_id.canonical();
    k.press("Tra cứu hồ sơ");
    k.press("Số CCCD/CMND");
    let key_at = || {
        ElementHandle::find_by_accessible_label(k.w(), "5")
            .next()
            .map(|e| e.absolute_position())
    };
    let before = key_at();
    k.type_keys(&id[..11]);
    k.press("Tra cứu");
    assert_eq!(k.screen(), Screen::Lookup, "a wrong digit count is refused");
    assert!(!k.message().is_empty());
    assert_eq!(key_at(), before, "the message does not move the keys");
    // Cleared: the message goes with what was typed.
    k.press("Xoá");
    assert!(k.message().is_empty(), "{}", k.message());
    assert_eq!(k.lookup().get_input(), "");
    k.type_keys(&id);
    k.press("Tra cứu");
    assert_eq!(k.screen(), Screen::Results, "{}", k.message());
    let rows = k.lookup().get_rows();
    assert!(rows.row_count() >= 1);
    // A few rows keep their natural height (they once stretched to fill the screen).
    for e in ElementHandle::find_by_accessible_label(k.w(), rec.code.as_str()) {
        let h = e.size().height;
        assert!(h > 0.0 && h < 400.0, "a result row {h} px high");
    }
    let row = rows
        .iter()
        .find(|r| r.code == rec.code.as_str())
        .expect("the dossier's row");
    assert!(!row.masked_name.contains(&rec.applicant.name));
    k.press(&rec.code);
    assert_eq!(
        k.screen(),
        Screen::Secret,
        "a row never opens the detail by itself"
    );
    k.press("‹ Trang chủ");
    assert_eq!(k.screen(), Screen::Home);

    // Feedback: typed with Telex, consent, a tracking code at once, into the outbox.
    k.press("Phản ánh, kiến nghị");
    assert_eq!(k.screen(), Screen::Feedback);
    k.type_keys("ghees");
    assert_eq!(k.w().global::<FeedbackState>().get_content(), "ghế");
    k.type_keys(" chowf hongr");
    assert_eq!(
        k.w().global::<FeedbackState>().get_content(),
        "ghế chờ hỏng"
    );
    k.press("Gửi phản ánh");
    assert_eq!(k.screen(), Screen::Feedback, "consent is required");
    k.press("Tôi đồng ý để Trung tâm dùng thông tin này để trả lời phản ánh.");
    k.press("Gửi phản ánh");
    assert_eq!(k.screen(), Screen::FeedbackDone, "{}", k.message());
    let code = k
        .w()
        .global::<FeedbackState>()
        .get_tracking_code()
        .to_string();
    assert!(code.starts_with("PA-KIOSK"), "{code}");
    assert_eq!(store.outbox_depth().unwrap(), 1);

    // The server gets it once, whatever the retries.
    let pending = store.pending(10).unwrap();
    assert_eq!(centre.rt.block_on(client.push()).unwrap(), 1);
    assert_eq!(store.outbox_depth().unwrap(), 0);
    let device = centre
        .api()
        .with_token(store.state("token").unwrap().unwrap());
    let batch = serde_json::json!({"events": [pending[0].json]});
    let replay = centre
        .rt
        .block_on(device.raw(
            "POST",
            motcua_protocol::routes::SYNC_EVENTS,
            Some((serde_json::to_vec(&batch).unwrap(), "application/json")),
        ))
        .unwrap()
        .json();
    assert_eq!(replay["stored"], 0);
    assert_eq!(replay["duplicates"], 1);
    let fb = centre
        .rt
        .block_on(centre.api().public_feedback(&code))
        .unwrap();
    assert_eq!(fb.code, code);
    // The slip's code looks the answer up at the kiosk: awaited, then answered.
    k.scan(code.as_bytes());
    assert!(
        k.message().contains("đang được xử lý") && k.message().contains(&code),
        "{}",
        k.message()
    );
    let staff = centre.staff_api("qt.trungtam");
    centre
        .rt
        .block_on(staff.raw(
            "POST",
            &format!("/api/v1/feedback/{code}/actions"),
            Some((
                serde_json::to_vec(&serde_json::json!({"type": "answer", "answer": "Đã thay ghế mới ở sảnh chờ."}))
                    .unwrap(),
                "application/json",
            )),
        ))
        .unwrap();
    k.scan(code.as_bytes());
    assert!(
        k.message().contains("Đã thay ghế mới ở sảnh chờ."),
        "{}",
        k.message()
    );
    // A crafted code never becomes a path on the server.
    k.scan(b"PA-x/../../api/v1/admin/users");
    assert!(k.message().contains("chữ in hoa"), "{}", k.message());

    // Printing without a printer says so and keeps the screen.
    k.press("In phiếu");
    assert_eq!(k.screen(), Screen::FeedbackDone);
    assert!(k.message().contains("ghi lại mã"), "{}", k.message());

    // Rating a counter: nothing is sent before a level is chosen; criteria are optional.
    k.press("‹ Trang chủ");
    k.press("Đánh giá");
    assert_eq!(k.screen(), Screen::Rating);
    let targets: Vec<String> = k
        .rating()
        .get_targets()
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
    k.press(&counter);
    assert!(
        k.rating()
            .get_targets()
            .iter()
            .any(|t| t.selected && t.label == counter.as_str())
    );
    k.press("Gửi đánh giá");
    assert_eq!(k.screen(), Screen::Rating, "no level chosen yet");
    assert!(
        k.message().contains("mặt cười"),
        "says why: {}",
        k.message()
    );
    assert_eq!(store.outbox_depth().unwrap(), 0);
    // Criteria alone are not a rating either, and the criteria screen says so.
    k.press("Thêm tiêu chí");
    assert_eq!(k.screen(), Screen::RatingCriteria);
    k.press("Gửi đánh giá");
    assert_eq!(k.screen(), Screen::RatingCriteria);
    assert!(k.message().contains("mặt cười"), "{}", k.message());
    k.press("‹ Quay lại");
    k.press("Rất hài lòng");
    assert_eq!(k.rating().get_level(), 3);
    k.press("Thêm tiêu chí");
    assert_eq!(k.screen(), Screen::RatingCriteria);
    assert_eq!(k.rating().get_criteria().row_count(), 12);
    k.press("Thái độ của cán bộ: Hài lòng");
    k.press("Đúng hẹn: Không hài lòng");
    k.press("Đúng hẹn: Không hài lòng");
    k.press("‹ Quay lại");
    assert_eq!(k.screen(), Screen::Rating);
    assert_eq!(k.rating().get_level(), 3, "the draft stays");
    assert!(
        k.rating()
            .get_targets()
            .iter()
            .any(|t| t.selected && t.label == counter.as_str())
    );
    k.press("Gửi đánh giá");
    assert_eq!(k.screen(), Screen::RatingDone, "{}", k.message());
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
    k.scan(b"\x00\xffhello");
    assert!(
        k.message().contains("Không đọc được mã QR"),
        "{}",
        k.message()
    );
    let qr = motcua_drivers::qr::own_payload(
        &motcua_core::DossierCode::parse(&rec.code).unwrap(),
        Some(&rec.secret),
    );
    k.scan(qr.as_bytes());
    assert_eq!(k.screen(), Screen::Detail, "{}", k.message());
    assert_eq!(k.lookup().get_detail().code, rec.code.as_str());

    // The same receipt read by a keyboard-wedge scanner: a burst of keys ending with Enter.
    k.press("‹ Trang chủ");
    assert_eq!(k.screen(), Screen::Home);
    for c in qr.chars().chain(std::iter::once('\n')) {
        k.w()
            .window()
            .dispatch_event(slint::platform::WindowEvent::KeyPressed { text: c.into() });
    }
    assert!(kiosk.settle());
    assert_eq!(k.screen(), Screen::Detail, "{}", k.message());
    assert_eq!(k.lookup().get_detail().code, rec.code.as_str());

    // English: the screens' own texts and what Rust fills in alike.
    k.press("English");
    assert!(k.shell().get_english());
    let status = k.value_of("Status");
    assert!(status.contains("Result ready"), "{status}");
    // (What the screen shows of its scrolled part depends on the dossier's texts: the labels at
    // its top and its buttons.)
    for label in ["‹ Home", "Print slip", "Rate us", "Procedure"] {
        assert!(k.shown(label), "{label:?} in English");
    }
    assert!(!k.shown("‹ Trang chủ"));

    // Rating the dossier on screen: it is the first choice, in the language shown.
    k.press("Rate us");
    assert_eq!(k.screen(), Screen::Rating);
    let first = k.rating().get_targets().row_data(0).unwrap();
    assert_eq!(first.label, format!("Dossier {}", rec.code).as_str());
    assert!(first.selected);
    k.press("Not satisfied");
    k.press("Send rating");
    assert_eq!(k.screen(), Screen::RatingDone, "{}", k.message());
    let pending = store.pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].json["data"]["dossier"], rec.code.as_str());
    assert_eq!(pending[0].json["data"]["level"], 1);

    // A rating left half-chosen is wiped with the rest, and nothing is sent; the next visitor
    // starts in Vietnamese again.
    k.press("‹ Home");
    assert!(
        k.shell().get_english(),
        "going home keeps the visitor's language"
    );
    k.press("Rate us");
    k.press("Very satisfied");
    assert_eq!(k.rating().get_level(), 3);
    seconds(60);
    assert_eq!(k.screen(), Screen::Home);
    assert_eq!(k.rating().get_level(), 0);
    assert_eq!(k.rating().get_targets().row_count(), 0);
    assert_eq!(store.outbox_depth().unwrap(), 1);
    assert!(!k.shell().get_english());
    assert!(k.shown("Tra cứu hồ sơ"));

    // Settings pushed by the server apply at once, without a restart: orientation, idle
    // timeout, the language a visitor starts in. The sync thread applies the page; the window
    // hears of it through the event loop.
    assert!(!k.shell().get_landscape());
    assert_eq!(kiosk.idle_timeout(), 60);
    let kiosk_id = store.state("kiosk_id").unwrap().unwrap();
    let admin = centre.staff_api("qt.trungtam");
    let update = motcua_protocol::staff::KioskUpdate {
        config: Some(motcua_protocol::sync::KioskConfig {
            idle_timeout_s: 30,
            orientation: motcua_protocol::sync::Orientation::Landscape,
            language: motcua_core::Lang::En,
            rating_levels: Some(motcua_core::rating::Scale::Five),
        }),
        ..Default::default()
    };
    centre
        .rt
        .block_on(admin.update_kiosk(&kiosk_id, &update))
        .unwrap();
    assert!(centre.rt.block_on(client.pull(0)).unwrap() >= 1);
    pump();
    assert!(k.shell().get_landscape(), "the orientation applied");
    assert_eq!(kiosk.idle_timeout(), 30, "the idle timeout applied");
    assert!(
        k.shell().get_english(),
        "at rest, the new default language shows at once"
    );
    // The rating screen asks on the scale set for this kiosk.
    k.press("Rate us");
    assert_eq!(k.screen(), Screen::Rating);
    assert_eq!(k.rating().get_levels().row_count(), 5, "five levels now");
    k.press("‹ Home");
    assert_eq!(k.screen(), Screen::Home);
    // Landscape, the feedback form with a message under it: every button stays whole on the
    // screen (the message once pushed "Send" below its edge).
    k.press("Feedback");
    assert_eq!(k.screen(), Screen::Feedback);
    k.press("Send feedback");
    assert!(!k.message().is_empty(), "a message is shown");
    on_screen(&k, "feedback with a message, landscape");
    k.press("‹ Home");
    assert_eq!(k.screen(), Screen::Home);
    // The next wipe comes after 30 s now, and a new visitor starts in English.
    k.press("Tiếng Việt");
    k.press("Thủ tục hành chính");
    seconds(30);
    assert_eq!(k.screen(), Screen::Home);
    assert!(k.shell().get_english());
    // Idle counts on the home screen too: a language chosen there and left is reset for the
    // next visitor.
    k.press("Tiếng Việt");
    assert!(!k.shell().get_english());
    seconds(45);
    assert_eq!(k.screen(), Screen::Home);
    assert!(
        k.shell().get_english(),
        "back to the kiosk's first language"
    );

    // Large text from the header, on any screen: the screens' texts a third larger, the header
    // as it was; the next visitor starts with the usual size (idle counts at home too).
    k.press("Look up a dossier");
    let height = |label: &str| {
        ElementHandle::find_by_accessible_label(k.w(), label)
            .next()
            .map(|e| e.size().height)
            .unwrap_or_else(|| panic!("{label:?} on screen"))
    };
    let (title, key, header) = (
        height("Look up a dossier"),
        height("5"),
        height("Tiếng Việt"),
    );
    k.press("Large text");
    assert!(k.shell().get_large_text());
    assert!(
        height("Look up a dossier") > title * 1.2,
        "the title grows: {title} → {}",
        height("Look up a dossier")
    );
    assert_eq!(height("5"), key, "the keys keep their place and size");
    assert_eq!(height("Tiếng Việt"), header, "the header keeps its size");
    on_screen(&k, "lookup in large text, landscape");
    k.press("‹ Home");
    assert!(k.shell().get_large_text(), "kept while the visitor goes on");
    seconds(45);
    assert!(
        !k.shell().get_large_text(),
        "the next visitor starts with the usual size"
    );
    assert_eq!(k.w().global::<motcua_kiosk::ui::Layout>().get_zoom(), 1.0);

    // A kiosk set up without a code enrols when the technician scans the fleet console's
    // enrolment QR at it.
    {
        let path = centre.dir().join("ui-setup").join("kiosk.redb");
        let store3 = motcua_kiosk::store::Store::open(&path).unwrap();
        let health3 = std::sync::Arc::new(motcua_kiosk::sync::Health::default());
        let client3 =
            motcua_kiosk::sync::SyncClient::new(&centre.base, store3.clone(), health3.clone())
                .unwrap();
        assert!(!client3.enrolled());
        let stop3 = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sync3 = client3.clone().spawn_enrolling(None, stop3.clone());
        let scope = motcua_server::seed::agency_codes(&centre.state.store).unwrap();
        let at = centre.state.clock.now_vn();
        let home = motcua_core::AgencyCode::parse(motcua_server::seed::DEMO_CENTRE).unwrap();
        let (_, code) = centre
            .rt
            .block_on(centre.state.store.write(move |tx| {
                motcua_server::ops::kiosks::insert(tx, "Kiosk cài đặt", &home, &scope, at)
            }))
            .unwrap();
        let setup = Kiosk::new(
            Logic::new(
                store3,
                Options {
                    server: Some(centre.base.clone()),
                    printer: None,
                    health: Some(health3.clone()),
                },
            ),
            health3.clone(),
            Rc::new(move || now),
        )
        .unwrap();
        let s = K { kiosk: &setup };
        s.scan(format!("motcua-enrol:{}#{}", centre.base, code.to_lowercase()).as_bytes());
        assert!(s.message().contains("đang đăng ký"), "{}", s.message());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !client3.enrolled() {
            assert!(
                std::time::Instant::now() < deadline,
                "enrolled from the scan"
            );
            std::thread::yield_now();
        }
        stop3.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = sync3.join();
        s.scan(format!("motcua-enrol:{}#{}", centre.base, code).as_bytes());
        assert!(s.message().contains("đã được đăng ký"), "{}", s.message());
    }

    // Printing runs off the UI thread: with the printer stalled the screen says "Đang in…" and
    // the window goes on (its timers tick); when the printer wakes the slip comes out and the
    // screen is free again.
    let sim = SimPrinter::new(&centre.dir().join("slips"), 576).unwrap();
    let listening = sim.listen("127.0.0.1:0").unwrap();
    let (store2, client2, health2) = centre.kiosk("ui-printer");
    let logic = Logic::new(
        store2,
        Options {
            server: Some(centre.base.clone()),
            printer: Some((format!("tcp://{}", listening.addr), "generic-80".into())),
            health: Some(health2.clone()),
        },
    );
    let printing = Kiosk::new(logic, health2, Rc::new(move || now)).unwrap();
    let p = K { kiosk: &printing };
    p.scan(qr.as_bytes());
    assert_eq!(p.screen(), Screen::Detail, "{}", p.message());
    sim.set_stalled(true);
    p.press_only("In phiếu");
    assert_eq!(
        p.shell().get_busy(),
        "Đang in…",
        "the screen says what it waits for"
    );
    assert!(p.shown("Đang in…"), "and shows it");
    seconds(2);
    assert_eq!(p.screen(), Screen::Detail);
    assert!(sim.slips().is_empty(), "nothing printed while stalled");
    sim.set_stalled(false);
    assert!(
        printing.settle(),
        "the print finished once the printer woke"
    );
    assert_eq!(p.shell().get_busy(), "");
    assert_eq!(sim.wait_for(1, std::time::Duration::from_secs(10)).len(), 1);
    // The button now says the slip is out; more taps print nothing more.
    assert!(p.shown("Đã in phiếu ✓"));
    p.press_only("Đã in phiếu ✓");
    assert_eq!(p.shell().get_busy(), "", "no second print is started");
    assert!(p.kiosk.settle());
    assert_eq!(sim.slips().len(), 1, "one slip however often it is tapped");

    // Fees due, the centre taking them by VietQR: the detail shows the code and what it asks,
    // and the slip prints it. Read back from the printed image, it asks that amount into the
    // centre's account with the dossier code as the transfer's content.
    let (fee_code, fee_secret, late_code, late_secret, short_code, short_secret) = centre.rt.block_on(async {
        let desk = centre.staff("tiepnhan1").await;
        // Received at the same time, its clock left running (for the end of this test).
        let late = desk.receive(motcua_testkit::GPXD, "direct").await;
        desk.ok(
            &late,
            serde_json::json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
        )
        .await;
        let late_secret = motcua_testkit::secret_of(&desk, &late).await;
        // One waiting for a document: which, why and what to do.
        let short = desk.receive(motcua_testkit::LLTP, "direct").await;
        desk.ok(
            &short,
            serde_json::json!({"type": "request_supplement", "items": [{"document": "Tờ khai cấp Phiếu lý lịch tư pháp", "reason": "Thiếu chữ ký của người yêu cầu", "guidance": "Ký và ghi rõ họ tên vào mục cuối tờ khai"}]}),
        )
        .await;
        let short_secret = motcua_testkit::secret_of(&desk, &short).await;
        let head = centre.staff("ld.xaydung").await;
        let officer = centre.staff("cv.xaydung").await;
        let c = desk.receive(motcua_testkit::GPXD, "direct").await;
        desk.ok(&c, serde_json::json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}))
            .await;
        head.ok(&c, serde_json::json!({"type": "assign", "officer": "cv.xaydung"}))
            .await;
        officer
            .ok(
                &c,
                serde_json::json!({"type": "request_fee", "amount": 1_250_000, "description": "Phí thẩm định"}),
            )
            .await;
        let secret = motcua_testkit::secret_of(&desk, &c).await;
        (c, secret, late, late_secret, short, short_secret)
    });
    centre.rt.block_on(client2.pull(0)).unwrap();
    let code = motcua_core::DossierCode::parse(&fee_code).unwrap();
    p.scan(motcua_drivers::qr::own_payload(&code, Some(&fee_secret)).as_bytes());
    assert_eq!(p.screen(), Screen::Detail, "{}", p.message());
    let d = p.lookup().get_detail();
    assert!(d.pay, "the fees come with a payment code");
    assert!(
        d.pay_text.contains("1.250.000 đồng") && d.pay_text.contains("113000001234"),
        "{}",
        d.pay_text
    );
    assert!(d.pay_qr.size().width > 20, "the code is drawn");
    assert!(p.shown("Mã VietQR nộp phí"));
    on_screen(&p, "detail with fees, portrait");
    p.press("In phiếu");
    let slips = sim.wait_for(2, std::time::Duration::from_secs(10));
    let (w, h, px) = motcua_drivers::sim::read_png(&slips[1].png).unwrap();
    let qrs = motcua_drivers::sim::read_qr_grey(w, h, &px);
    assert_eq!(
        qrs.len(),
        2,
        "the payment code and the lookup code: {qrs:?}"
    );
    let pay = qrs
        .iter()
        .find(|q| q.starts_with("000201010212"))
        .unwrap_or_else(|| panic!("a VietQR code on the slip: {qrs:?}"));
    assert!(pay.contains("00069704150112113000001234"), "{pay}");
    assert!(pay.contains("54071250000"), "the amount: {pay}");
    assert!(
        pay.contains(&format!("0825{fee_code}")),
        "the content: {pay}"
    );
    let (body, crc) = pay.split_at(pay.len() - 4);
    assert_eq!(
        u16::from_str_radix(crc, 16).unwrap(),
        motcua_core::vietqr::crc16(body.as_bytes())
    );

    // A queue number: the services with the people waiting, a priority, the number on screen,
    // printed at once with a QR that opens the ticket's page on a phone.
    p.press("‹ Trang chủ");
    p.press("Lấy số thứ tự");
    assert_eq!(p.screen(), Screen::Queue, "{}", p.message());
    assert!(p.shown("Người cao tuổi"));
    p.press("Người cao tuổi");
    p.press("Tư pháp – Hộ tịch");
    assert_eq!(p.screen(), Screen::QueueDone, "{}", p.message());
    assert_eq!(p.value_of("Số thứ tự của quý vị"), "A001");
    let slips = sim.wait_for(3, std::time::Duration::from_secs(10));
    assert_eq!(slips.len(), 3);
    let (w, h, px) = motcua_drivers::sim::read_png(&slips[2].png).unwrap();
    let qrs = motcua_drivers::sim::read_qr_grey(w, h, &px);
    assert_eq!(qrs.len(), 1, "one QR on the ticket");
    let prefix = format!("{}/q/", centre.base);
    let link = qrs[0]
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{}", qrs[0]));
    // The ticket's key rides in the QR, for rating the service afterwards.
    let (id, key) = link.split_once("?k=").unwrap_or_else(|| panic!("{link}"));
    assert!(key.len() >= 8, "{link}");
    let view = centre.rt.block_on(centre.api().ticket(id)).unwrap();
    assert_eq!((view.number.as_str(), view.ahead), ("A001", Some(0)));
    let page = centre.rt.block_on(centre.anon().get(&format!("/q/{link}")));
    assert_eq!(page.0, 200);

    // A booked visit checks in at the kiosk: the code typed on the number pad (a wrong one is
    // told), or the booking's QR scanned from any screen; the ticket stands at its slot's start.
    let centre_code = view.centre.clone();
    let book = |start: &str| {
        let req = motcua_protocol::queue::BookRequest {
            service: 'A',
            date: now.date_naive(),
            start: chrono::NaiveTime::parse_from_str(start, "%H:%M").unwrap(),
        };
        centre
            .rt
            .block_on(centre.api().book(&centre_code, &req))
            .unwrap()
    };
    let first = book("09:15");
    let second = book("09:15");
    p.press("‹ Trang chủ");
    p.press("Lấy số thứ tự");
    p.press("Tôi đã đặt lịch hẹn");
    assert_eq!(p.screen(), Screen::CheckIn);
    p.type_keys("1234567890");
    assert_eq!(p.value_of("Mã lịch hẹn"), "12345-67890");
    p.press("Nhận số thứ tự");
    assert_eq!(p.screen(), Screen::CheckIn);
    assert!(p.message().contains("10 chữ số"), "{}", p.message());
    p.press("Xoá");
    p.type_keys(&first.code.replace('-', ""));
    p.press("Nhận số thứ tự");
    assert_eq!(p.screen(), Screen::QueueDone, "{}", p.message());
    assert_eq!(p.value_of("Số thứ tự của quý vị"), "A002");
    assert!(
        p.w()
            .global::<motcua_kiosk::ui::QueueState>()
            .get_info()
            .contains("Theo lịch hẹn 09:15"),
        "the screen says the booking"
    );
    assert_eq!(sim.wait_for(4, std::time::Duration::from_secs(10)).len(), 4);
    p.press("‹ Trang chủ");
    p.scan(format!("{}/lich-hen/{}", centre.base, second.code.replace('-', "")).as_bytes());
    assert_eq!(p.screen(), Screen::QueueDone, "{}", p.message());
    assert_eq!(p.value_of("Số thứ tự của quý vị"), "A003");
    // Scanned again while its ticket waits: the same number, printed again, never a second.
    p.press("‹ Trang chủ");
    p.scan(format!("{}/lich-hen/{}", centre.base, second.code.replace('-', "")).as_bytes());
    assert_eq!(p.screen(), Screen::QueueDone, "{}", p.message());
    assert_eq!(p.value_of("Số thứ tự của quý vị"), "A003");
    assert_eq!(sim.wait_for(6, std::time::Duration::from_secs(10)).len(), 6);
    let b = centre
        .rt
        .block_on(centre.api().booking(&second.code))
        .unwrap();
    assert_eq!(b.ticket.as_deref(), Some("A003"));

    // Every screen that opens without a visitor's data, in both orientations and both
    // languages, keeps its buttons and texts inside the window.
    for landscape in [false, true] {
        printing.set_landscape(landscape);
        for (english, large) in [(false, false), (true, false), (false, true), (true, true)] {
            if p.shell().get_english() != english {
                p.shell().invoke_toggle_language();
            }
            if p.shell().get_large_text() != large {
                p.shell().invoke_toggle_large_text();
            }
            for screen in [
                Screen::Home,
                Screen::Lookup,
                Screen::Scan,
                Screen::Feedback,
                Screen::Rating,
                Screen::Queue,
                Screen::Contacts,
            ] {
                p.shell().invoke_go(screen);
                assert!(printing.settle());
                let size = p
                    .w()
                    .window()
                    .size()
                    .to_logical(p.w().window().scale_factor());
                assert_eq!(
                    (size.width as u32, size.height as u32),
                    if landscape {
                        (1920, 1080)
                    } else {
                        (1080, 1920)
                    }
                );
                assert_eq!(p.screen(), screen);
                on_screen(
                    &p,
                    &format!(
                        "{screen:?}, {}, {}{}",
                        if landscape { "landscape" } else { "portrait" },
                        if english { "English" } else { "Vietnamese" },
                        if large { ", large text" } else { "" },
                    ),
                );
            }
        }
    }

    // A list is dragged like a list on a phone, also by a panel that reports itself as a mouse
    // (many do under X11): the procedures move up under the pointer and none is opened.
    printing.set_landscape(false);
    if p.shell().get_english() {
        p.shell().invoke_toggle_language();
    }
    if p.shell().get_large_text() {
        p.shell().invoke_toggle_large_text();
    }
    p.shell().invoke_go(Screen::Procedures);
    assert!(printing.settle());
    let first = p
        .w()
        .global::<motcua_kiosk::ui::ProceduresState>()
        .get_procedures()
        .row_data(5)
        .unwrap()
        .name
        .to_string();
    let top = |label: &str| {
        i_slint_backend_testing::ElementQuery::from_root(p.w())
            .match_descendants()
            .find_all()
            .iter()
            .find(|e| e.accessible_label().is_some_and(|l| l == label))
            .map(|e| e.absolute_position().y)
            .unwrap_or_else(|| panic!("{label:?} on screen"))
    };
    let before = top(&first);
    use slint::platform::{PointerEventButton, WindowEvent};
    let at = |y: f32| slint::LogicalPosition::new(540.0, y);
    let window = p.w().window();
    window.dispatch_event(WindowEvent::PointerPressed {
        position: at(before + 40.0),
        button: PointerEventButton::Left,
    });
    for step in 1..=10 {
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(30));
        window.dispatch_event(WindowEvent::PointerMoved {
            position: at(before + 40.0 - 30.0 * step as f32),
        });
    }
    // Held still a moment before lifting: no fling, the list stays where the pointer left it.
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(300));
    window.dispatch_event(WindowEvent::PointerMoved {
        position: at(before + 40.0 - 300.0),
    });
    window.dispatch_event(WindowEvent::PointerReleased {
        position: at(before + 40.0 - 300.0),
        button: PointerEventButton::Left,
    });
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(500));
    assert_eq!(p.screen(), Screen::Procedures, "a drag opens nothing");
    assert!(
        (top(&first) - (before - 300.0)).abs() < 30.0,
        "the list moved with the pointer: {before} → {}",
        top(&first)
    );

    // The header's clock follows the time minute by minute, whatever the screen shows (it once
    // stood still for minutes on an idle screen).
    {
        let t = Rc::new(std::cell::Cell::new(now));
        let read = t.clone();
        let (store4, _client4, health4) = centre.kiosk("ui-clock");
        let logic = Logic::new(
            store4,
            Options {
                server: None,
                printer: None,
                health: None,
            },
        );
        let clock = Kiosk::new(logic, health4, Rc::new(move || read.get())).unwrap();
        let shown = || {
            let shell = clock.window.global::<Shell>();
            format!("{} {}", shell.get_clock_time(), shell.get_clock_date())
        };
        seconds(1);
        let mut seen = vec![shown()];
        for _ in 0..3 {
            t.set(t.get() + chrono::Duration::minutes(1));
            seconds(1);
            seen.push(shown());
        }
        let expected: Vec<String> = (0..4)
            .map(|m| {
                (now + chrono::Duration::minutes(m))
                    .format("%H:%M %d/%m/%Y")
                    .to_string()
            })
            .collect();
        assert_eq!(seen, expected);
    }

    // Two months on: the dossier waiting for its fees (its clock stopped when they were asked
    // for) is not shown late, however far past its date; the one whose clock ran is. The kiosk
    // says what the server judges.
    centre.clock.advance(chrono::Duration::days(60));
    p.shell().invoke_go(Screen::Home);
    let scan_detail = |code: &str, secret: &str| {
        let code = motcua_core::DossierCode::parse(code).unwrap();
        p.scan(motcua_drivers::qr::own_payload(&code, Some(secret)).as_bytes());
        assert_eq!(p.screen(), Screen::Detail, "{}", p.message());
        (p.lookup().get_detail().overdue, p.value_of("Trạng thái"))
    };
    let (overdue, status) = scan_detail(&fee_code, &fee_secret);
    assert!(!overdue && !status.contains("Quá hạn"), "paused: {status}");
    let (overdue, status) = scan_detail(&late_code, &late_secret);
    assert!(overdue && status.contains("Quá hạn"), "running: {status}");
    // Waiting for a document, the clock stopped: not late either, and the next step says which
    // document, why and what to do, on the screen and on the slip (the slip prints that line).
    let (overdue, _) = scan_detail(&short_code, &short_secret);
    assert!(!overdue);
    let next = p.lookup().get_detail().next.to_string();
    for said in [
        "Tờ khai cấp Phiếu lý lịch tư pháp",
        "Thiếu chữ ký của người yêu cầu",
        "Ký và ghi rõ họ tên vào mục cuối tờ khai",
    ] {
        assert!(next.contains(said), "{said:?} in {next:?}");
    }

    // Screens with a visitor's data hold in every orientation, language and text size too: the
    // detail with fees due (its payment code) and the secret pad.
    for (screen, code, secret) in [
        (Screen::Detail, &fee_code, Some(&fee_secret)),
        (Screen::Secret, &short_code, None),
    ] {
        for landscape in [false, true] {
            printing.set_landscape(landscape);
            for (english, large) in [(false, false), (true, false), (false, true), (true, true)] {
                p.shell().invoke_go(Screen::Home);
                if p.shell().get_english() != english {
                    p.shell().invoke_toggle_language();
                }
                if p.shell().get_large_text() != large {
                    p.shell().invoke_toggle_large_text();
                }
                let code = motcua_core::DossierCode::parse(code).unwrap();
                p.scan(
                    motcua_drivers::qr::own_payload(&code, secret.map(String::as_str)).as_bytes(),
                );
                assert_eq!(p.screen(), screen, "{}", p.message());
                on_screen(
                    &p,
                    &format!(
                        "{screen:?} of {code}, landscape {landscape}, English {english}, large {large}"
                    ),
                );
            }
        }
    }
}
