//! Call announcements with no cloud service: "Xin mời khách hàng số A không một hai đến quầy số
//! ba", said twice after a chime and optionally followed by English, joined from recorded clips.
//! The clips ship in `assets/voice/` (made by `assets/voice/make.sh` with espeak-ng's voices) and
//! are compiled in; a centre may replace any of them with a human recording of the same format by
//! pointing `voice_dir` at a folder holding files of the same names.

use std::collections::HashMap;
use std::path::Path;

use motcua_core::queue::TicketNumber;

/// Silence between the repeats of a call, in milliseconds.
pub const PAUSE_MS: u32 = 600;

/// Why a clip or an announcement could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoiceError {
    #[error("{0}: not a 16-bit PCM WAV file ({1})")]
    Format(String, &'static str),
    #[error("{0}: {1} Hz, where the other clips are {2} Hz")]
    Rate(String, u32, u32),
    #[error("no clip {0}")]
    Missing(String),
    #[error("cannot read {0}: {1}")]
    Read(String, String),
}

/// The PCM samples of one clip (16-bit little endian, mono) and its rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    pub rate: u32,
    pub pcm: Vec<u8>,
}

impl Clip {
    /// Its length in milliseconds.
    pub fn millis(&self) -> u64 {
        (self.pcm.len() as u64 / 2) * 1000 / u64::from(self.rate.max(1))
    }
}

/// Read a WAV file: RIFF/WAVE with a `fmt ` chunk of 16-bit PCM, one channel, and a `data`
/// chunk; other chunks are skipped. Every length is checked against what is there.
pub fn parse_wav(name: &str, bytes: &[u8]) -> Result<Clip, VoiceError> {
    let bad = |why| VoiceError::Format(name.to_owned(), why);
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad("no RIFF/WAVE header"));
    }
    let mut at = 12usize;
    let mut fmt = None;
    while at.checked_add(8).is_some_and(|end| end <= bytes.len()) {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]])
            as usize;
        let body = at + 8;
        let end = body.checked_add(len).filter(|e| *e <= bytes.len());
        match id {
            b"fmt " => {
                let end = end.ok_or_else(|| bad("a truncated fmt chunk"))?;
                let f = &bytes[body..end];
                if f.len() < 16 {
                    return Err(bad("a short fmt chunk"));
                }
                let u16_at = |i: usize| u16::from_le_bytes([f[i], f[i + 1]]);
                let (format, channels, bits) = (u16_at(0), u16_at(2), u16_at(14));
                let rate = u32::from_le_bytes([f[4], f[5], f[6], f[7]]);
                if format != 1 || channels != 1 || bits != 16 || !(8_000..=96_000).contains(&rate) {
                    return Err(bad("not 16-bit mono PCM at 8–96 kHz"));
                }
                fmt = Some(rate);
            }
            b"data" => {
                let rate = fmt.ok_or_else(|| bad("data before fmt"))?;
                // A writer that streamed may leave the length unset: take what is there.
                let end = end.unwrap_or(bytes.len());
                let mut pcm = bytes[body..end].to_vec();
                pcm.truncate(pcm.len() / 2 * 2);
                return Ok(Clip { rate, pcm });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        match end.and_then(|e| e.checked_add(len % 2)) {
            Some(next) => at = next,
            None => break,
        }
    }
    Err(bad("no data chunk"))
}

/// A WAV file of `pcm` (16-bit mono at `rate`).
pub fn write_wav(rate: u32, pcm: &[u8]) -> Vec<u8> {
    let len = u32::try_from(pcm.len()).unwrap_or(u32::MAX - 36);
    let mut out = Vec::with_capacity(44 + pcm.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&pcm[..len as usize]);
    out
}

macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/voice/", $name, ".wav")) as &[u8])),*]
    };
}

/// The clips compiled in.
const BUNDLED: &[(&str, &[u8])] = bundled!(
    "chime",
    "vi/call",
    "vi/counter",
    "vi/0",
    "vi/1",
    "vi/2",
    "vi/3",
    "vi/4",
    "vi/5",
    "vi/6",
    "vi/7",
    "vi/8",
    "vi/9",
    "vi/A",
    "vi/B",
    "vi/C",
    "vi/D",
    "vi/E",
    "vi/F",
    "vi/G",
    "vi/H",
    "vi/I",
    "vi/J",
    "vi/K",
    "vi/L",
    "vi/M",
    "vi/N",
    "vi/O",
    "vi/P",
    "vi/Q",
    "vi/R",
    "vi/S",
    "vi/T",
    "vi/U",
    "vi/V",
    "vi/W",
    "vi/X",
    "vi/Y",
    "vi/Z",
    "en/call",
    "en/counter",
    "en/0",
    "en/1",
    "en/2",
    "en/3",
    "en/4",
    "en/5",
    "en/6",
    "en/7",
    "en/8",
    "en/9",
    "en/A",
    "en/B",
    "en/C",
    "en/D",
    "en/E",
    "en/F",
    "en/G",
    "en/H",
    "en/I",
    "en/J",
    "en/K",
    "en/L",
    "en/M",
    "en/N",
    "en/O",
    "en/P",
    "en/Q",
    "en/R",
    "en/S",
    "en/T",
    "en/U",
    "en/V",
    "en/W",
    "en/X",
    "en/Y",
    "en/Z"
);

/// The clips an announcement is made of.
#[derive(Debug, Clone)]
pub struct Voice {
    clips: HashMap<String, Clip>,
    rate: u32,
}

impl Voice {
    /// The bundled clips.
    pub fn bundled() -> Result<Voice, VoiceError> {
        let mut clips = HashMap::new();
        for (name, bytes) in BUNDLED {
            clips.insert((*name).to_owned(), parse_wav(name, bytes)?);
        }
        Voice::of(clips)
    }

    /// The bundled clips, each replaced by the file of the same name under `dir`
    /// (`chime.wav`, `vi/call.wav`, `vi/0.wav`, …) when there is one.
    pub fn with_dir(dir: &Path) -> Result<Voice, VoiceError> {
        let mut v = Voice::bundled()?;
        for (name, _) in BUNDLED {
            let path = dir.join(format!("{name}.wav"));
            match std::fs::read(&path) {
                Ok(bytes) => {
                    v.clips.insert((*name).to_owned(), parse_wav(name, &bytes)?);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(VoiceError::Read(path.display().to_string(), e.to_string())),
            }
        }
        Voice::of(v.clips)
    }

    fn of(clips: HashMap<String, Clip>) -> Result<Voice, VoiceError> {
        let rate = clips.get("chime").map_or(22_050, |c| c.rate);
        for (name, c) in &clips {
            if c.rate != rate {
                return Err(VoiceError::Rate(name.clone(), c.rate, rate));
            }
        }
        Ok(Voice { clips, rate })
    }

    /// The clips of one call in `lang` ("vi" or "en"): the phrase, the number's letter and
    /// digits one by one, the counter phrase and the counter's digits.
    pub fn sentence(lang: &str, number: TicketNumber, counter: u16) -> Vec<String> {
        let mut out = vec![format!("{lang}/call"), format!("{lang}/{}", number.letter)];
        out.extend(
            format!("{:03}", number.number)
                .chars()
                .map(|d| format!("{lang}/{d}")),
        );
        out.push(format!("{lang}/counter"));
        out.extend(counter.to_string().chars().map(|d| format!("{lang}/{d}")));
        out
    }

    /// What an announcement is made of, in order; `None` stands for a pause of [`PAUSE_MS`].
    pub fn script(number: TicketNumber, counter: u16, english: bool) -> Vec<Option<String>> {
        let vi = Voice::sentence("vi", number, counter);
        let mut out = vec![Some("chime".to_owned())];
        out.extend(vi.iter().cloned().map(Some));
        out.push(None);
        out.extend(vi.into_iter().map(Some));
        if english {
            out.push(None);
            out.extend(Voice::sentence("en", number, counter).into_iter().map(Some));
        }
        out
    }

    /// A clip by name.
    pub fn clip(&self, name: &str) -> Option<&Clip> {
        self.clips.get(name)
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The announcement of `number` to `counter` as one WAV file.
    pub fn announcement(
        &self,
        number: TicketNumber,
        counter: u16,
        english: bool,
    ) -> Result<Vec<u8>, VoiceError> {
        let pause = vec![0u8; (self.rate * PAUSE_MS / 1000) as usize * 2];
        let mut pcm = Vec::new();
        for part in Voice::script(number, counter, english) {
            match part {
                Some(name) => pcm.extend_from_slice(
                    &self
                        .clips
                        .get(&name)
                        .ok_or_else(|| VoiceError::Missing(name.clone()))?
                        .pcm,
                ),
                None => pcm.extend_from_slice(&pause),
            }
        }
        Ok(write_wav(self.rate, &pcm))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_announcement_of_a012_at_counter_3_is_its_clips_end_to_end() {
        let v = Voice::bundled().unwrap();
        let n = TicketNumber::parse("A012").unwrap();
        assert_eq!(
            Voice::sentence("vi", n, 3),
            [
                "vi/call",
                "vi/A",
                "vi/0",
                "vi/1",
                "vi/2",
                "vi/counter",
                "vi/3"
            ]
        );
        let wav = v.announcement(n, 3, false).unwrap();
        let back = parse_wav("announcement", &wav).unwrap();
        assert_eq!(back.rate, v.rate());
        let clips: usize = Voice::script(n, 3, false)
            .iter()
            .map(|p| match p {
                Some(name) => v.clip(name).unwrap().pcm.len(),
                None => (v.rate() * PAUSE_MS / 1000) as usize * 2,
            })
            .sum();
        assert_eq!(
            back.pcm.len(),
            clips,
            "the duration is the sum of its parts"
        );
        // Said twice, the chime first.
        let script = Voice::script(n, 3, false);
        assert_eq!(script[0].as_deref(), Some("chime"));
        assert_eq!(
            script
                .iter()
                .filter(|p| p.as_deref() == Some("vi/call"))
                .count(),
            2
        );
        assert!(back.millis() > 4_000, "{} ms", back.millis());
        // English after, on request.
        let en = parse_wav("en", &v.announcement(n, 3, true).unwrap()).unwrap();
        assert!(en.pcm.len() > back.pcm.len());
    }

    #[test]
    fn a_replacement_clip_of_another_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("vi")).unwrap();
        std::fs::write(dir.path().join("vi/call.wav"), write_wav(44_100, &[0; 100])).unwrap();
        assert!(matches!(
            Voice::with_dir(dir.path()),
            Err(VoiceError::Rate(..))
        ));
        std::fs::write(dir.path().join("vi/call.wav"), write_wav(22_050, &[1; 100])).unwrap();
        let v = Voice::with_dir(dir.path()).unwrap();
        assert_eq!(v.clip("vi/call").unwrap().pcm, vec![1; 100]);
        std::fs::write(dir.path().join("vi/call.wav"), b"RIFF....WAVEjunk").unwrap();
        assert!(matches!(
            Voice::with_dir(dir.path()),
            Err(VoiceError::Format(..))
        ));
    }

    proptest! {
        /// Any bytes are a clip or a named error, never a panic.
        #[test]
        fn any_bytes_are_a_clip_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_wav("x", &bytes);
            let mut wav = write_wav(22_050, &[0, 1, 2, 3]);
            let cut = bytes.len() % wav.len();
            wav.truncate(cut);
            wav.extend_from_slice(&bytes);
            let _ = parse_wav("x", &wav);
        }
    }
}
