//! Reports (regulation Art. 5.6, 14.4): per agency or procedure over a period — received by
//! channel, finished early / on time / overdue, the on-time rate, withdrawn and refused; in
//! progress now (not yet due / overdue / waiting for the applicant); feedback received, answered
//! and overdue; satisfaction by level, agency and officer. JSON, or CSV with `format=csv`.
//! Dossier and rating figures come from counters (`crate::reports`), never from a scan of the
//! dossiers.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use redb::{ReadTransaction, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{Params, Staff};
use crate::AppState;
use crate::api::feedback::{Feedback, FeedbackStatus};
use crate::error::ApiError;
use crate::model::{Agency, Procedure, Role};
use crate::reports::{
    OPEN_HANDLING, OPEN_WAITING_APPLICANT, RATING_DAYS, REPORT_DAYS, REPORT_DUE, REPORT_OPEN, day,
    metric,
};
use crate::store::{AGENCIES, FEEDBACK, PROCEDURES, decode, get_json};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/reports/dossiers", get(dossiers))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    agency: Option<String>,
    #[serde(default)]
    by: By,
    #[serde(default)]
    format: Format,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
enum By {
    #[default]
    Agency,
    Procedure,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Format {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Default, Clone, Serialize)]
struct Received {
    direct: u64,
    postal: u64,
    online: u64,
    total: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
struct Finished {
    early: u64,
    on_time: u64,
    overdue: u64,
    total: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
struct InProgress {
    not_yet_due: u64,
    overdue: u64,
    waiting_applicant: u64,
}

#[derive(Debug, Default, Clone, Serialize)]
struct Row {
    agency: String,
    agency_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    procedure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    procedure_name: Option<String>,
    received: Received,
    finished: Finished,
    /// (early + on time) / finished; none before anything finished.
    on_time_rate: Option<f64>,
    withdrawn: u64,
    refused: u64,
    /// Now, whatever the period.
    in_progress: InProgress,
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

    fn metrics(&self) -> [(u8, u64); 8] {
        [
            (metric::RECEIVED_DIRECT, self.received.direct),
            (metric::RECEIVED_POSTAL, self.received.postal),
            (metric::RECEIVED_ONLINE, self.received.online),
            (metric::FINISHED_EARLY, self.finished.early),
            (metric::FINISHED_ON_TIME, self.finished.on_time),
            (metric::FINISHED_OVERDUE, self.finished.overdue),
            (metric::WITHDRAWN, self.withdrawn),
            (metric::REFUSED, self.refused),
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
struct FeedbackFigures {
    received: u64,
    answered: u64,
    /// Received in the period, unanswered and past its 13-working-day deadline now.
    overdue: u64,
}

#[derive(Debug, Default, Serialize)]
struct Satisfaction {
    /// "level/levels" → count, e.g. "3/3" for Rất hài lòng on the 3-level scale.
    by_level: BTreeMap<String, u64>,
    by_agency: BTreeMap<String, BTreeMap<String, u64>>,
    by_officer: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Serialize)]
struct Report {
    from: NaiveDate,
    to: NaiveDate,
    by: By,
    generated_at: chrono::DateTime<chrono::FixedOffset>,
    rows: Vec<Row>,
    total: Row,
    feedback: FeedbackFigures,
    satisfaction: Satisfaction,
}

fn as_day(d: NaiveDate) -> u32 {
    d.year() as u32 * 10_000 + d.month() * 100 + d.day()
}

fn build(
    txn: &ReadTransaction,
    q: &Query,
    from: NaiveDate,
    to: NaiveDate,
    agency: Option<&str>,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Report, ApiError> {
    let (d0, d1) = (as_day(from), as_day(to));
    let wanted = |a: &str| agency.is_none_or(|x| x == a);
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    let group = |a: &str, p: &str| match q.by {
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
        r.agency_name = get_json::<Agency>(&agency_t, &a)?.map_or_else(String::new, |x| x.name);
        if q.by == By::Procedure {
            r.procedure_name =
                Some(get_json::<Procedure>(&procedure_t, &p)?.map_or_else(String::new, |x| x.name));
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
        by: q.by,
        generated_at: now,
        rows: out,
        total,
        feedback,
        satisfaction: sat,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv(r: &Report) -> String {
    let mut out = String::from(
        "Mã cơ quan (agency),Cơ quan (agency name),Mã thủ tục (procedure),Thủ tục (procedure name),\
         Tiếp nhận trực tiếp (direct),Qua bưu chính (postal),Trực tuyến (online),Tổng tiếp nhận (received),\
         Trước hạn (early),Đúng hạn (on time),Quá hạn (overdue),Tổng đã giải quyết (finished),\
         Tỷ lệ đúng hạn (on-time rate),Rút hồ sơ (withdrawn),Không tiếp nhận (refused),\
         Đang giải quyết chưa đến hạn (in progress not yet due),Đang giải quyết quá hạn (in progress overdue),\
         Chờ bổ sung hoặc nộp phí (waiting for the applicant)\r\n",
    );
    for row in r.rows.iter().chain(std::iter::once(&r.total)) {
        let rate = row
            .on_time_rate
            .map_or_else(String::new, |x| format!("{:.4}", x));
        let fields = [
            csv_field(if std::ptr::eq(row, &r.total) {
                "TỔNG (TOTAL)"
            } else {
                &row.agency
            }),
            csv_field(&row.agency_name),
            csv_field(row.procedure.as_deref().unwrap_or("")),
            csv_field(row.procedure_name.as_deref().unwrap_or("")),
            row.received.direct.to_string(),
            row.received.postal.to_string(),
            row.received.online.to_string(),
            row.received.total.to_string(),
            row.finished.early.to_string(),
            row.finished.on_time.to_string(),
            row.finished.overdue.to_string(),
            row.finished.total.to_string(),
            rate,
            row.withdrawn.to_string(),
            row.refused.to_string(),
            row.in_progress.not_yet_due.to_string(),
            row.in_progress.overdue.to_string(),
            row.in_progress.waiting_applicant.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

async fn dossiers(
    State(st): State<AppState>,
    staff: Staff,
    Params(q): Params<Query>,
) -> Result<Response, ApiError> {
    // Admins see every agency; a head sees its own.
    let agency = match staff.user.role {
        Role::CentreAdmin | Role::SystemAdmin => q.agency.clone(),
        Role::Head => {
            let own = staff.user.agency.as_ref().map(|a| a.as_str().to_owned());
            if q.agency.is_some() && q.agency != own {
                return Err(ApiError::forbidden(
                    "Lãnh đạo chỉ xem báo cáo của cơ quan mình.",
                    "A head sees the reports of their own agency only.",
                ));
            }
            own
        }
        _ => {
            return Err(ApiError::forbidden(
                "Chỉ lãnh đạo và quản trị được xem báo cáo.",
                "Only heads and admins see reports.",
            ));
        }
    };
    let now = st.clock.now_vn();
    let today = now.date_naive();
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or_else(|| to.with_day(1).expect("day 1 exists"));
    if from > to || (to - from).num_days() > 3660 {
        return Err(ApiError::bad_request(
            "report.period",
            "Khoảng thời gian không hợp lệ: ngày bắt đầu phải trước ngày kết thúc, tối đa 10 năm.",
            "Invalid period: from must not be after to, at most 10 years.",
        ));
    }
    let format = q.format;
    let report = st
        .store
        .read(move |txn| build(txn, &q, from, to, agency.as_deref(), now))
        .await?;
    Ok(match format {
        Format::Json => Json(report).into_response(),
        Format::Csv => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"bao-cao-ho-so.csv\"",
                ),
            ],
            // A byte-order mark, so that spreadsheet programs read the Vietnamese right.
            format!("\u{feff}{}", csv(&report)),
        )
            .into_response(),
    })
}
