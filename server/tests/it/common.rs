//! What the server's tests share: the test kit (a real server on a free loopback port, a real redb
//! file in a temporary folder, the demo catalogue and staff, a JSON client that speaks to it).

pub use motcua_testkit::*;

/// The running centre a test drives.
pub type TestServer = Centre;

/// A browser-like client carrying `who`'s session as its cookie, not following redirects.
pub fn cookie_client(who: &Client) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        format!("motcua_session={}", who.token.as_deref().unwrap())
            .parse()
            .unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token of the first form of a page.
pub fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("a form in {html}"))
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}
