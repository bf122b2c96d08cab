//! The working-time calendar's years: a system administrator loads a year (the government's
//! notice, or a provisional year) or confirms a provisional one; checked against the years held,
//! stored, audited, and applied at once. Deadlines already computed keep their values.

use motcua_core::Localized;
use motcua_core::calendar::{CalendarYear, YearStatus, YearSummary};
use motcua_protocol::staff::Role;

use super::{Actor, Ctx, Error, Kind};
use crate::calendars::{put_year, stored_years_in};
use crate::db::model::StoredYear;

/// What loading or confirming a year gives.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Loaded {
    pub year: YearSummary,
    /// Deadlines computed today can reach this day.
    pub covered_until: Option<chrono::NaiveDate>,
}

fn system_admin(actor: &Actor) -> Result<(), Error> {
    if actor.user.role == Role::SystemAdmin {
        Ok(())
    } else {
        Err(Error::forbidden(
            "Chỉ quản trị hệ thống được nạp hoặc xác nhận lịch làm việc (áp dụng cho toàn tỉnh).",
            "Only a system administrator may load or confirm the working-time calendar (it applies to the whole province).",
        ))
    }
}

fn no_year(year: i32) -> Error {
    Error::new(
        Kind::NotFound,
        "calendar.year_missing",
        format!("Lịch làm việc chưa có năm {year}."),
        format!("The calendar does not hold the year {year}."),
    )
}

/// Audit a load refused before it reached the store (a file that does not read).
pub async fn refused(ctx: &Ctx, actor: &Actor, year: i32, e: Error) -> Error {
    let now = ctx.clock.now_vn();
    let line = actor.entry(now, "calendar_load_year", &year.to_string(), &e.code);
    if let Err(w) = ctx
        .store
        .write(move |tx| tx.audit(line.clone()).map(drop).map_err(Error::from))
        .await
    {
        tracing::error!(error = %w, "audit of a refused calendar load");
    }
    e
}

/// Check `year` against the held years, store it, audit it, and install the new calendar.
async fn store_year(
    ctx: &Ctx,
    actor: &Actor,
    year: CalendarYear,
    action: &'static str,
) -> Result<Loaded, Error> {
    let now = ctx.clock.now_vn();
    let number = year.year;
    let shared = ctx.cal.clone();
    let a = actor.clone();
    let cal = ctx
        .store
        .write(move |tx| {
            let mut stored = stored_years_in(tx)?;
            stored.retain(|s| s.year.year != number);
            let entry = StoredYear {
                year: year.clone(),
                loaded_by: a.user.username.clone(),
                loaded_at: now,
            };
            let target = number.to_string();
            let cal = match shared.with_years(stored.iter().map(|s| &s.year).chain([&entry.year])) {
                Ok(c) => c,
                Err(e) => {
                    tx.audit_kept(a.entry(now, action, &target, e.code()));
                    return Err(Error::domain(Kind::Invalid, &e));
                }
            };
            put_year(tx, &entry)?;
            tx.audit(a.entry(now, action, &target, "ok"))?;
            Ok(cal)
        })
        .await?;
    let summary = cal
        .years()
        .into_iter()
        .find(|y| y.year == number)
        .ok_or_else(|| Error::internal("a loaded year is missing from the calendar"))?;
    let covered_until = cal.covered_until(now.date_naive());
    ctx.cal.install(cal);
    tracing::info!(year = number, action, "calendar year installed");
    Ok(Loaded {
        year: summary,
        covered_until,
    })
}

/// Load (or replace) a year.
pub async fn load(ctx: &Ctx, actor: &Actor, year: i32, y: CalendarYear) -> Result<Loaded, Error> {
    system_admin(actor)?;
    if year != y.year {
        let e = Error::invalid(
            "calendar.year_mismatch",
            format!(
                "Tệp lịch là của năm {}, không phải năm {year} trong địa chỉ.",
                y.year
            ),
            format!(
                "The file is for {}, not for {year} as the address says.",
                y.year
            ),
        );
        return Err(refused(ctx, actor, year, e).await);
    }
    store_year(ctx, actor, y, "calendar_load_year").await
}

/// Mark a held year official as it stands, naming the notice that confirms it.
pub async fn confirm(ctx: &Ctx, actor: &Actor, year: i32, source: &str) -> Result<Loaded, Error> {
    system_admin(actor)?;
    let source = source.trim();
    if source.is_empty() || source.chars().count() > 1_000 {
        return Err(Error::invalid(
            "calendar.source",
            "Cần ghi văn bản (thông báo) xác nhận lịch năm, tối đa 1.000 ký tự.",
            "Name the notice that confirms the year (1,000 characters at most).",
        ));
    }
    let mut y = ctx
        .cal
        .get()
        .year(year)
        .cloned()
        .ok_or_else(|| no_year(year))?;
    y.status = YearStatus::Official;
    y.source = source.to_owned();
    store_year(ctx, actor, y, "calendar_confirm_year").await
}

/// Only a system administrator; for the HTTP layer to check before reading a body.
pub fn may_load(actor: &Actor) -> Result<(), Error> {
    system_admin(actor)
}

/// The year `year` as held, or why not.
pub fn held(ctx: &Ctx, year: i32) -> Result<CalendarYear, Error> {
    ctx.cal
        .get()
        .year(year)
        .cloned()
        .ok_or_else(|| no_year(year))
}
