//! # motcua-tests
//!
//! End-to-end tests that run the real server, kiosk logic, the kiosk window (Slint's testing
//! backend) and simulated devices together live in `tests/`. This library holds what those
//! tests share: a centre (the real server on a loopback port with demo data, its clock standing
//! still) and kiosks enrolled with it.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use motcua_kiosk::store::Store;
use motcua_kiosk::sync::{Health, SyncClient};
use motcua_server::db::model::DossierRecord;
use motcua_server::db::{DOSSIERS, decode};
use motcua_server::{AppState, Clock, Config, Running};
use redb::ReadableTable;

/// A running centre.
pub struct Centre {
    pub rt: tokio::runtime::Runtime,
    /// The server while it serves (`None` once [`Centre::halt`] stopped it).
    pub running: Option<Running>,
    pub state: AppState,
    pub base: String,
    pub dir: tempfile::TempDir,
    /// The demo accounts' one-time passwords, from the seed.
    pub passwords: std::collections::HashMap<String, String>,
}

impl std::fmt::Debug for Centre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Centre({})", self.base)
    }
}

/// Monday 10/11/2025 09:00 in Hà Nội.
pub fn monday_morning() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 10, 2, 0, 0).unwrap()
}

/// Start the server on `127.0.0.1:0` with the demo catalogue and `dossiers` demo dossiers.
pub fn centre(dossiers: usize) -> Centre {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(monday_morning());
    let config = Config {
        data_dir: dir.path().join("server"),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    };
    let state = AppState::open(config, clock.clone()).unwrap();
    let report =
        motcua_server::seed::seed_demo(&state.store, &state.cal.get(), clock.now_vn(), dossiers)
            .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = rt.block_on(motcua_server::spawn(state.clone())).unwrap();
    let base = format!("http://{}", running.addr);
    Centre {
        rt,
        running: Some(running),
        state,
        base,
        dir,
        passwords: report.staff.into_iter().map(|(u, _, p)| (u, p)).collect(),
    }
}

impl Centre {
    /// Stop serving (the network or the server is down); the store stays.
    pub fn halt(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.stop());
        }
    }

    /// A client signed in as the demo account `username`, its first-sign-in password change
    /// done (once per account: the new password is kept).
    pub fn staff(&mut self, username: &str) -> motcua_client::Client {
        let password = self.passwords[username].clone();
        let renewed = format!("{password}-doi-lan-dau");
        let client = self.client();
        self.rt.block_on(async {
            match client.signed_in(username, &renewed).await {
                Ok((c, _)) => c,
                Err(_) => {
                    let (c, reply) = client.signed_in(username, &password).await.unwrap();
                    if reply.must_change_password {
                        c.change_password(&password, &renewed).await.unwrap();
                    }
                    c
                }
            }
        })
    }

    /// A client of the server without a token.
    pub fn client(&self) -> motcua_client::Client {
        motcua_client::Client::new(&self.base).expect("an HTTP client")
    }

    /// A kiosk with every agency in scope, enrolled, its replica filled; its store lives in
    /// `name` under the centre's temporary folder.
    pub fn kiosk(&self, name: &str) -> (Store, SyncClient, Arc<Health>) {
        let scope = motcua_server::seed::agency_codes(&self.state.store).unwrap();
        let now = self.state.clock.now_vn();
        let centre = motcua_core::AgencyCode::parse(motcua_server::seed::DEMO_CENTRE).unwrap();
        let (_, code) = self
            .state
            .store
            .write_blocking(move |txn| {
                motcua_server::ops::kiosks::insert(txn, "Kiosk thử", &centre, &scope, now)
            })
            .unwrap();
        let store = Store::open(&self.dir.path().join(name).join("kiosk.redb")).unwrap();
        let health = Arc::new(Health::default());
        let client = SyncClient::new(&self.base, store.clone(), health.clone()).unwrap();
        self.rt.block_on(client.enrol(&code)).unwrap();
        self.rt.block_on(client.pull(0)).unwrap();
        (store, client, health)
    }

    /// Every dossier of the centre.
    pub fn dossiers(&self) -> Vec<DossierRecord> {
        self.state
            .store
            .read_now(|txn| {
                let mut out = Vec::new();
                for item in txn.open_table(DOSSIERS)?.iter()? {
                    out.push(decode(item?.1.value())?);
                }
                Ok::<_, motcua_server::ops::Error>(out)
            })
            .unwrap()
    }

    /// Every kiosk as the server holds it.
    pub fn kiosks(&self) -> Vec<motcua_server::db::model::Kiosk> {
        self.state
            .store
            .read_now(|txn| {
                let mut out = Vec::new();
                for item in txn.open_table(motcua_server::db::KIOSKS)?.iter()? {
                    out.push(decode(item?.1.value())?);
                }
                Ok::<_, motcua_server::ops::Error>(out)
            })
            .unwrap()
    }

    /// The first demo dossier that `pick` accepts.
    pub fn dossier(&self, pick: impl Fn(&DossierRecord) -> bool) -> DossierRecord {
        self.state
            .store
            .read_now(|txn| {
                for item in txn.open_table(DOSSIERS)?.iter()? {
                    let rec: DossierRecord = decode(item?.1.value())?;
                    if pick(&rec) {
                        return Ok(Some(rec));
                    }
                }
                Ok::<_, motcua_server::ops::Error>(None)
            })
            .unwrap()
            .expect("a demo dossier that fits")
    }
}
