//! The Slint window and what each touch does: the glue between `ui/*.slint` and
//! [`crate::app::Logic`].
//!
//! The shell is here: the header, the screen the visitor is on, the idle countdown and wipe,
//! the language, the orientation, scans and hardware keys, and the settings the server pushes
//! (applied live: the sync thread tells the UI thread through the event loop). Each flow has its
//! controller, with its own state and `reset()` (the idle wipe calls them all) and its own
//! Slint global: [`lookup`] (code, citizen ID, name, secret, detail, scan), [`feedback`],
//! [`rating`], [`procedures`], [`centre`] (contacts), [`queue`] (take a number). Keyboards are in [`keys`]; work that must
//! not hold the screen (online lookups, printing) runs through [`work`].

mod centre;
mod feedback;
mod keys;
mod lookup;
mod procedures;
mod queue;
mod rating;
mod work;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use chrono::{DateTime, FixedOffset};
use motcua_core::Lang;
use slint::ComponentHandle;

use crate::app::{Logic, Notice};
use crate::sync::Health;

pub use feedback::CATEGORIES;

/// The types and components generated from `ui/app.slint`.
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

/// How much larger the screens' texts are in large-text mode.
pub const LARGE_TEXT_ZOOM: f32 = 1.3;

/// What the kiosk's own configuration sets until the server's settings arrive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defaults {
    pub idle_timeout_s: Option<u32>,
    pub landscape: Option<bool>,
    pub language: Option<Lang>,
}

/// Tells a keyboard-wedge scanner's bursts from a person typing, by key timing.
struct Wedge {
    decoder: motcua_drivers::scanner::WedgeDecoder,
    start: std::time::Instant,
    /// Keys reaching the window are not decoded (the scanner is read from its own device, and
    /// its keys would otherwise arrive twice).
    off: bool,
}

/// Everything the screens share, owned by the UI thread.
pub(crate) struct Inner {
    window: slint::Weak<AppWindow>,
    logic: Arc<Logic>,
    health: Arc<Health>,
    now: Rc<dyn Fn() -> DateTime<FixedOffset>>,
    /// The language on screen, and the one a new visitor starts in.
    lang: Cell<Lang>,
    default_lang: Cell<Lang>,
    /// Seconds without a touch, and how many before the wipe.
    idle: Cell<u32>,
    idle_timeout: Cell<u32>,
    /// Counts visitors: a wipe starts a new one, and answers for the old one are dropped.
    generation: Cell<u64>,
    lookup: RefCell<lookup::Lookup>,
    feedback: RefCell<feedback::Feedback>,
    rating: RefCell<rating::Rating>,
    procedures: RefCell<procedures::Procedures>,
    queue: RefCell<queue::Queue>,
    inbox: Arc<work::Inbox>,
    wedge: RefCell<Wedge>,
}

/// The window and the kiosk's state, as one callback sees them.
pub(crate) struct Ui<'a> {
    w: &'a AppWindow,
    k: &'a Rc<Inner>,
}

/// The running kiosk window.
pub struct Kiosk {
    pub window: AppWindow,
    inner: Rc<Inner>,
    _timers: Vec<slint::Timer>,
}

impl std::fmt::Debug for Kiosk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kiosk")
    }
}

/// Run `f` with the window and the state, if the window still exists; a touch counts as
/// activity.
fn with(inner: &Rc<Inner>, f: impl FnOnce(&Ui<'_>)) {
    if let Some(w) = inner.window.upgrade() {
        f(&Ui { w: &w, k: inner });
    }
}

impl Kiosk {
    /// Build the window around `logic`. `now` is the wall clock (tests pass a fixed one).
    pub fn new(
        logic: Logic,
        health: Arc<Health>,
        now: Rc<dyn Fn() -> DateTime<FixedOffset>>,
    ) -> Result<Kiosk, slint::PlatformError> {
        let window = AppWindow::new()?;
        let inner = Rc::new(Inner {
            window: window.as_weak(),
            logic: Arc::new(logic),
            health,
            now,
            lang: Cell::new(Lang::Vi),
            default_lang: Cell::new(Lang::Vi),
            idle: Cell::new(0),
            idle_timeout: Cell::new(motcua_protocol::sync::DEFAULT_IDLE_S),
            generation: Cell::new(0),
            lookup: RefCell::default(),
            feedback: RefCell::default(),
            rating: RefCell::default(),
            procedures: RefCell::default(),
            queue: RefCell::default(),
            inbox: work::inbox(),
            wedge: RefCell::new(Wedge {
                decoder: motcua_drivers::scanner::WedgeDecoder::default(),
                start: std::time::Instant::now(),
                off: false,
            }),
        });
        let mut k = Kiosk {
            window,
            inner,
            _timers: Vec::new(),
        };
        k.wire();
        // The sync thread tells of pages applied to the replica; the UI thread takes it from
        // there.
        let weak = k.window.as_weak();
        k.inner.logic.store.watch(Box::new(move |_changed| {
            let weak = weak.clone();
            let _ = slint::invoke_from_event_loop(move || {
                if let Some(w) = weak.upgrade() {
                    w.invoke_replica_changed();
                }
            });
        }));
        k.ui(|ui| {
            ui.apply_settings(true);
            // The translation is the process's: select this window's language whatever an
            // earlier window chose.
            ui.set_language(ui.k.default_lang.get());
            ui.wipe();
        });
        Ok(k)
    }

    fn ui(&self, f: impl FnOnce(&Ui<'_>)) {
        f(&Ui {
            w: &self.window,
            k: &self.inner,
        });
    }

    /// Take the configuration's settings where the server has not said otherwise yet.
    pub fn apply_defaults(&mut self, d: Defaults) {
        if self.inner.logic.store.settings().ok().flatten().is_some() {
            return;
        }
        self.ui(|ui| {
            if let Some(s) = d.idle_timeout_s {
                ui.k.idle_timeout.set(s);
            }
            if let Some(l) = d.landscape {
                ui.set_landscape(l);
            }
            if let Some(lang) = d.language {
                ui.k.default_lang.set(lang);
                ui.set_language(lang);
            }
        });
    }

    /// Orientation in pixels (`--landscape` on a desktop, or the server's setting).
    pub fn set_landscape(&self, landscape: bool) {
        self.ui(|ui| ui.set_landscape(landscape));
    }

    /// Stop taking keys that reach the window as scans (the scanner is read from its own input
    /// device).
    pub fn ignore_window_keys(&self) {
        self.inner.wedge.borrow_mut().off = true;
    }

    /// Draw no pointer over the window (or draw it again).
    pub fn hide_cursor(&self, hide: bool) {
        self.window.global::<Layout>().set_hide_cursor(hide);
    }

    /// The seconds without a touch before the screen is wiped.
    pub fn idle_timeout(&self) -> u32 {
        self.inner.idle_timeout.get()
    }

    /// Wait (at most 30 s) for work under way off the screen, then take its answers: what the
    /// event loop does by itself when it runs, for a caller driving the window without one.
    /// Whether everything finished.
    pub fn settle(&self) -> bool {
        let done = self
            .inner
            .inbox
            .wait_idle(std::time::Duration::from_secs(30));
        self.ui(|ui| ui.deliver());
        done
    }

    /// Apply what the replica now holds (settings, the centre's texts, the catalogue): what
    /// the event loop does when the sync thread applies a page, for a caller without one.
    pub fn replica_changed(&self) {
        self.ui(|ui| ui.apply_settings(false));
    }

    fn wire(&mut self) {
        let w = &self.window;
        macro_rules! on {
            ($global:ident, $setter:ident, |$ui:ident $(, $arg:ident : $t:ty)*| $body:block) => {{
                let inner = self.inner.clone();
                w.global::<$global>().$setter(move |$($arg: $t),*| {
                    with(&inner, |$ui| {
                        $ui.activity();
                        $body
                    })
                });
            }};
        }
        on!(Shell, on_go, |ui, s: Screen| { ui.go(s) });
        on!(Shell, on_key, |ui, v: slint::SharedString| { ui.key(&v) });
        on!(Shell, on_toggle_language, |ui| {
            let lang = match ui.lang() {
                Lang::Vi => Lang::En,
                Lang::En => Lang::Vi,
            };
            ui.set_language(lang);
        });
        on!(Shell, on_toggle_large_text, |ui| {
            let on = !ui.shell().get_large_text();
            ui.set_large_text(on);
        });
        // Touching anything counts as activity (done by `on!`); nothing else to do.
        on!(Shell, on_still_here, |ui| {});
        on!(Shell, on_call_staff, |ui| { ui.call_staff() });
        lookup::wire(self);
        feedback::wire(self);
        rating::wire(self);
        procedures::wire(self);
        queue::wire(self);
        {
            let inner = self.inner.clone();
            w.on_answers_waiting(move || with(&inner, |ui| ui.deliver()));
        }
        {
            let inner = self.inner.clone();
            w.on_replica_changed(move || with(&inner, |ui| ui.apply_settings(false)));
        }
        {
            let inner = self.inner.clone();
            w.on_hardware_key(move |text| {
                use motcua_drivers::scanner::{WedgeKey, WedgeOut};
                let out = {
                    let mut wd = inner.wedge.borrow_mut();
                    if wd.off {
                        return;
                    }
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
                with(&inner, |ui| {
                    ui.activity();
                    ui.wedge_out(out);
                });
            });
        }

        // Once a second: the clock, the connection badge, the idle countdown.
        let inner = self.inner.clone();
        self.every(std::time::Duration::from_secs(1), move || {
            with(&inner, |ui| ui.tick());
        });

        // A run of keys that stopped without Enter was typed by a person.
        let inner = self.inner.clone();
        self.every(std::time::Duration::from_millis(100), move || {
            let out = {
                let mut wd = inner.wedge.borrow_mut();
                let at = wd.start.elapsed();
                wd.decoder.tick(at)
            };
            with(&inner, |ui| ui.wedge_out(out));
        });
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
        let inner = self.inner.clone();
        self.every(std::time::Duration::from_millis(100), move || {
            while let Ok(ev) = rx.try_recv() {
                let s = match ev {
                    ScannerEvent::Scan(raw) => {
                        with(&inner, |ui| {
                            ui.activity();
                            ui.scan(&raw);
                        });
                        continue;
                    }
                    ScannerEvent::Connected => motcua_core::devices::ScannerState::Connected,
                    ScannerEvent::Disconnected => motcua_core::devices::ScannerState::Disconnected,
                    ScannerEvent::Noise => {
                        with(&inner, |ui| {
                            ui.notice(Some(Notice::new(
                                "Không đọc được mã vừa quét. Vui lòng quét lại.",
                                "The scan could not be read. Please scan again.",
                            )))
                        });
                        continue;
                    }
                };
                if let Ok(mut scanner) = inner.health.scanner.lock() {
                    *scanner = s;
                }
            }
        });
    }

    /// A scan, as if it came from the scanner (keyboard-wedge scanners and tests).
    pub fn scan(&self, raw: &[u8]) {
        self.ui(|ui| ui.scan(raw));
    }

    /// The logic behind the window.
    pub fn logic(&self) -> &Logic {
        &self.inner.logic
    }

    pub fn run(&self) -> Result<(), slint::PlatformError> {
        self.window.run()
    }
}

impl Ui<'_> {
    fn shell(&self) -> Shell<'_> {
        self.w.global::<Shell>()
    }

    pub(crate) fn lang(&self) -> Lang {
        self.k.lang.get()
    }

    /// One of two texts, in the language on screen.
    pub(crate) fn pick(&self, vi: &str, en: &str) -> slint::SharedString {
        if self.lang() == Lang::Vi { vi } else { en }.into()
    }

    pub(crate) fn now(&self) -> DateTime<FixedOffset> {
        (self.k.now)()
    }

    pub(crate) fn logic(&self) -> &Logic {
        &self.k.logic
    }

    pub(crate) fn screen(&self) -> Screen {
        self.shell().get_screen()
    }

    pub(crate) fn show(&self, s: Screen) {
        self.shell().set_screen(s);
    }

    pub(crate) fn set_keys(&self, keys: slint::ModelRc<slint::ModelRc<KeyData>>) {
        use slint::Model;
        // The widest row, a wide key counting as its width: the keyboard sizes its keys by it.
        let columns = keys
            .iter()
            .map(|row| row.iter().map(|k| k.wide.max(1)).sum::<i32>())
            .max()
            .unwrap_or(1);
        self.shell().set_key_columns(columns);
        self.shell().set_keys(keys);
    }

    /// Large text for an older visitor: the screens' texts a third larger (the header keeps
    /// its size); the next visitor starts with the usual size.
    fn set_large_text(&self, on: bool) {
        self.shell().set_large_text(on);
        self.w
            .global::<Layout>()
            .set_zoom(if on { LARGE_TEXT_ZOOM } else { 1.0 });
    }

    fn activity(&self) {
        self.k.idle.set(0);
        self.shell().set_idle_countdown(0);
    }

    pub(crate) fn notice(&self, n: Option<Notice>) {
        let lang = self.lang();
        self.shell()
            .set_message(n.map(|n| n.get(lang).to_owned()).unwrap_or_default().into());
    }

    fn set_language(&self, lang: Lang) {
        self.k.lang.set(lang);
        let _ = slint::select_bundled_translation(match lang {
            Lang::Vi => "",
            Lang::En => "en",
        });
        self.shell().set_english(lang == Lang::En);
        self.redraw();
    }

    fn set_landscape(&self, landscape: bool) {
        let was = self.shell().get_landscape();
        self.shell().set_landscape(landscape);
        self.w.global::<Layout>().set_compact(landscape);
        self.w
            .global::<Layout>()
            .set_screen_width(if landscape { 1920.0 } else { 1080.0 });
        let (w, h) = if landscape {
            (1920.0, 1080.0)
        } else {
            (1080.0, 1920.0)
        };
        let window = self.w.window();
        let now = window.size().to_logical(window.scale_factor());
        // Turned, or not yet at the screen's size (a window opens at whatever size its backend
        // gives it first).
        if was != landscape || (now.width, now.height) != (w, h) {
            window.set_size(slint::WindowSize::Logical(slint::LogicalSize::new(w, h)));
        }
    }

    /// Whether the kiosk waits for the next visitor (home, nothing said, nothing typed).
    /// Nothing of a visitor is left: home, no message, nothing under way, the first language.
    /// (A language chosen on the home screen and left counts as a visitor's: it is reset.)
    fn at_rest(&self) -> bool {
        self.screen() == Screen::Home
            && self.shell().get_message().is_empty()
            && !self.busy()
            && self.lang() == self.k.default_lang.get()
            && !self.shell().get_large_text()
    }

    /// Take the settings the server pushed (idle timeout, orientation, language, rating scale)
    /// and what the replica now holds (the centre's texts, the catalogue). A visitor in the
    /// middle of something keeps their language; the next one starts in the new default.
    fn apply_settings(&self, starting: bool) {
        if let Some(s) = self.logic().store.settings().ok().flatten() {
            let c = &s.config;
            if motcua_protocol::sync::IDLE_RANGE_S.contains(&c.idle_timeout_s) {
                self.k.idle_timeout.set(c.idle_timeout_s);
            }
            self.set_landscape(matches!(
                c.orientation,
                motcua_protocol::sync::Orientation::Landscape
            ));
            // At rest as it stood before the new first language: then the screen takes it now.
            let rest = self.at_rest();
            self.k.default_lang.set(c.language);
            if !starting && rest && self.lang() != c.language {
                self.set_language(c.language);
            }
        }
        centre::refresh(self);
        match self.screen() {
            Screen::Rating | Screen::RatingCriteria => rating::fill(self),
            Screen::Procedures => procedures::filter(self),
            _ => {}
        }
    }

    fn tick(&self) {
        let now = self.now();
        self.shell()
            .set_clock_time(now.format("%H:%M").to_string().into());
        self.shell()
            .set_clock_date(now.format("%d/%m/%Y").to_string().into());
        self.shell()
            .set_offline(!self.k.health.online.load(Ordering::Relaxed));
        if self.at_rest() {
            self.k.idle.set(0);
            return;
        }
        let idle = self.k.idle.get() + 1;
        self.k.idle.set(idle);
        let timeout = self.k.idle_timeout.get();
        if idle >= timeout {
            // The visitor has gone: the next one starts afresh, in the default language.
            self.wipe();
            let lang = self.k.default_lang.get();
            if self.lang() != lang {
                self.set_language(lang);
            }
            self.set_large_text(false);
        } else if idle + COUNTDOWN_S >= timeout {
            self.shell().set_idle_countdown((timeout - idle) as i32);
        }
    }

    /// Forget everything the visitor typed or saw and return home (the language stays: the idle
    /// wipe returns to the default one).
    pub(crate) fn wipe(&self) {
        self.k.generation.set(self.k.generation.get() + 1);
        self.k.idle.set(0);
        lookup::reset(self);
        feedback::reset(self);
        rating::reset(self);
        procedures::reset(self);
        queue::reset(self);
        let shell = self.shell();
        shell.set_idle_countdown(0);
        shell.set_message("".into());
        shell.set_screen(Screen::Home);
        if !self.busy() {
            shell.set_busy("".into());
        }
    }

    fn go(&self, s: Screen) {
        self.notice(None);
        match s {
            Screen::Home => return self.wipe(),
            Screen::Lookup => lookup::enter(self),
            Screen::Feedback => feedback::enter(self),
            Screen::Rating | Screen::RatingCriteria => rating::enter(self, s),
            Screen::Procedures => procedures::enter(self),
            Screen::Queue => queue::enter(self),
            Screen::CheckIn => queue::enter_check_in(self),
            _ => {}
        }
        self.show(s);
    }

    /// A key of an on-screen keyboard, into the field being typed.
    pub(crate) fn key(&self, v: &str) {
        if self.busy() {
            return;
        }
        match self.screen() {
            Screen::Lookup | Screen::Secret => lookup::key(self, v),
            Screen::Feedback => feedback::key(self, v),
            Screen::Procedures => procedures::key(self, v),
            Screen::CheckIn => queue::key(self, v),
            _ => {}
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
                            let c = if lookup::wants_capitals(self) {
                                c.to_ascii_uppercase()
                            } else {
                                c
                            };
                            self.key(&c.to_string());
                        }
                        WedgeKey::Enter | WedgeKey::Tab => {}
                    }
                }
            }
        }
    }

    /// A visitor asks for help: the next heartbeat (within seconds) says so, and the fleet page
    /// shows it at once; the screen says someone is coming.
    fn call_staff(&self) {
        if let Ok(mut at) = self.k.health.help_requested_at.lock() {
            *at = Some((self.k.now)());
        }
        self.notice(Some(Notice::new(
            "Đã báo cán bộ hỗ trợ. Xin quý vị chờ trong giây lát tại kiosk.",
            "Staff have been called. Please wait a moment at the kiosk.",
        )));
    }

    /// A scan: a booking's QR checks it in; anything else is a receipt to look up.
    fn scan(&self, raw: &[u8]) {
        if self.busy() {
            return;
        }
        self.activity();
        // The fleet console's enrolment QR, scanned by the technician setting the kiosk up.
        if let Some(code) = motcua_drivers::qr::enrolment_in_scan(raw) {
            let n = if self.k.health.enrolled.load(Ordering::Relaxed) {
                Notice::new(
                    "Kiosk đã được đăng ký với máy chủ.",
                    "This kiosk is enrolled already.",
                )
            } else {
                if let Ok(mut slot) = self.k.health.enrolment.lock() {
                    *slot = Some(code);
                }
                Notice::new(
                    "Đã nhận mã đăng ký: kiosk đang đăng ký với máy chủ…",
                    "Enrolment code read: the kiosk is enrolling with the server…",
                )
            };
            self.notice(Some(n));
            return;
        }
        match motcua_drivers::qr::booking_in_scan(raw) {
            Some(code) => queue::check_in(self, code.digits()),
            None => lookup::scan(self, raw),
        }
    }

    /// Refill what is on screen in the language now chosen.
    fn redraw(&self) {
        lookup::redraw(self);
        feedback::redraw(self);
        rating::fill(self);
        centre::refresh(self);
        queue::redraw(self);
        if self.screen() == Screen::Procedures {
            procedures::filter(self);
        }
        self.notice(None);
    }
}
