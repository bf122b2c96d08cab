//! The legal working-time calendar: office hours, days off, make-up working days, and the
//! deadlines computed over them.
//!
//! The calendar is data (`assets/calendars/*.toml`) because it changes every year with the
//! government's holiday notice. Periods are walked over working-hour intervals from the start
//! instant, skipping non-working time; one working day counts as `hours_per_working_day` hours
//! (8 in the field's practice), so "3 working days" from Friday 16:00 ends on Wednesday 16:00.
//!
//! Instants are `DateTime<FixedOffset>` and every result is in the calendar's zone. Interval ends
//! are inclusive for results (a due instant may be 17:00, the end of the day) and exclusive for
//! [`Calendar::next_working_instant`] (something received at 17:00 counts from the next morning).

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Weekday,
};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Localized};

const DEFAULT_TOML: &str = include_str!("../../assets/calendars/vn-public-servants.toml");

/// Why a calendar file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    #[error("the calendar file is not valid TOML: {0}")]
    Syntax(String),
    #[error(
        "unknown time zone {0:?} (supported: Asia/Ho_Chi_Minh, Asia/Saigon, or an offset such as +07:00)"
    )]
    TimeZone(String),
    #[error("invalid office hours {0:?}: write HH:MM-HH:MM with the start before the end")]
    Interval(String),
    #[error("office hours of {0} overlap or are not in order")]
    Overlap(String),
    #[error("the week has no office hours at all")]
    EmptyWeek,
    #[error("the days off {0:?} end before they start")]
    Range(String),
    #[error("hours_per_working_day must be between 1 and 24")]
    HoursPerDay,
}

impl Localized for CalendarError {
    fn code(&self) -> &'static str {
        match self {
            CalendarError::Syntax(_) => "calendar.syntax",
            CalendarError::TimeZone(_) => "calendar.time_zone",
            CalendarError::Interval(_) => "calendar.interval",
            CalendarError::Overlap(_) => "calendar.overlap",
            CalendarError::EmptyWeek => "calendar.empty_week",
            CalendarError::Range(_) => "calendar.range",
            CalendarError::HoursPerDay => "calendar.hours_per_day",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => format!("Calendar: {self}."),
            Lang::Vi => match self {
                CalendarError::Syntax(e) => format!("Tệp lịch làm việc sai cú pháp TOML: {e}"),
                CalendarError::TimeZone(z) => format!(
                    "Múi giờ “{z}” không được hỗ trợ (dùng Asia/Ho_Chi_Minh hoặc dạng +07:00)."
                ),
                CalendarError::Interval(s) => format!(
                    "Giờ làm việc “{s}” không hợp lệ: viết HH:MM-HH:MM, giờ bắt đầu trước giờ kết thúc."
                ),
                CalendarError::Overlap(d) => {
                    format!("Các khoảng giờ làm việc của {d} chồng lấn hoặc không theo thứ tự.")
                }
                CalendarError::EmptyWeek => "Tuần không có giờ làm việc nào.".into(),
                CalendarError::Range(n) => {
                    format!("Kỳ nghỉ “{n}” có ngày kết thúc trước ngày bắt đầu.")
                }
                CalendarError::HoursPerDay => {
                    "Số giờ của một ngày làm việc phải từ 1 đến 24.".into()
                }
            },
        }
    }
}

/// A processing time as procedures state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingTime {
    WorkingDays(u32),
    WorkingHours(u32),
}

/// How a finished dossier met its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Trước hạn: finished on a day before the due day.
    Early,
    /// Đúng hạn: finished on the due day, at or before the due instant.
    OnTime,
    /// Quá hạn: finished after the due instant.
    Overdue,
}

impl Timeliness {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Timeliness::Early, Lang::Vi) => "Trước hạn",
            (Timeliness::OnTime, Lang::Vi) => "Đúng hạn",
            (Timeliness::Overdue, Lang::Vi) => "Quá hạn",
            (Timeliness::Early, Lang::En) => "Early",
            (Timeliness::OnTime, Lang::En) => "On time",
            (Timeliness::Overdue, Lang::En) => "Overdue",
        }
    }
}

type Interval = (NaiveTime, NaiveTime);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    time_zone: String,
    #[serde(default = "eight")]
    hours_per_working_day: u32,
    hours: HoursFile,
    #[serde(default)]
    days_off: Vec<DaysOffFile>,
    #[serde(default)]
    make_up_days: Vec<MakeUpFile>,
}

fn eight() -> u32 {
    8
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    #[serde(default)]
    monday: Vec<String>,
    #[serde(default)]
    tuesday: Vec<String>,
    #[serde(default)]
    wednesday: Vec<String>,
    #[serde(default)]
    thursday: Vec<String>,
    #[serde(default)]
    friday: Vec<String>,
    #[serde(default)]
    saturday: Vec<String>,
    #[serde(default)]
    sunday: Vec<String>,
    #[serde(default)]
    make_up: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DaysOffFile {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MakeUpFile {
    name: String,
    date: NaiveDate,
}

fn parse_intervals(day: &str, specs: &[String]) -> Result<Vec<Interval>, CalendarError> {
    let mut out: Vec<Interval> = Vec::with_capacity(specs.len());
    for spec in specs {
        let bad = || CalendarError::Interval(spec.clone());
        let (a, b) = spec.split_once('-').ok_or_else(bad)?;
        let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
        let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").map_err(|_| bad())?;
        if a >= b {
            return Err(bad());
        }
        if out.last().is_some_and(|&(_, end)| end > a) {
            return Err(CalendarError::Overlap(day.to_owned()));
        }
        out.push((a, b));
    }
    Ok(out)
}

fn parse_zone(name: &str) -> Result<FixedOffset, CalendarError> {
    // Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact for
    // every date a dossier can carry; other zones are refused rather than guessed.
    match name {
        "Asia/Ho_Chi_Minh" | "Asia/Saigon" => Ok(FixedOffset::east_opt(7 * 3600).expect("+07")),
        other => {
            let bad = || CalendarError::TimeZone(other.to_owned());
            let (sign, rest) = match other.as_bytes().first() {
                Some(b'+') => (1, &other[1..]),
                Some(b'-') => (-1, &other[1..]),
                _ => return Err(bad()),
            };
            let (h, m) = rest.split_once(':').ok_or_else(bad)?;
            let h: i32 = h.parse().map_err(|_| bad())?;
            let m: i32 = m.parse().map_err(|_| bad())?;
            if !(0..=14).contains(&h) || !(0..60).contains(&m) {
                return Err(bad());
            }
            FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
        }
    }
}

/// A working-time calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    zone: FixedOffset,
    hours_per_day: u32,
    weekly: [Vec<Interval>; 7],
    make_up_hours: Vec<Interval>,
    days_off: BTreeMap<NaiveDate, String>,
    make_up_days: BTreeMap<NaiveDate, String>,
}

impl Calendar {
    /// Load a calendar from the text of a TOML file.
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let f: File = toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))?;
        let zone = parse_zone(&f.time_zone)?;
        if !(1..=24).contains(&f.hours_per_working_day) {
            return Err(CalendarError::HoursPerDay);
        }
        let h = &f.hours;
        let weekly = [
            parse_intervals("monday", &h.monday)?,
            parse_intervals("tuesday", &h.tuesday)?,
            parse_intervals("wednesday", &h.wednesday)?,
            parse_intervals("thursday", &h.thursday)?,
            parse_intervals("friday", &h.friday)?,
            parse_intervals("saturday", &h.saturday)?,
            parse_intervals("sunday", &h.sunday)?,
        ];
        if weekly.iter().all(Vec::is_empty) {
            return Err(CalendarError::EmptyWeek);
        }
        let make_up_hours = match &h.make_up {
            Some(specs) => parse_intervals("make_up", specs)?,
            None => weekly[0].clone(),
        };
        let mut days_off = BTreeMap::new();
        for d in &f.days_off {
            if d.to < d.from {
                return Err(CalendarError::Range(d.name.clone()));
            }
            for day in d.from.iter_days().take_while(|x| *x <= d.to) {
                days_off.insert(day, d.name.clone());
            }
        }
        let make_up_days = f
            .make_up_days
            .iter()
            .map(|m| (m.date, m.name.clone()))
            .collect();
        Ok(Calendar {
            name: f.name,
            zone,
            hours_per_day: f.hours_per_working_day,
            weekly,
            make_up_hours,
            days_off,
            make_up_days,
        })
    }

    /// The bundled calendar for Vietnamese public servants (2024–2026 holidays, 07:00–11:30 and
    /// 13:30–17:00 Monday to Friday).
    pub fn vietnam_default() -> Calendar {
        Calendar::from_toml(DEFAULT_TOML).expect("the bundled calendar is valid")
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The calendar's time zone.
    pub fn zone(&self) -> FixedOffset {
        self.zone
    }

    pub fn hours_per_working_day(&self) -> u32 {
        self.hours_per_day
    }

    /// The name of the holiday `date` falls in, if any.
    pub fn day_off(&self, date: NaiveDate) -> Option<&str> {
        self.days_off.get(&date).map(String::as_str)
    }

    fn intervals(&self, date: NaiveDate) -> &[Interval] {
        if self.make_up_days.contains_key(&date) {
            let own = &self.weekly[date.weekday().num_days_from_monday() as usize];
            return if own.is_empty() {
                &self.make_up_hours
            } else {
                own
            };
        }
        if self.days_off.contains_key(&date) {
            return &[];
        }
        &self.weekly[date.weekday().num_days_from_monday() as usize]
    }

    /// Whether `date` has any office hours.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !self.intervals(date).is_empty()
    }

    /// The office hours of `date` (empty on a day off).
    pub fn office_hours(&self, date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
        self.intervals(date).to_vec()
    }

    fn local(&self, t: DateTime<FixedOffset>) -> NaiveDateTime {
        t.with_timezone(&self.zone).naive_local()
    }

    fn at(&self, t: NaiveDateTime) -> DateTime<FixedOffset> {
        t.and_local_timezone(self.zone)
            .single()
            .expect("a fixed offset maps every local time once")
    }

    /// `t` converted to the calendar's zone.
    pub fn in_zone(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.zone)
    }

    /// When something received at `t` starts to count: `t` itself inside office hours, else the
    /// start of the next office-hour interval (regulation Art. 8.1c).
    pub fn next_working_instant(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        let local = self.local(t);
        let mut date = local.date();
        loop {
            for &(s, e) in self.intervals(date) {
                let (s, e) = (date.and_time(s), date.and_time(e));
                if local < e {
                    return self.at(local.max(s));
                }
            }
            date = date.succ_opt().expect("date in range");
        }
    }

    /// `t` plus `amount` of working time. A zero amount gives `t` if it lies in office hours
    /// (ends included), else the next start of office hours.
    pub fn add_working(&self, t: DateTime<FixedOffset>, amount: Duration) -> DateTime<FixedOffset> {
        let mut remaining = amount.max(Duration::zero());
        let mut from = self.local(t);
        let mut date = from.date();
        loop {
            for &(s, e) in self.intervals(date) {
                let (s, e) = (date.and_time(s), date.and_time(e));
                if e < from {
                    continue;
                }
                let start = from.max(s);
                let capacity = e - start;
                if capacity >= remaining {
                    return self.at(start + remaining);
                }
                remaining -= capacity;
                from = e;
            }
            date = date.succ_opt().expect("date in range");
            from = date.and_time(NaiveTime::MIN);
        }
    }

    /// `t` plus `hours` working hours.
    pub fn add_working_hours(&self, t: DateTime<FixedOffset>, hours: u32) -> DateTime<FixedOffset> {
        self.add_working(t, Duration::hours(hours as i64))
    }

    /// `t` plus `days` working days, a day being `hours_per_working_day` working hours.
    pub fn add_working_days(&self, t: DateTime<FixedOffset>, days: u32) -> DateTime<FixedOffset> {
        self.add_working(t, Duration::hours(days as i64 * self.hours_per_day as i64))
    }

    /// Working time between two instants; negative when `to` is before `from`.
    pub fn working_between(
        &self,
        from: DateTime<FixedOffset>,
        to: DateTime<FixedOffset>,
    ) -> Duration {
        if to < from {
            return -self.working_between(to, from);
        }
        let (a, b) = (self.local(from), self.local(to));
        let mut total = Duration::zero();
        let mut date = a.date();
        while date <= b.date() {
            for &(s, e) in self.intervals(date) {
                let s = date.and_time(s).max(a);
                let e = date.and_time(e).min(b);
                if e > s {
                    total += e - s;
                }
            }
            date = date.succ_opt().expect("date in range");
        }
        total
    }

    /// The due instant of a procedure's processing time for something received at `received`.
    pub fn due(
        &self,
        received: DateTime<FixedOffset>,
        time: ProcessingTime,
    ) -> DateTime<FixedOffset> {
        match time {
            ProcessingTime::WorkingDays(d) => self.add_working_days(received, d),
            ProcessingTime::WorkingHours(h) => self.add_working_hours(received, h),
        }
    }

    /// By when a valid dossier must reach the competent agency: 8 working hours after receipt
    /// (Art. 8.1b).
    pub fn transfer_deadline(&self, received: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        self.add_working_hours(received, 8)
    }

    /// By when feedback must be handled: 13 working days after receipt (Art. 21.4).
    pub fn feedback_deadline(&self, received: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        self.add_working_days(received, 13)
    }

    /// The due instant after a pause (statuses 5, 6, 8) from `paused_at` to `resumed_at`: moved
    /// later by the working time the pause covered.
    pub fn resume(
        &self,
        due: DateTime<FixedOffset>,
        paused_at: DateTime<FixedOffset>,
        resumed_at: DateTime<FixedOffset>,
    ) -> DateTime<FixedOffset> {
        let paused = self.working_between(paused_at, resumed_at);
        self.add_working(due, paused)
    }

    /// Early, on time or overdue, for a dossier finished at `finished` that was due at `due`.
    pub fn timeliness(
        &self,
        finished: DateTime<FixedOffset>,
        due: DateTime<FixedOffset>,
    ) -> Timeliness {
        if finished > due {
            Timeliness::Overdue
        } else if self.local(finished).date() < self.local(due).date() {
            Timeliness::Early
        } else {
            Timeliness::OnTime
        }
    }

    /// Weekdays with office hours in a normal week.
    pub fn working_weekdays(&self) -> Vec<Weekday> {
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ]
        .into_iter()
        .filter(|d| !self.weekly[d.num_days_from_monday() as usize].is_empty())
        .collect()
    }
}
