//! The reports as a dashboard, for heads (their agency) and administrators (every agency or
//! one): for a period, the dossiers received by channel, finished early, on time or late
//! against the legal due instant (Art. 14.4), in progress and overdue now, transferred late, each
//! day's received and finished; feedback received, answered and late; satisfaction by level and
//! by criterion; the queue's waiting and service times. Each chart is drawn on the server as SVG
//! beside its table, from the same figures as the JSON report, and each set downloads as CSV.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use motcua_protocol::staff::Role;
use serde::Deserialize;

use super::board::error_page;
use super::charts::{self, Series};
use super::pages::PageStaff;
use crate::AppState;
use crate::ops::Error;
use crate::projections::reports::{self, By, Report};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(dashboard))
        .route("/reports/dossiers.csv", get(dossiers_csv))
        .route("/reports/queue.csv", get(queue_csv))
        .route("/reports/table.csv", get(table_csv))
}

#[derive(Debug, Default, Deserialize)]
struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    agency: String,
    /// For one chart's table as CSV: the chart's id.
    #[serde(default)]
    chart: String,
}

/// The period and agency asked for, as the account may see them: a head its own agency only.
struct Asked {
    from: NaiveDate,
    to: NaiveDate,
    agency: Option<String>,
}

fn asked(staff: &PageStaff, p: &Period, today: NaiveDate) -> Result<Asked, Error> {
    let bad = || {
        Error::invalid(
            "report.period",
            "Khoảng thời gian không hợp lệ: ngày theo dạng năm-tháng-ngày, ngày bắt đầu không sau ngày kết thúc, tối đa 10 năm.",
            "Invalid period: days as year-month-day, from not after to, at most 10 years.",
        )
    };
    let day = |s: &str, default: NaiveDate| -> Result<NaiveDate, Error> {
        match s.trim() {
            "" => Ok(default),
            s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..=2099).contains(&d.year()))
                .ok_or_else(bad),
        }
    };
    let to = day(&p.to, today)?;
    let from = day(&p.from, to.with_day(1).unwrap_or(to))?;
    if from > to || (to - from).num_days() > 3660 {
        return Err(bad());
    }
    let wanted = Some(p.agency.trim().to_owned()).filter(|a| !a.is_empty());
    let agency = match staff.actor.user.role {
        Role::CentreAdmin | Role::SystemAdmin => wanted,
        Role::Head => {
            let own = staff.actor.user.agency.as_ref().map(|a| a.to_string());
            if wanted.is_some() && wanted != own {
                return Err(Error::forbidden(
                    "Lãnh đạo chỉ xem báo cáo của cơ quan mình.",
                    "A head sees the reports of their own agency only.",
                ));
            }
            own
        }
        _ => {
            return Err(Error::forbidden(
                "Chỉ lãnh đạo và quản trị được xem báo cáo.",
                "Only heads and admins see reports.",
            ));
        }
    };
    Ok(Asked { from, to, agency })
}

/// A chart and the table it draws.
struct Chart {
    id: &'static str,
    title_vi: &'static str,
    title_en: &'static str,
    svg: String,
    /// Column heads, then rows of cells.
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Chart {
    /// Nothing to draw: no figure in its table is more than zero.
    fn empty(&self) -> bool {
        let figure = |c: &str| {
            c.chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, '.' | ',' | '%'))
                && c.chars().any(|ch| ch.is_ascii_digit() && ch != '0')
        };
        !self.rows.iter().flatten().any(|c| figure(c))
    }
}

#[derive(Template)]
#[template(path = "reports.html")]
struct Page<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    admin: bool,
    from: String,
    to: String,
    agency: String,
    agencies: Vec<(String, String)>,
    /// Headline figures: (id, label vi, label en, value, tone).
    tiles: Vec<(
        &'static str,
        &'static str,
        &'static str,
        String,
        &'static str,
    )>,
    charts: Vec<Chart>,
    /// The query string of the CSV links.
    query: String,
    queue: bool,
    error: Option<&'a Error>,
}

/// A row's first cell: its agency, or the total.
fn row_name(x: &reports::Row) -> String {
    if x.agency_name.is_empty() {
        "Tổng cộng · Total".into()
    } else {
        x.agency_name.clone()
    }
}

fn n(v: u64) -> String {
    super::desk::thousands(v)
}

fn pct(r: Option<f64>) -> String {
    r.map_or("—".into(), |r| {
        format!("{:.1}%", r * 100.0).replace('.', ",")
    })
}

/// The charts of a report, its days, the criteria and the queue.
fn charts_of(
    r: &Report,
    days: &[(NaiveDate, reports::Row)],
    criteria: &[reports::CriterionScore],
    queue: Option<&motcua_protocol::queue::QueueStats>,
) -> Vec<Chart> {
    let names: Vec<String> = r.rows.iter().map(|x| x.agency_name.clone()).collect();
    let col = |f: &dyn Fn(&reports::Row) -> u64| -> Vec<f64> {
        r.rows.iter().map(|x| f(x) as f64).collect()
    };
    let mut out = Vec::new();
    out.push(Chart {
        id: "chart-received",
        title_vi: "Hồ sơ tiếp nhận theo kênh",
        title_en: "Dossiers received, by channel",
        svg: charts::bars(
            "svg-received",
            "Hồ sơ tiếp nhận theo kênh · Received by channel",
            &names,
            &[
                Series {
                    name: "Trực tiếp · In person",
                    colour: charts::BLUE,
                    values: col(&|x| x.received.direct),
                },
                Series {
                    name: "Bưu chính · Post",
                    colour: charts::ORANGE,
                    values: col(&|x| x.received.postal),
                },
                Series {
                    name: "Trực tuyến · Online",
                    colour: charts::SKY,
                    values: col(&|x| x.received.online),
                },
            ],
            true,
        ),
        head: vec![
            "Cơ quan · Agency".into(),
            "Trực tiếp · In person".into(),
            "Bưu chính · Post".into(),
            "Trực tuyến · Online".into(),
            "Tổng · Total".into(),
        ],
        rows: r
            .rows
            .iter()
            .chain([&r.total])
            .map(|x| {
                vec![
                    row_name(x),
                    n(x.received.direct),
                    n(x.received.postal),
                    n(x.received.online),
                    n(x.received.total),
                ]
            })
            .collect(),
    });
    out.push(Chart {
        id: "chart-finished",
        title_vi: "Hồ sơ đã giải quyết: trước hạn, đúng hạn, quá hạn (Điều 14.4)",
        title_en: "Finished: early, on time, late (Art. 14.4)",
        svg: charts::bars(
            "svg-finished",
            "Hồ sơ đã giải quyết · Finished",
            &names,
            &[
                Series {
                    name: "Trước hạn · Early",
                    colour: charts::GREEN,
                    values: col(&|x| x.finished.early),
                },
                Series {
                    name: "Đúng hạn · On time",
                    colour: charts::BLUE,
                    values: col(&|x| x.finished.on_time),
                },
                Series {
                    name: "Quá hạn · Late",
                    colour: charts::RED,
                    values: col(&|x| x.finished.overdue),
                },
            ],
            true,
        ),
        head: vec![
            "Cơ quan · Agency".into(),
            "Trước hạn · Early".into(),
            "Đúng hạn · On time".into(),
            "Quá hạn · Late".into(),
            "Tỉ lệ đúng hạn · On-time rate".into(),
            "Chuyển quá 8 giờ · Transferred late".into(),
        ],
        rows: r
            .rows
            .iter()
            .chain([&r.total])
            .map(|x| {
                vec![
                    row_name(x),
                    n(x.finished.early),
                    n(x.finished.on_time),
                    n(x.finished.overdue),
                    pct(x.on_time_rate),
                    n(x.transferred_late),
                ]
            })
            .collect(),
    });
    out.push(Chart {
        id: "chart-open",
        title_vi: "Đang giải quyết lúc này",
        title_en: "In progress now",
        svg: charts::bars(
            "svg-open",
            "Đang giải quyết · In progress",
            &names,
            &[
                Series {
                    name: "Trong hạn · Not yet due",
                    colour: charts::SKY,
                    values: col(&|x| x.in_progress.not_yet_due),
                },
                Series {
                    name: "Quá hạn · Overdue",
                    colour: charts::RED,
                    values: col(&|x| x.in_progress.overdue),
                },
                Series {
                    name: "Chờ người nộp · Waiting for the applicant",
                    colour: charts::GREY,
                    values: col(&|x| x.in_progress.waiting_applicant),
                },
            ],
            true,
        ),
        head: vec![
            "Cơ quan · Agency".into(),
            "Trong hạn · Not yet due".into(),
            "Quá hạn · Overdue".into(),
            "Chờ người nộp · Waiting".into(),
        ],
        rows: r
            .rows
            .iter()
            .chain([&r.total])
            .map(|x| {
                vec![
                    row_name(x),
                    n(x.in_progress.not_yet_due),
                    n(x.in_progress.overdue),
                    n(x.in_progress.waiting_applicant),
                ]
            })
            .collect(),
    });
    // Each day of the period.
    let x: Vec<f64> = (0..days.len()).map(|i| i as f64).collect();
    let step = (days.len() / 8).max(1);
    let ticks: Vec<(f64, String)> = days
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0)
        .map(|(i, (d, _))| (i as f64, d.format("%d/%m").to_string()))
        .collect();
    out.push(Chart {
        id: "chart-days",
        title_vi: "Theo ngày: tiếp nhận và giải quyết xong",
        title_en: "By day: received and finished",
        svg: charts::lines(
            "svg-days",
            "Theo ngày · By day",
            &x,
            (0.0, (days.len().max(2) - 1) as f64),
            &ticks,
            &[
                Series {
                    name: "Tiếp nhận · Received",
                    colour: charts::BLUE,
                    values: days.iter().map(|(_, r)| r.received.total as f64).collect(),
                },
                Series {
                    name: "Giải quyết xong · Finished",
                    colour: charts::GREEN,
                    values: days.iter().map(|(_, r)| r.finished.total as f64).collect(),
                },
                Series {
                    name: "Trong đó quá hạn · Of which late",
                    colour: charts::RED,
                    values: days
                        .iter()
                        .map(|(_, r)| r.finished.overdue as f64)
                        .collect(),
                },
            ],
        ),
        head: vec![
            "Ngày · Day".into(),
            "Tiếp nhận · Received".into(),
            "Giải quyết xong · Finished".into(),
            "Quá hạn · Late".into(),
        ],
        rows: days
            .iter()
            .map(|(d, r)| {
                vec![
                    d.format("%d/%m/%Y").to_string(),
                    n(r.received.total),
                    n(r.finished.total),
                    n(r.finished.overdue),
                ]
            })
            .collect(),
    });
    let f = &r.feedback;
    out.push(Chart {
        id: "chart-feedback",
        title_vi: "Phản ánh, kiến nghị (Điều 21)",
        title_en: "Feedback (Art. 21)",
        svg: charts::bars(
            "svg-feedback",
            "Phản ánh, kiến nghị · Feedback",
            &[
                "Tiếp nhận · Received".into(),
                "Đã trả lời · Answered".into(),
                "Quá hạn · Late".into(),
            ],
            &[Series {
                name: "Số phản ánh · Feedback",
                colour: charts::PURPLE,
                values: vec![f.received as f64, f.answered as f64, f.overdue as f64],
            }],
            false,
        ),
        head: vec![
            "Tiếp nhận · Received".into(),
            "Đã trả lời · Answered".into(),
            "Quá hạn trả lời · Late".into(),
        ],
        rows: vec![vec![n(f.received), n(f.answered), n(f.overdue)]],
    });
    let levels: Vec<(String, u64)> = r
        .satisfaction
        .by_level
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let level_name = |k: &str| -> String {
        let (l, of) = k.split_once('/').unwrap_or((k, "3"));
        let scale = if of == "5" {
            motcua_core::rating::Scale::Five
        } else {
            motcua_core::rating::Scale::Three
        };
        l.parse::<u8>()
            .ok()
            .and_then(|l| scale.label(l, motcua_core::Lang::Vi))
            .map_or_else(|| k.to_owned(), |s| format!("{s} ({k})"))
    };
    out.push(Chart {
        id: "chart-levels",
        title_vi: "Mức độ hài lòng",
        title_en: "Satisfaction by level",
        svg: charts::bars(
            "svg-levels",
            "Mức độ hài lòng · Satisfaction",
            &levels
                .iter()
                .map(|(k, _)| level_name(k))
                .collect::<Vec<_>>(),
            &[Series {
                name: "Lượt đánh giá · Ratings",
                colour: charts::GREEN,
                values: levels.iter().map(|(_, v)| *v as f64).collect(),
            }],
            false,
        ),
        head: vec!["Mức · Level".into(), "Lượt · Ratings".into()],
        rows: levels
            .iter()
            .map(|(k, v)| vec![level_name(k), n(*v)])
            .collect(),
    });
    let crit_names: Vec<String> = criteria
        .iter()
        .map(|(k, _, _)| {
            motcua_core::rating::CRITERIA
                .iter()
                .find(|(x, _, _)| x == k)
                .map_or_else(|| (*k).to_owned(), |(_, vi, _)| (*vi).to_owned())
        })
        .collect();
    out.push(Chart {
        id: "chart-criteria",
        title_vi: "Hài lòng theo tiêu chí (điểm trung bình so với mức cao nhất)",
        title_en: "Satisfaction by criterion (mean score against the best)",
        svg: charts::bars(
            "svg-criteria",
            "Theo tiêu chí · By criterion (%)",
            &crit_names,
            &[Series {
                name: "% điểm tối đa · % of the best",
                colour: charts::BLUE,
                values: criteria
                    .iter()
                    .map(|(_, _, m)| m.map_or(0.0, |m| (m * 1000.0).round() / 10.0))
                    .collect(),
            }],
            false,
        ),
        head: vec![
            "Tiêu chí · Criterion".into(),
            "Lượt · Ratings".into(),
            "Điểm · Score".into(),
        ],
        rows: criteria
            .iter()
            .zip(&crit_names)
            .map(|((_, c, m), name)| vec![name.clone(), n(*c), pct(*m)])
            .collect(),
    });
    if let Some(q) = queue {
        let buckets: Vec<String> = (0..q.wait_buckets.len())
            .map(|i| {
                if i + 1 == q.wait_buckets.len() {
                    format!("≥ {} phút", i * 3)
                } else {
                    format!("{}–{} phút", i * 3, i * 3 + 3)
                }
            })
            .collect();
        out.push(Chart {
            id: "chart-queue",
            title_vi: "Hàng đợi: thời gian chờ và thời gian phục vụ",
            title_en: "Queue: waiting and service times",
            svg: charts::bars(
                "svg-queue",
                "Hàng đợi · Queue",
                &buckets,
                &[
                    Series {
                        name: "Chờ · Waiting",
                        colour: charts::ORANGE,
                        values: q.wait_buckets.iter().map(|v| f64::from(*v)).collect(),
                    },
                    Series {
                        name: "Phục vụ · Service",
                        colour: charts::BLUE,
                        values: q.service_buckets.iter().map(|v| f64::from(*v)).collect(),
                    },
                ],
                false,
            ),
            head: vec![
                "Khoảng · Span".into(),
                "Số chờ · Waited".into(),
                "Số phục vụ · Served".into(),
            ],
            rows: buckets
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    vec![
                        b.clone(),
                        n(u64::from(q.wait_buckets.get(i).copied().unwrap_or(0))),
                        n(u64::from(q.service_buckets.get(i).copied().unwrap_or(0))),
                    ]
                })
                .collect(),
        });
    }
    out
}

/// The report, its charts and whether the queue's figures are among them.
async fn figures(
    st: &AppState,
    staff: &PageStaff,
    a: &Asked,
) -> Result<(Report, Vec<Chart>, bool), Error> {
    let now = st.clock.now_vn();
    let (from, to, agency) = (a.from, a.to, a.agency.clone());
    let (r, days, criteria) = st
        .store
        .read(move |txn| {
            let r = reports::build(txn, By::Agency, from, to, agency.as_deref(), now)?;
            let days = reports::daily(txn, from, to, agency.as_deref())?;
            let criteria = reports::criteria(txn, from, to)?;
            Ok::<_, Error>((r, days, criteria))
        })
        .await?;
    // The queue's figures: administrators, a period the queue keeps (a year at most).
    let queue = if staff.actor.user.role.is_admin() && (to - from).num_days() <= 366 {
        match queue_centre(st).await? {
            Some(c) => crate::ops::queue::stats(
                &st.ctx,
                &staff.actor,
                &c,
                from,
                to,
                motcua_protocol::queue::StatsBy::Service,
            )
            .await
            .ok(),
            None => None,
        }
    } else {
        None
    };
    let charts = charts_of(&r, &days, &criteria, queue.as_ref());
    Ok((r, charts, queue.is_some()))
}

/// One chart's table as CSV (its column heads, then its rows).
async fn table_csv(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Query<Period>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = q.map(|Query(p)| p).unwrap_or_default();
    let now = st.clock.now_vn();
    let done = async {
        let a = asked(&staff, &p, now.date_naive())?;
        let (_, charts, _) = figures(&st, &staff, &a).await?;
        let c = charts
            .into_iter()
            .find(|c| c.id == p.chart)
            .ok_or_else(|| Error::not_found("bảng này", "Table"))?;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.write_record(&c.head).map_err(Error::internal)?;
        for r in &c.rows {
            w.write_record(r).map_err(Error::internal)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::internal(e.to_string()))?;
        Ok::<_, Error>((c.id, String::from_utf8_lossy(&bytes).into_owned()))
    }
    .await;
    match done {
        Ok((id, body)) => csv_response(&format!("{}.csv", id.trim_start_matches("chart-")), body),
        Err(e) => error_page(super::error::status(e.kind), &e),
    }
}

/// The first centre with a queue, for the queue's figures.
async fn queue_centre(st: &AppState) -> Result<Option<String>, Error> {
    st.store
        .read(|txn| {
            use redb::ReadableTable;
            Ok(txn
                .open_table(crate::db::QUEUES)?
                .iter()?
                .next()
                .transpose()?
                .map(|(k, _)| k.value().to_owned()))
        })
        .await
}

/// A tile's class: `level` when anything is counted, else "good".
fn flag(count: u64, level: &'static str) -> &'static str {
    if count > 0 { level } else { "good" }
}

async fn dashboard(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Query<Period>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = q.map(|Query(p)| p).unwrap_or_default();
    let now = st.clock.now_vn();
    let a = match asked(&staff, &p, now.date_naive()) {
        Ok(a) => a,
        Err(e) if e.kind == crate::ops::Kind::Invalid => {
            return render(&st, &staff, &p, Vec::new(), Vec::new(), false, Some(&e)).await;
        }
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let (r, charts, queue) = match figures(&st, &staff, &a).await {
        Ok(x) => x,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let t = &r.total;
    let tiles = vec![
        (
            "tile-received",
            "Tiếp nhận",
            "Received",
            n(t.received.total),
            "plain",
        ),
        (
            "tile-finished",
            "Đã giải quyết",
            "Finished",
            n(t.finished.total),
            "plain",
        ),
        (
            "tile-rate",
            "Tỉ lệ đúng hạn",
            "On time",
            pct(t.on_time_rate),
            if t.on_time_rate.is_some_and(|x| x < 0.9) {
                "warn"
            } else {
                "good"
            },
        ),
        (
            "tile-late",
            "Giải quyết quá hạn",
            "Finished late",
            n(t.finished.overdue),
            flag(t.finished.overdue, "bad"),
        ),
        (
            "tile-overdue",
            "Đang quá hạn",
            "Overdue now",
            n(t.in_progress.overdue),
            flag(t.in_progress.overdue, "bad"),
        ),
        (
            "tile-transfer",
            "Chuyển quá 8 giờ",
            "Transferred late",
            n(t.transferred_late),
            flag(t.transferred_late, "warn"),
        ),
        (
            "tile-feedback",
            "Phản ánh quá hạn",
            "Feedback late",
            n(r.feedback.overdue),
            flag(r.feedback.overdue, "warn"),
        ),
    ];
    let p = Period {
        chart: String::new(),
        from: a.from.format("%Y-%m-%d").to_string(),
        to: a.to.format("%Y-%m-%d").to_string(),
        agency: a.agency.unwrap_or_default(),
    };
    render(&st, &staff, &p, tiles, charts, queue, None).await
}

#[allow(clippy::type_complexity)]
async fn render(
    st: &AppState,
    staff: &PageStaff,
    p: &Period,
    tiles: Vec<(
        &'static str,
        &'static str,
        &'static str,
        String,
        &'static str,
    )>,
    charts: Vec<Chart>,
    queue: bool,
    error: Option<&Error>,
) -> Response {
    let admin = staff.actor.user.role.is_admin();
    let agencies = if admin {
        super::pages::agency_names(st).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let query = format!(
        "from={}&to={}&agency={}",
        enc(&p.from),
        enc(&p.to),
        enc(&p.agency)
    );
    super::board::html_page(
        Page {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            admin,
            from: p.from.clone(),
            to: p.to.clone(),
            agency: p.agency.clone(),
            agencies,
            tiles,
            charts,
            query,
            queue,
            error,
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

fn csv_response(name: &str, body: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        // A byte-order mark, so that spreadsheet programs read the Vietnamese right.
        format!("\u{feff}{body}"),
    )
        .into_response()
}

async fn dossiers_csv(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Query<Period>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = q.map(|Query(p)| p).unwrap_or_default();
    let now = st.clock.now_vn();
    let a = match asked(&staff, &p, now.date_naive()) {
        Ok(a) => a,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let done = st
        .store
        .read(move |txn| {
            let r = reports::build(txn, By::Agency, a.from, a.to, a.agency.as_deref(), now)?;
            Ok::<_, Error>(reports::csv(&r)?)
        })
        .await;
    match done {
        Ok(body) => csv_response("bao-cao-ho-so.csv", body),
        Err(e) => error_page(super::error::status(e.kind), &e),
    }
}

async fn queue_csv(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Query<Period>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let p = q.map(|Query(p)| p).unwrap_or_default();
    let now = st.clock.now_vn();
    let done = async {
        let a = asked(&staff, &p, now.date_naive())?;
        let centre = queue_centre(&st)
            .await?
            .ok_or_else(|| Error::not_found("hàng đợi", "Queue"))?;
        let s = crate::ops::queue::stats(
            &st.ctx,
            &staff.actor,
            &centre,
            a.from,
            a.to,
            motcua_protocol::queue::StatsBy::Service,
        )
        .await?;
        crate::ops::queue::stats_csv(&s)
    }
    .await;
    match done {
        // It starts with its byte-order mark already.
        Ok(body) => csv_response(
            "thong-ke-hang-doi.csv",
            body.trim_start_matches('\u{feff}').to_owned(),
        ),
        Err(e) => error_page(super::error::status(e.kind), &e),
    }
}
