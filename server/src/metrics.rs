//! The server's metrics in Prometheus' text format (prometheus-client): requests per route and
//! status with their latency, the kiosks' long-polls, and figures read at scrape time (dossiers by
//! status, overdue ones, the writer, how far the calendar reaches).

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: u8,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KioskLabels {
    state: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    kind: String,
}

fn latency() -> Histogram {
    // 0.5 ms to about 8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

/// Figures the scrape reads from the store and the writer.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// (national status, count).
    pub dossiers: Vec<(u8, u64)>,
    pub overdue: u64,
    /// Dossiers still at a desk past their 8-working-hour transfer deadline (Art. 8.1b).
    pub transfer_overdue: u64,
    pub writer: Option<crate::db::WriterReport>,
    /// Days from today to the last day the calendar holds (0: today is not held).
    pub calendar_days: i64,
    /// Enrolled kiosks, not revoked, by state: silent (no heartbeat for more than the fleet
    /// page's minutes), paper out, paper near end.
    pub kiosks_silent: u64,
    pub kiosks_paper_out: u64,
    pub kiosks_paper_near_end: u64,
    /// Kiosks where a visitor asked for staff in the last minutes.
    pub kiosks_help: u64,
    /// Opinions asked of another agency still awaited past their deadline (Art. 10.1b).
    pub opinions_late: u64,
    /// Joint agencies' parts still awaited past their deadline (Art. 10.1d).
    pub joint_late: u64,
}

/// Every metric of the server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Kiosk long-polls waiting for a change right now.
    pub feed_waiting: Gauge,
    /// Long-polls woken by a commit that concerned them.
    pub feed_woken: Counter,
    /// Commits a waiting long-poll saw and let pass (outside its scope).
    pub feed_ignored: Counter,
    dossiers: Family<StatusLabels, Gauge>,
    overdue: Gauge,
    transfer_overdue: Gauge,
    writer_running: Gauge,
    writer_queued: Gauge,
    writer_busy_ms: Gauge,
    writer_committed: Counter<u64, AtomicU64>,
    writer_rolled_back: Counter<u64, AtomicU64>,
    writer_panics: Counter<u64, AtomicU64>,
    writer_failed_flushes: Counter<u64, AtomicU64>,
    calendar_days: Gauge,
    kiosks: Family<KioskLabels, Gauge>,
    tasks_late: Family<TaskLabels, Gauge>,
    /// One scrape at a time moves the counters read from the writer.
    scrape: Mutex<()>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("motcua");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let durations =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request",
            durations.clone(),
        );
        let feed_waiting = Gauge::default();
        registry.register(
            "sync_waiting",
            "Kiosk long-polls waiting for a change",
            feed_waiting.clone(),
        );
        let feed_woken = Counter::default();
        registry.register(
            "sync_woken",
            "Long-polls woken by a commit in their scope",
            feed_woken.clone(),
        );
        let feed_ignored = Counter::default();
        registry.register(
            "sync_ignored",
            "Commits a waiting long-poll let pass (outside its scope)",
            feed_ignored.clone(),
        );
        let dossiers = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "dossiers",
            "Dossiers by national status code",
            dossiers.clone(),
        );
        let overdue = Gauge::default();
        registry.register(
            "dossiers_overdue",
            "Open dossiers past their appointment (paused ones included)",
            overdue.clone(),
        );
        let transfer_overdue = Gauge::default();
        registry.register(
            "dossiers_transfer_overdue",
            "Dossiers still at the desk past their 8-working-hour transfer deadline (Art. 8.1b)",
            transfer_overdue.clone(),
        );
        let writer_running = Gauge::default();
        registry.register(
            "writer_running",
            "1 while the writer thread takes writes",
            writer_running.clone(),
        );
        let writer_queued = Gauge::default();
        registry.register(
            "writer_queued",
            "Writes waiting for the writer",
            writer_queued.clone(),
        );
        let writer_busy_ms = Gauge::default();
        registry.register(
            "writer_busy_ms",
            "How long the write under way has run",
            writer_busy_ms.clone(),
        );
        let writer_committed = Counter::<u64, AtomicU64>::default();
        registry.register("writer_committed", "Writes kept", writer_committed.clone());
        let writer_rolled_back = Counter::<u64, AtomicU64>::default();
        registry.register(
            "writer_rolled_back",
            "Writes refused and rolled back",
            writer_rolled_back.clone(),
        );
        let writer_panics = Counter::<u64, AtomicU64>::default();
        registry.register(
            "writer_panics",
            "Writes that panicked (rolled back; the writer went on)",
            writer_panics.clone(),
        );
        let writer_failed_flushes = Counter::<u64, AtomicU64>::default();
        registry.register(
            "writer_failed_flushes",
            "Batches whose flush to disk failed",
            writer_failed_flushes.clone(),
        );
        let kiosks = Family::<KioskLabels, Gauge>::default();
        registry.register(
            "kiosks_alerting",
            "Enrolled kiosks needing attention, by state: silent (no heartbeat for fleet_silent_minutes), paper_out, paper_near_end, help (a visitor asked for staff in the last 15 minutes)",
            kiosks.clone(),
        );
        let tasks_late = Family::<TaskLabels, Gauge>::default();
        registry.register(
            "agency_tasks_late",
            "Work asked of another agency still awaited past its deadline, by kind: opinion (Art. 10.1b), joint (a participating agency's part, Art. 10.1d)",
            tasks_late.clone(),
        );
        let calendar_days = Gauge::default();
        registry.register(
            "calendar_covered_days",
            "Days from today to the last day the working-time calendar holds (0: today is not held)",
            calendar_days.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            feed_waiting,
            feed_woken,
            feed_ignored,
            dossiers,
            overdue,
            transfer_overdue,
            writer_running,
            writer_queued,
            writer_busy_ms,
            writer_committed,
            writer_rolled_back,
            writer_panics,
            writer_failed_flushes,
            calendar_days,
            kiosks,
            tasks_late,
            scrape: Mutex::new(()),
        }
    }
}

/// Move a counter up to `total` (the writer's own count).
fn catch_up(c: &Counter<u64, AtomicU64>, total: u64) {
    let now = c.get();
    if total > now {
        c.inc_by(total - now);
    }
}

impl Metrics {
    /// Count an answered request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Every metric in Prometheus text, with `f` read just now.
    pub fn render(&self, f: &Figures) -> String {
        let _one = self.scrape.lock().unwrap_or_else(|p| p.into_inner());
        for (status, n) in &f.dossiers {
            self.dossiers
                .get_or_create(&StatusLabels { status: *status })
                .set(i64::try_from(*n).unwrap_or(i64::MAX));
        }
        self.overdue
            .set(i64::try_from(f.overdue).unwrap_or(i64::MAX));
        self.transfer_overdue
            .set(i64::try_from(f.transfer_overdue).unwrap_or(i64::MAX));
        if let Some(w) = &f.writer {
            self.writer_running.set(i64::from(w.running));
            self.writer_queued.set(w.queued);
            self.writer_busy_ms.set(w.busy_ms);
            catch_up(&self.writer_committed, w.committed);
            catch_up(&self.writer_rolled_back, w.rolled_back);
            catch_up(&self.writer_panics, w.panicked);
            catch_up(&self.writer_failed_flushes, w.failed_flushes);
        }
        self.calendar_days.set(f.calendar_days);
        for (state, n) in [
            ("silent", f.kiosks_silent),
            ("paper_out", f.kiosks_paper_out),
            ("paper_near_end", f.kiosks_paper_near_end),
            ("help", f.kiosks_help),
        ] {
            self.kiosks
                .get_or_create(&KioskLabels {
                    state: state.to_owned(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        for (kind, n) in [("opinion", f.opinions_late), ("joint", f.joint_late)] {
            self.tasks_late
                .get_or_create(&TaskLabels {
                    kind: kind.to_owned(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_prometheus_and_holds_every_figure() {
        let m = Metrics::default();
        m.record(
            "GET",
            "/api/v1/dossiers/{code}",
            200,
            Duration::from_millis(3),
        );
        m.feed_woken.inc();
        let text = m.render(&Figures {
            dossiers: vec![(4, 12)],
            overdue: 3,
            transfer_overdue: 2,
            writer: None,
            calendar_days: 396,
            kiosks_silent: 1,
            kiosks_paper_out: 2,
            kiosks_paper_near_end: 0,
            kiosks_help: 1,
            opinions_late: 4,
            joint_late: 5,
        });
        for line in [
            "motcua_http_requests_total{method=\"GET\",route=\"/api/v1/dossiers/{code}\",status=\"200\"} 1",
            "motcua_sync_woken_total 1",
            "motcua_dossiers{status=\"4\"} 12",
            "motcua_dossiers_overdue 3",
            "motcua_dossiers_transfer_overdue 2",
            "motcua_calendar_covered_days 396",
            "motcua_kiosks_alerting{state=\"silent\"} 1",
            "motcua_kiosks_alerting{state=\"paper_out\"} 2",
            "motcua_agency_tasks_late{kind=\"opinion\"} 4",
            "motcua_kiosks_alerting{state=\"help\"} 1",
            "motcua_agency_tasks_late{kind=\"joint\"} 5",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(text.contains("motcua_http_request_duration_seconds_bucket"));
        assert!(text.ends_with("# EOF\n"));
    }
}
