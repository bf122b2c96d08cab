//! A centre's information in the browser: what its kiosks and web page show (address, hotline,
//! office hours, postal service, how fees are paid, where feedback goes) and the hall's counters;
//! saved through the same operation as the API, so checked, audited and sent to the kiosks.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use motcua_protocol::centre::{CentreInfo, Counter};
use serde::Deserialize;

use super::board::error_page;
use super::pages::PageStaff;
use crate::AppState;
use crate::ops::{Error, centres};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/centre", get(page).post(save))
}

#[derive(Template)]
#[template(path = "admin_centre.html")]
struct Page<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    /// The centres (agencies) one may choose: (code, name).
    centres: Vec<(String, String)>,
    code: String,
    info: CentreInfo,
    /// The counters as the form writes them: `number | name | officer`, a line each.
    counters: String,
    error: Option<&'a Error>,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Which {
    #[serde(default)]
    code: String,
    #[serde(default)]
    saved: Option<u8>,
}

fn counters_text(c: &[Counter]) -> String {
    c.iter()
        .map(|c| format!("{} | {} | {}", c.number, c.name, c.officer))
        .collect::<Vec<_>>()
        .join("\n")
}

#[allow(clippy::too_many_arguments)]
async fn render(
    st: &AppState,
    staff: &PageStaff,
    code: String,
    info: CentreInfo,
    counters: String,
    error: Option<&Error>,
    saved: bool,
) -> Response {
    if let Err(e) = staff.actor.require_admin() {
        return error_page(super::error::status(e.kind), &e);
    }
    let centres = match super::pages::agency_names(st).await {
        Ok(c) => c,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    super::board::html_page(
        Page {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            centres,
            code,
            info,
            counters,
            error,
            saved,
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

async fn page(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Query<Which>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let code = if q.code.trim().is_empty() {
        crate::seed::DEMO_CENTRE.to_owned()
    } else {
        q.code.trim().chars().take(40).collect()
    };
    let info = centres::show(&st.ctx, &code).await.unwrap_or_default();
    let counters = counters_text(&info.counters);
    render(&st, &staff, code, info, counters, None, q.saved == Some(1)).await
}

#[derive(Debug, Deserialize)]
struct CentreForm {
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    hotline: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    postal: String,
    #[serde(default)]
    fees: String,
    #[serde(default)]
    feedback: String,
    #[serde(default)]
    counters: String,
    #[serde(default)]
    bank_bin: String,
    #[serde(default)]
    bank_account: String,
    #[serde(default)]
    bank_holder: String,
    #[serde(default)]
    bank_name: String,
}

async fn save(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Form<CentreForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let mut counters = Vec::new();
    let mut bad = None;
    for line in f
        .counters
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(201)
    {
        let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
        match parts.first().and_then(|n| n.parse::<u16>().ok()) {
            Some(number) => counters.push(Counter {
                number,
                name: parts.get(1).copied().unwrap_or("").to_owned(),
                officer: parts.get(2).copied().unwrap_or("").to_owned(),
            }),
            None => {
                bad = Some(Error::invalid(
                    "centre.counter",
                    format!("Dòng quầy “{line}”: ghi số quầy | lĩnh vực | tên cán bộ."),
                    format!("The counter line “{line}”: write number | field | officer's name."),
                ));
                break;
            }
        }
    }
    let info = CentreInfo {
        code: f.code.clone(),
        name: f.name.clone(),
        address: f.address.clone(),
        hotline: f.hotline.clone(),
        hours: f.hours.clone(),
        postal: f.postal.clone(),
        fees: f.fees.clone(),
        feedback: f.feedback.clone(),
        counters,
        payment: Some(motcua_core::vietqr::PaymentAccount {
            bin: f.bank_bin.clone(),
            account: f.bank_account.clone(),
            holder: f.bank_holder.clone(),
            bank: f.bank_name.clone(),
        }),
    };
    let done = match bad {
        Some(e) => Err(e),
        None => centres::set(&st.ctx, &staff.actor, &f.code, info.clone()).await,
    };
    match done {
        Ok(i) => Redirect::to(&format!("/admin/centre?code={}&saved=1", i.code)).into_response(),
        Err(e) => {
            render(
                &st,
                &staff,
                f.code.clone(),
                info,
                f.counters,
                Some(&e),
                false,
            )
            .await
        }
    }
}
