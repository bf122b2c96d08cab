//! A feedback (phản ánh, kiến nghị): the category, the content typed with Telex, an optional
//! name and phone with consent; into the outbox with its tracking code; a receipt to print.

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::keys::{TelexField, edit_plain, edit_telex, number_keys, telex_keys};
use super::{FeedbackState, Field, Kiosk, Screen, Ui, with};

/// Feedback categories offered on the kiosk.
pub const CATEGORIES: [(&str, &str); 4] = [
    ("Thái độ phục vụ", "Staff attitude"),
    ("Thủ tục, giấy tờ", "Procedures and papers"),
    ("Thời gian giải quyết", "Processing time"),
    ("Cơ sở vật chất", "Facilities"),
];

/// A feedback being written, then its tracking code.
#[derive(Default)]
pub(crate) struct Feedback {
    category: usize,
    content: TelexField,
    name: TelexField,
    phone: String,
    consent: bool,
    field: Field,
    tracking: String,
}

fn g<'a>(ui: &'a Ui<'_>) -> FeedbackState<'a> {
    ui.w.global::<FeedbackState>()
}

pub(super) fn wire(k: &Kiosk) {
    let st = k.window.global::<FeedbackState>();
    let inner = k.inner.clone();
    st.on_focus_field(move |f| {
        with(&inner, |ui| {
            ui.activity();
            ui.k.feedback.borrow_mut().field = f;
            g(ui).set_field(f);
            ui.set_keys(match f {
                Field::Phone => number_keys(),
                _ => telex_keys(),
            });
        })
    });
    let inner = k.inner.clone();
    st.on_choose_category(move |c| {
        with(&inner, |ui| {
            ui.activity();
            let i = CATEGORIES
                .iter()
                .position(|(vi, en)| *vi == c.as_str() || *en == c.as_str())
                .unwrap_or(0);
            ui.k.feedback.borrow_mut().category = i;
            g(ui).set_category(c);
        })
    });
    let inner = k.inner.clone();
    st.on_toggle_consent(move || {
        with(&inner, |ui| {
            ui.activity();
            let c = !ui.k.feedback.borrow().consent;
            ui.k.feedback.borrow_mut().consent = c;
            g(ui).set_consent(c);
        })
    });
    let inner = k.inner.clone();
    st.on_submit(move || {
        with(&inner, |ui| {
            ui.activity();
            submit(ui);
        })
    });
    let inner = k.inner.clone();
    st.on_print(move || {
        with(&inner, |ui| {
            ui.activity();
            let code = ui.k.feedback.borrow().tracking.clone();
            let now = ui.now();
            ui.off(
                super::lookup::printing(),
                move |logic| logic.print_feedback(&code, now),
                |ui, r| ui.notice(r.err()),
            );
        })
    });
}

/// Forget what was typed, the code included.
pub(super) fn reset(ui: &Ui<'_>) {
    *ui.k.feedback.borrow_mut() = Feedback::default();
    let g = g(ui);
    g.set_field(Field::None);
    g.set_content("".into());
    g.set_visitor_name("".into());
    g.set_phone("".into());
    g.set_consent(false);
    g.set_category("".into());
    g.set_tracking_code("".into());
    redraw(ui);
}

/// The feedback screen opens on the content, with the first category chosen.
pub(super) fn enter(ui: &Ui<'_>) {
    ui.k.feedback.borrow_mut().field = Field::Content;
    g(ui).set_field(Field::Content);
    ui.set_keys(telex_keys());
    let i = ui.k.feedback.borrow().category;
    let (vi, en) = CATEGORIES[i];
    g(ui).set_category(ui.pick(vi, en));
}

/// A key into the field being typed.
pub(super) fn key(ui: &Ui<'_>, v: &str) {
    let mut s = ui.k.feedback.borrow_mut();
    match s.field {
        Field::Name => {
            edit_telex(&mut s.name, v, 60);
            g(ui).set_visitor_name(s.name.text().into());
        }
        Field::Phone => {
            edit_plain(&mut s.phone, v, 11);
            g(ui).set_phone(s.phone.as_str().into());
        }
        _ => {
            edit_telex(&mut s.content, v, 1000);
            g(ui).set_content(s.content.text().into());
        }
    }
}

fn submit(ui: &Ui<'_>) {
    let (cat, content, name, phone, consent) = {
        let s = ui.k.feedback.borrow();
        (
            CATEGORIES[s.category].0,
            s.content.text(),
            s.name.text(),
            s.phone.clone(),
            s.consent,
        )
    };
    match ui
        .logic()
        .feedback(cat, &content, &name, &phone, consent, ui.now())
    {
        Ok(code) => {
            // What was typed is gone from the screen; only the code stays.
            {
                let mut s = ui.k.feedback.borrow_mut();
                s.content = TelexField::default();
                s.name = TelexField::default();
                s.phone.clear();
                s.consent = false;
                s.tracking = code.clone();
            }
            let g = g(ui);
            g.set_content("".into());
            g.set_visitor_name("".into());
            g.set_phone("".into());
            g.set_consent(false);
            g.set_tracking_code(code.into());
            ui.notice(None);
            ui.show(Screen::FeedbackDone);
        }
        Err(n) => ui.notice(Some(n)),
    }
}

/// The categories (and the one chosen) in the language now chosen.
pub(super) fn redraw(ui: &Ui<'_>) {
    let cats: Vec<SharedString> = CATEGORIES.iter().map(|(vi, en)| ui.pick(vi, en)).collect();
    g(ui).set_categories(ModelRc::new(VecModel::from(cats)));
    if !g(ui).get_category().is_empty() {
        let (vi, en) = CATEGORIES[ui.k.feedback.borrow().category];
        g(ui).set_category(ui.pick(vi, en));
    }
}
