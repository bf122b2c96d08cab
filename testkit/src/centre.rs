//! A running centre: the real server on a loopback port with a real redb file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use motcua_kiosk::store::Store;
use motcua_kiosk::sync::{Health, SyncClient};
use motcua_server::db::model::DossierRecord;
use motcua_server::db::{DOSSIERS, decode};
use motcua_server::{AppState, Clock, Config, Running};
use redb::ReadableTable;
use reqwest::StatusCode;
use serde_json::json;

use crate::json::Client;

/// Monday 10/11/2025 09:00 in Hà Nội.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 10, 2, 0, 0).unwrap()
}

/// How to start a centre.
#[derive(Debug, Clone)]
pub struct CentreOptions {
    /// The clock stands still at this instant (tests move it); none: the system's clock.
    pub at: Option<DateTime<Utc>>,
    /// Seed the demo catalogue, staff and `dossiers` on a new store (a store that exists is
    /// opened as it is).
    pub catalogue: bool,
    /// Demo dossiers to seed with the catalogue.
    pub dossiers: usize,
    /// Where the store lives; none: a temporary folder, removed with the centre.
    pub data_dir: Option<PathBuf>,
    /// Where to listen (port 0: a free one).
    pub listen: std::net::SocketAddr,
    /// When `listen` is taken, listen on a free port instead of failing.
    pub any_port_if_taken: bool,
}

impl Default for CentreOptions {
    fn default() -> Self {
        CentreOptions {
            at: Some(monday_morning()),
            catalogue: true,
            dossiers: 0,
            data_dir: None,
            listen: ([127, 0, 0, 1], 0).into(),
            any_port_if_taken: false,
        }
    }
}

/// A running centre.
pub struct Centre {
    pub running: Running,
    /// The server's state (its store, clock, configuration).
    pub state: AppState,
    pub clock: Clock,
    pub base: String,
    /// The demo accounts' one-time passwords, from the seed (empty without the catalogue or on a
    /// store seeded before).
    pub passwords: HashMap<String, String>,
    /// The temporary folder holding the store, removed on drop.
    _dir: Option<tempfile::TempDir>,
    data_dir: PathBuf,
}

impl std::fmt::Debug for Centre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Centre({})", self.base)
    }
}

/// A centre at Monday morning with the demo catalogue and staff (no dossiers).
pub async fn start() -> Centre {
    start_at(monday_morning(), true).await
}

/// A centre whose clock stands at `at`; with `catalogue`, the demo agencies, procedures and
/// staff (no dossiers).
pub async fn start_at(at: DateTime<Utc>, catalogue: bool) -> Centre {
    start_configured(at, catalogue, |_| {}).await
}

/// A centre with the demo catalogue that trusts loopback as a reverse proxy, so that tests
/// speak from any address through `X-Forwarded-For`.
pub async fn start_behind_proxy() -> Centre {
    start_configured(monday_morning(), true, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
}

/// Like [`start_at`], with the configuration adjusted by `adjust`.
pub async fn start_configured(
    at: DateTime<Utc>,
    catalogue: bool,
    adjust: impl FnOnce(&mut Config),
) -> Centre {
    Centre::start(
        CentreOptions {
            at: Some(at),
            catalogue,
            ..CentreOptions::default()
        },
        |c| {
            c.max_body_bytes = 64 * 1024;
            // Tests move the clock by days; the expiry test reads this value.
            c.session_minutes = 90 * 24 * 60;
            adjust(c);
        },
    )
    .await
}

/// Stop `centre` and start a new server on the same store, its clock where the old one's stood.
pub async fn restart(centre: Centre) -> Centre {
    centre.restart().await
}

impl Centre {
    /// Start a centre as `options` say, its configuration adjusted by `adjust`.
    pub async fn start(options: CentreOptions, adjust: impl FnOnce(&mut Config)) -> Centre {
        Centre::try_start(options, adjust)
            .await
            .unwrap_or_else(|e| panic!("the centre starts: {e}"))
    }

    /// [`Centre::start`], saying why not instead of panicking (for the demo).
    pub async fn try_start(
        options: CentreOptions,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Centre, String> {
        let dir = match options.data_dir {
            Some(_) => None,
            None => Some(tempfile::tempdir().expect("a temporary folder")),
        };
        let data_dir = options
            .data_dir
            .clone()
            .unwrap_or_else(|| dir.as_ref().expect("a folder").path().join("server"));
        let clock = match options.at {
            Some(at) => Clock::manual(at),
            None => Clock::system(),
        };
        let mut config = Config {
            data_dir: data_dir.clone(),
            listen: options.listen,
            ..Config::default()
        };
        adjust(&mut config);
        let fresh = !data_dir.join("motcua.redb").exists();
        let state = AppState::open(config, clock.clone()).map_err(|e| e.to_string())?;
        let mut passwords = HashMap::new();
        if options.catalogue && fresh {
            let now = clock.now_vn();
            let (store, cal) = (state.store.clone(), state.cal.get());
            let dossiers = options.dossiers;
            let report = tokio::task::spawn_blocking(move || {
                motcua_server::seed::seed_demo(&store, &cal, now, dossiers)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.message.en)?;
            passwords = report.staff.into_iter().map(|(u, _, p)| (u, p)).collect();
        }
        Centre::serve(
            state,
            clock,
            passwords,
            dir,
            data_dir,
            options.any_port_if_taken,
        )
        .await
    }

    async fn serve(
        mut state: AppState,
        clock: Clock,
        passwords: HashMap<String, String>,
        dir: Option<tempfile::TempDir>,
        data_dir: PathBuf,
        any_port_if_taken: bool,
    ) -> Result<Centre, String> {
        let running = match motcua_server::spawn(state.clone()).await {
            Ok(r) => r,
            Err(motcua_server::StartError::Listen(..)) if any_port_if_taken => {
                let mut c = (*state.config).clone();
                c.listen.set_port(0);
                state.ctx.config = Arc::new(c);
                motcua_server::spawn(state.clone())
                    .await
                    .map_err(|e| e.to_string())?
            }
            Err(e) => return Err(e.to_string()),
        };
        let base = format!("http://{}", running.addr);
        Ok(Centre {
            running,
            state,
            clock,
            base,
            passwords,
            _dir: dir,
            data_dir,
        })
    }

    /// Stop and start a new server on the same store, its clock where the old one's stood.
    pub async fn restart(self) -> Centre {
        let Centre {
            running,
            state,
            clock,
            passwords,
            _dir: dir,
            data_dir,
            ..
        } = self;
        let config = (*running.state.config).clone();
        // Every handle on the old store goes, so that it closes.
        drop(state);
        running.stop().await;
        // The old store closes once its writer thread has seen the last handle go: wait for
        // that (bounded), not for a time.
        let mut tries = 0;
        let state = loop {
            match AppState::open(config.clone(), clock.clone()) {
                Ok(s) => break s,
                Err(e) if tries < 500 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Err(e) => panic!("the store did not reopen: {e}"),
            }
        };
        Centre::serve(state, clock, passwords, dir, data_dir, false)
            .await
            .unwrap_or_else(|e| panic!("the centre restarts: {e}"))
    }

    /// The folder of the centre's store.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A folder for what a test makes beside the centre (kiosk stores, slips), removed with it
    /// when the centre's store is temporary.
    pub fn dir(&self) -> &Path {
        self.data_dir.parent().unwrap_or(&self.data_dir)
    }

    /// The one-time password the seed gave a demo account.
    pub fn password(&self, username: &str) -> String {
        self.passwords
            .get(username)
            .unwrap_or_else(|| panic!("{username} is no demo account"))
            .clone()
    }

    /// The typed client, without a token.
    pub fn api(&self) -> motcua_client::Client {
        motcua_client::Client::new(&self.base).expect("an HTTP client")
    }

    /// A JSON client without a token.
    pub fn anon(&self) -> Client {
        Client::new(self.api())
    }

    /// A JSON client whose requests name `ip` in `X-Forwarded-For` (the server must trust
    /// loopback as a proxy: [`start_behind_proxy`]).
    pub fn anon_from(&self, ip: &str) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", ip.parse().expect("an address"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("an HTTP client");
        Client::new(motcua_client::Client::with_http(&self.base, http))
    }

    /// Sign in as `username` with `password` from `client`; the session's client.
    pub async fn sign_in(&self, mut client: Client, username: &str, password: &str) -> Client {
        let (s, v) = client
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        client.token = Some(v["token"].as_str().unwrap().to_owned());
        client
    }

    /// The password a demo account has once its first sign-in changed it.
    fn renewed(&self, username: &str) -> String {
        format!("{}-moi-doi", self.password(username))
    }

    /// A typed client signed in as a demo account, its first-sign-in password change done.
    pub async fn staff_api(&self, username: &str) -> motcua_client::Client {
        let (once, renewed) = (self.password(username), self.renewed(username));
        let api = self.api();
        if let Ok((c, _)) = api.signed_in(username, &renewed).await {
            return c;
        }
        let (c, reply) = api
            .signed_in(username, &once)
            .await
            .unwrap_or_else(|e| panic!("{username} signs in: {e}"));
        if reply.must_change_password {
            c.change_password(&once, &renewed)
                .await
                .unwrap_or_else(|e| panic!("{username} changes the password: {e}"));
        }
        c
    }

    /// A JSON client signed in as a demo account, its first-sign-in password change done.
    pub async fn staff(&self, username: &str) -> Client {
        let typed = self.staff_api(username).await;
        let mut c = self.anon();
        c.token = typed.token().map(str::to_owned);
        c
    }

    /// A kiosk with every agency in scope, enrolled, its replica filled; its store lives in
    /// `name` beside the centre's.
    pub async fn enrol_kiosk(&self, name: &str) -> (Store, SyncClient, Arc<Health>) {
        self.kiosk_at(&self.dir().join(name).join("kiosk.redb"), "Kiosk thử")
            .await
            .unwrap_or_else(|e| panic!("the kiosk enrols: {e}"))
    }

    /// The kiosk whose store is at `path`: enrolled (as `name`, every agency in scope) unless it
    /// is already, its replica brought up to date.
    pub async fn kiosk_at(
        &self,
        path: &Path,
        name: &str,
    ) -> Result<(Store, SyncClient, Arc<Health>), String> {
        let store = Store::open(path).map_err(|e| e.to_string())?;
        let health = Arc::new(Health::default());
        let client = SyncClient::new(&self.base, store.clone(), health.clone())
            .map_err(|e| e.to_string())?;
        if !client.enrolled() {
            let scope =
                motcua_server::seed::agency_codes(&self.state.store).map_err(|e| e.message.en)?;
            let now = self.state.clock.now_vn();
            let centre = motcua_core::AgencyCode::parse(motcua_server::seed::DEMO_CENTRE)
                .map_err(|e| e.to_string())?;
            let name = name.to_owned();
            let (_, code) = self
                .state
                .store
                .write(move |txn| {
                    motcua_server::ops::kiosks::insert(txn, &name, &centre, &scope, now)
                })
                .await
                .map_err(|e| e.message.en)?;
            client.enrol(&code).await.map_err(|e| e.to_string())?;
        }
        client.pull(0).await.map_err(|e| e.to_string())?;
        Ok((store, client, health))
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

    /// The first dossier that `pick` accepts.
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
            .expect("a dossier that fits")
    }
}

/// A centre with a runtime of its own, for code without one (the kiosk's window thread, the
/// demo's main thread); everything of [`Centre`] through `Deref`.
pub struct Blocking {
    pub rt: tokio::runtime::Runtime,
    pub centre: Centre,
}

impl std::fmt::Debug for Blocking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.centre.fmt(f)
    }
}

impl std::ops::Deref for Blocking {
    type Target = Centre;

    fn deref(&self) -> &Centre {
        &self.centre
    }
}

/// A centre at Monday morning with the demo catalogue, staff and `dossiers` demo dossiers.
pub fn centre(dossiers: usize) -> Blocking {
    Blocking::start(
        CentreOptions {
            dossiers,
            ..CentreOptions::default()
        },
        |_| {},
    )
}

impl Blocking {
    pub fn start(options: CentreOptions, adjust: impl FnOnce(&mut Config)) -> Blocking {
        Blocking::try_start(options, adjust).unwrap_or_else(|e| panic!("the centre starts: {e}"))
    }

    /// [`Blocking::start`], saying why not instead of panicking (for the demo).
    pub fn try_start(
        options: CentreOptions,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Blocking, String> {
        let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        let centre = rt.block_on(Centre::try_start(options, adjust))?;
        Ok(Blocking { rt, centre })
    }

    /// Stop serving (the network or the server is down); the store stays readable.
    pub fn halt(&mut self) {
        self.rt.block_on(self.centre.running.halt());
    }

    /// A kiosk with every agency in scope, enrolled, its replica filled.
    pub fn kiosk(&self, name: &str) -> (Store, SyncClient, Arc<Health>) {
        self.rt.block_on(self.centre.enrol_kiosk(name))
    }

    /// A typed client signed in as a demo account, its first-sign-in password change done.
    pub fn staff_api(&self, username: &str) -> motcua_client::Client {
        self.rt.block_on(self.centre.staff_api(username))
    }
}
