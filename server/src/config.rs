//! Server configuration: defaults, then a TOML file, then `MOTCUA_*` environment variables, then
//! command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the redb file lives.
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// A working-time calendar file; the bundled one when empty.
    pub calendar: Option<PathBuf>,
    /// How long a staff session lasts, in minutes.
    pub session_minutes: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The log filter, e.g. `info` or `motcua_server=debug`.
    pub log: String,
    /// The database page cache, in MiB.
    pub cache_mb: usize,
    /// Levels of the satisfaction scale: 3 (default) or 5.
    pub rating_scale: motcua_core::rating::Scale,
    /// Reverse proxies in front of the server (their addresses): a request from one of them is
    /// counted against the client it names in `X-Forwarded-For`, not against the proxy.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Open connections at most; past it new ones wait to be accepted.
    pub max_connections: usize,
    /// Seconds a client has to send a request's head (also how long an idle kept-alive
    /// connection stays open).
    pub header_timeout_s: u64,
    /// Seconds a client has to send a request's body.
    pub body_timeout_s: u64,
    /// Seconds a stop waits for the requests under way before cutting their connections.
    pub shutdown_grace_s: u64,
    /// Long-polls one kiosk may hold at once.
    pub max_polls_per_kiosk: u32,
    /// The address visitors' phones open, printed in the QR of a queue ticket (e.g.
    /// `https://motcua.example.gov.vn`); none: kiosks print their own server address.
    pub public_url: Option<String>,
    /// A folder of voice clips replacing the bundled ones (same names and format as
    /// `assets/voice/`); none: the bundled clips.
    pub voice_dir: Option<PathBuf>,
    /// The desks' thermal printers: a reception officer's account, or a desk's agency code for
    /// every officer of that desk → the printer's address (`tcp://HOST:9100`,
    /// `serial:///dev/ttyUSB0?baud=9600`, `file:///dev/usb/lp0`). The receipt page then offers
    /// to print the receipt on it.
    pub desk_printers: std::collections::BTreeMap<String, String>,
    /// The bundled printer profile the desks' printers use (`generic-80` by default).
    pub desk_printer_profile: String,
    /// Portals that push dossiers submitted online (`POST /api/v1/portal/dossiers`): a name →
    /// the SHA-256 (hex) of its token, so that the file holds no token itself.
    pub portal_tokens: std::collections::BTreeMap<String, String>,
    /// Minutes without a heartbeat after which a kiosk counts as silent on the fleet page and
    /// in `motcua_kiosks_alerting{state="silent"}`.
    pub fleet_silent_minutes: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./motcua-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            calendar: None,
            session_minutes: 8 * 60,
            max_body_bytes: 256 * 1024,
            log: "info".into(),
            cache_mb: 64,
            rating_scale: motcua_core::rating::Scale::Three,
            trusted_proxies: Vec::new(),
            max_connections: 4096,
            header_timeout_s: 10,
            body_timeout_s: 30,
            shutdown_grace_s: 10,
            max_polls_per_kiosk: 2,
            public_url: None,
            voice_dir: None,
            desk_printers: Default::default(),
            desk_printer_profile: "generic-80".into(),
            portal_tokens: Default::default(),
            fleet_silent_minutes: 5,
        }
    }
}

/// Why the configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("invalid configuration file {0}: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("invalid value of {0}: {1:?}")]
    Env(&'static str, String),
    #[error("{0} must be within {1}")]
    Range(&'static str, &'static str),
    #[error("desk printer {0:?}: {1}")]
    Printer(String, String),
}

impl Config {
    /// Load from an optional file, then apply environment overrides.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let mut c = match file {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| ConfigError::Read(p.to_owned(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(p.to_owned(), e))?
            }
            None => Config::default(),
        };
        c.apply_env(|k| std::env::var(k).ok())?;
        c.check()?;
        Ok(c)
    }

    /// Refuse values that would break the server (a session that overflows the calendar, no
    /// connection at all, a body too small for any request).
    pub fn check(&self) -> Result<(), ConfigError> {
        let ranges: [(&'static str, bool, &'static str); 8] = [
            (
                "session_minutes",
                (5..=366 * 24 * 60).contains(&self.session_minutes),
                "5..=527040",
            ),
            (
                "max_body_bytes",
                (4096..=64 * 1024 * 1024).contains(&self.max_body_bytes),
                "4096..=67108864",
            ),
            (
                "cache_mb",
                (1..=65_536).contains(&self.cache_mb),
                "1..=65536",
            ),
            (
                "max_connections",
                (16..=1_000_000).contains(&self.max_connections),
                "16..=1000000",
            ),
            (
                "header_timeout_s",
                (1..=300).contains(&self.header_timeout_s),
                "1..=300",
            ),
            (
                "body_timeout_s",
                (1..=600).contains(&self.body_timeout_s),
                "1..=600",
            ),
            (
                "max_polls_per_kiosk",
                (1..=16).contains(&self.max_polls_per_kiosk),
                "1..=16",
            ),
            (
                "fleet_silent_minutes",
                (1..=1440).contains(&self.fleet_silent_minutes),
                "1..=1440",
            ),
        ];
        if let Some(u) = &self.public_url
            && !((u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 200
                && !u.ends_with('/')
                && u.chars().all(|c| c.is_ascii_graphic()))
        {
            return Err(ConfigError::Range(
                "public_url",
                "http(s)://host[:port][/path], no trailing slash, 200 characters at most",
            ));
        }
        if let Err(e) = motcua_drivers::profile::Profile::bundled(&self.desk_printer_profile) {
            return Err(ConfigError::Printer(
                self.desk_printer_profile.clone(),
                e.to_string(),
            ));
        }
        for (name, digest) in &self.portal_tokens {
            let ok = name.len() <= 40
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && digest.len() == 64
                && digest.bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(ConfigError::Range(
                    "portal_tokens",
                    "name (letters, digits, - and _, 40 at most) = the token's SHA-256 in 64 hex digits",
                ));
            }
        }
        for (who, uri) in &self.desk_printers {
            if let Err(e) = motcua_drivers::transport::Target::parse(uri) {
                return Err(ConfigError::Printer(who.clone(), e.to_string()));
            }
        }
        match ranges.into_iter().find(|(_, ok, _)| !ok) {
            Some((name, _, range)) => Err(ConfigError::Range(name, range)),
            None => Ok(()),
        }
    }

    /// The thermal printer of `username`'s desk (`agency`), if one is configured.
    pub fn desk_printer(&self, username: &str, agency: Option<&str>) -> Option<&str> {
        self.desk_printers
            .get(username)
            .or_else(|| agency.and_then(|a| self.desk_printers.get(a)))
            .map(String::as_str)
    }

    /// Apply `MOTCUA_DATA_DIR`, `MOTCUA_LISTEN`, `MOTCUA_CALENDAR`, `MOTCUA_SESSION_MINUTES`,
    /// `MOTCUA_MAX_BODY_BYTES`, `MOTCUA_CACHE_MB`, `MOTCUA_RATING_SCALE`, `MOTCUA_LOG`,
    /// `MOTCUA_TRUSTED_PROXIES` (addresses separated by commas), `MOTCUA_MAX_CONNECTIONS`,
    /// `MOTCUA_PUBLIC_URL`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = var("MOTCUA_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("MOTCUA_LISTEN") {
            self.listen = v
                .parse()
                .map_err(|_| ConfigError::Env("MOTCUA_LISTEN", v))?;
        }
        if let Some(v) = var("MOTCUA_CALENDAR") {
            self.calendar = Some(v.into());
        }
        if let Some(v) = var("MOTCUA_SESSION_MINUTES") {
            self.session_minutes = v
                .parse()
                .map_err(|_| ConfigError::Env("MOTCUA_SESSION_MINUTES", v))?;
        }
        if let Some(v) = var("MOTCUA_MAX_BODY_BYTES") {
            self.max_body_bytes = v
                .parse()
                .map_err(|_| ConfigError::Env("MOTCUA_MAX_BODY_BYTES", v))?;
        }
        if let Some(v) = var("MOTCUA_CACHE_MB") {
            self.cache_mb = v
                .parse()
                .map_err(|_| ConfigError::Env("MOTCUA_CACHE_MB", v))?;
        }
        if let Some(v) = var("MOTCUA_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.parse())
                .collect::<Result<_, _>>()
                .map_err(|_| ConfigError::Env("MOTCUA_TRUSTED_PROXIES", v.clone()))?;
        }
        if let Some(v) = var("MOTCUA_RATING_SCALE") {
            self.rating_scale = v
                .parse::<u8>()
                .ok()
                .and_then(|n| motcua_core::rating::Scale::try_from(n).ok())
                .ok_or(ConfigError::Env("MOTCUA_RATING_SCALE", v))?;
        }
        if let Some(v) = var("MOTCUA_LOG") {
            self.log = v;
        }
        if let Some(v) = var("MOTCUA_PUBLIC_URL") {
            self.public_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = var("MOTCUA_MAX_CONNECTIONS") {
            self.max_connections = v
                .parse()
                .map_err(|_| ConfigError::Env("MOTCUA_MAX_CONNECTIONS", v))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let mut c: Config =
            toml::from_str("listen = \"0.0.0.0:9000\"\nsession_minutes = 30").unwrap();
        assert_eq!(c.listen.port(), 9000);
        c.apply_env(|k| (k == "MOTCUA_LISTEN").then(|| "127.0.0.1:7000".to_owned()))
            .unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.session_minutes, 30);
        assert!(
            c.apply_env(|k| (k == "MOTCUA_LISTEN").then(|| "nope".to_owned()))
                .is_err()
        );
        assert!(toml::from_str::<Config>("unknown = 1").is_err());
    }
}
