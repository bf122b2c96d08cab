//! Booked visits over HTTP: the JSON routes (slots, book, read, cancel, check in) and the public
//! pages a visitor books from (`/dat-lich/{centre}`) and keeps (`/lich-hen/{code}`, with the QR
//! the kiosk scans to check in). Every public route counts against the caller's allowance;
//! booking and cancelling also against an hourly one per address.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, NaiveTime};
use motcua_core::booking::BookingCode;
use motcua_protocol::queue::{
    BookRequest, BookingOptions, BookingView, CheckInRequest, SlotsQuery, TicketView,
};
use motcua_protocol::routes;
use serde::Deserialize;

use super::board::{error_page, html, unreadable};
use super::public::{Caller, limit};
use super::{ApiError, Body, KioskAuth, Params, Staff};
use crate::AppState;
use crate::ops::queue::Issuing;
use crate::ops::{Error, Kind, booking, queue};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::PUBLIC_BOOKING_SLOTS, get(slots))
        .route(routes::PUBLIC_BOOKINGS, post(book))
        .route(routes::PUBLIC_BOOKING, get(one))
        .route(routes::PUBLIC_BOOKING_CANCEL, post(cancel))
        .route(routes::SYNC_CHECK_IN, post(check_in_kiosk))
        .route(routes::QUEUE_CHECK_IN, post(check_in_desk))
        .route("/dat-lich/{code}", get(book_page).post(book_form))
        .route("/lich-hen/{code}", get(booking_page))
        .route("/lich-hen/{code}/huy", post(cancel_form))
}

fn too_often() -> Error {
    Error::new(
        Kind::TooMany,
        "booking.rate_limited",
        "Địa chỉ này đã đặt đủ số lịch hẹn cho phép trong ngày. Vui lòng thử lại vào ngày mai.",
        "This address has made all the bookings it may make today. Please try again tomorrow.",
    )
}

fn lookups_wait() -> Error {
    Error::new(
        Kind::TooMany,
        "booking.lookups_locked",
        "Địa chỉ này đã tra nhiều mã lịch hẹn không tồn tại. Vui lòng thử lại sau một giờ.",
        "This address looked up too many booking codes that do not exist. Please try again in \
         an hour.",
    )
}

/// Before a booking from the web: the form comes from this site, and the address has not made
/// its bookings of the day (a kiosk's device is not limited so). Counted by [`booked`] once made.
fn may_book(st: &AppState, caller: &Caller, headers: &HeaderMap) -> Result<(), Error> {
    same_site(st, headers)?;
    if caller.kiosk || st.throttle.may_book(&caller.key, st.clock.now()) {
        Ok(())
    } else {
        Err(too_often())
    }
}

fn booked(st: &AppState, caller: &Caller) {
    if !caller.kiosk {
        st.throttle.booked(&caller.key, st.clock.now());
    }
}

/// Run a lookup of a booking by its code for `caller`: refused while its misses wait; a code
/// that is no booking counts as a miss.
async fn by_code<T>(
    st: &AppState,
    caller: &Caller,
    run: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let now = st.clock.now();
    if !caller.kiosk && st.throttle.booking_lookups_locked(&caller.key, now) {
        return Err(lookups_wait());
    }
    let r = run.await;
    if !caller.kiosk && r.as_ref().is_err_and(|e| e.kind == Kind::NotFound) {
        st.throttle.booking_missed(&caller.key, now);
    }
    r
}

/// A change sent from another site is refused: browsers say so in `Sec-Fetch-Site`, and an
/// `Origin` must be this server's (as the request names it, or its public address).
pub(crate) fn same_site(st: &AppState, headers: &HeaderMap) -> Result<(), Error> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let cross = text("sec-fetch-site") == Some("cross-site");
    let foreign_origin = match (text("origin"), text("host")) {
        // Pages are served with `Referrer-Policy: no-referrer`, under which a browser sends
        // `Origin: null` with its own forms: then `Sec-Fetch-Site` decides.
        (Some("null"), _) => false,
        (Some(origin), host) => {
            let ours = |o: &str| {
                host.is_some_and(|h| o == format!("http://{h}") || o == format!("https://{h}"))
                    || st.config.public_url.as_deref().is_some_and(|u| {
                        u.starts_with(o) && u[o.len()..].chars().next().is_none_or(|c| c == '/')
                    })
            };
            !ours(origin)
        }
        (None, _) => false,
    };
    if cross || foreign_origin {
        return Err(Error::forbidden(
            "Yêu cầu được gửi từ một trang khác.",
            "The request was sent from another site.",
        ));
    }
    Ok(())
}

async fn slots(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Params(q): Params<SlotsQuery>,
) -> Result<Json<BookingOptions>, ApiError> {
    limit(&st, &caller)?;
    Ok(Json(booking::options(&st.ctx, &code, q).await?))
}

async fn book(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(code): Path<String>,
    Body(req): Body<BookRequest>,
) -> Result<Json<BookingView>, ApiError> {
    limit(&st, &caller)?;
    may_book(&st, &caller, &headers)?;
    let b = booking::book(&st.ctx, &code, req).await?;
    booked(&st, &caller);
    Ok(Json(b))
}

async fn one(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<BookingView>, ApiError> {
    limit(&st, &caller)?;
    Ok(Json(
        by_code(&st, &caller, booking::booking(&st.ctx, &code)).await?,
    ))
}

async fn cancel(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Json<BookingView>, ApiError> {
    limit(&st, &caller)?;
    same_site(&st, &headers)?;
    Ok(Json(
        by_code(&st, &caller, booking::cancel(&st.ctx, &code)).await?,
    ))
}

async fn check_in_kiosk(
    State(st): State<AppState>,
    auth: KioskAuth,
    Body(req): Body<CheckInRequest>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(
        booking::check_in(&st.ctx, Issuing::Kiosk(&auth.kiosk), &req.code, None).await?,
    ))
}

async fn check_in_desk(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(req): Body<CheckInRequest>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(
        booking::check_in(&st.ctx, Issuing::Desk(&staff), &req.code, Some(&code)).await?,
    ))
}

fn status_of(e: &Error) -> StatusCode {
    super::error::status(e.kind)
}

/// A service as the booking page lists it.
struct ServiceLink {
    letter: char,
    name_vi: String,
    name_en: String,
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage<'a> {
    centre: &'a str,
    centre_name: String,
    services: Vec<ServiceLink>,
    options: Option<&'a BookingOptions>,
    error: Option<&'a Error>,
}

impl BookPage<'_> {
    fn weekday(&self, d: &NaiveDate) -> &'static str {
        use chrono::Datelike;
        match d.weekday() {
            chrono::Weekday::Mon => "Thứ Hai",
            chrono::Weekday::Tue => "Thứ Ba",
            chrono::Weekday::Wed => "Thứ Tư",
            chrono::Weekday::Thu => "Thứ Năm",
            chrono::Weekday::Fri => "Thứ Sáu",
            chrono::Weekday::Sat => "Thứ Bảy",
            chrono::Weekday::Sun => "Chủ Nhật",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookQuery {
    #[serde(default)]
    service: Option<char>,
    #[serde(default)]
    date: Option<NaiveDate>,
}

async fn render_book(
    st: &AppState,
    centre: &str,
    q: &BookQuery,
    error: Option<&Error>,
) -> Result<Response, Error> {
    let cfg = queue::config(&st.ctx, centre).await?;
    let services: Vec<ServiceLink> = cfg
        .services
        .iter()
        .filter(|s| s.active && s.booking.is_some_and(|b| b.check()))
        .map(|s| ServiceLink {
            letter: s.letter,
            name_vi: s.name_vi.clone(),
            name_en: s.name_en.clone(),
        })
        .collect();
    let options = match q.service {
        Some(service) => Some(
            booking::options(
                &st.ctx,
                centre,
                SlotsQuery {
                    service,
                    date: q.date,
                },
            )
            .await?,
        ),
        None => None,
    };
    let centre_name = match &options {
        Some(o) => o.centre_name.clone(),
        None => queue::board(&st.ctx, centre).await?.centre_name,
    };
    let page = BookPage {
        centre,
        centre_name,
        services,
        options: options.as_ref(),
        error,
    };
    Ok(html(page.render().unwrap_or_default()))
}

async fn book_page(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    q: Result<Params<BookQuery>, ApiError>,
) -> Response {
    if let Err(e) = limit(&st, &caller) {
        return error_page(StatusCode::TOO_MANY_REQUESTS, &e.0);
    }
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    match render_book(&st, &code, &q, None).await {
        Ok(r) => r,
        Err(e) => error_page(status_of(&e), &e),
    }
}

#[derive(Debug, Deserialize)]
struct BookForm {
    service: char,
    date: NaiveDate,
    start: NaiveTime,
}

async fn book_form(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(code): Path<String>,
    f: Result<axum::Form<BookForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Err(e) = limit(&st, &caller) {
        return error_page(StatusCode::TOO_MANY_REQUESTS, &e.0);
    }
    let Ok(axum::Form(f)) = f else {
        return unreadable();
    };
    let made = match may_book(&st, &caller, &headers) {
        Ok(()) => {
            booking::book(
                &st.ctx,
                &code,
                BookRequest {
                    service: f.service,
                    date: f.date,
                    start: f.start,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(b) => {
            booked(&st, &caller);
            Redirect::to(&format!("{}?new=1", page_path(&b.code))).into_response()
        }
        Err(e) => {
            let q = BookQuery {
                service: Some(f.service),
                date: Some(f.date),
            };
            match render_book(&st, &code, &q, Some(&e)).await {
                Ok(mut r) => {
                    *r.status_mut() = status_of(&e);
                    r
                }
                // The form cannot be shown again (the service no longer books): the refusal alone.
                Err(_) => error_page(status_of(&e), &e),
            }
        }
    }
}

/// The address of a booking's page (the kiosk reads the code from it).
pub fn page_path(code: &str) -> String {
    let digits = BookingCode::parse(code)
        .map(|c| c.digits())
        .unwrap_or_default();
    format!("/lich-hen/{digits}")
}

/// `payload` as an inline SVG QR code (dark modules as one path).
pub(crate) fn qr_svg(payload: &str) -> String {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M) else {
        return String::new();
    };
    let w = code.width();
    let quiet = 4;
    let size = w + 2 * quiet;
    let mut path = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % w + quiet, i / w + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" \
         fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

#[derive(Template)]
#[template(path = "booking.html")]
struct BookingPage<'a> {
    b: &'a BookingView,
    qr: String,
    /// The QR's payload, written under it.
    link: String,
    new: bool,
    cancelled_now: bool,
    error: Option<&'a Error>,
}

impl BookingPage<'_> {
    fn may_cancel(&self) -> bool {
        self.b.status == motcua_protocol::queue::BookingStatus::Booked
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookingQuery {
    #[serde(default)]
    new: Option<u8>,
    #[serde(default)]
    cancelled: Option<u8>,
}

fn render_booking(
    st: &AppState,
    b: &BookingView,
    q: &BookingQuery,
    error: Option<&Error>,
) -> Response {
    let path = page_path(&b.code);
    let link = match &st.config.public_url {
        Some(u) => format!("{u}{path}"),
        None => path,
    };
    html(
        BookingPage {
            b,
            qr: qr_svg(&link),
            link,
            new: q.new.is_some(),
            cancelled_now: q.cancelled.is_some(),
            error,
        }
        .render()
        .unwrap_or_default(),
    )
}

async fn booking_page(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    q: Result<Params<BookingQuery>, ApiError>,
) -> Response {
    if let Err(e) = limit(&st, &caller) {
        return error_page(StatusCode::TOO_MANY_REQUESTS, &e.0);
    }
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    match by_code(&st, &caller, booking::booking(&st.ctx, &code)).await {
        Ok(b) => render_booking(&st, &b, &q, None),
        Err(e) => error_page(status_of(&e), &e),
    }
}

#[derive(Debug, Deserialize)]
struct CancelForm {
    #[serde(default)]
    confirm: Option<String>,
}

async fn cancel_form(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(code): Path<String>,
    f: Result<axum::Form<CancelForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Err(e) = limit(&st, &caller) {
        return error_page(StatusCode::TOO_MANY_REQUESTS, &e.0);
    }
    let Ok(axum::Form(f)) = f else {
        return unreadable();
    };
    let done = match same_site(&st, &headers).and_then(|()| match f.confirm {
        Some(_) => Ok(()),
        None => Err(Error::new(
            Kind::Invalid,
            "booking.confirm",
            "Vui lòng đánh dấu ô xác nhận để hủy lịch hẹn.",
            "Please tick the box to confirm the cancellation.",
        )),
    }) {
        Ok(()) => by_code(&st, &caller, booking::cancel(&st.ctx, &code)).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(b) => Redirect::to(&format!("{}?cancelled=1", page_path(&b.code))).into_response(),
        Err(e) => match booking::booking(&st.ctx, &code).await {
            Ok(b) => {
                let q = BookingQuery {
                    new: None,
                    cancelled: None,
                };
                let mut r = render_booking(&st, &b, &q, Some(&e));
                *r.status_mut() = status_of(&e);
                r
            }
            Err(e2) => error_page(status_of(&e2), &e2),
        },
    }
}
