//! Taking a queue number: the services (with people waiting and the estimate, from the server
//! when it answers, else from the configuration the kiosk holds), an optional priority, then the
//! ticket, printed at once. Offline the number comes from the kiosk's own block and says so.

use motcua_core::queue::Priority;
use motcua_protocol::queue::TicketView;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{Kiosk, QueueLineData, QueueState, Screen, TargetData, Ui, with};
use crate::app::{Notice, QueueLine};

/// What the visitor chose and got.
#[derive(Default)]
pub(crate) struct Queue {
    lines: Vec<QueueLine>,
    priority: Option<Priority>,
    ticket: Option<TicketView>,
    /// A booking code as typed (digits only).
    code: String,
}

fn g<'a>(ui: &'a Ui<'_>) -> QueueState<'a> {
    ui.w.global::<QueueState>()
}

pub(super) fn wire(k: &Kiosk) {
    let st = k.window.global::<QueueState>();
    let inner = k.inner.clone();
    st.on_choose_priority(move |i| {
        with(&inner, |ui| {
            ui.activity();
            let chosen = usize::try_from(i)
                .ok()
                .and_then(|i| Priority::ALL.get(i))
                .copied();
            let mut s = ui.k.queue.borrow_mut();
            s.priority = if s.priority == chosen { None } else { chosen };
            drop(s);
            redraw(ui);
        })
    });
    let inner = k.inner.clone();
    st.on_check_in(move || {
        with(&inner, |ui| {
            ui.activity();
            let code = ui.k.queue.borrow().code.clone();
            check_in(ui, code);
        })
    });
    let inner = k.inner.clone();
    st.on_take(move |i| {
        with(&inner, |ui| {
            ui.activity();
            take(ui, usize::try_from(i).unwrap_or(usize::MAX));
        })
    });
}

/// Open the screen: the services as the server (or the kiosk) knows them now.
pub(super) fn enter(ui: &Ui<'_>) {
    let now = ui.now();
    ui.off(
        Notice::new("Đang tải…", "Loading…"),
        move |logic| logic.queue_lines(now),
        |ui, lines| match lines {
            Ok(lines) => {
                ui.k.queue.borrow_mut().lines = lines;
                redraw(ui);
            }
            Err(n) => ui.notice(Some(n)),
        },
    );
}

/// Open the booking check-in: a number pad for the code.
pub(super) fn enter_check_in(ui: &Ui<'_>) {
    ui.k.queue.borrow_mut().code.clear();
    ui.set_keys(super::keys::number_keys());
    redraw(ui);
}

/// A key into the booking code.
pub(super) fn key(ui: &Ui<'_>, v: &str) {
    super::keys::edit_plain(&mut ui.k.queue.borrow_mut().code, v, 10);
    redraw(ui);
}

/// The code as shown while typed: `12345-67890`.
fn shown_code(code: &str) -> String {
    match code.get(..5) {
        Some(head) if code.len() > 5 => format!("{head}-{}", &code[5..]),
        _ => code.to_owned(),
    }
}

/// Check a booking in (typed, or scanned from any screen): its ticket, printed at once.
pub(super) fn check_in(ui: &Ui<'_>, code: String) {
    ui.off(
        Notice::new("Đang xác nhận lịch hẹn…", "Confirming the booking…"),
        move |logic| {
            let t = logic.check_in(&code)?;
            let printed = logic.print_ticket(&t);
            Ok::<_, Notice>((t, printed))
        },
        |ui, r| match r {
            Ok((t, printed)) => issued(ui, t, printed),
            Err(n) => {
                if ui.screen() != Screen::CheckIn {
                    ui.show(Screen::CheckIn);
                    enter_check_in(ui);
                }
                ui.notice(Some(n));
            }
        },
    );
}

/// A ticket in hand: the number on screen; a slip that did not print is said.
fn issued(ui: &Ui<'_>, t: TicketView, printed: Result<(), Notice>) {
    ui.k.queue.borrow_mut().ticket = Some(t);
    redraw(ui);
    ui.show(Screen::QueueDone);
    // The number stays on screen when the slip did not print.
    ui.notice(printed.err().map(|n| {
        Notice::new(
            format!("{} Vui lòng ghi nhớ số thứ tự của quý vị.", n.vi),
            format!("{} Please remember your number.", n.en),
        )
    }));
}

fn take(ui: &Ui<'_>, i: usize) {
    let (letter, priority) = {
        let s = ui.k.queue.borrow();
        match s.lines.get(i) {
            Some(l) if l.issuing => (l.letter, s.priority),
            _ => return,
        }
    };
    let now = ui.now();
    ui.off(
        Notice::new("Đang lấy số…", "Taking a number…"),
        move |logic| {
            let t = logic.take_number(letter, priority, now)?;
            let printed = logic.print_ticket(&t);
            Ok::<_, Notice>((t, printed))
        },
        |ui, r| match r {
            Ok((t, printed)) => issued(ui, t, printed),
            Err(n) => {
                ui.notice(Some(n));
                enter(ui);
            }
        },
    );
}

pub(super) fn reset(ui: &Ui<'_>) {
    *ui.k.queue.borrow_mut() = Queue::default();
    redraw(ui);
}

/// Fill the screens in the language now chosen.
pub(super) fn redraw(ui: &Ui<'_>) {
    let lang = ui.lang();
    let s = ui.k.queue.borrow();
    let time = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M %d/%m").to_string();
    let lines: Vec<QueueLineData> = s
        .lines
        .iter()
        .map(|l| {
            let detail = if !l.issuing {
                match l.next_open {
                    Some(t) => ui.pick(
                        &format!("Tạm ngừng cấp số · mở lại lúc {}", time(t)),
                        &format!("Not issuing now · opens at {}", time(t)),
                    ),
                    None => ui.pick("Tạm ngừng cấp số", "Not issuing now"),
                }
            } else {
                match (l.waiting, l.wait_minutes) {
                    (Some(w), Some(m)) => ui.pick(
                        &format!("{w} người đang chờ · khoảng {m} phút"),
                        &format!("{w} waiting · about {m} min"),
                    ),
                    (Some(w), None) => {
                        ui.pick(&format!("{w} người đang chờ"), &format!("{w} waiting"))
                    }
                    _ => ui.pick("Đang cấp số", "Issuing numbers"),
                }
            };
            QueueLineData {
                letter: l.letter.to_string().into(),
                name: ui.pick(&l.name_vi, &l.name_en),
                detail,
                open: l.issuing,
            }
        })
        .collect();
    let priorities: Vec<TargetData> = Priority::ALL
        .iter()
        .map(|p| TargetData {
            label: p.label(lang).into(),
            selected: s.priority == Some(*p),
        })
        .collect();
    let g = g(ui);
    g.set_booking_code(shown_code(&s.code).into());
    g.set_lines(ModelRc::new(VecModel::from(lines)));
    g.set_priorities(ModelRc::new(VecModel::from(priorities)));
    match &s.ticket {
        Some(t) => {
            g.set_number(t.number.clone().into());
            g.set_service(ui.pick(&t.service_vi, &t.service_en));
            let mut info = Vec::new();
            if let Some(b) = t.booked_for {
                let hm = b.format("%H:%M");
                info.push(ui.pick(&format!("Theo lịch hẹn {hm}"), &format!("Booked for {hm}")));
            }
            if let Some(p) = t.priority {
                info.push(ui.pick(
                    &format!("Ưu tiên: {}", p.label(motcua_core::Lang::Vi)),
                    &format!("Priority: {}", p.label(motcua_core::Lang::En)),
                ));
            }
            if let Some(a) = t.ahead {
                info.push(ui.pick(
                    &format!("{a} người đang chờ trước quý vị"),
                    &format!("{a} ahead of you"),
                ));
            }
            if let Some(m) = t.wait_minutes {
                info.push(ui.pick(
                    &format!("thời gian chờ khoảng {m} phút"),
                    &format!("about {m} min to wait"),
                ));
            }
            g.set_info(info.join(" · ").into());
            g.set_offline(t.offline);
        }
        None => {
            g.set_number("".into());
            g.set_service("".into());
            g.set_info("".into());
            g.set_offline(false);
        }
    }
}
