//! Printer profiles: paper width, dots, how text is sent, native QR, cutter, status support.
//! Profiles are data (`assets/printers/*.toml`); the bundled ones are compiled in.

use serde::Deserialize;

use motcua_core::{Lang, Localized};

/// How text reaches the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextMode {
    /// Text laid out with an embedded font and sent as a 1-bit image (GS v 0): Vietnamese is
    /// always right.
    Raster,
    /// Printer fonts with TCVN-3 code pages (Epson ESC t 30/31): fast and Vietnamese, on
    /// printers that really have those pages.
    Tcvn3,
    /// Printer fonts, diacritics removed: fast, legible, but without Vietnamese marks.
    Ascii,
}

/// QR error correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum QrEc {
    L,
    M,
    Q,
    H,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub paper_mm: u32,
    /// Printable dots per line (203 dpi: 384 on 58 mm, 576 on 80 mm).
    pub dots: u32,
    pub mode: TextMode,
    /// Whether the printer draws QR codes itself (GS ( k, Model 2).
    pub native_qr: bool,
    pub qr_ec: QrEc,
    pub cutter: bool,
    /// Whether the printer answers DLE EOT.
    pub status: bool,
    /// Rows per raster command, so that small printer buffers cope.
    pub band_height: u32,
    /// Lines fed before cutting (or tearing).
    pub feed_lines: u8,
}

const BUNDLED: [&str; 5] = [
    include_str!("../../assets/printers/generic-58.toml"),
    include_str!("../../assets/printers/generic-80.toml"),
    include_str!("../../assets/printers/epson-tm-t88.toml"),
    include_str!("../../assets/printers/generic-80-ascii.toml"),
    include_str!("../../assets/printers/epson-tm-t88-tcvn3.toml"),
];

/// Why a profile could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    #[error(
        "unknown printer profile {0:?} (bundled: generic-58, generic-80, epson-tm-t88, generic-80-ascii, epson-tm-t88-tcvn3)"
    )]
    Unknown(String),
    #[error("invalid printer profile: {0}")]
    Invalid(String),
}

impl Localized for ProfileError {
    fn code(&self) -> &'static str {
        match self {
            ProfileError::Unknown(_) => "printer.profile_unknown",
            ProfileError::Invalid(_) => "printer.profile_invalid",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (e, Lang::En) => format!("Printer: {e}."),
            (ProfileError::Unknown(n), Lang::Vi) => format!("Không có cấu hình máy in “{n}”."),
            (ProfileError::Invalid(e), Lang::Vi) => format!("Cấu hình máy in không hợp lệ: {e}"),
        }
    }
}

impl Profile {
    /// Parse a profile file and check its numbers.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let p: Profile = toml::from_str(text).map_err(|e| ProfileError::Invalid(e.to_string()))?;
        if p.dots == 0 || p.dots % 8 != 0 || p.dots > 2048 {
            return Err(ProfileError::Invalid(
                "dots must be a multiple of 8, at most 2048".into(),
            ));
        }
        if !(8..=1024).contains(&p.band_height) {
            return Err(ProfileError::Invalid(
                "band_height must be 8 to 1024".into(),
            ));
        }
        Ok(p)
    }

    /// A bundled profile by name.
    pub fn bundled(name: &str) -> Result<Profile, ProfileError> {
        Self::all()
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| ProfileError::Unknown(name.to_owned()))
    }

    /// Every bundled profile.
    pub fn all() -> Vec<Profile> {
        BUNDLED
            .iter()
            .map(|t| Profile::from_toml(t).expect("bundled profiles are valid"))
            .collect()
    }

    /// Bytes per raster line.
    pub fn width_bytes(&self) -> usize {
        self.dots as usize / 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_profiles_load() {
        let names: Vec<String> = Profile::all().into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "generic-58",
                "generic-80",
                "epson-tm-t88",
                "generic-80-ascii",
                "epson-tm-t88-tcvn3"
            ]
        );
        assert_eq!(Profile::bundled("generic-58").unwrap().dots, 384);
        assert_eq!(Profile::bundled("generic-80").unwrap().dots, 576);
        let e = Profile::bundled("star-tsp100").unwrap_err();
        assert_eq!(e.code(), "printer.profile_unknown");
        assert!(e.message(Lang::Vi).contains("star-tsp100"));
        let bad = include_str!("../../assets/printers/generic-58.toml").replace("384", "383");
        assert!(matches!(
            Profile::from_toml(&bad),
            Err(ProfileError::Invalid(_))
        ));
    }
}
