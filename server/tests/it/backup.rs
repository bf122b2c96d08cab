//! Art. 23 and the store's safety: a backup taken while dossiers are being received holds every
//! one acknowledged before it began, as one consistent snapshot; it is restored in place of a
//! store, the file it replaces kept; only a system administrator takes one.

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_holds_every_acknowledged_dossier_and_restores() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let admin = srv.staff("qt.hethong").await;
    let centre_admin = srv.staff("qt.trungtam").await;
    let (s, _) = centre_admin.post("/api/v1/admin/backup", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Three desks' worth of receipts going on while the backup is taken.
    let before: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..10 {
            v.push(desk.receive(LLTP, "direct").await);
        }
        v
    };
    let mut load = Vec::new();
    for _ in 0..3 {
        let d = desk.clone();
        load.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for _ in 0..15 {
                codes.push(d.receive(LLTP, "direct").await);
            }
            codes
        }));
    }
    let (s, report) = admin.post("/api/v1/admin/backup", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let mut during = Vec::new();
    for l in load {
        during.extend(l.await.unwrap());
    }
    let path = std::path::PathBuf::from(report["path"].as_str().unwrap());
    assert!(path.starts_with(srv.dir()), "{path:?}");
    assert!(report["tables"].as_u64().unwrap() >= 40, "{report}");

    // Every dossier acknowledged before the backup, and a consistent whole: each dossier has
    // its index entries, the counts add up.
    let db = Database::open(&path).unwrap();
    let txn = db.begin_read().unwrap();
    let dossiers = txn.open_table(motcua_server::db::DOSSIERS).unwrap();
    for code in &before {
        assert!(dossiers.get(code.as_str()).unwrap().is_some(), "{code}");
    }
    let n = dossiers.len().unwrap();
    assert!(n >= before.len() as u64);
    assert!(n <= (before.len() + during.len()) as u64 + 1000);
    let status = txn.open_table(motcua_server::db::IDX_STATUS).unwrap();
    assert_eq!(status.len().unwrap(), n, "one status entry a dossier");
    let counted: u64 = txn
        .open_table(motcua_server::db::STATUS_COUNTS)
        .unwrap()
        .iter()
        .unwrap()
        .map(|i| i.unwrap().1.value())
        .sum();
    assert_eq!(counted, n, "the counts are the snapshot's");
    let audit = txn.open_table(motcua_server::db::AUDIT).unwrap();
    assert!(audit.len().unwrap() > 0);
    drop((dossiers, status, audit, txn, db));

    // Restored in place of another store: the one it replaces is kept.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("motcua.redb");
    std::fs::write(&store, b"an older store").unwrap();
    let kept = motcua_server::db::backup::restore(&path, &store)
        .unwrap()
        .expect("the replaced file is kept");
    assert_eq!(std::fs::read(&kept).unwrap(), b"an older store");
    let db = Database::open(&store).unwrap();
    let txn = db.begin_read().unwrap();
    let restored = txn.open_table(motcua_server::db::DOSSIERS).unwrap();
    assert_eq!(restored.len().unwrap(), n);
    // Not a store: refused, nothing replaced.
    let junk = dir.path().join("junk.redb");
    std::fs::write(&junk, b"not a store").unwrap();
    assert!(motcua_server::db::backup::restore(&junk, &store).is_err());
    assert_eq!(restored.len().unwrap(), n);
    // The audit log says who took it.
    let (_, log) = admin.get("/api/v1/admin/audit?action=backup").await;
    assert!(log.to_string().contains("qt.hethong"), "{log}");
}
