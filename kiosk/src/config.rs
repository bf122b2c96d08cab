//! The kiosk's configuration file (TOML). Settings pushed by the server (idle timeout,
//! orientation, language) take over once the kiosk has synced.
//!
//! ```toml
//! server = "http://10.0.0.2:8080"
//! enrolment_code = "ABCDEF123456"   # used once, at the first start
//! data_dir = "/var/lib/motcua-kiosk"
//! printer = "tcp://192.168.1.50:9100"   # or "serial:/dev/ttyUSB0?baud=19200", "/dev/usb/lp0"
//! printer_profile = "generic-80"
//! scanner = "/dev/ttyACM0"           # a serial scanner; or a keyboard-wedge one's input device,
//!                                    # /dev/input/by-id/usb-…-event-kbd (scans whatever has focus);
//!                                    # leave out to take a keyboard-wedge one's typing in the window
//! scanner_suffix = "cr"              # cr, lf, crlf, tab or none
//! idle_timeout_s = 60
//! orientation = "portrait"           # or "landscape"
//! language = "vi"                    # or "en"
//! fullscreen = true                  # the whole screen, no title bar (a kiosk's normal)
//! frameless = true                   # no title bar or border in a window
//! hide_cursor = true                 # no pointer drawn (a touch panel seen as a mouse)
//! ```

use std::path::{Path, PathBuf};

use motcua_core::Lang;
use motcua_drivers::scanner::Suffix;
use motcua_protocol::sync::{IDLE_RANGE_S, Orientation};
use serde::Deserialize;

/// The kiosk's settings. Every key is read; an unknown key or value is an error at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    pub server: String,
    #[serde(default)]
    pub enrolment_code: Option<String>,
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default)]
    pub printer: Option<String>,
    #[serde(default = "default_profile")]
    pub printer_profile: String,
    #[serde(default)]
    pub scanner: Option<PathBuf>,
    #[serde(default)]
    pub scanner_suffix: Suffix,
    /// Until the server says otherwise.
    #[serde(default)]
    pub idle_timeout_s: Option<u32>,
    #[serde(default)]
    pub orientation: Option<Orientation>,
    #[serde(default)]
    pub language: Option<Lang>,
    /// Take the whole screen, without a title bar or border.
    #[serde(default)]
    pub fullscreen: bool,
    /// No title bar or border (implied by `fullscreen`).
    #[serde(default)]
    pub frameless: bool,
    /// Draw no pointer over the window (many touch panels present themselves as a mouse under
    /// X11, and a pointer left in the middle of the screen distracts).
    #[serde(default)]
    pub hide_cursor: bool,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("./kiosk-data")
}

fn default_profile() -> String {
    "generic-80".into()
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("invalid configuration {0}: {1}")]
    Parse(String, String),
}

impl KioskConfig {
    pub fn load(path: &Path) -> Result<KioskConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read(path.display().to_string(), e))?;
        Self::parse(&text).map_err(|e| ConfigError::Parse(path.display().to_string(), e))
    }

    pub fn parse(text: &str) -> Result<KioskConfig, String> {
        let mut c: KioskConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        // The enrolment QR's text as the fleet console shows it under the code will do too.
        if let Some(code) = &c.enrolment_code
            && code.trim().starts_with(motcua_drivers::qr::ENROL_PREFIX)
        {
            c.enrolment_code = Some(
                motcua_drivers::qr::enrolment_in_scan(code.as_bytes())
                    .ok_or("enrolment_code: the enrolment QR's text does not read")?,
            );
        }
        if !(c.server.starts_with("http://") || c.server.starts_with("https://")) {
            return Err(format!(
                "server must be an http:// or https:// address, not {:?}",
                c.server
            ));
        }
        if let Some(s) = c.idle_timeout_s
            && !IDLE_RANGE_S.contains(&s)
        {
            return Err(format!(
                "idle_timeout_s is {} to {} seconds, not {s}",
                IDLE_RANGE_S.start(),
                IDLE_RANGE_S.end()
            ));
        }
        if let Some(p) = &c.printer {
            motcua_drivers::transport::Target::parse(p).map_err(|e| e.to_string())?;
        }
        motcua_drivers::profile::Profile::bundled(&c.printer_profile).map_err(|e| e.to_string())?;
        Ok(c)
    }

    /// What the window starts with until the server's settings arrive.
    pub fn defaults(&self) -> crate::ui::Defaults {
        crate::ui::Defaults {
            idle_timeout_s: self.idle_timeout_s,
            landscape: self.orientation.map(|o| o == Orientation::Landscape),
            language: self.language,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enrolment_qr_text_gives_the_code() {
        let c = KioskConfig::parse(
            "server = \"http://10.0.0.2:8080\"\nenrolment_code = \"motcua-enrol:http://10.0.0.2:8080#8ab084e00eaa\"",
        )
        .unwrap();
        assert_eq!(c.enrolment_code.as_deref(), Some("8AB084E00EAA"));
        let e = KioskConfig::parse(
            "server = \"http://10.0.0.2:8080\"\nenrolment_code = \"motcua-enrol:http://x#12\"",
        )
        .unwrap_err();
        assert!(e.contains("enrolment QR"), "{e}");
    }

    #[test]
    fn a_full_file_parses_and_mistakes_are_named() {
        let c = KioskConfig::parse(
            r#"server = "http://10.0.0.2:8080"
enrolment_code = "ABCDEF123456"
printer = "tcp://127.0.0.1:9100"
printer_profile = "epson-tm-t88"
scanner = "/dev/ttyACM0"
orientation = "landscape"
fullscreen = true
hide_cursor = true
"#,
        )
        .unwrap();
        assert!(c.fullscreen && !c.frameless && c.hide_cursor);
        assert_eq!(c.printer_profile, "epson-tm-t88");
        assert_eq!(c.data_dir, PathBuf::from("./kiosk-data"));
        assert_eq!(c.orientation, Some(Orientation::Landscape));
        let c = KioskConfig::parse(
            "server = \"https://x\"\nscanner_suffix = \"crlf\"\nlanguage = \"en\"\nidle_timeout_s = 90",
        )
        .unwrap();
        assert_eq!(c.scanner_suffix, Suffix::CrLf);
        assert_eq!(c.language, Some(Lang::En));
        assert_eq!(c.idle_timeout_s, Some(90));
        for (bad, word) in [
            ("server = \"10.0.0.2\"", "http"),
            (
                "server = \"http://x\"\norientation = \"upside\"",
                "orientation",
            ),
            ("server = \"http://x\"\nprinter_profile = \"nope\"", "nope"),
            ("server = \"http://x\"\ncolour = 1", "colour"),
            ("server = \"http://x\"\nlanguage = \"fr\"", "fr"),
            (
                "server = \"http://x\"\nscanner_suffix = \"semicolon\"",
                "semicolon",
            ),
            (
                "server = \"http://x\"\nidle_timeout_s = 5",
                "idle_timeout_s",
            ),
        ] {
            let e = KioskConfig::parse(bad).unwrap_err();
            assert!(e.contains(word), "{bad}: {e}");
        }
    }
}
