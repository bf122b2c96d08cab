//! Request counters and latency histograms, rendered as Prometheus text.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

impl Series {
    fn add(&mut self, secs: f64) {
        self.count += 1;
        self.sum += secs;
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            // Cumulative buckets are summed at render time.
            self.buckets[i] += 1;
        }
    }
}

/// The series of one route, per (method, status).
type RouteSeries = Vec<(String, u16, Series)>;

/// Per route, then per (method, status). Keyed by the route's `&str` so that recording a request
/// allocates nothing once the route has been seen.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: Mutex<HashMap<String, RouteSeries>>,
    /// Kiosk long-polls waiting for a change right now.
    pub feed_waiting: std::sync::atomic::AtomicI64,
    /// Long-polls woken by a commit that concerned them.
    pub feed_woken: std::sync::atomic::AtomicU64,
    /// Commits a waiting long-poll saw and let pass (outside its scope).
    pub feed_ignored: std::sync::atomic::AtomicU64,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut map = self.routes.lock().expect("metrics lock");
        let series = match map.get_mut(route) {
            Some(v) => v,
            None => map.entry(route.to_owned()).or_default(),
        };
        match series
            .iter_mut()
            .find(|(m, s, _)| m == method && *s == status)
        {
            Some((_, _, s)) => s.add(secs),
            None => {
                let mut s = Series::default();
                s.add(secs);
                series.push((method.to_owned(), status, s));
            }
        }
    }

    /// The request series in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let map = self.routes.lock().expect("metrics lock").clone();
        let mut routes: Vec<_> = map.into_iter().collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        let _ = writeln!(
            out,
            "# HELP motcua_sync_waiting Kiosk long-polls waiting for a change.\n\
             # TYPE motcua_sync_waiting gauge\nmotcua_sync_waiting {}",
            self.feed_waiting.load(std::sync::atomic::Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP motcua_sync_woken_total Long-polls woken by a commit in their scope.\n\
             # TYPE motcua_sync_woken_total counter\nmotcua_sync_woken_total {}\n\
             # HELP motcua_sync_ignored_total Commits a waiting long-poll let pass (outside its scope).\n\
             # TYPE motcua_sync_ignored_total counter\nmotcua_sync_ignored_total {}",
            self.feed_woken.load(std::sync::atomic::Ordering::Relaxed),
            self.feed_ignored.load(std::sync::atomic::Ordering::Relaxed)
        );
        out.push_str("# HELP motcua_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE motcua_http_requests_total counter\n");
        for (r, series) in &routes {
            for (m, st, s) in series {
                let _ = writeln!(
                    out,
                    "motcua_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{st}\"}} {}",
                    s.count
                );
            }
        }
        out.push_str("# HELP motcua_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE motcua_http_request_duration_seconds histogram\n");
        for (r, series) in &routes {
            let mut per_method: Vec<(&str, Series)> = Vec::new();
            for (m, _, s) in series {
                let e = match per_method.iter_mut().find(|(pm, _)| pm == m) {
                    Some(e) => e,
                    None => {
                        per_method.push((m, Series::default()));
                        per_method.last_mut().expect("just pushed")
                    }
                };
                e.1.count += s.count;
                e.1.sum += s.sum;
                for i in 0..BUCKETS.len() {
                    e.1.buckets[i] += s.buckets[i];
                }
            }
            for (m, s) in per_method {
                let labels = format!("method=\"{m}\",route=\"{r}\"");
                let mut cumulative = 0;
                for (i, b) in BUCKETS.iter().enumerate() {
                    cumulative += s.buckets[i];
                    let _ = writeln!(
                        out,
                        "motcua_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    out,
                    "motcua_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    s.count
                );
                let _ = writeln!(
                    out,
                    "motcua_http_request_duration_seconds_sum{{{labels}}} {}",
                    s.sum
                );
                let _ = writeln!(
                    out,
                    "motcua_http_request_duration_seconds_count{{{labels}}} {}",
                    s.count
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative() {
        let m = Metrics::default();
        m.record("GET", "/x", 200, Duration::from_micros(300));
        m.record("GET", "/x", 200, Duration::from_millis(3));
        m.record("GET", "/x", 404, Duration::from_secs(10));
        let mut out = String::new();
        m.render(&mut out);
        assert!(
            out.contains(
                "motcua_http_requests_total{method=\"GET\",route=\"/x\",status=\"200\"} 2"
            )
        );
        assert!(out.contains("le=\"0.0005\"} 1"));
        assert!(out.contains("le=\"0.005\"} 2"));
        assert!(out.contains("le=\"5\"} 2"));
        assert!(out.contains("le=\"+Inf\"} 3"));
    }
}
