//! The catalogue of procedures, searched by words without marks; one procedure in full.

use motcua_core::{Lang, ProcessingTime};
use motcua_protocol::catalogue::Procedure;
use slint::{ComponentHandle, Model, ModelRc, VecModel};

use super::keys::{edit_plain, telex_keys};
use super::{Kiosk, ProcData, ProceduresState, Screen, Ui, with};

/// The search typed, and the procedures it shows.
#[derive(Default)]
pub(crate) struct Procedures {
    search: String,
    shown: Vec<Procedure>,
}

fn g<'a>(ui: &'a Ui<'_>) -> ProceduresState<'a> {
    ui.w.global::<ProceduresState>()
}

fn processing_time(t: &ProcessingTime, lang: Lang) -> String {
    match (t, lang) {
        (ProcessingTime::WorkingDays(n), Lang::Vi) => format!("{n} ngày làm việc"),
        (ProcessingTime::WorkingDays(n), Lang::En) => format!("{n} working days"),
        (ProcessingTime::WorkingHours(n), Lang::Vi) => format!("{n} giờ làm việc"),
        (ProcessingTime::WorkingHours(n), Lang::En) => format!("{n} working hours"),
    }
}

pub(super) fn wire(k: &Kiosk) {
    let inner = k.inner.clone();
    k.window.global::<ProceduresState>().on_open(move |i| {
        with(&inner, |ui| {
            ui.activity();
            if let Some(p) = usize::try_from(i)
                .ok()
                .and_then(|i| g(ui).get_procedures().row_data(i))
            {
                g(ui).set_procedure(p);
                ui.show(Screen::Procedure);
            }
        })
    });
}

pub(super) fn reset(ui: &Ui<'_>) {
    *ui.k.procedures.borrow_mut() = Procedures::default();
    g(ui).set_search("".into());
    g(ui).set_procedures(ModelRc::default());
    g(ui).set_procedure(ProcData::default());
}

pub(super) fn enter(ui: &Ui<'_>) {
    ui.set_keys(telex_keys());
    filter(ui);
}

pub(super) fn key(ui: &Ui<'_>, v: &str) {
    {
        let mut s = ui.k.procedures.borrow_mut();
        edit_plain(&mut s.search, v, 40);
        g(ui).set_search(s.search.as_str().into());
    }
    filter(ui);
}

/// Show the procedures whose name or field holds the words searched, marks aside.
pub(super) fn filter(ui: &Ui<'_>) {
    let lang = ui.lang();
    let q = motcua_core::text::fold(&ui.k.procedures.borrow().search);
    let mut all = ui.logic().store.procedures().unwrap_or_default();
    all.sort_by(|a, b| a.field.cmp(&b.field).then(a.name.cmp(&b.name)));
    let agencies = ui.logic().store.agencies().unwrap_or_default();
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
                ui.pick("Không thu phí", "No fee")
            } else {
                p.fees
                    .iter()
                    .map(|f| {
                        format!(
                            "{}: {} đồng",
                            f.name,
                            motcua_core::public::thousands(f.amount)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into()
            },
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
    g(ui).set_procedures(ModelRc::new(VecModel::from(data)));
    ui.k.procedures.borrow_mut().shown = shown;
}
