//! The kiosk and the server: lookups by citizen ID and name, and the secret, are asked of the
//! server with the kiosk's device token (its own allowance, not a lobby's address); the kiosk's
//! disk holds nobody; offline the kiosk says plainly what needs the connection and still finds a
//! code; an event the server will never take does not block the outbox.

use motcua_core::Step;
use motcua_core::rating::Scale;
use motcua_kiosk::app::{Logic, Options};
use motcua_protocol::public::{LookupQuery, RatingIn};
use motcua_protocol::sync::{KioskEvent, KioskEventBody};

#[test]
fn lookups_go_to_the_server_with_the_device_token_and_the_disk_holds_nobody() {
    let mut centre = motcua_testkit::centre(300);
    let (store, client, health) = centre.kiosk("online");
    let logic = Logic::new(
        store.clone(),
        Options {
            server: Some(centre.base.clone()),
            printer: None,
            health: Some(health),
        },
    );
    let rec = centre.dossier(|r| r.state.step == Step::ResultReady);
    let id = rec.applicant.citizen_id.canonical();

    // 130 lookups in one minute (the clock stands still): within a kiosk's allowance, beyond
    // an address's.
    for _ in 0..130 {
        let rows = logic.by_citizen(&id).unwrap();
        assert!(rows.iter().any(|r| r.code == rec.code));
    }
    let anon = centre.api();
    let q = LookupQuery {
        citizen_id: Some(id.clone()),
        name: None,
    };
    let refused = (0..130)
        .filter(|_| {
            centre
                .rt
                .block_on(anon.lookup(&q))
                .is_err_and(|e| e.status() == Some(429))
        })
        .count();
    assert!(
        refused >= 10,
        "an address is held to 120 a minute: {refused}"
    );

    // By name, and the detail behind the secret: the server answers.
    let rows = logic.by_name(&rec.applicant.name).unwrap();
    assert!(rows.iter().any(|r| r.code == rec.code));
    let found = logic.by_code(&rec.code).unwrap();
    assert!(found.local.is_some(), "in the replica");
    assert!(logic.unlock(&found, "xxxx").is_err());
    let wrong = if rec.secret == "0000" { "1111" } else { "0000" };
    let e = logic.unlock(&found, wrong).unwrap_err();
    assert!(e.vi.contains("không đúng"), "{}", e.vi);
    let open = logic.unlock(&found, &rec.secret).unwrap();
    assert!(open.detail.unwrap().step_vi.contains("Đã có kết quả"));

    // The replica on disk: no citizen ID, no full name, no secret, no digest of any of them.
    drop(logic);
    let bytes = std::fs::read(centre.dir().join("online").join("kiosk.redb")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(store.dossier_count().unwrap() > 100);
    let all = centre.dossiers();
    assert_eq!(all.len(), 300);
    let around = |needle: &str| {
        let at = bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .unwrap_or(0);
        String::from_utf8_lossy(&bytes[at.saturating_sub(200)..(at + 100).min(bytes.len())])
            .into_owned()
    };
    // Officers' names on the counters' badges are public, and demo applicants may share them.
    let officers: Vec<String> = store
        .centre()
        .unwrap()
        .unwrap()
        .counters
        .into_iter()
        .map(|c| c.officer)
        .collect();
    for r in &all {
        let id = r.applicant.citizen_id.canonical();
        assert!(!text.contains(&id), "{}: {}", r.code, around(&id));
        if !officers.contains(&r.applicant.name) {
            let n = &r.applicant.name;
            assert!(!text.contains(n.as_str()), "{}: {}", r.code, around(n));
        }
        assert!(!text.contains(&format!("\"secret\":\"{}\"", r.secret)));
    }
    for word in ["hash", "citizen", "secret"] {
        assert!(!text.contains(word), "{word} on the kiosk's disk");
    }

    // Offline: a code in the replica still shows its minimal row; everything else says plainly
    // that it needs the connection.
    centre.halt();
    let logic = Logic::new(
        store,
        Options {
            server: Some(centre.base.clone()),
            printer: None,
            health: None,
        },
    );
    let found = logic.by_code(&rec.code).unwrap();
    assert_eq!(found.row.code, rec.code);
    // A code the replica does not hold is not "not found": the server cannot be asked.
    let elsewhere = logic.by_code("000.00.01.H16-251110-9999").unwrap_err();
    assert!(
        elsewhere.vi.contains("mất kết nối") && !elsewhere.vi.contains("không tìm thấy"),
        "{}",
        elsewhere.vi
    );
    for e in [
        logic.unlock(&found, &rec.secret).unwrap_err(),
        logic.by_citizen(&id).unwrap_err(),
        logic.by_name(&rec.applicant.name).unwrap_err(),
    ] {
        assert!(e.vi.contains("mất kết nối"), "{}", e.vi);
        assert!(e.vi.contains("chỉ tra cứu được bằng mã hồ sơ"), "{}", e.vi);
        assert!(e.en.contains("lost its connection"), "{}", e.en);
    }
    drop(client);
}

/// A level-4 rating taken while the kiosk believed the scale had 5 levels, pushed to a server
/// whose scale has 3: rejected with its reason, acknowledged, and the feedback behind it goes
/// through.
#[test]
fn an_event_the_server_refuses_does_not_block_the_outbox() {
    let centre = motcua_testkit::centre(0);
    assert_eq!(centre.state.config.rating_scale, Scale::Three);
    let (store, client, _) = centre.kiosk("outbox");
    let now = centre.state.clock.now_vn();
    store
        .enqueue(|seq| KioskEvent {
            id: uuid::Uuid::new_v4(),
            seq,
            at: now,
            body: KioskEventBody::Rating(RatingIn {
                level: 4,
                ..RatingIn::default()
            }),
        })
        .unwrap();
    let logic = Logic::new(store.clone(), Options::default());
    let code = logic
        .feedback("Khác", "Cần thêm ghế chờ ở sảnh.", "", "", true, now)
        .unwrap();
    assert_eq!(store.outbox_depth().unwrap(), 2);
    let sent = centre.rt.block_on(client.push()).unwrap();
    assert_eq!(sent, 2);
    assert_eq!(store.outbox_depth().unwrap(), 0);
    let f = centre
        .rt
        .block_on(centre.api().public_feedback(&code))
        .unwrap();
    assert_eq!(f.code, code);
    let kiosks = centre.kiosks();
    assert_eq!(kiosks[0].rejected_events, 1);
    assert_eq!(kiosks[0].recent_rejections[0].code, "rating.level");
}
