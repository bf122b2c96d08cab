//! The legal working-time calendar: office hours, days off, make-up working days, and the
//! deadlines computed over them.
//!
//! The calendar is data because it changes every year with the government's holiday notice. A
//! calendar is a *base* (`assets/calendars/*.toml`: the zone, office hours per weekday) and
//! *years* ([`CalendarYear`]: the days off and make-up working days of one year, official or
//! provisional). A calendar knows which years it covers; any computation that reaches a day of
//! a year it does not cover is refused with [`NotCovered`] ("lịch làm việc năm 2028 chưa được
//! cập nhật"), never answered on a silent assumption. A provisional year
//! ([`CalendarYear::provisional`]) is derived from the Labour Code's holidays and the Vietnamese
//! lunar calendar until the year's notice is loaded in its place.
//!
//! Periods are walked over working-hour intervals from the start instant, skipping non-working
//! time; one working day counts as `hours_per_working_day` hours (8 in the field's practice), so
//! "3 working days" from Friday 16:00 ends on Wednesday 16:00.
//!
//! Instants are `DateTime<FixedOffset>` and every result is in the calendar's zone. Interval ends
//! are inclusive for results (a due instant may be 17:00, the end of the day) and exclusive for
//! [`Calendar::next_working_instant`] (something received at 17:00 counts from the next morning).
//! Deadlines once computed are stored with the dossier: loading or confirming a year later does
//! not move them.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Weekday,
};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Localized};
use crate::lunar;

const DEFAULT_TOML: &str = include_str!("../../assets/calendars/vn-public-servants.toml");

/// The years shipped with the software; later ones are loaded by an administrator.
const BUNDLED_YEARS: [&str; 4] = [
    include_str!("../../assets/calendars/years/2024.toml"),
    include_str!("../../assets/calendars/years/2025.toml"),
    include_str!("../../assets/calendars/years/2026.toml"),
    include_str!("../../assets/calendars/years/2027.toml"),
];

/// Longest name of a holiday, in characters.
const MAX_NAME: usize = 200;
/// Longest source note of a year, in characters.
const MAX_SOURCE: usize = 1_000;
/// Most days off a year may list (Vietnam has about 11 public holidays, 20 days with bridges).
const MAX_DAYS_OFF: usize = 60;

/// Why a calendar file or a calendar year was refused.
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
    #[error("the year {0} is outside the years a calendar may hold (2000–2099)")]
    Year(i32),
    #[error("{date} ({name:?}) is not in the year {year} the file is for")]
    OutsideYear {
        year: i32,
        date: NaiveDate,
        name: String,
    },
    #[error(
        "a holiday name must be 1 to {MAX_NAME} characters, and the source at most {MAX_SOURCE}"
    )]
    Text,
    #[error("{0} is listed both as a day off and as a make-up working day")]
    Conflict(NaiveDate),
    #[error("a year may list at most {MAX_DAYS_OFF} days off")]
    TooManyDaysOff,
    #[error("the year {0} is given twice")]
    DuplicateYear(i32),
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
            CalendarError::Year(_) => "calendar.year",
            CalendarError::OutsideYear { .. } => "calendar.outside_year",
            CalendarError::Text => "calendar.text",
            CalendarError::Conflict(_) => "calendar.conflict",
            CalendarError::TooManyDaysOff => "calendar.too_many_days_off",
            CalendarError::DuplicateYear(_) => "calendar.duplicate_year",
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
                CalendarError::Year(y) => {
                    format!("Năm {y} nằm ngoài khoảng lịch được phép (2000–2099).")
                }
                CalendarError::OutsideYear { year, date, name } => format!(
                    "Ngày {} (“{name}”) không thuộc năm {year} của tệp lịch.",
                    date.format("%d/%m/%Y")
                ),
                CalendarError::Text => format!(
                    "Tên ngày nghỉ phải có từ 1 đến {MAX_NAME} ký tự; nguồn (văn bản) tối đa {MAX_SOURCE} ký tự."
                ),
                CalendarError::Conflict(d) => format!(
                    "Ngày {} vừa là ngày nghỉ vừa là ngày làm bù.",
                    d.format("%d/%m/%Y")
                ),
                CalendarError::TooManyDaysOff => {
                    format!("Một năm chỉ được khai báo tối đa {MAX_DAYS_OFF} ngày nghỉ.")
                }
                CalendarError::DuplicateYear(y) => format!("Năm {y} được khai báo hai lần."),
            },
        }
    }
}

/// A computation reached a day of a year the calendar does not hold: its holidays are unknown,
/// so no deadline through it can be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the working-time calendar of {year} has not been loaded: no deadline can be computed through it"
)]
pub struct NotCovered {
    pub year: i32,
}

impl Localized for NotCovered {
    fn code(&self) -> &'static str {
        "calendar.year_not_covered"
    }

    fn message(&self, lang: Lang) -> String {
        let y = self.year;
        match lang {
            Lang::Vi => format!(
                "Lịch làm việc năm {y} chưa được cập nhật nên chưa tính được thời hạn. \
                 Đề nghị quản trị viên nạp lịch làm việc năm {y}."
            ),
            Lang::En => format!(
                "The working-time calendar of {y} has not been loaded yet, so the deadline cannot \
                 be computed. Ask an administrator to load the {y} calendar."
            ),
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

/// Whether a year's days come from the government's notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// From the year's official notice.
    Official,
    /// Derived from the law's list of holidays until the notice is out; days may still change.
    Provisional,
}

impl YearStatus {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (YearStatus::Official, Lang::Vi) => "Chính thức",
            (YearStatus::Provisional, Lang::Vi) => "Tạm tính",
            (YearStatus::Official, Lang::En) => "Official",
            (YearStatus::Provisional, Lang::En) => "Provisional",
        }
    }
}

/// Consecutive days off (a holiday with its bridges and compensation days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaysOff {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A make-up working day (ngày làm bù): a day without office hours that has them this year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakeUpDay {
    pub name: String,
    pub date: NaiveDate,
}

/// The days off and make-up working days of one year: what the government's notice fixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    pub year: i32,
    pub status: YearStatus,
    /// The notice it comes from, or how a provisional year was derived.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub days_off: Vec<DaysOff>,
    #[serde(default)]
    pub make_up_days: Vec<MakeUpDay>,
}

impl CalendarYear {
    /// Read a year file (`assets/calendars/years/2027.toml`); checked with [`Self::validate`]
    /// when added to a calendar.
    pub fn from_toml(text: &str) -> Result<CalendarYear, CalendarError> {
        toml::from_str(text).map_err(|e| CalendarError::Syntax(e.to_string()))
    }

    /// The year as a TOML file.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Check what a year file may hold on its own: the year in 2000–2099, every date in it,
    /// ranges in order, names of 1–200 characters, no day both off and made up.
    pub fn validate(&self) -> Result<(), CalendarError> {
        if !(crate::time::FIRST_YEAR..=crate::time::LAST_YEAR).contains(&self.year) {
            return Err(CalendarError::Year(self.year));
        }
        let bad_text = |s: &str, max: usize| s.trim().is_empty() || s.chars().count() > max;
        if self.source.chars().count() > MAX_SOURCE {
            return Err(CalendarError::Text);
        }
        let outside = |date: NaiveDate, name: &str| CalendarError::OutsideYear {
            year: self.year,
            date,
            name: name.to_owned(),
        };
        let mut off = 0usize;
        for d in &self.days_off {
            if bad_text(&d.name, MAX_NAME) {
                return Err(CalendarError::Text);
            }
            for date in [d.from, d.to] {
                if date.year() != self.year {
                    return Err(outside(date, &d.name));
                }
            }
            if d.to < d.from {
                return Err(CalendarError::Range(d.name.clone()));
            }
            off += (d.to - d.from).num_days() as usize + 1;
            if off > MAX_DAYS_OFF {
                return Err(CalendarError::TooManyDaysOff);
            }
        }
        for m in &self.make_up_days {
            if bad_text(&m.name, MAX_NAME) {
                return Err(CalendarError::Text);
            }
            if m.date.year() != self.year {
                return Err(outside(m.date, &m.name));
            }
            if self
                .days_off
                .iter()
                .any(|d| (d.from..=d.to).contains(&m.date))
            {
                return Err(CalendarError::Conflict(m.date));
            }
        }
        Ok(())
    }

    /// A provisional year derived from the Labour Code 2019 (Art. 112) and the Vietnamese lunar
    /// calendar, for use until the government's notice is loaded:
    /// - New Year's Day, 1/1;
    /// - Tết: five days, the last day of the old lunar year and mùng 1 to mùng 4;
    /// - the Hùng Kings' day, 10/3 lunar;
    /// - 30/4 and 1/5;
    /// - National Day, 2/9, and the adjacent day that joins it to a weekend (Monday 1/9 when 2/9 is
    ///   a Tuesday or a Wednesday, Friday 1/9 when 2/9 is a Saturday; else the day after);
    ///
    /// each holiday that falls on a Saturday or a Sunday is compensated by the next working day
    /// (Art. 112.3). No make-up working days: the notice decides those. `None` outside the years
    /// the lunar computation holds for.
    pub fn provisional(year: i32) -> Option<CalendarYear> {
        if !(crate::time::FIRST_YEAR..=crate::time::LAST_YEAR).contains(&year) {
            return None;
        }
        let date = |m, d| NaiveDate::from_ymd_opt(year, m, d);
        let tet = lunar::tet(year)?;
        let hung = lunar::hung_kings(year)?;
        let sep2 = date(9, 2)?;
        let national_extra = match sep2.weekday() {
            Weekday::Tue | Weekday::Wed | Weekday::Sat => sep2.pred_opt()?,
            _ => sep2.succ_opt()?,
        };
        let tet_days = (-1..=3)
            .map(|i| tet.checked_add_signed(Duration::days(i)))
            .collect::<Option<Vec<_>>>()?;
        let groups = [
            (format!("Tết Dương lịch {year}"), vec![date(1, 1)?]),
            (format!("Tết Nguyên đán {}", can_chi(year)), tet_days),
            (format!("Giỗ Tổ Hùng Vương {year}"), vec![hung]),
            (
                format!("Ngày Chiến thắng 30/4 và Quốc tế Lao động 1/5 {year}"),
                vec![date(4, 30)?, date(5, 1)?],
            ),
            (format!("Quốc khánh {year}"), vec![sep2, national_extra]),
        ];
        Some(CalendarYear {
            year,
            status: YearStatus::Provisional,
            source: format!(
                "Tạm tính theo Điều 112 Bộ luật Lao động 2019 và âm lịch Việt Nam (Tết {}, Giỗ Tổ {}); \
                 thay bằng thông báo chính thức của Chính phủ khi có.",
                tet.format("%d/%m/%Y"),
                hung.format("%d/%m/%Y")
            ),
            days_off: compensated(year, groups)?,
            make_up_days: Vec::new(),
        })
    }
}

/// Days-off entries for holiday groups, each holiday on a Saturday or Sunday compensated by the
/// next weekday that is neither a holiday nor already a compensation day (Labour Code Art.
/// 112.3). A group and its compensation days form one entry when only weekends and its own days
/// lie between them, else the compensation days get entries of their own.
fn compensated(year: i32, mut groups: [(String, Vec<NaiveDate>); 5]) -> Option<Vec<DaysOff>> {
    use std::collections::BTreeSet;
    let weekend = |d: NaiveDate| matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut taken: BTreeSet<NaiveDate> = groups.iter().flat_map(|g| g.1.clone()).collect();
    groups.sort_by_key(|g| g.1.iter().min().copied());
    let mut out = Vec::new();
    for (name, mut days) in groups {
        days.sort();
        let first = *days.first()?;
        let mut cursor = *days.last()?;
        let mut extra = Vec::new();
        for _ in days.iter().filter(|d| weekend(**d)) {
            loop {
                cursor = cursor.succ_opt()?;
                if !weekend(cursor) && !taken.contains(&cursor) {
                    break;
                }
            }
            taken.insert(cursor);
            extra.push(cursor);
        }
        let mut to = *days.last()?;
        for &c in &extra {
            let joined = to
                .iter_days()
                .skip(1)
                .take_while(|x| *x < c)
                .all(|x| weekend(x) || days.contains(&x));
            if joined {
                to = c;
            } else {
                out.push(DaysOff {
                    name: format!("Nghỉ bù {name}"),
                    from: c,
                    to: c,
                });
            }
        }
        out.push(DaysOff {
            name,
            from: first,
            to,
        });
    }
    out.sort_by_key(|o| o.from);
    // Every day lies in `year`: holidays are fixed dates or lunar dates between late January and
    // April, compensation days a few days after them.
    out.iter().all(|o| o.to.year() == year).then_some(out)
}

/// The sexagenary name of the lunar year that starts in `year` (Giáp Thìn for 2024).
pub fn can_chi(year: i32) -> String {
    const CAN: [&str; 10] = [
        "Canh", "Tân", "Nhâm", "Quý", "Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ",
    ];
    const CHI: [&str; 12] = [
        "Thân", "Dậu", "Tuất", "Hợi", "Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi",
    ];
    let can = CAN[year.rem_euclid(10) as usize];
    let chi = CHI[year.rem_euclid(12) as usize];
    format!("{can} {chi}")
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
    years: Vec<CalendarYear>,
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
        "Asia/Ho_Chi_Minh" | "Asia/Saigon" => Ok(crate::time::VIETNAM),
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

/// One covered year as a calendar lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearSummary {
    pub year: i32,
    pub status: YearStatus,
    pub source: String,
    /// Days off listed (weekends inside a holiday included).
    pub days_off: usize,
    pub make_up_days: usize,
}

/// A working-time calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    zone: FixedOffset,
    hours_per_day: u32,
    weekly: [Vec<Interval>; 7],
    make_up_hours: Vec<Interval>,
    years: BTreeMap<i32, CalendarYear>,
    days_off: BTreeMap<NaiveDate, String>,
    make_up_days: BTreeMap<NaiveDate, String>,
}

impl Calendar {
    /// Load a calendar from the text of a base file: zone, office hours and, optionally, years
    /// (`[[years]]`, each as in a year file).
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
        let mut cal = Calendar {
            name: f.name,
            zone,
            hours_per_day: f.hours_per_working_day,
            weekly,
            make_up_hours,
            years: BTreeMap::new(),
            days_off: BTreeMap::new(),
            make_up_days: BTreeMap::new(),
        };
        for y in f.years {
            if cal.years.contains_key(&y.year) {
                return Err(CalendarError::DuplicateYear(y.year));
            }
            cal.set_year(y)?;
        }
        Ok(cal)
    }

    /// The years shipped with the software (2024–2026 official, 2027 provisional).
    pub fn bundled_years() -> Vec<CalendarYear> {
        BUNDLED_YEARS
            .iter()
            .filter_map(|t| CalendarYear::from_toml(t).ok())
            .collect()
    }

    /// Add the bundled years this calendar does not hold yet.
    pub fn with_bundled_years(mut self) -> Calendar {
        for y in Calendar::bundled_years() {
            if !self.years.contains_key(&y.year) {
                // The bundled files are checked by the tests; one that did not pass would
                // simply leave its year uncovered.
                let _ = self.set_year(y);
            }
        }
        self
    }

    /// The bundled calendar for Vietnamese public servants: 07:00–11:30 and 13:30–17:00 Monday
    /// to Friday, the bundled years.
    pub fn vietnam_default() -> Calendar {
        match Calendar::from_toml(DEFAULT_TOML) {
            Ok(c) => c.with_bundled_years(),
            Err(e) => unreachable_bundled(&e),
        }
    }

    /// Put `year` in place of what the calendar held for that year (after checking it).
    pub fn set_year(&mut self, year: CalendarYear) -> Result<(), CalendarError> {
        year.validate()?;
        let y = year.year;
        let other_year = |d: &NaiveDate, _: &mut String| d.year() != y;
        self.days_off.retain(other_year);
        self.make_up_days.retain(other_year);
        for d in &year.days_off {
            for day in d.from.iter_days().take_while(|x| *x <= d.to) {
                self.days_off.insert(day, d.name.clone());
            }
        }
        for m in &year.make_up_days {
            self.make_up_days.insert(m.date, m.name.clone());
        }
        self.years.insert(y, year);
        Ok(())
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

    /// The years this calendar holds, in order.
    pub fn years(&self) -> Vec<YearSummary> {
        self.years
            .values()
            .map(|y| YearSummary {
                year: y.year,
                status: y.status,
                source: y.source.clone(),
                days_off: y
                    .days_off
                    .iter()
                    .map(|d| (d.to - d.from).num_days() as usize + 1)
                    .sum(),
                make_up_days: y.make_up_days.len(),
            })
            .collect()
    }

    /// The data of one year, if held.
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// Whether the calendar holds the year of `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    /// Whether the days of `date`'s year are provisional (or not held at all).
    pub fn is_provisional(&self, date: NaiveDate) -> bool {
        self.years
            .get(&date.year())
            .is_none_or(|y| y.status == YearStatus::Provisional)
    }

    /// The last day of the run of held years that starts with `date`'s year: deadlines computed
    /// from `date` can reach that far. `None` when `date`'s own year is not held.
    pub fn covered_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        let mut y = date.year();
        if !self.years.contains_key(&y) {
            return None;
        }
        while self.years.contains_key(&(y + 1)) {
            y += 1;
        }
        NaiveDate::from_ymd_opt(y, 12, 31)
    }

    /// The name of the holiday `date` falls in, if any.
    pub fn day_off(&self, date: NaiveDate) -> Option<&str> {
        self.days_off.get(&date).map(String::as_str)
    }

    fn intervals(&self, date: NaiveDate) -> Result<&[Interval], NotCovered> {
        if !self.years.contains_key(&date.year()) {
            return Err(NotCovered { year: date.year() });
        }
        let own = &self.weekly[date.weekday().num_days_from_monday() as usize];
        if self.make_up_days.contains_key(&date) {
            return Ok(if own.is_empty() {
                &self.make_up_hours
            } else {
                own
            });
        }
        if self.days_off.contains_key(&date) {
            return Ok(&[]);
        }
        Ok(own)
    }

    /// Whether `date` has any office hours.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, NotCovered> {
        Ok(!self.intervals(date)?.is_empty())
    }

    /// The office hours of `date` (empty on a day off).
    pub fn office_hours(&self, date: NaiveDate) -> Result<Vec<(NaiveTime, NaiveTime)>, NotCovered> {
        Ok(self.intervals(date)?.to_vec())
    }

    fn local(&self, t: DateTime<FixedOffset>) -> NaiveDateTime {
        t.with_timezone(&self.zone).naive_local()
    }

    fn at(&self, t: NaiveDateTime) -> Result<DateTime<FixedOffset>, NotCovered> {
        t.and_local_timezone(self.zone)
            .single()
            .ok_or(NotCovered { year: t.year() })
    }

    fn next_day(date: NaiveDate) -> Result<NaiveDate, NotCovered> {
        date.succ_opt().ok_or(NotCovered {
            year: date.year().saturating_add(1),
        })
    }

    /// `t` converted to the calendar's zone.
    pub fn in_zone(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.zone)
    }

    /// When something received at `t` starts to count: `t` itself inside office hours, else the
    /// start of the next office-hour interval (regulation Art. 8.1c).
    pub fn next_working_instant(
        &self,
        t: DateTime<FixedOffset>,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        let local = self.local(t);
        let mut date = local.date();
        loop {
            for &(s, e) in self.intervals(date)? {
                let (s, e) = (date.and_time(s), date.and_time(e));
                if local < e {
                    return self.at(local.max(s));
                }
            }
            date = Self::next_day(date)?;
        }
    }

    /// `t` plus `amount` of working time. A zero amount gives `t` if it lies in office hours
    /// (ends included), else the next start of office hours.
    pub fn add_working(
        &self,
        t: DateTime<FixedOffset>,
        amount: Duration,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        let mut remaining = amount.max(Duration::zero());
        let mut from = self.local(t);
        let mut date = from.date();
        // Every pass of the loop moves to the next day and fails on the first day of a year
        // the calendar does not hold, so it ends whatever `amount` is.
        loop {
            for &(s, e) in self.intervals(date)? {
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
            date = Self::next_day(date)?;
            from = date.and_time(NaiveTime::MIN);
        }
    }

    /// `t` plus `hours` working hours.
    pub fn add_working_hours(
        &self,
        t: DateTime<FixedOffset>,
        hours: u32,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        self.add_working(t, Duration::hours(i64::from(hours)))
    }

    /// `t` plus `days` working days, a day being `hours_per_working_day` working hours.
    pub fn add_working_days(
        &self,
        t: DateTime<FixedOffset>,
        days: u32,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        self.add_working(
            t,
            Duration::hours(i64::from(days) * i64::from(self.hours_per_day)),
        )
    }

    /// Working time between two instants; negative when `to` is before `from`.
    pub fn working_between(
        &self,
        from: DateTime<FixedOffset>,
        to: DateTime<FixedOffset>,
    ) -> Result<Duration, NotCovered> {
        if to < from {
            return Ok(-self.working_between(to, from)?);
        }
        let (a, b) = (self.local(from), self.local(to));
        // Both ends must be held: the walk below visits every day between them.
        for d in [a.date(), b.date()] {
            if !self.years.contains_key(&d.year()) {
                return Err(NotCovered { year: d.year() });
            }
        }
        let mut total = Duration::zero();
        let mut date = a.date();
        while date <= b.date() {
            for &(s, e) in self.intervals(date)? {
                let s = date.and_time(s).max(a);
                let e = date.and_time(e).min(b);
                if e > s {
                    total += e - s;
                }
            }
            date = Self::next_day(date)?;
        }
        Ok(total)
    }

    /// The due instant of a procedure's processing time for something received at `received`.
    pub fn due(
        &self,
        received: DateTime<FixedOffset>,
        time: ProcessingTime,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        match time {
            ProcessingTime::WorkingDays(d) => self.add_working_days(received, d),
            ProcessingTime::WorkingHours(h) => self.add_working_hours(received, h),
        }
    }

    /// By when a valid dossier must reach the competent agency: 8 working hours after receipt
    /// (Art. 8.1b).
    pub fn transfer_deadline(
        &self,
        received: DateTime<FixedOffset>,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        self.add_working_hours(received, 8)
    }

    /// By when feedback must be handled: 13 working days after receipt (Art. 21.4).
    pub fn feedback_deadline(
        &self,
        received: DateTime<FixedOffset>,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        self.add_working_days(received, 13)
    }

    /// The due instant after a pause (statuses 5, 6, 8) from `paused_at` to `resumed_at`: moved
    /// later by the working time the pause covered.
    pub fn resume(
        &self,
        due: DateTime<FixedOffset>,
        paused_at: DateTime<FixedOffset>,
        resumed_at: DateTime<FixedOffset>,
    ) -> Result<DateTime<FixedOffset>, NotCovered> {
        let paused = self.working_between(paused_at, resumed_at)?;
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

#[cold]
fn unreachable_bundled(e: &CalendarError) -> Calendar {
    // The bundled base file is compiled in and checked by the tests; this cannot happen in a
    // build that passed them, and a calendar with no office hours would fail every deadline
    // loudly rather than silently.
    panic!("the bundled calendar is invalid: {e}")
}
