//! Work that must not hold the screen: online lookups (up to 3 s) and printing (up to 13 s on a
//! dead printer) run on a thread of their own while the screen says what is under way ("Đang tra
//! cứu…", "Đang in…") and waits for touches; the answer comes back to the UI thread through the
//! event loop. An answer for a visitor who has gone (the screen was wiped meanwhile) is dropped.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use slint::ComponentHandle;

use crate::app::{Logic, Notice};

use super::{Shell, Ui};

/// What to do on the UI thread with a job's result.
pub(crate) type Answer = Box<dyn for<'a> FnOnce(&Ui<'a>) + Send>;

/// Answers waiting for the UI thread, and how many jobs are still running.
#[derive(Default)]
pub(crate) struct Inbox {
    state: Mutex<InboxState>,
    idle: Condvar,
}

#[derive(Default)]
struct InboxState {
    /// (the visitor's generation when the job started, what to do).
    answers: Vec<(u64, Answer)>,
    running: usize,
}

impl Inbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, InboxState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn running(&self) -> usize {
        self.lock().running
    }

    /// Wait until no job runs, at most `limit`; whether none does.
    pub(crate) fn wait_idle(&self, limit: Duration) -> bool {
        let guard = self.lock();
        let (guard, _) = self
            .idle
            .wait_timeout_while(guard, limit, |s| s.running > 0)
            .unwrap_or_else(|p| p.into_inner());
        guard.running == 0
    }
}

impl Ui<'_> {
    /// Run `job` off the UI thread with `busy` on screen, then `then` with its result on the UI
    /// thread (unless the visitor has gone by then). One job at a time: while one runs, the
    /// screen takes no touch and another is not started.
    pub(crate) fn off<R: Send + 'static>(
        &self,
        busy: Notice,
        job: impl FnOnce(&Logic) -> R + Send + 'static,
        then: impl for<'a> FnOnce(&Ui<'a>, R) + Send + 'static,
    ) {
        let inbox = self.k.inbox.clone();
        {
            let mut s = inbox.lock();
            if s.running > 0 {
                return;
            }
            s.running += 1;
        }
        self.w
            .global::<Shell>()
            .set_busy(busy.get(self.lang()).into());
        let generation = self.k.generation.get();
        let logic = self.k.logic.clone();
        let window = self.w.as_weak();
        let worker = {
            let inbox = inbox.clone();
            move || {
                let result = job(&logic);
                let answer: Answer = Box::new(move |ui: &Ui<'_>| then(ui, result));
                {
                    let mut s = inbox.lock();
                    s.answers.push((generation, answer));
                    s.running -= 1;
                }
                inbox.idle.notify_all();
                // Wake the UI thread; without an event loop (a test driving the window) the
                // answers are taken by `Kiosk::settle`.
                let _ = slint::invoke_from_event_loop(move || {
                    if let Some(w) = window.upgrade() {
                        w.invoke_answers_waiting();
                    }
                });
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("kiosk-work".into())
            .spawn(worker)
        {
            // No thread to be had: say so rather than hang on the busy screen.
            tracing::error!(error = %e, "no worker thread");
            inbox.lock().running -= 1;
            self.w.global::<Shell>().set_busy("".into());
            self.notice(Some(Notice::new(
                "Kiosk đang bận. Vui lòng thử lại.",
                "The kiosk is busy. Please try again.",
            )));
        }
    }

    /// Take the answers waiting, for the visitor still here; clear the busy state when nothing
    /// runs any more.
    pub(crate) fn deliver(&self) {
        let (answers, running) = {
            let mut s = self.k.inbox.lock();
            (std::mem::take(&mut s.answers), s.running)
        };
        if running == 0 {
            self.w.global::<Shell>().set_busy("".into());
        }
        let generation = self.k.generation.get();
        for (g, answer) in answers {
            if g == generation {
                answer(self);
            }
        }
    }

    /// Whether a job is running.
    pub(crate) fn busy(&self) -> bool {
        self.k.inbox.running() > 0
    }
}

/// A shared inbox, for the kiosk's state.
pub(crate) fn inbox() -> Arc<Inbox> {
    Arc::default()
}
