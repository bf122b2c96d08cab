//! A rating: what is rated (the dossier just looked up, the centre, or one of its counters), a
//! level of the scale the server set, and optionally the criteria of the national index; nothing
//! is stored before the visitor sends it.

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{CriterionData, Kiosk, LevelData, RatingState, Screen, TargetData, Ui, with};
use motcua_core::Lang;

/// What is rated on the kiosk.
#[derive(Clone, PartialEq, Eq)]
enum Target {
    Dossier(String),
    /// The centre as a whole.
    Centre,
    Counter(motcua_protocol::centre::Counter),
}

/// A rating being chosen.
#[derive(Default)]
pub(crate) struct Rating {
    targets: Vec<Target>,
    target: usize,
    level: u8,
    /// A level per criterion of [`motcua_core::rating::CRITERIA`]; 0 = not answered.
    criteria: [u8; motcua_core::rating::CRITERIA.len()],
}

fn g<'a>(ui: &'a Ui<'_>) -> RatingState<'a> {
    ui.w.global::<RatingState>()
}

fn target_label(t: &Target, lang: Lang) -> String {
    match (t, lang) {
        (Target::Dossier(code), Lang::Vi) => format!("Hồ sơ {code}"),
        (Target::Dossier(code), Lang::En) => format!("Dossier {code}"),
        (Target::Centre, Lang::Vi) => "Trung tâm nói chung".into(),
        (Target::Centre, Lang::En) => "The centre in general".into(),
        (Target::Counter(c), lang) => {
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

pub(super) fn wire(k: &Kiosk) {
    let st = k.window.global::<RatingState>();
    let inner = k.inner.clone();
    st.on_choose_target(move |i| {
        with(&inner, |ui| {
            ui.activity();
            let n = ui.k.rating.borrow().targets.len();
            if let Ok(i) = usize::try_from(i)
                && i < n
            {
                ui.k.rating.borrow_mut().target = i;
                fill(ui);
            }
        })
    });
    let inner = k.inner.clone();
    st.on_choose_level(move |l| {
        with(&inner, |ui| {
            ui.activity();
            ui.k.rating.borrow_mut().level = u8::try_from(l).unwrap_or(0);
            fill(ui);
        })
    });
    let inner = k.inner.clone();
    st.on_choose_criterion(move |c, l| {
        with(&inner, |ui| {
            ui.activity();
            if let Ok(c) = usize::try_from(c)
                && let Some(slot) = ui.k.rating.borrow_mut().criteria.get_mut(c)
            {
                // Touching the chosen level again clears the answer.
                let l = u8::try_from(l).unwrap_or(0);
                *slot = if *slot == l { 0 } else { l };
            }
            fill(ui);
        })
    });
    let inner = k.inner.clone();
    st.on_submit(move || {
        with(&inner, |ui| {
            ui.activity();
            submit(ui);
        })
    });
}

/// Forget the draft.
pub(super) fn reset(ui: &Ui<'_>) {
    *ui.k.rating.borrow_mut() = Rating::default();
    let g = g(ui);
    g.set_targets(ModelRc::default());
    g.set_level(0);
    g.set_criteria(ModelRc::default());
}

/// Open the rating: a new draft from elsewhere, the same draft between its two screens.
pub(super) fn enter(ui: &Ui<'_>, to: Screen) {
    let within = matches!(ui.screen(), Screen::Rating | Screen::RatingCriteria);
    if !within || to == Screen::Rating && ui.k.rating.borrow().targets.is_empty() {
        let dossier = super::lookup::found_code(ui);
        let counters = ui
            .logic()
            .store
            .centre()
            .ok()
            .flatten()
            .map(|c| c.counters)
            .unwrap_or_default();
        let mut targets = vec![dossier.map_or(Target::Centre, Target::Dossier)];
        targets.extend(counters.into_iter().map(Target::Counter));
        *ui.k.rating.borrow_mut() = Rating {
            targets,
            ..Rating::default()
        };
    }
    fill(ui);
}

/// Show the rating being chosen: targets, the scale's levels, the criteria.
pub(super) fn fill(ui: &Ui<'_>) {
    let lang = ui.lang();
    let scale = ui.logic().rating_scale();
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
                level: l.into(),
                label: scale.label(l, lang).unwrap_or_default().into(),
                face: faces[i].into(),
                color: colors[i],
            }
        })
        .collect();
    let g = g(ui);
    g.set_levels(ModelRc::new(VecModel::from(levels)));
    let mut r = ui.k.rating.borrow_mut();
    // A scale changed by the server meanwhile: a level it no longer has is not kept.
    if r.level > n {
        r.level = 0;
    }
    for c in &mut r.criteria {
        if *c > n {
            *c = 0;
        }
    }
    let targets: Vec<TargetData> = r
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| TargetData {
            label: target_label(t, lang).into(),
            selected: i == r.target,
        })
        .collect();
    g.set_targets(ModelRc::new(VecModel::from(targets)));
    let criteria: Vec<CriterionData> = if r.targets.is_empty() {
        Vec::new()
    } else {
        motcua_core::rating::CRITERIA
            .iter()
            .zip(r.criteria)
            .map(|((_, vi, en), level)| CriterionData {
                label: ui.pick(vi, en),
                level: level.into(),
            })
            .collect()
    };
    g.set_criteria(ModelRc::new(VecModel::from(criteria)));
    g.set_level(r.level.into());
}

fn submit(ui: &Ui<'_>) {
    let choice = {
        let s = ui.k.rating.borrow();
        let mut c = crate::app::RatingChoice {
            level: s.level,
            ..Default::default()
        };
        match s.targets.get(s.target) {
            Some(Target::Dossier(code)) => c.dossier = Some(code.clone()),
            Some(Target::Counter(counter)) => {
                c.counter = Some(counter.number);
                c.officer = Some(counter.officer.clone()).filter(|o| !o.is_empty());
            }
            Some(Target::Centre) | None => {}
        }
        c.criteria = motcua_core::rating::CRITERIA
            .iter()
            .zip(s.criteria)
            .filter(|(_, l)| *l > 0)
            .map(|((key, _, _), l)| ((*key).to_owned(), l))
            .collect();
        c
    };
    match ui.logic().rate(&choice, ui.now()) {
        Ok(()) => {
            *ui.k.rating.borrow_mut() = Rating::default();
            ui.notice(None);
            ui.show(Screen::RatingDone);
        }
        Err(n) => ui.notice(Some(n)),
    }
}
