//! Report counters, kept up to date by every write of a dossier and a rating, so that a report
//! reads a few thousand counters instead of a million dossiers.
//!
//! - `report_days_v1` `(day, agency, procedure, metric) → count`: dossiers received (per
//!   channel), finished early / on time / overdue, withdrawn and refused, on the Vietnam date
//!   the thing happened. A report over a period reads only that period's days.
//! - `report_open_v1` `(agency, procedure, state) → count`: dossiers in progress now, being
//!   handled or waiting for the applicant (supplement, fee).
//! - `report_due_v1` `(agency, due, procedure, code)`: dossiers being handled, by due instant,
//!   so that the overdue ones of an agency are one range read up to now.
//! - `rating_days_v1` `(day, agency, officer, levels × 10 + level) → count`.
//!
//! Dossiers are counted under their handling agency (where they were transferred, else the
//! competent one).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use motcua_core::{Channel, Step};
use redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use crate::db::model::{Agency, DossierRecord, Feedback, FeedbackStatus, Procedure};
use crate::db::{AGENCIES, Error, FEEDBACK, PROCEDURES, decode, get};

pub const REPORT_DAYS: TableDefinition<(u32, &str, &str, u8), u64> =
    TableDefinition::new("report_days_v1");
pub const REPORT_OPEN: TableDefinition<(&str, &str, u8), u64> =
    TableDefinition::new("report_open_v1");
pub const REPORT_DUE: TableDefinition<(&str, i64, &str, &str), ()> =
    TableDefinition::new("report_due_v1");
pub const RATING_DAYS: TableDefinition<(u32, &str, &str, u8), u64> =
    TableDefinition::new("rating_days_v1");

/// Create the counters' tables.
pub fn create_tables(txn: &WriteTransaction) -> Result<(), Error> {
    txn.open_table(REPORT_DAYS)?;
    txn.open_table(REPORT_OPEN)?;
    txn.open_table(REPORT_DUE)?;
    txn.open_table(RATING_DAYS)?;
    Ok(())
}

/// What a day counter counts.
pub mod metric {
    pub const RECEIVED_DIRECT: u8 = 0;
    pub const RECEIVED_POSTAL: u8 = 1;
    pub const RECEIVED_ONLINE: u8 = 2;
    pub const FINISHED_EARLY: u8 = 3;
    pub const FINISHED_ON_TIME: u8 = 4;
    pub const FINISHED_OVERDUE: u8 = 5;
    pub const WITHDRAWN: u8 = 6;
    pub const REFUSED: u8 = 7;
    /// Transferred to the competent agency after the 8 working hours (Art. 8.1b), on the day
    /// of the transfer.
    pub const TRANSFERRED_LATE: u8 = 8;
}

/// States of `report_open_v1`.
pub const OPEN_HANDLING: u8 = 0;
pub const OPEN_WAITING_APPLICANT: u8 = 1;

/// A date as `yyyymmdd`, in Vietnam.
pub fn day(t: DateTime<FixedOffset>) -> u32 {
    let d = t.with_timezone(&motcua_core::time::VIETNAM).date_naive();
    d.year() as u32 * 10_000 + d.month() * 100 + d.day()
}

/// Where a dossier stands in the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportKeys {
    agency: String,
    procedure: String,
    days: Vec<(u32, u8)>,
    open: Option<u8>,
    due: Option<i64>,
}

impl ReportKeys {
    pub fn of(rec: &DossierRecord) -> ReportKeys {
        let s = &rec.state;
        let mut days = vec![(
            day(s.received_at),
            match s.channel {
                Channel::Direct => metric::RECEIVED_DIRECT,
                Channel::Postal => metric::RECEIVED_POSTAL,
                Channel::Online => metric::RECEIVED_ONLINE,
            },
        )];
        if let Some(f) = s.finished_at {
            // The calendar's rule (`Calendar::timeliness`), on Vietnam dates.
            days.push((
                day(f),
                if f > s.legal_due() {
                    metric::FINISHED_OVERDUE
                } else if day(f) < day(s.legal_due()) {
                    metric::FINISHED_EARLY
                } else {
                    metric::FINISHED_ON_TIME
                },
            ));
        }
        if let Some(t) = s.transferred_at.filter(|_| s.transferred_late()) {
            days.push((day(t), metric::TRANSFERRED_LATE));
        }
        let closed_on = || rec.history.last().map_or(s.received_at, |e| e.at);
        match s.step {
            Step::Withdrawn => days.push((day(closed_on()), metric::WITHDRAWN)),
            Step::Refused => days.push((day(closed_on()), metric::REFUSED)),
            _ => {}
        }
        let open = s.is_open().then_some(if s.paused_at.is_some() {
            OPEN_WAITING_APPLICANT
        } else {
            OPEN_HANDLING
        });
        ReportKeys {
            agency: rec.handling_agency().as_str().to_owned(),
            procedure: rec.procedure_id.clone(),
            days,
            due: (open == Some(OPEN_HANDLING)).then(|| s.legal_due().timestamp()),
            open,
        }
    }
}

fn add<K: redb::Key + 'static>(
    t: &mut redb::Table<K, u64>,
    k: K::SelfType<'_>,
    delta: i64,
) -> Result<(), Error>
where
    for<'a> K::SelfType<'a>: Clone,
{
    let n = t.get(k.clone())?.map(|v| v.value()).unwrap_or(0);
    let n = n.saturating_add_signed(delta);
    if n == 0 {
        t.remove(k)?;
    } else {
        t.insert(k, n)?;
    }
    Ok(())
}

/// Move a dossier's counts from `old` to `new`.
pub fn update(
    txn: &WriteTransaction,
    code: &str,
    old: Option<&ReportKeys>,
    new: &ReportKeys,
) -> Result<(), Error> {
    if old == Some(new) {
        return Ok(());
    }
    {
        let mut t = txn.open_table(REPORT_DAYS)?;
        if let Some(o) = old {
            for (d, m) in &o.days {
                add(
                    &mut t,
                    (*d, o.agency.as_str(), o.procedure.as_str(), *m),
                    -1,
                )?;
            }
        }
        for (d, m) in &new.days {
            add(
                &mut t,
                (*d, new.agency.as_str(), new.procedure.as_str(), *m),
                1,
            )?;
        }
    }
    {
        let mut t = txn.open_table(REPORT_OPEN)?;
        if let Some(o) = old
            && let Some(st) = o.open
        {
            add(&mut t, (o.agency.as_str(), o.procedure.as_str(), st), -1)?;
        }
        if let Some(st) = new.open {
            add(&mut t, (new.agency.as_str(), new.procedure.as_str(), st), 1)?;
        }
    }
    let mut t = txn.open_table(REPORT_DUE)?;
    if let Some(o) = old
        && let Some(d) = o.due
    {
        t.remove((o.agency.as_str(), d, o.procedure.as_str(), code))?;
    }
    if let Some(d) = new.due {
        t.insert((new.agency.as_str(), d, new.procedure.as_str(), code), ())?;
    }
    Ok(())
}

/// Count many new dossiers at once (bulk loading).
pub fn add_new(txn: &WriteTransaction, items: &[(&str, ReportKeys)]) -> Result<(), Error> {
    let mut days: BTreeMap<(u32, &str, &str, u8), u64> = BTreeMap::new();
    let mut open: BTreeMap<(&str, &str, u8), u64> = BTreeMap::new();
    let mut due: Vec<(&str, i64, &str, &str)> = Vec::new();
    for (code, k) in items {
        for (d, m) in &k.days {
            *days
                .entry((*d, k.agency.as_str(), k.procedure.as_str(), *m))
                .or_default() += 1;
        }
        if let Some(st) = k.open {
            *open
                .entry((k.agency.as_str(), k.procedure.as_str(), st))
                .or_default() += 1;
        }
        if let Some(d) = k.due {
            due.push((k.agency.as_str(), d, k.procedure.as_str(), code));
        }
    }
    let mut t = txn.open_table(REPORT_DAYS)?;
    for (k, n) in days {
        add(&mut t, k, n as i64)?;
    }
    let mut t = txn.open_table(REPORT_OPEN)?;
    for (k, n) in open {
        add(&mut t, k, n as i64)?;
    }
    due.sort_unstable();
    let mut t = txn.open_table(REPORT_DUE)?;
    for k in due {
        t.insert(k, ())?;
    }
    Ok(())
}

/// Count a rating.
pub fn add_rating(
    txn: &WriteTransaction,
    at: DateTime<FixedOffset>,
    agency: &str,
    officer: &str,
    levels: u8,
    level: u8,
) -> Result<(), Error> {
    let mut t = txn.open_table(RATING_DAYS)?;
    add(&mut t, (day(at), agency, officer, levels * 10 + level), 1)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    #[default]
    Agency,
    Procedure,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Received {
    pub direct: u64,
    pub postal: u64,
    pub online: u64,
    pub total: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Finished {
    pub early: u64,
    pub on_time: u64,
    pub overdue: u64,
    pub total: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct InProgress {
    pub not_yet_due: u64,
    pub overdue: u64,
    pub waiting_applicant: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Row {
    pub agency: String,
    pub agency_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure_name: Option<String>,
    pub received: Received,
    pub finished: Finished,
    /// (early + on time) / finished; none before anything finished.
    pub on_time_rate: Option<f64>,
    pub withdrawn: u64,
    pub refused: u64,
    /// Transferred after the 8 working hours of Art. 8.1b.
    #[serde(default)]
    pub transferred_late: u64,
    /// Now, whatever the period.
    pub in_progress: InProgress,
}

impl Row {
    fn count(&mut self, m: u8, n: u64) {
        match m {
            metric::RECEIVED_DIRECT => self.received.direct += n,
            metric::RECEIVED_POSTAL => self.received.postal += n,
            metric::RECEIVED_ONLINE => self.received.online += n,
            metric::FINISHED_EARLY => self.finished.early += n,
            metric::FINISHED_ON_TIME => self.finished.on_time += n,
            metric::FINISHED_OVERDUE => self.finished.overdue += n,
            metric::WITHDRAWN => self.withdrawn += n,
            metric::REFUSED => self.refused += n,
            metric::TRANSFERRED_LATE => self.transferred_late += n,
            _ => {}
        }
    }

    fn add(&mut self, o: &Row) {
        for (m, n) in o.metrics() {
            self.count(m, n);
        }
        self.in_progress.not_yet_due += o.in_progress.not_yet_due;
        self.in_progress.overdue += o.in_progress.overdue;
        self.in_progress.waiting_applicant += o.in_progress.waiting_applicant;
    }

    fn metrics(&self) -> [(u8, u64); 9] {
        [
            (metric::RECEIVED_DIRECT, self.received.direct),
            (metric::RECEIVED_POSTAL, self.received.postal),
            (metric::RECEIVED_ONLINE, self.received.online),
            (metric::FINISHED_EARLY, self.finished.early),
            (metric::FINISHED_ON_TIME, self.finished.on_time),
            (metric::FINISHED_OVERDUE, self.finished.overdue),
            (metric::WITHDRAWN, self.withdrawn),
            (metric::REFUSED, self.refused),
            (metric::TRANSFERRED_LATE, self.transferred_late),
        ]
    }

    fn finish(&mut self) {
        self.received.total = self.received.direct + self.received.postal + self.received.online;
        let f = &mut self.finished;
        f.total = f.early + f.on_time + f.overdue;
        self.on_time_rate = (f.total > 0).then(|| (f.early + f.on_time) as f64 / f.total as f64);
    }
}

#[derive(Debug, Default, Serialize)]
pub struct FeedbackFigures {
    pub received: u64,
    pub answered: u64,
    /// Received in the period, unanswered and past its 13-working-day deadline now.
    pub overdue: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Satisfaction {
    /// "level/levels" → count, e.g. "3/3" for Rất hài lòng on the 3-level scale.
    pub by_level: BTreeMap<String, u64>,
    pub by_agency: BTreeMap<String, BTreeMap<String, u64>>,
    pub by_officer: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: By,
    pub generated_at: chrono::DateTime<chrono::FixedOffset>,
    pub rows: Vec<Row>,
    pub total: Row,
    pub feedback: FeedbackFigures,
    pub satisfaction: Satisfaction,
}

fn as_day(d: NaiveDate) -> u32 {
    d.year() as u32 * 10_000 + d.month() * 100 + d.day()
}

/// The report of `from`–`to` (Vietnam dates, both included), grouped `by`, for one agency or
/// every one, with in-progress figures as of `now`.
pub fn build(
    txn: &ReadTransaction,
    by: By,
    from: NaiveDate,
    to: NaiveDate,
    agency: Option<&str>,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Report, Error> {
    let (d0, d1) = (as_day(from), as_day(to));
    let wanted = |a: &str| agency.is_none_or(|x| x == a);
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    let group = |a: &str, p: &str| match by {
        By::Agency => (a.to_owned(), String::new()),
        By::Procedure => (a.to_owned(), p.to_owned()),
    };
    for item in txn
        .open_table(REPORT_DAYS)?
        .range((d0, "", "", 0)..(d1 + 1, "", "", 0))?
    {
        let (k, v) = item?;
        let (_, a, p, m) = k.value();
        if wanted(a) {
            rows.entry(group(a, p)).or_default().count(m, v.value());
        }
    }
    for item in txn.open_table(REPORT_OPEN)?.iter()? {
        let (k, v) = item?;
        let (a, p, st) = k.value();
        if !wanted(a) {
            continue;
        }
        let r = rows.entry(group(a, p)).or_default();
        match st {
            OPEN_HANDLING => r.in_progress.not_yet_due += v.value(),
            OPEN_WAITING_APPLICANT => r.in_progress.waiting_applicant += v.value(),
            _ => {}
        }
    }
    // Being handled and past due: per agency, one range up to now.
    let due = txn.open_table(REPORT_DUE)?;
    let agencies: Vec<String> = rows.keys().map(|(a, _)| a.clone()).collect();
    let mut seen = std::collections::BTreeSet::new();
    for a in agencies.into_iter().filter(|a| seen.insert(a.clone())) {
        for item in
            due.range((a.as_str(), i64::MIN, "", "")..=(a.as_str(), now.timestamp(), "", ""))?
        {
            let (k, _) = item?;
            let (_, _, p, _) = k.value();
            let r = rows.entry(group(&a, p)).or_default();
            r.in_progress.overdue += 1;
            r.in_progress.not_yet_due = r.in_progress.not_yet_due.saturating_sub(1);
        }
    }
    let agency_t = txn.open_table(AGENCIES)?;
    let procedure_t = txn.open_table(PROCEDURES)?;
    let mut total = Row {
        agency: agency.unwrap_or_default().to_owned(),
        ..Row::default()
    };
    let mut out = Vec::with_capacity(rows.len());
    for ((a, p), mut r) in rows {
        r.agency_name = get::<Agency>(&agency_t, &a)?.map_or_else(String::new, |x| x.name);
        if by == By::Procedure {
            r.procedure_name =
                Some(get::<Procedure>(&procedure_t, &p)?.map_or_else(String::new, |x| x.name));
            r.procedure = Some(p);
        }
        r.agency = a;
        total.add(&r);
        r.finish();
        out.push(r);
    }
    total.finish();

    let mut feedback = FeedbackFigures::default();
    for item in txn.open_table(FEEDBACK)?.iter()? {
        let f: Feedback = decode(item?.1.value())?;
        if !(d0..=d1).contains(&day(f.received_at)) {
            continue;
        }
        feedback.received += 1;
        let answered = matches!(f.status, FeedbackStatus::Answered | FeedbackStatus::Closed);
        if answered {
            feedback.answered += 1;
        } else if now > f.due {
            feedback.overdue += 1;
        }
    }

    let mut sat = Satisfaction::default();
    for item in txn
        .open_table(RATING_DAYS)?
        .range((d0, "", "", 0)..(d1 + 1, "", "", 0))?
    {
        let (k, v) = item?;
        let (_, a, officer, l) = k.value();
        if !wanted(a) {
            continue;
        }
        let label = format!("{}/{}", l % 10, l / 10);
        let n = v.value();
        *sat.by_level.entry(label.clone()).or_default() += n;
        if !a.is_empty() {
            *sat.by_agency
                .entry(a.to_owned())
                .or_default()
                .entry(label.clone())
                .or_default() += n;
        }
        if !officer.is_empty() {
            *sat.by_officer
                .entry(officer.to_owned())
                .or_default()
                .entry(label)
                .or_default() += n;
        }
    }
    Ok(Report {
        from,
        to,
        by,
        generated_at: now,
        rows: out,
        total,
        feedback,
        satisfaction: sat,
    })
}

/// Each day of `from`–`to`: dossiers received and finished (early, on time, late), for one
/// agency or every one — the same counters as [`build`], so the days add up to its totals.
pub fn daily(
    txn: &ReadTransaction,
    from: NaiveDate,
    to: NaiveDate,
    agency: Option<&str>,
) -> Result<Vec<(NaiveDate, Row)>, Error> {
    let (d0, d1) = (as_day(from), as_day(to));
    let mut days: BTreeMap<u32, Row> = BTreeMap::new();
    for item in txn
        .open_table(REPORT_DAYS)?
        .range((d0, "", "", 0)..(d1 + 1, "", "", 0))?
    {
        let (k, v) = item?;
        let (d, a, _, m) = k.value();
        if agency.is_none_or(|x| x == a) {
            days.entry(d).or_default().count(m, v.value());
        }
    }
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let mut row = days.remove(&as_day(d)).unwrap_or_default();
        row.finish();
        out.push((d, row));
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    Ok(out)
}

/// A criterion's key, how many rated it, and the mean as a share of the best (0–1).
pub type CriterionScore = (&'static str, u64, Option<f64>);

/// The 12 criteria of the ratings given from `from` to `to`: (key, how many rated it, the mean
/// as a share of the scale's best, 0–1). Ratings are read newest first until the period's start.
pub fn criteria(
    txn: &ReadTransaction,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CriterionScore>, Error> {
    use motcua_core::rating::CRITERIA;
    let (d0, d1) = (as_day(from), as_day(to));
    let mut sums = [(0u64, 0f64); CRITERIA.len()];
    for item in txn
        .open_table(crate::db::RATINGS)?
        .iter()?
        .rev()
        .take(1_000_000)
    {
        let r: crate::db::model::Rating = decode(item?.1.value())?;
        let d = day(r.at);
        if d < d0 {
            break;
        }
        if d > d1 {
            continue;
        }
        let best = f64::from(r.scale.levels().max(1));
        for (i, (key, _, _)) in CRITERIA.iter().enumerate() {
            if let Some(l) = r.criteria.get(*key) {
                sums[i].0 += 1;
                sums[i].1 += f64::from(*l) / best;
            }
        }
    }
    Ok(CRITERIA
        .iter()
        .zip(sums)
        .map(|((key, _, _), (n, s))| (*key, n, (n > 0).then(|| s / n as f64)))
        .collect())
}

/// The report as CSV (a header in Vietnamese and English, a line per row, the total last).
pub fn csv(r: &Report) -> Result<String, Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record([
        "Mã cơ quan (agency)",
        "Cơ quan (agency name)",
        "Mã thủ tục (procedure)",
        "Thủ tục (procedure name)",
        "Tiếp nhận trực tiếp (direct)",
        "Qua bưu chính (postal)",
        "Trực tuyến (online)",
        "Tổng tiếp nhận (received)",
        "Trước hạn (early)",
        "Đúng hạn (on time)",
        "Quá hạn (overdue)",
        "Tổng đã giải quyết (finished)",
        "Tỷ lệ đúng hạn (on-time rate)",
        "Rút hồ sơ (withdrawn)",
        "Không tiếp nhận (refused)",
        "Chuyển quá 8 giờ làm việc (transferred late)",
        "Đang giải quyết chưa đến hạn (in progress not yet due)",
        "Đang giải quyết quá hạn (in progress overdue)",
        "Chờ bổ sung hoặc nộp phí (waiting for the applicant)",
    ])
    .map_err(Error::new)?;
    for row in r.rows.iter().chain(std::iter::once(&r.total)) {
        let agency = if std::ptr::eq(row, &r.total) {
            "TỔNG (TOTAL)".to_owned()
        } else {
            row.agency.clone()
        };
        w.write_record([
            agency,
            row.agency_name.clone(),
            row.procedure.clone().unwrap_or_default(),
            row.procedure_name.clone().unwrap_or_default(),
            row.received.direct.to_string(),
            row.received.postal.to_string(),
            row.received.online.to_string(),
            row.received.total.to_string(),
            row.finished.early.to_string(),
            row.finished.on_time.to_string(),
            row.finished.overdue.to_string(),
            row.finished.total.to_string(),
            row.on_time_rate
                .map_or_else(String::new, |x| format!("{x:.4}")),
            row.withdrawn.to_string(),
            row.refused.to_string(),
            row.transferred_late.to_string(),
            row.in_progress.not_yet_due.to_string(),
            row.in_progress.overdue.to_string(),
            row.in_progress.waiting_applicant.to_string(),
        ])
        .map_err(Error::new)?;
    }
    let bytes = w.into_inner().map_err(Error::new)?;
    String::from_utf8(bytes).map_err(Error::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_vietnamese_dates() {
        let t = DateTime::parse_from_rfc3339("2025-11-09T18:30:00Z").unwrap();
        assert_eq!(day(t), 20251110, "01:30 on the 10th in Hà Nội");
        let t = DateTime::parse_from_rfc3339("2025-11-10T23:59:00+07:00").unwrap();
        assert_eq!(day(t), 20251110);
    }
}
