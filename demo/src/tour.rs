//! The screenshot tour: the demo's kiosk window walked through its screens in both orientations,
//! both languages and large text, each screen saved as a PNG (`motcua-demo --tour DIR`), then the
//! demo ends. The pictures in `docs/screenshots/kiosk-*.png` are made with it.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use motcua_kiosk::ui::{Kiosk, Screen, Shell};
use slint::ComponentHandle;

/// Something done to the window.
type Act = Box<dyn Fn(&Kiosk)>;

/// One step: what to do, then the picture's name (none: nothing to save).
struct Step {
    act: Act,
    name: Option<String>,
}

fn go(screen: Screen) -> Act {
    Box::new(move |k: &Kiosk| {
        k.window.global::<Shell>().invoke_go(screen);
        k.settle();
    })
}

fn scan(payload: String) -> Act {
    Box::new(move |k: &Kiosk| {
        k.scan(payload.as_bytes());
        k.settle();
    })
}

/// Receipt QRs the tour scans: a code without its secret, a dossier with its result ready and
/// one with fees due.
#[derive(Debug, Clone, Default)]
pub struct Receipts {
    pub code_only: Option<String>,
    pub ready: Option<String>,
    pub fees: Option<String>,
}

fn steps(receipts: Receipts) -> Vec<Step> {
    let mut out = Vec::new();
    for landscape in [false, true] {
        for english in [false, true] {
            let tag = format!(
                "{}-{}",
                if english { "en" } else { "vi" },
                if landscape { "landscape" } else { "portrait" }
            );
            out.push(Step {
                act: Box::new(move |k: &Kiosk| {
                    k.set_landscape(landscape);
                    let shell = k.window.global::<Shell>();
                    if shell.get_english() != english {
                        shell.invoke_toggle_language();
                    }
                    if shell.get_large_text() {
                        shell.invoke_toggle_large_text();
                    }
                    shell.invoke_go(Screen::Home);
                }),
                name: None,
            });
            let mut screens: Vec<(&str, Act)> = vec![
                ("home", go(Screen::Home)),
                ("lookup", go(Screen::Lookup)),
                ("scan", go(Screen::Scan)),
            ];
            if let Some(payload) = receipts.code_only.clone() {
                screens.push(("secret", scan(payload)));
            }
            if let Some(payload) = receipts.ready.clone() {
                screens.push(("detail", scan(payload)));
            }
            if let Some(payload) = receipts.fees.clone() {
                screens.push(("detail-fees", scan(payload)));
            }
            screens.extend([
                ("feedback", go(Screen::Feedback)),
                ("rating", go(Screen::Rating)),
                ("rating-criteria", go(Screen::RatingCriteria)),
                ("queue", go(Screen::Queue)),
                (
                    "queue-done",
                    Box::new(|k: &Kiosk| {
                        k.window
                            .global::<motcua_kiosk::ui::QueueState>()
                            .invoke_take(0);
                        k.settle();
                    }),
                ),
                ("procedures", go(Screen::Procedures)),
                ("contacts", go(Screen::Contacts)),
            ]);
            screens.push((
                "home-large-text",
                Box::new(|k: &Kiosk| {
                    let shell = k.window.global::<Shell>();
                    shell.invoke_go(Screen::Home);
                    if !shell.get_large_text() {
                        shell.invoke_toggle_large_text();
                    }
                }),
            ));
            if let Some(payload) = receipts.fees.clone() {
                screens.push(("detail-fees-large-text", scan(payload)));
            }
            for (screen, act) in screens {
                out.push(Step {
                    act,
                    name: Some(format!("kiosk-{screen}-{tag}.png")),
                });
            }
        }
    }
    out
}

/// Save what the window shows as a PNG at half its size (each pixel the mean of four: small
/// enough for the documentation, sharp enough to read).
fn save(k: &Kiosk, path: &Path) -> Result<(), String> {
    let shot = k
        .window
        .window()
        .take_snapshot()
        .map_err(|e| e.to_string())?;
    let (w, h) = (shot.width() as usize, shot.height() as usize);
    let (hw, hh) = (w / 2, h / 2);
    let px = shot.as_bytes();
    let mut half = Vec::with_capacity(hw * hh * 3);
    for y in 0..hh {
        for x in 0..hw {
            for c in 0..3 {
                let at =
                    |dx: usize, dy: usize| u32::from(px[((2 * y + dy) * w + 2 * x + dx) * 4 + c]);
                let sum = at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1);
                half.push(((sum + 2) / 4) as u8);
            }
        }
    }
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), hw as u32, hh as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::High);
    let mut out = enc.write_header().map_err(|e| e.to_string())?;
    out.write_image_data(&half).map_err(|e| e.to_string())
}

/// Walk `kiosk` through the tour, a step every 0.8 s (the window draws between), saving into
/// `dir`; the event loop ends after the last.
pub fn start(kiosk: Rc<Kiosk>, dir: PathBuf, receipts: Receipts) -> slint::Timer {
    let steps = steps(receipts);
    let mut next = 0usize;
    // A step acts on one tick and is saved on the next.
    let mut saving: Option<String> = None;
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::Repeated,
        std::time::Duration::from_millis(800),
        move || {
            if let Some(name) = saving.take() {
                let path = dir.join(&name);
                match save(&kiosk, &path) {
                    Ok(()) => println!("{}", path.display()),
                    Err(e) => eprintln!("{name}: {e}"),
                }
                return;
            }
            let Some(step) = steps.get(next) else {
                let _ = slint::quit_event_loop();
                return;
            };
            next += 1;
            (step.act)(&kiosk);
            saving = step.name.clone();
        },
    );
    timer
}
