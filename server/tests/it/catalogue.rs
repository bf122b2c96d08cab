//! The catalogue kept by administrators: an import with one wrong row imports nothing and names
//! the row; a good one adds and replaces, and kiosks receive the procedures; a procedure removed
//! leaves the kiosks' replicas too; only administrators touch it, and each change is audited.

use reqwest::StatusCode;

use crate::common::*;

const CSV: &str = "national_code,name,field,agency,working_days,fees,documents,retention\n\
1.999001,Cấp giấy phép thử nghiệm,Thử nghiệm,000.00.10.H16,5,Lệ phí: 50.000,Đơn đề nghị; Bản sao CCCD,10\n\
1.999002,Thủ tục thứ hai,Thử nghiệm,000.00.99.H16,3,,Đơn,\n\
1.999003,Thủ tục thứ ba,Thử nghiệm,000.00.10.H16,ba,,Đơn,\n";

async fn import(who: &Client, body: &str) -> (StatusCode, serde_json::Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/admin/procedures/import", who.base))
        .bearer_auth(who.token.as_deref().unwrap())
        .header("content-type", "text/csv; charset=utf-8")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let s = res.status();
    (s, res.json().await.unwrap_or_default())
}

#[tokio::test]
async fn an_import_with_wrong_rows_imports_nothing_and_names_each_row() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let (s, v) = import(&admin, CSV).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let rows: Vec<u64> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [2, 3], "{v}");
    assert!(
        v["rows"][0]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("000.00.99.H16")
    );
    assert!(
        v["rows"][1]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("ba")
    );
    let (_, procedures) = admin.get("/api/v1/procedures").await;
    assert!(
        !procedures.to_string().contains("1.999001"),
        "the good row is not imported either"
    );

    // Fixed, it is imported whole; the kiosk receives it.
    let good = CSV
        .replace("000.00.99.H16", "000.00.10.H16")
        .replace(",ba,", ",3,");
    let (store, kiosk, _) = srv.enrol_kiosk("k1").await;
    let (s, v) = import(&admin, &good).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["added"], 3);
    kiosk.pull(0).await.unwrap();
    let p = store
        .procedures()
        .unwrap()
        .into_iter()
        .find(|p| p.id == "1.999001.000.00.10.H16")
        .expect("on the kiosk");
    assert_eq!(p.fees[0].amount, 50_000);
    assert_eq!(p.documents.len(), 2);
    // Again: replaced, not added twice.
    let (_, v) = import(&admin, &good).await;
    assert_eq!(v["replaced"], 3);

    // Not for the desk.
    let desk = srv.staff("tiepnhan1").await;
    let (s, _) = import(&desk, &good).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Removed on the page: gone from the kiosk as well.
    let browser = cookie_client(&admin);
    let html = browser
        .get(format!(
            "{}/admin/catalogue/p/1.999002.000.00.10.H16",
            srv.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&html);
    let res = browser
        .post(format!(
            "{}/admin/catalogue/p/1.999002.000.00.10.H16/remove",
            srv.base
        ))
        .form(&[("csrf", csrf.as_str()), ("confirm", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    kiosk.pull(0).await.unwrap();
    assert!(
        !store
            .procedures()
            .unwrap()
            .iter()
            .any(|p| p.id == "1.999002.000.00.10.H16"),
        "dropped by the kiosk"
    );
    let audit = srv.staff("qt.hethong").await;
    let (_, log) = audit.get("/api/v1/admin/audit?actor=qt.trungtam").await;
    let log = log.to_string();
    assert!(log.contains("import_catalogue") && log.contains("catalogue.rows"));
    assert!(log.contains("remove_procedure"));
}

/// The centre's information and counters saved from the page reach the kiosks; a counter line
/// that does not read is refused in words and what was typed is kept.
#[tokio::test]
async fn the_centre_page_saves_what_kiosks_show() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let b = cookie_client(&admin);
    let html = b
        .get(format!("{}/admin/centre", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&html);
    let form = |counters: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("code", "000.00.01.H16".to_owned()),
            (
                "name",
                "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk".to_owned(),
            ),
            ("hotline", "0262 3999 999".to_owned()),
            ("hours", "Sáng 7:00–11:30, chiều 13:30–17:00".to_owned()),
            ("counters", counters.to_owned()),
        ]
    };
    let res = b
        .post(format!("{}/admin/centre", srv.base))
        .form(&form(
            "1 | Tư pháp | Nguyễn Thị Hồng Nhung\nhai | Đất đai |",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("hai | Đất đai") && body.contains("id=\"error\""),
        "{body}"
    );
    let (store, kiosk, _) = srv.enrol_kiosk("k1").await;
    let res = b
        .post(format!("{}/admin/centre", srv.base))
        .form(&form("1 | Tư pháp | Nguyễn Thị Hồng Nhung\n2 | Đất đai |"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    kiosk.pull(0).await.unwrap();
    let centre = store.centre().unwrap().expect("the centre on the kiosk");
    assert_eq!(centre.hotline, "0262 3999 999");
    assert_eq!(centre.counters.len(), 2);
    assert_eq!(centre.counters[1].name, "Đất đai");
    assert_eq!(centre.payment, None, "no account typed: no payment code");

    // The account for fees by VietQR: a BIN that is not 6 digits is refused in words; a good
    // one reaches the kiosk.
    let with_bank = |bin: &str| {
        let mut f = form("1 | Tư pháp |");
        f.push(("bank_bin", bin.to_owned()));
        f.push(("bank_account", " 0011001932418 ".to_owned()));
        f.push(("bank_holder", "TRUNG TAM PVHCC".to_owned()));
        f.push(("bank_name", "VietinBank".to_owned()));
        f
    };
    let res = b
        .post(format!("{}/admin/centre", srv.base))
        .form(&with_bank("97041"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("6 chữ số") && body.contains("value=\"97041\""),
        "{body}"
    );
    let res = b
        .post(format!("{}/admin/centre", srv.base))
        .form(&with_bank("970415"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    kiosk.pull(0).await.unwrap();
    let pay = store
        .centre()
        .unwrap()
        .unwrap()
        .payment
        .expect("the account");
    assert_eq!(
        (pay.bin.as_str(), pay.account.as_str()),
        ("970415", "0011001932418")
    );
    // Where fees go is audited, from what to what.
    let audit = srv.staff("qt.hethong").await;
    let (_, log) = audit
        .get("/api/v1/admin/audit?actor=qt.trungtam&action=set_centre")
        .await;
    let log = log.to_string();
    assert!(
        log.contains("payment account none → 970415 …2418 (TRUNG TAM PVHCC)"),
        "{log}"
    );
}
