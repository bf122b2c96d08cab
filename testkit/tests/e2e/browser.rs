//! The queue in a real browser (Debian's Chromium through chromedriver): the display board is
//! open; an officer signs in on the counter's page (changing the one-time password first), takes
//! counter 1 and calls the next number with its keyboard shortcut; the board shows the call
//! within a second and fetches its announcement; the visitor's ticket page says where to go.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// chromedriver on a free port, stopped with the test.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's Chromium and chromedriver, installed when missing (as root, as on CI and a fresh
/// developer machine): the README's one test command needs nothing installed by hand.
fn ensure_chromium() {
    let present = |p: &str| std::path::Path::new(p).exists();
    if present("/usr/bin/chromedriver") && present("/usr/bin/chromium") {
        return;
    }
    assert!(
        apt_install(&["chromium", "chromium-driver"]),
        "the browser tests need Debian's chromium and chromium-driver (apt-get install chromium \
         chromium-driver, as root)"
    );
}

/// Install Debian `packages` (as root); whether it worked.
pub(crate) fn apt_install(packages: &[&str]) -> bool {
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let mut install = vec!["install", "-y", "-qq"];
    install.extend_from_slice(packages);
    apt(&["update", "-qq"]) && apt(&install)
}

pub(crate) fn chromedriver() -> Driver {
    ensure_chromium();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs (apt-get install chromium chromium-driver; .ci/run does it)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver listens");
        std::thread::yield_now();
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

pub(crate) async fn browser(
    driver: &Driver,
    profile: &std::path::Path,
    size: (u32, u32),
) -> Client {
    let args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--autoplay-policy=no-user-gesture-required".to_owned(),
        format!("--window-size={},{}", size.0, size.1),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "args": args, "binary": "/usr/bin/chromium" }),
    );
    let connector = hyper_util_client::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

pub(crate) async fn fill(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Open `path`, sign in as `user` with the one-time password, set one's own, and land on
/// `path`.
pub(crate) async fn sign_in(c: &Client, centre: &motcua_testkit::Centre, path: &str, user: &str) {
    c.goto(&format!("{}{path}", centre.base)).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    let once = centre.password(user);
    fill(c, "username", user).await;
    fill(c, "password", &once).await;
    click(c, "#sign-in").await;
    assert_eq!(
        wait_path(c, "/password", Duration::from_secs(5)).await,
        "/password",
        "the first sign-in asks for a new password"
    );
    let mine = format!("{once}-cua-toi");
    fill(c, "current", &once).await;
    fill(c, "new", &mine).await;
    fill(c, "confirm", &mine).await;
    click(c, "button[type=submit]").await;
    assert_eq!(wait_path(c, path, Duration::from_secs(5)).await, path);
}

/// The text of `css` once `ok` holds of it, within `limit`.
pub(crate) async fn wait_text(
    c: &Client,
    css: &str,
    limit: Duration,
    ok: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
            && ok(&t)
        {
            return t;
        }
        assert!(Instant::now() < deadline, "{css} within {limit:?}");
        tokio::task::yield_now().await;
    }
}

/// Wait until the page shown is `path` (a form's answer may still be on its way); the path
/// last seen when it is not within `limit`.
pub(crate) async fn wait_path(c: &Client, path: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let now = c
            .current_url()
            .await
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        if now == path || Instant::now() >= deadline {
            return now;
        }
        tokio::task::yield_now().await;
    }
}

pub(crate) async fn wait_attr(c: &Client, css: &str, attr: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(Some(v)) = e.attr(attr).await
        {
            return v;
        }
        assert!(Instant::now() < deadline, "{css}[{attr}] within {limit:?}");
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_calls_from_its_page_and_the_board_shows_and_says_it() {
    let centre = motcua_testkit::start().await;
    let code = motcua_server::seed::DEMO_CENTRE;
    let desk = centre.staff("tiepnhan1").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (s, v) = desk
            .post(
                &format!("/api/v1/centres/{code}/queue/tickets"),
                json!({"service": "A"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        ids.push(v["id"].as_str().unwrap().to_owned());
    }
    let driver = chromedriver();
    let profiles = tempfile::tempdir().unwrap();

    // The board, as a hall's TV shows it.
    let board = browser(&driver, &profiles.path().join("board"), (1920, 1080)).await;
    board
        .goto(&format!("{}/board/{code}", centre.base))
        .await
        .unwrap();
    // Following the live state.
    wait_attr(&board, "#board", "data-updated", Duration::from_secs(10)).await;
    assert_eq!(
        wait_text(
            &board,
            "#lines tr:first-child td.num",
            Duration::from_secs(5),
            |t| t == "2"
        )
        .await,
        "2"
    );

    // The officer: sign in with the one-time password, set one's own, take counter 1.
    let counter = browser(&driver, &profiles.path().join("counter"), (1280, 900)).await;
    counter
        .goto(&format!("{}/counter", centre.base))
        .await
        .unwrap();
    assert!(
        counter
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login")
    );
    let once = centre.password("cv.tuphap");
    counter
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("cv.tuphap")
        .await
        .unwrap();
    counter
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(&once)
        .await
        .unwrap();
    counter
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        wait_path(&counter, "/password", Duration::from_secs(5)).await,
        "/password"
    );
    let mine = format!("{once}-cua-toi");
    counter
        .find(Locator::Id("current"))
        .await
        .unwrap()
        .send_keys(&once)
        .await
        .unwrap();
    counter
        .find(Locator::Id("new"))
        .await
        .unwrap()
        .send_keys(&mine)
        .await
        .unwrap();
    counter
        .find(Locator::Id("confirm"))
        .await
        .unwrap()
        .send_keys(&mine)
        .await
        .unwrap();
    counter
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        wait_path(&counter, "/counter", Duration::from_secs(5)).await,
        "/counter"
    );
    counter
        .find(Locator::Id("sit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&counter, "h1", Duration::from_secs(5), |t| {
        t.contains("Quầy 1")
    })
    .await;

    // "N" calls the next number; the board shows it within a second.
    counter
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("n")
        .await
        .unwrap();
    let called = wait_attr(&counter, "#current", "data-number", Duration::from_secs(5)).await;
    assert_eq!(called, "A001");
    let shown = Instant::now();
    wait_text(&board, "#latest-number", Duration::from_secs(1), |t| {
        t == "A001"
    })
    .await;
    let latency = shown.elapsed();
    assert_eq!(
        board
            .find(Locator::Id("latest-counter"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1"
    );
    // And fetched its announcement.
    let announced = wait_attr(&board, "#board", "data-announced", Duration::from_secs(5)).await;
    assert_eq!(announced, "A001@1");
    eprintln!("call → board: {latency:?}");

    // The visitor's phone: called to counter 1; the second ticket has nobody ahead.
    let phone = browser(&driver, &profiles.path().join("phone"), (412, 915)).await;
    phone
        .goto(&format!("{}/q/{}", centre.base, ids[0]))
        .await
        .unwrap();
    let to = wait_text(&phone, "#counter-no", Duration::from_secs(5), |t| t == "1").await;
    assert_eq!(to, "1");
    phone
        .goto(&format!("{}/q/{}", centre.base, ids[1]))
        .await
        .unwrap();
    assert_eq!(
        phone
            .find(Locator::Id("ahead"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "0"
    );

    // A form without the session's token is refused, and without a session one is sent to sign
    // in; the cookie is HttpOnly and SameSite=Strict.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(format!("{}/login", centre.base))
        .form(&[("username", "cv.tuphap"), ("password", mine.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let r = http
        .post(format!("{}/counter/call-next", centre.base))
        .header("cookie", &session)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = http
        .post(format!("{}/counter/call-next", centre.base))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    for c in [board, counter, phone] {
        c.close().await.unwrap();
    }
}
