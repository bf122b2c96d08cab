//! Finding dossiers in the browser: by code, citizen ID or name (diacritics ignored), narrowed by
//! national status, agency and lateness, page after page over any number of dossiers — each page
//! starts where the last one stopped, and no page looks at more than a bounded number of
//! dossiers.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use motcua_core::{Lang, NationalStatus};
use motcua_protocol::staff::{DossierRow, ListQuery, Role};
use redb::ReadableTable;
use serde::Deserialize;

use super::board::unreadable;
use super::pages::PageStaff;
use super::{ApiError, Params};
use crate::AppState;
use crate::db::decode;
use crate::ops::{Error, dossiers};

/// Rows a page shows.
const PER_PAGE: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

#[derive(Debug, Default, Deserialize)]
struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    f: &'a SearchForm,
    statuses: Vec<(u8, &'static str, &'static str)>,
    agencies: Vec<(String, String)>,
    rows: Vec<DossierRow>,
    searched: bool,
    /// The query string of the next page, if any.
    next: Option<String>,
    scanned: usize,
    error: Option<&'a Error>,
}

impl SearchPage<'_> {
    fn hm(&self, t: &chrono::DateTime<chrono::FixedOffset>) -> String {
        t.format("%H:%M %d/%m/%Y").to_string()
    }

    fn status_selected(&self, code: &u8) -> bool {
        self.f.status == code.to_string()
    }
}

/// `s` percent-encoded for a query string.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn search(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Params<SearchForm>, ApiError>,
) -> Response {
    let Ok(Params(mut f)) = f else {
        return unreadable();
    };
    f.q = f.q.chars().take(100).collect();
    f.agency = f.agency.chars().take(40).collect();
    f.after = f.after.chars().take(400).collect();
    let user = &staff.actor.user;
    let agencies = st
        .store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(crate::db::AGENCIES)?.iter()? {
                let a: crate::db::model::Agency = decode(item?.1.value())?;
                out.push((a.code.to_string(), a.name));
            }
            Ok::<_, Error>(out)
        })
        .await
        .unwrap_or_default();
    let searched = !f.q.trim().is_empty()
        || !f.status.is_empty()
        || !f.agency.is_empty()
        || !f.overdue.is_empty();
    let mut error = None;
    let (mut rows, mut next, mut scanned) = (Vec::new(), None, 0);
    if searched {
        let status = match f.status.as_str() {
            "" => Ok(None),
            s => s.parse::<u8>().map(Some).map_err(|_| {
                Error::invalid("status", "Trạng thái không hợp lệ.", "Unknown status.")
            }),
        };
        let q = status.map(|status| ListQuery {
            status,
            agency: (!f.agency.is_empty()).then(|| f.agency.clone()),
            overdue: (!f.overdue.is_empty()).then_some(true),
            transfer_overdue: None,
            q: (!f.q.trim().is_empty()).then(|| f.q.clone()),
            page: None,
            per_page: Some(PER_PAGE),
            after: (!f.after.is_empty()).then(|| f.after.clone()),
        });
        let listed = match q {
            Ok(q) => dossiers::list(&st.ctx, &staff.actor, q).await,
            Err(e) => Err(e),
        };
        match listed {
            Ok(list) => {
                scanned = list.scanned;
                next = list.next.map(|after| {
                    format!(
                        "q={}&status={}&agency={}&overdue={}&after={}",
                        enc(&f.q),
                        enc(&f.status),
                        enc(&f.agency),
                        enc(&f.overdue),
                        enc(&after)
                    )
                });
                rows = list.items;
            }
            Err(e) => error = Some(e),
        }
    }
    let statuses = NationalStatus::ALL
        .iter()
        .map(|s| (s.code(), s.label(Lang::Vi), s.label(Lang::En)))
        .collect();
    super::board::html_page(
        SearchPage {
            csrf: &staff.csrf,
            user: &user.full_name,
            nav_desk: user.role == Role::Receptionist,
            here: staff.here.clone(),
            f: &f,
            statuses,
            agencies,
            rows,
            searched,
            next,
            scanned,
            error: error.as_ref(),
        }
        .render()
        .unwrap_or_default(),
        error.as_ref(),
    )
}
