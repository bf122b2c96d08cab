//! Looking a dossier up: by code (the replica first), by citizen ID or full name (the server),
//! the receipt's secret (checked by the server), the detail, a scan from any screen, the status
//! slip. Lookups at the server and printing run off the screen ([`super::work`]).

use chrono::{DateTime, FixedOffset};
use motcua_core::Lang;
use motcua_core::public::PublicRow;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::keys::{TelexField, code_keys, edit_plain, edit_telex, number_keys, telex_keys};
use super::{DetailData, Kiosk, LookupMode, LookupState, RowData, Screen, StepData, Ui, with};
use crate::app::{Found, Notice};

/// What the visitor is looking up, and what was found.
#[derive(Default)]
pub(crate) struct Lookup {
    mode: Mode,
    input: String,
    /// The full name typed for a lookup (Telex).
    name: TelexField,
    secret: String,
    rows: Vec<PublicRow>,
    found: Option<Found>,
    /// The slip of the dossier shown is printed: once per dossier shown (quick repeated taps
    /// print nothing more).
    printed: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    #[default]
    Code,
    Citizen,
    Name,
}

fn looking_up() -> Notice {
    Notice::new("Đang tra cứu…", "Looking up…")
}

fn checking() -> Notice {
    Notice::new("Đang kiểm tra mã tra cứu…", "Checking the lookup secret…")
}

pub(crate) fn printing() -> Notice {
    Notice::new("Đang in…", "Printing…")
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

pub(super) fn wire(k: &Kiosk) {
    let g = k.window.global::<LookupState>();
    let inner = k.inner.clone();
    g.on_set_mode(move |m| {
        with(&inner, |ui| {
            ui.activity();
            set_mode(ui, m);
        })
    });
    let inner = k.inner.clone();
    g.on_submit_lookup(move || {
        with(&inner, |ui| {
            ui.activity();
            submit(ui);
        })
    });
    let inner = k.inner.clone();
    g.on_open_row(move |i| {
        with(&inner, |ui| {
            ui.activity();
            open_row(ui, usize::try_from(i).unwrap_or(usize::MAX));
        })
    });
    let inner = k.inner.clone();
    g.on_submit_secret(move || {
        with(&inner, |ui| {
            ui.activity();
            submit_secret(ui);
        })
    });
    let inner = k.inner.clone();
    g.on_print_slip(move || {
        with(&inner, |ui| {
            ui.activity();
            print_slip(ui);
        })
    });
}

fn g<'a>(ui: &'a Ui<'_>) -> LookupState<'a> {
    ui.w.global::<LookupState>()
}

/// Forget the lookup and what it found.
pub(super) fn reset(ui: &Ui<'_>) {
    *ui.k.lookup.borrow_mut() = Lookup::default();
    let g = g(ui);
    g.set_mode(LookupMode::Code);
    g.set_input("".into());
    g.set_secret_input("".into());
    g.set_rows(ModelRc::default());
    g.set_detail(DetailData::default());
    g.set_timeline(ModelRc::default());
    g.set_printed(false);
}

/// The lookup screen opens on the code.
pub(super) fn enter(ui: &Ui<'_>) {
    set_mode(ui, LookupMode::Code);
}

/// Whether typed letters are capitals (a dossier code is being typed).
pub(super) fn wants_capitals(ui: &Ui<'_>) -> bool {
    ui.screen() == Screen::Lookup && ui.k.lookup.borrow().mode == Mode::Code
}

/// The code of the dossier on screen, if any (what a rating is for).
pub(super) fn found_code(ui: &Ui<'_>) -> Option<String> {
    ui.k.lookup
        .borrow()
        .found
        .as_ref()
        .map(|f| f.row.code.clone())
}

fn set_mode(ui: &Ui<'_>, m: LookupMode) {
    let mode = match m {
        LookupMode::Code => Mode::Code,
        LookupMode::Citizen => Mode::Citizen,
        LookupMode::Name => Mode::Name,
    };
    {
        let mut s = ui.k.lookup.borrow_mut();
        s.mode = mode;
        s.input.clear();
        s.name = TelexField::default();
    }
    g(ui).set_mode(m);
    g(ui).set_input("".into());
    ui.notice(None);
    ui.set_keys(match mode {
        Mode::Code => code_keys(),
        Mode::Citizen => number_keys(),
        Mode::Name => telex_keys(),
    });
}

/// A key into the lookup's input, or into the secret.
/// A dossier code's characters as printed: `000.00.01.H16-251110-0001` from
/// `0000001H162511100001`, as far as they go.
pub(crate) fn with_separators(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 5);
    for (i, c) in raw.chars().enumerate() {
        match i {
            3 | 5 | 7 => out.push('.'),
            10 | 16 => out.push('-'),
            _ => {}
        }
        out.push(c);
    }
    out
}

pub(super) fn key(ui: &Ui<'_>, v: &str) {
    // Clearing the field starts over: the message about what was there goes with it.
    if v == "clear" {
        ui.notice(None);
    }
    let mut s = ui.k.lookup.borrow_mut();
    if ui.screen() == Screen::Secret {
        edit_plain(&mut s.secret, v, 4);
        g(ui).set_secret_input("•".repeat(s.secret.len()).into());
        return;
    }
    if s.mode == Mode::Name {
        edit_telex(&mut s.name, v, 80);
        s.input = s.name.text();
    } else {
        let max = if s.mode == Mode::Code { 40 } else { 12 };
        if s.mode == Mode::Code && !s.input.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // A dossier code: the visitor types its digits and letters, the dots and dashes
            // come by themselves (a feedback's PA-… code is typed as it is).
            let mut raw: String = s
                .input
                .chars()
                .filter(|c| !matches!(c, '.' | '-'))
                .collect();
            match v {
                "." | "-" => {}
                _ => edit_plain(&mut raw, v, 22),
            }
            s.input = if raw.starts_with(|c: char| c.is_ascii_alphabetic()) {
                raw
            } else {
                with_separators(&raw)
            };
        } else {
            edit_plain(&mut s.input, v, max);
        }
    }
    g(ui).set_input(s.input.as_str().into());
}

fn submit(ui: &Ui<'_>) {
    let (mode, input) = {
        let s = ui.k.lookup.borrow();
        (s.mode, s.input.clone())
    };
    match mode {
        Mode::Code => ui.off(
            looking_up(),
            move |logic| logic.by_code(&input),
            |ui, r| match r {
                Ok(f) => show_found(ui, f),
                Err(n) => ui.notice(Some(n)),
            },
        ),
        Mode::Citizen | Mode::Name => ui.off(
            looking_up(),
            move |logic| {
                if mode == Mode::Citizen {
                    logic.by_citizen(&input)
                } else {
                    logic.by_name(&input)
                }
            },
            |ui, r| match r {
                Ok(rows) => {
                    let lang = ui.lang();
                    let data: Vec<RowData> = rows.iter().map(|r| row_data(r, lang)).collect();
                    g(ui).set_rows(ModelRc::new(VecModel::from(data)));
                    ui.k.lookup.borrow_mut().rows = rows;
                    ui.notice(None);
                    ui.show(Screen::Results);
                }
                Err(n) => ui.notice(Some(n)),
            },
        ),
    }
}

fn open_row(ui: &Ui<'_>, i: usize) {
    let code = ui.k.lookup.borrow().rows.get(i).map(|r| r.code.clone());
    if let Some(code) = code {
        ui.off(
            looking_up(),
            move |logic| logic.by_code(&code),
            |ui, r| match r {
                Ok(f) => show_found(ui, f),
                Err(n) => ui.notice(Some(n)),
            },
        );
    }
}

/// Show a dossier: its detail when unlocked, else the secret pad.
fn show_found(ui: &Ui<'_>, f: Found) {
    ui.notice(None);
    let unlocked = f.detail.is_some();
    {
        let mut s = ui.k.lookup.borrow_mut();
        s.found = Some(f);
        s.secret.clear();
        s.printed = false;
    }
    g(ui).set_printed(false);
    fill_detail(ui);
    if unlocked {
        ui.show(Screen::Detail);
    } else {
        g(ui).set_secret_input("".into());
        ui.set_keys(number_keys());
        ui.show(Screen::Secret);
    }
}

fn fill_detail(ui: &Ui<'_>) {
    let lang = ui.lang();
    let s = ui.k.lookup.borrow();
    let Some(f) = &s.found else { return };
    let r = &f.row;
    let pick = |vi: &str, en: &str| -> SharedString { ui.pick(vi, en) };
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
        d.late = x.timeliness == Some(motcua_core::Timeliness::Overdue);
        d.next = pick(&x.next_vi, &x.next_en);
        if let Some(p) = ui.logic().payment(x) {
            d.pay = true;
            d.pay_qr = qr_image(&p.payload);
            d.pay_text = pick(&p.vi, &p.en);
        }
        if let Some(a) = &x.apology {
            // An apology does not make a late dossier on time: the screen says both.
            d.apology = match lang {
                Lang::Vi => format!(
                    "Trễ hạn — đã xin lỗi, hẹn lại {}. Lý do: {}",
                    fmt_time(a.new_appointment),
                    a.reason
                ),
                Lang::En => format!(
                    "Late — apologised, new appointment {}. Reason: {}",
                    fmt_time(a.new_appointment),
                    a.reason
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
    g(ui).set_detail(d);
    g(ui).set_timeline(ModelRc::new(VecModel::from(steps)));
}

/// A QR code as an image for the screen: a pixel a module with a quiet zone of four (the
/// screen scales it up without smoothing); an empty image if it cannot be made.
fn qr_image(payload: &str) -> slint::Image {
    use slint::{Rgb8Pixel, SharedPixelBuffer};
    let Ok((n, dark)) =
        motcua_drivers::render::qr_matrix(payload, motcua_drivers::profile::QrEc::M)
    else {
        return slint::Image::default();
    };
    let side = n + 8;
    let Ok(side32) = u32::try_from(side) else {
        return slint::Image::default();
    };
    let mut buf = SharedPixelBuffer::<Rgb8Pixel>::new(side32, side32);
    let white = Rgb8Pixel {
        r: 255,
        g: 255,
        b: 255,
    };
    let black = Rgb8Pixel { r: 0, g: 0, b: 0 };
    for (i, px) in buf.make_mut_slice().iter_mut().enumerate() {
        let (y, x) = (i / side, i % side);
        let on = (4..n + 4).contains(&x)
            && (4..n + 4).contains(&y)
            && dark.get((y - 4) * n + (x - 4)).copied().unwrap_or(false);
        *px = if on { black } else { white };
    }
    slint::Image::from_rgb8(buf)
}

fn submit_secret(ui: &Ui<'_>) {
    let (found, secret) = {
        let s = ui.k.lookup.borrow();
        (s.found.clone(), s.secret.clone())
    };
    let Some(found) = found else { return };
    ui.off(
        checking(),
        move |logic| logic.unlock(&found, &secret),
        |ui, r| match r {
            Ok(f) => show_found(ui, f),
            Err(n) => {
                ui.k.lookup.borrow_mut().secret.clear();
                g(ui).set_secret_input("".into());
                ui.notice(Some(n));
            }
        },
    );
}

/// A scan from the receipt's QR, from any screen.
pub(super) fn scan(ui: &Ui<'_>, raw: &[u8]) {
    let raw = raw.to_vec();
    ui.off(
        looking_up(),
        move |logic| logic.scan(&raw),
        |ui, r| match r {
            Ok(f) => show_found(ui, f),
            Err(n) => {
                if ui.screen() == Screen::Home {
                    ui.show(Screen::Scan);
                }
                ui.notice(Some(n));
            }
        },
    );
}

fn print_slip(ui: &Ui<'_>) {
    let (found, printed) = {
        let s = ui.k.lookup.borrow();
        (s.found.clone(), s.printed)
    };
    let Some(found) = found else { return };
    if printed {
        return;
    }
    let now = ui.now();
    ui.off(
        printing(),
        move |logic| logic.print_status(&found, now),
        |ui, r| match r {
            Ok(()) => {
                // The button says the slip is out and takes no more taps.
                ui.k.lookup.borrow_mut().printed = true;
                g(ui).set_printed(true);
                ui.notice(None);
            }
            Err(n) => ui.notice(Some(n)),
        },
    );
}

/// Refill the rows and the detail in the language now chosen.
pub(super) fn redraw(ui: &Ui<'_>) {
    let lang = ui.lang();
    let rows: Vec<RowData> =
        ui.k.lookup
            .borrow()
            .rows
            .iter()
            .map(|r| row_data(r, lang))
            .collect();
    g(ui).set_rows(ModelRc::new(VecModel::from(rows)));
    fill_detail(ui);
}
