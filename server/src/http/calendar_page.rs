//! The working-time calendar's years in the browser: every year held, official or provisional,
//! its days off and make-up days; a system administrator loads a year's file (checked, audited;
//! deadlines already computed keep their values) or confirms a provisional year as it stands,
//! naming the notice.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use motcua_core::calendar::{CalendarYear, YearStatus};
use motcua_protocol::staff::Role;
use serde::Deserialize;

use super::board::error_page;
use super::pages::PageStaff;
use crate::AppState;
use crate::ops::{Error, Kind, calendar};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar", get(page))
        .route("/admin/calendar/load", post(load))
        .route("/admin/calendar/confirm", post(confirm))
}

/// A year as the page lists it.
struct Year {
    year: i32,
    official: bool,
    source: String,
    /// (name, from, to) of each period off; (name, date) of each make-up day.
    off: Vec<(String, String, String)>,
    make_up: Vec<(String, String)>,
    /// Who loaded it and when; empty for a year shipped with the software.
    loaded: String,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct Page<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    years: Vec<Year>,
    covered_until: String,
    /// A system administrator may load and confirm.
    may_load: bool,
    error: Option<&'a Error>,
    done: Option<String>,
    /// What was pasted, kept when refused.
    content: String,
}

#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<i32>,
}

async fn render(
    st: &AppState,
    staff: &PageStaff,
    error: Option<&Error>,
    done: Option<String>,
    content: String,
) -> Response {
    if let Err(e) = staff.actor.require_admin() {
        return error_page(super::error::status(e.kind), &e);
    }
    let stored = match st
        .store
        .read(|txn| crate::calendars::stored_years(txn).map_err(Error::from))
        .await
    {
        Ok(s) => s,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let cal = st.cal.get();
    let today = st.clock.now_vn().date_naive();
    let d = |x: chrono::NaiveDate| x.format("%d/%m/%Y").to_string();
    let mut years: Vec<Year> = cal
        .years()
        .into_iter()
        .filter_map(|s| {
            let y = calendar::held(&st.ctx, s.year).ok()?;
            let loaded = stored
                .iter()
                .find(|x| x.year.year == s.year)
                .map(|x| format!("{} · {}", x.loaded_by, x.loaded_at.format("%H:%M %d/%m/%Y")))
                .unwrap_or_default();
            Some(Year {
                year: s.year,
                official: s.status == YearStatus::Official,
                source: y.source.clone(),
                off: y
                    .days_off
                    .iter()
                    .map(|o| (o.name.clone(), d(o.from), d(o.to)))
                    .collect(),
                make_up: y
                    .make_up_days
                    .iter()
                    .map(|m| (m.name.clone(), d(m.date)))
                    .collect(),
                loaded,
            })
        })
        .collect();
    years.sort_by_key(|y| std::cmp::Reverse(y.year));
    super::board::html_page(
        Page {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            years,
            covered_until: cal
                .covered_until(today)
                .map_or_else(|| "—".into(), |c| c.format("%d/%m/%Y").to_string()),
            may_load: staff.actor.user.role == Role::SystemAdmin,
            error,
            done,
            content,
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

async fn page(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let done = q.ok().and_then(|Query(q)| q.done).map(|y| format!("{y}"));
    render(&st, &staff, None, done, String::new()).await
}

#[derive(Debug, Deserialize)]
struct LoadForm {
    csrf: String,
    #[serde(default)]
    content: String,
}

async fn load(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Form<LoadForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let done = async {
        calendar::may_load(&staff.actor)?;
        let y =
            CalendarYear::from_toml(&f.content).map_err(|e| Error::domain(Kind::Invalid, &e))?;
        calendar::load(&st.ctx, &staff.actor, y.year, y).await
    }
    .await;
    match done {
        Ok(l) => Redirect::to(&format!("/admin/calendar?done={}", l.year.year)).into_response(),
        Err(e) => render(&st, &staff, Some(&e), None, f.content).await,
    }
}

#[derive(Debug, Deserialize)]
struct ConfirmForm {
    csrf: String,
    year: i32,
    #[serde(default)]
    source: String,
}

async fn confirm(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Form<ConfirmForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    match calendar::confirm(&st.ctx, &staff.actor, f.year, &f.source).await {
        Ok(l) => Redirect::to(&format!("/admin/calendar?done={}", l.year.year)).into_response(),
        Err(e) => render(&st, &staff, Some(&e), None, String::new()).await,
    }
}
