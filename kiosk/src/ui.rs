//! The Slint window and what each touch does: the glue between `ui/app.slint` and
//! [`crate::app::Logic`]. Input is typed on on-screen keyboards (Telex for names and feedback);
//! a scan from the scanner opens the dossier from any screen; after the idle timeout (with a
//! visible countdown) every input and result is wiped and the home screen returns.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use chrono::{DateTime, FixedOffset};
use motcua_core::public::PublicRow;
use motcua_core::text::{Telex, ToneStyle};
use motcua_core::{Lang, ProcessingTime};
use motcua_protocol::catalogue::Procedure;
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use crate::app::{Found, Logic, Notice};
use crate::sync::Health;

/// The types and component generated from `ui/app.slint`.
#[allow(
    missing_debug_implementations,
    unsafe_code,
    clippy::all,
    clippy::pedantic
)]
mod generated {
    slint::include_modules!();
}
pub use generated::*;

/// Seconds of countdown shown before the screen is wiped.
pub const COUNTDOWN_S: u32 = 10;

/// Feedback categories offered on the kiosk.
pub const CATEGORIES: [(&str, &str); 4] = [
    ("Thái độ phục vụ", "Staff attitude"),
    ("Thủ tục, giấy tờ", "Procedures and papers"),
    ("Thời gian giải quyết", "Processing time"),
    ("Cơ sở vật chất", "Facilities"),
];

#[derive(Default)]
struct State {
    lang: Lang,
    mode: Mode,
    input: String,
    /// The full name typed for a lookup.
    name_lookup: TelexField,
    secret: String,
    rows: Vec<PublicRow>,
    found: Option<Found>,
    category: usize,
    content: TelexField,
    name: TelexField,
    phone: String,
    consent: bool,
    field: Field,
    tracking: String,
    search: String,
    shown_procedures: Vec<Procedure>,
    rating: RatingDraft,
    idle: u32,
}

/// What is rated on the kiosk.
#[derive(Clone, PartialEq, Eq)]
enum RatingTarget {
    Dossier(String),
    /// The centre as a whole.
    Centre,
    Counter(motcua_protocol::centre::Counter),
}

/// A rating being chosen: nothing is stored before the visitor sends it.
#[derive(Default)]
struct RatingDraft {
    targets: Vec<RatingTarget>,
    target: usize,
    level: u8,
    /// A level per criterion of [`motcua_core::rating::CRITERIA`]; 0 = not answered.
    criteria: [u8; motcua_core::rating::CRITERIA.len()],
}

/// Tells a keyboard-wedge scanner's bursts from a person typing, by key timing.
struct Wedge {
    decoder: motcua_drivers::scanner::WedgeDecoder,
    start: std::time::Instant,
}

/// A Telex-composed field.
#[derive(Default)]
struct TelexField(Option<Telex>);

impl TelexField {
    fn get(&mut self) -> &mut Telex {
        self.0.get_or_insert_with(|| Telex::new(ToneStyle::Modern))
    }
    fn text(&self) -> String {
        self.0.as_ref().map(Telex::text).unwrap_or_default()
    }
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    #[default]
    Code,
    Citizen,
    Name,
}

/// The running kiosk window.
pub struct Kiosk {
    pub window: AppWindow,
    logic: Rc<Logic>,
    state: Rc<RefCell<State>>,
    health: Arc<Health>,
    /// Seconds without a touch before the wipe (shared with the once-a-second timer).
    idle_timeout: Rc<std::cell::Cell<u32>>,
    now: Rc<dyn Fn() -> DateTime<FixedOffset>>,
    wedge: Rc<RefCell<Wedge>>,
    _timers: Vec<slint::Timer>,
}

impl std::fmt::Debug for Kiosk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kiosk")
    }
}

fn key(label: &str, value: &str, wide: i32) -> KeyData {
    KeyData {
        label: label.into(),
        value: value.into(),
        wide,
    }
}

fn rows_of(rows: Vec<Vec<KeyData>>) -> ModelRc<ModelRc<KeyData>> {
    let v: Vec<ModelRc<KeyData>> = rows
        .into_iter()
        .map(|r| ModelRc::new(VecModel::from(r)))
        .collect();
    ModelRc::new(VecModel::from(v))
}

fn letters(lower: bool) -> Vec<Vec<KeyData>> {
    ["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"]
        .iter()
        .map(|r| {
            r.chars()
                .map(|c| {
                    let s = if lower {
                        c.to_ascii_lowercase().to_string()
                    } else {
                        c.to_string()
                    };
                    key(&s, &s, 1)
                })
                .collect()
        })
        .collect()
}

fn digits_row() -> Vec<KeyData> {
    "1234567890"
        .chars()
        .map(|c| key(&c.to_string(), &c.to_string(), 1))
        .collect()
}

/// Keys for typing dossier codes: digits, capitals, dot and dash.
fn code_keys() -> ModelRc<ModelRc<KeyData>> {
    let mut rows = vec![digits_row()];
    rows.extend(letters(false));
    rows.push(vec![
        key(".", ".", 1),
        key("-", "-", 1),
        key("⌫", "⌫", 2),
        key("Xoá hết", "clear", 3),
    ]);
    rows_of(rows)
}

/// A numeric pad.
fn number_keys() -> ModelRc<ModelRc<KeyData>> {
    rows_of(vec![
        vec![key("1", "1", 1), key("2", "2", 1), key("3", "3", 1)],
        vec![key("4", "4", 1), key("5", "5", 1), key("6", "6", 1)],
        vec![key("7", "7", 1), key("8", "8", 1), key("9", "9", 1)],
        vec![key("⌫", "⌫", 1), key("0", "0", 1), key("Xoá", "clear", 1)],
    ])
}

/// A Vietnamese keyboard: letters typed with Telex (aa → â, ow → ơ, s f r x j → tones).
fn telex_keys() -> ModelRc<ModelRc<KeyData>> {
    let mut rows = vec![digits_row()];
    rows.extend(letters(true));
    rows.push(vec![
        key("⌫", "⌫", 2),
        key("Dấu cách", " ", 4),
        key(",", ",", 1),
        key(".", ".", 1),
        key("Xoá hết", "clear", 2),
    ]);
    rows_of(rows)
}

fn fmt_time(t: DateTime<FixedOffset>) -> String {
    t.format("%H:%M %d/%m/%Y").to_string()
}

fn row_data(r: &PublicRow, lang: Lang) -> RowData {
    RowData {
        code: r.code.as_str().into(),
        procedure: r.procedure.as_str().into(),
        masked_name: r.masked_name.as_str().into(),
        received: fmt_time(r.received_at).into(),
        appointment: fmt_time(r.appointment).into(),
        status: match lang {
            Lang::Vi => r.status_vi.as_str(),
            Lang::En => r.status_en.as_str(),
        }
        .into(),
    }
}

fn target_label(t: &RatingTarget, lang: Lang) -> String {
    match (t, lang) {
        (RatingTarget::Dossier(code), Lang::Vi) => format!("Hồ sơ {code}"),
        (RatingTarget::Dossier(code), Lang::En) => format!("Dossier {code}"),
        (RatingTarget::Centre, Lang::Vi) => "Trung tâm nói chung".into(),
        (RatingTarget::Centre, Lang::En) => "The centre in general".into(),
        (RatingTarget::Counter(c), lang) => {
            let mut s = match lang {
                Lang::Vi => format!("Quầy {} · {}", c.number, c.name),
                Lang::En => format!("Counter {} · {}", c.number, c.name),
            };
            if !c.officer.is_empty() {
                s.push_str(&format!(" ({})", c.officer));
            }
            s
        }
    }
}

fn processing_time(t: &ProcessingTime, lang: Lang) -> String {
    match (t, lang) {
        (ProcessingTime::WorkingDays(n), Lang::Vi) => format!("{n} ngày làm việc"),
        (ProcessingTime::WorkingDays(n), Lang::En) => format!("{n} working days"),
        (ProcessingTime::WorkingHours(n), Lang::Vi) => format!("{n} giờ làm việc"),
        (ProcessingTime::WorkingHours(n), Lang::En) => format!("{n} working hours"),
    }
}

/// What the kiosk's own configuration sets until the server's settings arrive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defaults {
    pub idle_timeout_s: Option<u32>,
    pub landscape: Option<bool>,
    pub language: Option<Lang>,
}

impl Kiosk {
    /// Take the configuration's settings where the server has not said otherwise yet.
    pub fn apply_defaults(&mut self, d: Defaults) {
        if self.logic.store.settings().ok().flatten().is_some() {
            return;
        }
        if let Some(s) = d.idle_timeout_s {
            self.idle_timeout.set(s);
        }
        if let Some(l) = d.landscape {
            self.set_landscape(l);
        }
        if let Some(lang) = d.language {
            self.state.borrow_mut().lang = lang;
            self.set_language(lang);
        }
    }

    /// Build the window around `logic`. `now` is the wall clock (tests pass a fixed one).
    pub fn new(
        logic: Logic,
        health: Arc<Health>,
        now: Rc<dyn Fn() -> DateTime<FixedOffset>>,
    ) -> Result<Kiosk, slint::PlatformError> {
        let window = AppWindow::new()?;
        let settings = logic.store.settings().ok().flatten();
        let idle_timeout = settings.as_ref().map_or(60, |s| s.config.idle_timeout_s);
        let lang = settings.as_ref().map_or(Lang::Vi, |s| s.config.language);
        let landscape = settings.as_ref().is_some_and(|s| {
            matches!(
                s.config.orientation,
                motcua_protocol::sync::Orientation::Landscape
            )
        });
        window.set_landscape(landscape);
        window.global::<Layout>().set_compact(landscape);
        let mut k = Kiosk {
            window,
            logic: Rc::new(logic),
            state: Rc::new(RefCell::new(State {
                lang,
                ..State::default()
            })),
            health,
            idle_timeout: Rc::new(std::cell::Cell::new(idle_timeout)),
            now,
            wedge: Rc::new(RefCell::new(Wedge {
                decoder: motcua_drivers::scanner::WedgeDecoder::default(),
                start: std::time::Instant::now(),
            })),
            _timers: Vec::new(),
        };
        k.set_language(lang);
        k.wire();
        k.refresh_static();
        k.ctx().wipe();
        Ok(k)
    }

    /// Orientation in pixels (`--landscape` on a desktop, or the server's setting).
    pub fn set_landscape(&self, landscape: bool) {
        self.window.set_landscape(landscape);
        self.window.global::<Layout>().set_compact(landscape);
    }

    fn set_language(&self, lang: Lang) {
        let _ = slint::select_bundled_translation(match lang {
            Lang::Vi => "",
            Lang::En => "en",
        });
        self.window.set_english(lang == Lang::En);
    }

    /// Texts from the replica: centre, contacts, categories.
    fn refresh_static(&self) {
        let lang = self.state.borrow().lang;
        let w = &self.window;
        if let Ok(Some(c)) = self.logic.store.centre() {
            w.set_centre_name(c.name.as_str().into());
            w.set_hotline(c.hotline.as_str().into());
            w.set_hours(c.hours.as_str().into());
            w.set_address(c.address.as_str().into());
            w.set_postal(c.postal.as_str().into());
            w.set_fees_info(c.fees.as_str().into());
        }
        let contacts: Vec<ContactData> = self
            .logic
            .store
            .agencies()
            .unwrap_or_default()
            .into_iter()
            .filter(|a| !a.phone.is_empty())
            .map(|a| ContactData {
                name: a.name.into(),
                phone: a.phone.into(),
                address: a.address.into(),
            })
            .collect();
        w.set_contacts(ModelRc::new(VecModel::from(contacts)));
        let cats: Vec<SharedString> = CATEGORIES
            .iter()
            .map(|(vi, en)| if lang == Lang::Vi { *vi } else { *en }.into())
            .collect();
        w.set_categories(ModelRc::new(VecModel::from(cats)));
    }

    fn wire(&mut self) {
        macro_rules! on {
            ($setter:ident, |$k:ident $(, $arg:ident : $t:ty)*| $body:block) => {{
                let sh = self.shared();
                self.window.$setter(move |$($arg: $t),*| {
                    sh.with(|$k| {
                        $k.activity();
                        $body
                    })
                });
            }};
        }
        on!(on_go, |k, s: Screen| { k.go(s) });
        on!(on_set_mode, |k, m: LookupMode| { k.set_mode(m) });
        on!(on_focus_field, |k, f: Field| {
            k.state.borrow_mut().field = f;
            k.window.set_field(f);
            k.keys_for_field();
        });
        on!(on_key, |k, v: SharedString| { k.key(&v) });
        on!(on_submit_lookup, |k| { k.submit_lookup() });
        on!(on_open_row, |k, i: i32| { k.open_row(i as usize) });
        on!(on_submit_secret, |k| { k.submit_secret() });
        on!(on_print_slip, |k| { k.print_slip() });
        on!(on_choose_category, |k, c: SharedString| {
            let i = CATEGORIES
                .iter()
                .position(|(vi, en)| *vi == c.as_str() || *en == c.as_str())
                .unwrap_or(0);
            k.state.borrow_mut().category = i;
            k.window.set_category(c);
        });
        on!(on_toggle_consent, |k| {
            let c = !k.state.borrow().consent;
            k.state.borrow_mut().consent = c;
            k.window.set_consent(c);
        });
        on!(on_submit_feedback, |k| { k.submit_feedback() });
        on!(on_print_feedback, |k| {
            let code = k.state.borrow().tracking.clone();
            let r = k.logic.print_feedback(&code, (k.now)());
            k.notice(r.err());
        });
        on!(on_choose_target, |k, i: i32| {
            let n = k.state.borrow().rating.targets.len();
            if (0..n as i32).contains(&i) {
                k.state.borrow_mut().rating.target = i as usize;
                k.fill_rating();
            }
        });
        on!(on_choose_level, |k, l: i32| {
            k.state.borrow_mut().rating.level = u8::try_from(l).unwrap_or(0);
            k.fill_rating();
        });
        on!(on_choose_criterion, |k, c: i32, l: i32| {
            if let Some(slot) = k.state.borrow_mut().rating.criteria.get_mut(c as usize) {
                // Touching the chosen level again clears the answer.
                let l = u8::try_from(l).unwrap_or(0);
                *slot = if *slot == l { 0 } else { l };
            }
            k.fill_rating();
        });
        on!(on_submit_rating, |k| { k.submit_rating() });
        on!(on_open_procedure, |k, i: i32| {
            k.open_procedure(i as usize)
        });
        on!(on_toggle_language, |k| {
            let lang = match k.state.borrow().lang {
                Lang::Vi => Lang::En,
                Lang::En => Lang::Vi,
            };
            k.state.borrow_mut().lang = lang;
            let _ = slint::select_bundled_translation(if lang == Lang::En { "en" } else { "" });
            k.window.set_english(lang == Lang::En);
            k.redraw();
        });
        // Touching anything counts as activity (done by `on!`); nothing else to do.
        on!(on_still_here, |k| {});
        {
            let (sh, wedge) = (self.shared(), self.wedge.clone());
            self.window.on_hardware_key(move |text| {
                use motcua_drivers::scanner::{WedgeKey, WedgeOut};
                let out = {
                    let mut wd = wedge.borrow_mut();
                    let at = wd.start.elapsed();
                    let mut out = WedgeOut::Pending;
                    for c in text.chars() {
                        let key = match c {
                            '\n' | '\r' => WedgeKey::Enter,
                            '\t' => WedgeKey::Tab,
                            c if c.is_control() => continue,
                            c => WedgeKey::Char(c),
                        };
                        out = wd.decoder.key(key, at);
                    }
                    out
                };
                sh.with(|k| {
                    k.activity();
                    k.wedge_out(out);
                });
            });
        }

        // Once a second: the clock, the connection badge, the idle countdown.
        let (sh, health, timeout) = (
            self.shared(),
            self.health.clone(),
            self.idle_timeout.clone(),
        );
        self.every(std::time::Duration::from_secs(1), move || {
            sh.with(|k| k.tick(timeout.get(), &health));
        });

        // A run of keys that stopped without Enter was typed by a person.
        let (sh, wedge) = (self.shared(), self.wedge.clone());
        self.every(std::time::Duration::from_millis(100), move || {
            let out = {
                let mut wd = wedge.borrow_mut();
                let at = wd.start.elapsed();
                wd.decoder.tick(at)
            };
            sh.with(|k| k.wedge_out(out));
        });
    }

    fn shared(&self) -> Shared {
        Shared {
            window: self.window.as_weak(),
            state: self.state.clone(),
            logic: self.logic.clone(),
            now: self.now.clone(),
        }
    }

    /// Run `f` every `period` while the window lives.
    fn every(&mut self, period: std::time::Duration, f: impl FnMut() + 'static) {
        let timer = slint::Timer::default();
        timer.start(slint::TimerMode::Repeated, period, f);
        self._timers.push(timer);
    }

    /// Route scans from a scanner thread into the window (checked ten times a second).
    pub fn attach_scanner(&mut self, rx: Receiver<motcua_drivers::scanner::ScannerEvent>) {
        use motcua_drivers::scanner::ScannerEvent;
        let (sh, health) = (self.shared(), self.health.clone());
        self.every(std::time::Duration::from_millis(100), move || {
            while let Ok(ev) = rx.try_recv() {
                let s = match ev {
                    ScannerEvent::Scan(raw) => {
                        sh.with(|k| {
                            k.activity();
                            k.scan(&raw);
                        });
                        continue;
                    }
                    ScannerEvent::Connected => motcua_core::devices::ScannerState::Connected,
                    ScannerEvent::Disconnected => motcua_core::devices::ScannerState::Disconnected,
                    ScannerEvent::Noise => {
                        sh.with(|k| {
                            k.notice(Some(Notice::new(
                                "Không đọc được mã vừa quét. Vui lòng quét lại.",
                                "The scan could not be read. Please scan again.",
                            )))
                        });
                        continue;
                    }
                };
                *health.scanner.lock().expect("health lock") = s;
            }
        });
    }

    /// A scan, as if it came from the scanner (keyboard-wedge scanners and tests).
    pub fn scan(&self, raw: &[u8]) {
        self.ctx().scan(raw);
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            window: &self.window,
            state: &self.state,
            logic: &self.logic,
            now: &self.now,
        }
    }

    /// The logic behind the window.
    pub fn logic(&self) -> &Logic {
        &self.logic
    }

    pub fn run(&self) -> Result<(), slint::PlatformError> {
        self.window.run()
    }
}

/// What every callback and timer needs, cheap to clone into closures.
#[derive(Clone)]
struct Shared {
    window: slint::Weak<AppWindow>,
    state: Rc<RefCell<State>>,
    logic: Rc<Logic>,
    now: Rc<dyn Fn() -> DateTime<FixedOffset>>,
}

impl Shared {
    /// Run `f` with the window, if it still exists.
    fn with(&self, f: impl FnOnce(&Ctx<'_>)) {
        if let Some(window) = self.window.upgrade() {
            f(&Ctx {
                window: &window,
                state: &self.state,
                logic: &self.logic,
                now: &self.now,
            });
        }
    }
}

struct Ctx<'a> {
    window: &'a AppWindow,
    state: &'a Rc<RefCell<State>>,
    logic: &'a Rc<Logic>,
    now: &'a Rc<dyn Fn() -> DateTime<FixedOffset>>,
}

impl Ctx<'_> {
    fn lang(&self) -> Lang {
        self.state.borrow().lang
    }

    fn activity(&self) {
        self.state.borrow_mut().idle = 0;
        self.window.set_idle_countdown(0);
    }

    fn notice(&self, n: Option<Notice>) {
        let lang = self.lang();
        self.window
            .set_message(n.map(|n| n.get(lang).to_owned()).unwrap_or_default().into());
    }

    fn tick(&self, timeout: u32, health: &Health) {
        let now = (self.now)();
        self.window
            .set_clock(now.format("%H:%M  %d/%m/%Y").to_string().into());
        self.window
            .set_offline(!health.online.load(Ordering::Relaxed));
        let at_rest =
            self.window.get_screen() == Screen::Home && self.window.get_message().is_empty();
        if at_rest {
            self.state.borrow_mut().idle = 0;
            return;
        }
        let idle = {
            let mut s = self.state.borrow_mut();
            s.idle += 1;
            s.idle
        };
        if idle >= timeout {
            self.wipe();
        } else if idle + COUNTDOWN_S >= timeout {
            self.window.set_idle_countdown((timeout - idle) as i32);
        }
    }

    /// Forget everything the visitor typed or saw and return home.
    fn wipe(&self) {
        {
            let mut s = self.state.borrow_mut();
            let lang = s.lang;
            *s = State {
                lang,
                ..State::default()
            };
        }
        let w = self.window;
        w.set_idle_countdown(0);
        w.set_input("".into());
        w.set_secret_input("".into());
        w.set_rows(ModelRc::default());
        w.set_detail(DetailData::default());
        w.set_timeline(ModelRc::default());
        w.set_content("".into());
        w.set_visitor_name("".into());
        w.set_phone("".into());
        w.set_consent(false);
        w.set_category("".into());
        w.set_tracking_code("".into());
        w.set_search("".into());
        w.set_procedures(ModelRc::default());
        w.set_rating_targets(ModelRc::default());
        w.set_rating_level(0);
        w.set_criteria(ModelRc::default());
        w.set_message("".into());
        w.set_mode(LookupMode::Code);
        w.set_field(Field::None);
        w.set_screen(Screen::Home);
    }

    fn go(&self, s: Screen) {
        self.notice(None);
        match s {
            Screen::Home => return self.wipe(),
            Screen::Lookup => {
                self.set_mode(LookupMode::Code);
            }
            Screen::Feedback => {
                self.state.borrow_mut().field = Field::Content;
                self.window.set_field(Field::Content);
                self.window.set_keys(telex_keys());
                if self.window.get_category().is_empty() {
                    let c = CATEGORIES[0];
                    self.window
                        .set_category(if self.lang() == Lang::Vi { c.0 } else { c.1 }.into());
                }
            }
            // Back from the criteria: the draft stays.
            Screen::Rating | Screen::RatingCriteria
                if matches!(
                    self.window.get_screen(),
                    Screen::Rating | Screen::RatingCriteria
                ) =>
            {
                self.fill_rating();
            }
            Screen::Rating => {
                let dossier = self
                    .state
                    .borrow()
                    .found
                    .as_ref()
                    .map(|f| f.row.code.clone());
                let counters = self
                    .logic
                    .store
                    .centre()
                    .ok()
                    .flatten()
                    .map(|c| c.counters)
                    .unwrap_or_default();
                let mut targets = vec![dossier.map_or(RatingTarget::Centre, RatingTarget::Dossier)];
                targets.extend(counters.into_iter().map(RatingTarget::Counter));
                self.state.borrow_mut().rating = RatingDraft {
                    targets,
                    ..RatingDraft::default()
                };
                self.fill_rating();
            }
            Screen::Procedures => {
                self.state.borrow_mut().field = Field::Search;
                self.window.set_keys(telex_keys());
                self.filter_procedures();
            }
            _ => {}
        }
        self.window.set_screen(s);
    }

    fn set_mode(&self, m: LookupMode) {
        let mode = match m {
            LookupMode::Code => Mode::Code,
            LookupMode::Citizen => Mode::Citizen,
            LookupMode::Name => Mode::Name,
        };
        {
            let mut s = self.state.borrow_mut();
            s.mode = mode;
            s.input.clear();
            s.name_lookup = TelexField::default();
        }
        self.window.set_mode(m);
        self.window.set_input("".into());
        self.notice(None);
        self.window.set_keys(match mode {
            Mode::Code => code_keys(),
            Mode::Citizen => number_keys(),
            Mode::Name => telex_keys(),
        });
    }

    fn keys_for_field(&self) {
        let f = self.state.borrow().field;
        self.window.set_keys(match f {
            Field::Phone | Field::Secret => number_keys(),
            _ => telex_keys(),
        });
    }

    /// A key of an on-screen keyboard, into the field being typed.
    fn key(&self, v: &str) {
        let screen = self.window.get_screen();
        let mut s = self.state.borrow_mut();
        let edit_plain = |buf: &mut String, max: usize| match v {
            "⌫" => {
                buf.pop();
            }
            "clear" => buf.clear(),
            _ if buf.chars().count() < max => buf.push_str(v),
            _ => {}
        };
        let edit_telex = |t: &mut Telex, max: usize| match v {
            "⌫" => t.backspace(),
            "clear" => t.clear(),
            _ if t.text().chars().count() < max => {
                for c in v.chars() {
                    t.key(c);
                }
            }
            _ => {}
        };
        match screen {
            Screen::Lookup => {
                if s.mode == Mode::Name {
                    edit_telex(s.name_lookup.get(), 80);
                    s.input = s.name_lookup.text();
                } else {
                    let max = if s.mode == Mode::Code { 40 } else { 12 };
                    edit_plain(&mut s.input, max);
                }
                self.window.set_input(s.input.as_str().into());
            }
            Screen::Secret => {
                edit_plain(&mut s.secret, 4);
                self.window
                    .set_secret_input("•".repeat(s.secret.len()).into());
            }
            Screen::Feedback => match s.field {
                Field::Name => {
                    edit_telex(s.name.get(), 60);
                    self.window.set_visitor_name(s.name.text().into());
                }
                Field::Phone => {
                    edit_plain(&mut s.phone, 11);
                    self.window.set_phone(s.phone.as_str().into());
                }
                _ => {
                    edit_telex(s.content.get(), 1000);
                    self.window.set_content(s.content.text().into());
                }
            },
            Screen::Procedures => {
                edit_plain(&mut s.search, 40);
                self.window.set_search(s.search.as_str().into());
                drop(s);
                self.filter_procedures();
            }
            _ => {}
        }
    }

    fn submit_lookup(&self) {
        let (mode, input) = {
            let s = self.state.borrow();
            (s.mode, s.input.clone())
        };
        let lang = self.lang();
        match mode {
            Mode::Code => match self.logic.by_code(&input) {
                Ok(f) => self.show_found(f),
                Err(n) => self.notice(Some(n)),
            },
            Mode::Citizen | Mode::Name => {
                let r = if mode == Mode::Citizen {
                    self.logic.by_citizen(&input)
                } else {
                    self.logic.by_name(&input)
                };
                match r {
                    Ok(rows) => {
                        let data: Vec<RowData> = rows.iter().map(|r| row_data(r, lang)).collect();
                        self.window.set_rows(ModelRc::new(VecModel::from(data)));
                        self.state.borrow_mut().rows = rows;
                        self.notice(None);
                        self.window.set_screen(Screen::Results);
                    }
                    Err(n) => self.notice(Some(n)),
                }
            }
        }
    }

    fn open_row(&self, i: usize) {
        let code = self.state.borrow().rows.get(i).map(|r| r.code.clone());
        if let Some(code) = code {
            match self.logic.by_code(&code) {
                Ok(f) => self.show_found(f),
                Err(n) => self.notice(Some(n)),
            }
        }
    }

    /// Show a dossier: its detail when unlocked, else the secret pad.
    fn show_found(&self, f: Found) {
        self.notice(None);
        let unlocked = f.detail.is_some();
        self.state.borrow_mut().found = Some(f);
        self.state.borrow_mut().secret.clear();
        self.fill_detail();
        if unlocked {
            self.window.set_screen(Screen::Detail);
        } else {
            self.window.set_secret_input("".into());
            self.state.borrow_mut().field = Field::Secret;
            self.window.set_keys(number_keys());
            self.window.set_screen(Screen::Secret);
        }
    }

    fn fill_detail(&self) {
        let lang = self.lang();
        let s = self.state.borrow();
        let Some(f) = &s.found else { return };
        let r = &f.row;
        let pick =
            |vi: &str, en: &str| -> SharedString { if lang == Lang::Vi { vi } else { en }.into() };
        let mut d = DetailData {
            code: r.code.as_str().into(),
            procedure: r.procedure.as_str().into(),
            masked_name: r.masked_name.as_str().into(),
            received: fmt_time(r.received_at).into(),
            appointment: fmt_time(r.appointment).into(),
            status: pick(&r.status_vi, &r.status_en),
            ..DetailData::default()
        };
        let mut steps = Vec::new();
        if let Some(x) = &f.detail {
            d.unlocked = true;
            d.agency = x.agency.as_str().into();
            d.channel = x.channel.label(lang).into();
            d.step = pick(&x.step_vi, &x.step_en);
            d.timeliness = x.timeliness.map(|t| t.label(lang)).unwrap_or("").into();
            d.overdue = x.overdue;
            d.next = pick(&x.next_vi, &x.next_en);
            if let Some(a) = &x.apology {
                d.apology = match lang {
                    Lang::Vi => format!(
                        "{} — hẹn trả mới: {}",
                        a.reason,
                        fmt_time(a.new_appointment)
                    ),
                    Lang::En => format!(
                        "{} — new appointment: {}",
                        a.reason,
                        fmt_time(a.new_appointment)
                    ),
                }
                .into();
            }
            steps = x
                .timeline
                .iter()
                .map(|t| StepData {
                    at: fmt_time(t.at).into(),
                    text: pick(&t.vi, &t.en),
                })
                .collect();
        }
        self.window.set_detail(d);
        self.window
            .set_timeline(ModelRc::new(VecModel::from(steps)));
    }

    fn submit_secret(&self) {
        let (found, secret) = {
            let s = self.state.borrow();
            (s.found.clone(), s.secret.clone())
        };
        let Some(found) = found else { return };
        match self.logic.unlock(&found, &secret) {
            Ok(f) => self.show_found(f),
            Err(n) => {
                self.state.borrow_mut().secret.clear();
                self.window.set_secret_input("".into());
                self.notice(Some(n));
            }
        }
    }

    /// What the wedge decoder made of the keys: a scan opens the dossier; typing goes into the
    /// field on screen as if pressed on the on-screen keyboard.
    fn wedge_out(&self, out: motcua_drivers::scanner::WedgeOut) {
        use motcua_drivers::scanner::{WedgeKey, WedgeOut};
        match out {
            WedgeOut::Pending => {}
            WedgeOut::Scan(s) => self.scan(s.as_bytes()),
            WedgeOut::Typed(keys) => {
                for key in keys {
                    match key {
                        WedgeKey::Char('\u{8}') => self.key("⌫"),
                        WedgeKey::Char(c) => {
                            let upper = self.window.get_screen() == Screen::Lookup
                                && self.state.borrow().mode == Mode::Code;
                            let c = if upper { c.to_ascii_uppercase() } else { c };
                            self.key(&c.to_string());
                        }
                        WedgeKey::Enter | WedgeKey::Tab => {}
                    }
                }
            }
        }
    }

    fn scan(&self, raw: &[u8]) {
        match self.logic.scan(raw) {
            Ok(f) => self.show_found(f),
            Err(n) => {
                if self.window.get_screen() == Screen::Home {
                    self.window.set_screen(Screen::Scan);
                }
                self.notice(Some(n));
            }
        }
    }

    fn print_slip(&self) {
        let found = self.state.borrow().found.clone();
        let Some(found) = found else { return };
        let r = self.logic.print_status(&found, (self.now)());
        match r {
            Ok(()) => self.notice(None),
            Err(n) => self.notice(Some(n)),
        }
    }

    fn submit_feedback(&self) {
        let (cat, content, name, phone, consent) = {
            let s = self.state.borrow();
            (
                CATEGORIES[s.category].0,
                s.content.text(),
                s.name.text(),
                s.phone.clone(),
                s.consent,
            )
        };
        match self
            .logic
            .feedback(cat, &content, &name, &phone, consent, (self.now)())
        {
            Ok(code) => {
                self.state.borrow_mut().tracking = code.clone();
                // What was typed is gone from the screen; only the code stays.
                self.window.set_content("".into());
                self.window.set_visitor_name("".into());
                self.window.set_phone("".into());
                {
                    let mut s = self.state.borrow_mut();
                    s.content = TelexField::default();
                    s.name = TelexField::default();
                    s.phone.clear();
                    s.consent = false;
                }
                self.window.set_consent(false);
                self.window.set_tracking_code(code.into());
                self.notice(None);
                self.window.set_screen(Screen::FeedbackDone);
            }
            Err(n) => self.notice(Some(n)),
        }
    }

    /// Show the rating being chosen: targets, the scale's levels, the criteria.
    fn fill_rating(&self) {
        let lang = self.lang();
        let scale = self.logic.rating_scale();
        let n = scale.levels();
        let colors = [
            slint::Color::from_rgb_u8(0xb9, 0x1c, 0x1c),
            slint::Color::from_rgb_u8(0xc2, 0x41, 0x0c),
            slint::Color::from_rgb_u8(0x6b, 0x72, 0x80),
            slint::Color::from_rgb_u8(0x15, 0x80, 0x3d),
            slint::Color::from_rgb_u8(0x04, 0x78, 0x57),
        ];
        let faces = ["☹", "☹", "☺", "☺", "☺"];
        let levels: Vec<LevelData> = (1..=n)
            .rev()
            .map(|l| {
                let i = if n == 3 {
                    [0, 2, 4][l as usize - 1]
                } else {
                    l as usize - 1
                };
                LevelData {
                    level: l as i32,
                    label: scale.label(l, lang).unwrap_or_default().into(),
                    face: faces[i].into(),
                    color: colors[i],
                }
            })
            .collect();
        let w = self.window;
        w.set_levels(ModelRc::new(VecModel::from(levels)));
        let s = self.state.borrow();
        let r = &s.rating;
        let targets: Vec<TargetData> = r
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| TargetData {
                label: target_label(t, lang).into(),
                selected: i == r.target,
            })
            .collect();
        w.set_rating_targets(ModelRc::new(VecModel::from(targets)));
        let criteria: Vec<CriterionData> = motcua_core::rating::CRITERIA
            .iter()
            .zip(r.criteria)
            .map(|((_, vi, en), level)| CriterionData {
                label: if lang == Lang::Vi { *vi } else { *en }.into(),
                level: level.into(),
            })
            .collect();
        w.set_criteria(ModelRc::new(VecModel::from(criteria)));
        w.set_rating_level(r.level.into());
    }

    fn submit_rating(&self) {
        let choice = {
            let s = self.state.borrow();
            let r = &s.rating;
            let mut c = crate::app::RatingChoice {
                level: r.level,
                ..Default::default()
            };
            match r.targets.get(r.target) {
                Some(RatingTarget::Dossier(code)) => c.dossier = Some(code.clone()),
                Some(RatingTarget::Counter(counter)) => {
                    c.counter = Some(counter.number);
                    c.officer = Some(counter.officer.clone()).filter(|o| !o.is_empty());
                }
                Some(RatingTarget::Centre) | None => {}
            }
            c.criteria = motcua_core::rating::CRITERIA
                .iter()
                .zip(r.criteria)
                .filter(|(_, l)| *l > 0)
                .map(|((key, _, _), l)| ((*key).to_owned(), l))
                .collect();
            c
        };
        match self.logic.rate(&choice, (self.now)()) {
            Ok(()) => {
                self.state.borrow_mut().rating = RatingDraft::default();
                self.notice(None);
                self.window.set_screen(Screen::RatingDone);
            }
            Err(n) => self.notice(Some(n)),
        }
    }

    fn filter_procedures(&self) {
        let lang = self.lang();
        let q = motcua_core::text::fold(&self.state.borrow().search);
        let mut all = self.logic.store.procedures().unwrap_or_default();
        all.sort_by(|a, b| a.field.cmp(&b.field).then(a.name.cmp(&b.name)));
        let agencies = self.logic.store.agencies().unwrap_or_default();
        let agency_name = |c: &str| {
            agencies
                .iter()
                .find(|a| a.code.as_str() == c)
                .map_or_else(|| c.to_owned(), |a| a.name.clone())
        };
        let shown: Vec<Procedure> = all
            .into_iter()
            .filter(|p| {
                q.is_empty()
                    || motcua_core::text::fold(&p.name).contains(&q)
                    || motcua_core::text::fold(&p.field).contains(&q)
            })
            .collect();
        let data: Vec<ProcData> = shown
            .iter()
            .map(|p| ProcData {
                id: p.id.as_str().into(),
                name: p.name.as_str().into(),
                field: p.field.as_str().into(),
                time: processing_time(&p.processing_time, lang).into(),
                fees: if p.fees.is_empty() {
                    if lang == Lang::Vi {
                        "Không thu phí"
                    } else {
                        "No fee"
                    }
                    .to_owned()
                } else {
                    p.fees
                        .iter()
                        .map(|f| format!("{}: {} đ", f.name, f.amount))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                .into(),
                documents: p
                    .documents
                    .iter()
                    .map(|d| format!("• {}", d.name))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into(),
                agency: agency_name(p.agency.as_str()).into(),
                channels: p
                    .channels
                    .iter()
                    .map(|c| c.label(lang))
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            })
            .collect();
        self.window
            .set_procedures(ModelRc::new(VecModel::from(data)));
        self.state.borrow_mut().shown_procedures = shown;
    }

    fn open_procedure(&self, i: usize) {
        if let Some(p) = self.window.get_procedures().row_data(i) {
            self.window.set_procedure(p);
            self.window.set_screen(Screen::Procedure);
        }
    }

    /// Refill what is on screen in the new language.
    fn redraw(&self) {
        let lang = self.lang();
        let rows: Vec<RowData> = self
            .state
            .borrow()
            .rows
            .iter()
            .map(|r| row_data(r, lang))
            .collect();
        self.window.set_rows(ModelRc::new(VecModel::from(rows)));
        self.fill_detail();
        self.fill_rating();
        if self.window.get_screen() == Screen::Procedures {
            self.filter_procedures();
        }
        self.notice(None);
    }
}
