//! A Telex composer for the kiosk's on-screen keyboard.
//!
//! Keys arrive one at a time; the composer keeps the word being typed as base letters plus one
//! tone and places the tone mark by rule each time it renders, so "vieetj", "vieejt" and "vietej"
//! all give "việt". Rules: `aa`→â, `aw`→ă, `ee`→ê, `oo`→ô, `ow`→ơ, `uw`→ư, `uow`→ươ, a lone `w`→ư,
//! `dd`→đ; tones `s` sắc, `f` huyền, `r` hỏi, `x` ngã, `j` nặng, `z` removes the tone. Pressing the
//! same key again right after it changed something undoes the change and types the key itself
//! (`ass`→"as", `aaa`→"aa", `ww`→"w", `ddd`→"dd").

use unicode_normalization::UnicodeNormalization;

/// Where the tone mark goes in `oa`, `oe` and `uy` without a final consonant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ToneStyle {
    /// On the second vowel: hoà, khoẻ, thuỷ (the modern rule).
    #[default]
    Modern,
    /// On the first vowel: hòa, khỏe, thủy.
    Classic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Sac = 1,
    Huyen = 2,
    Hoi = 3,
    Nga = 4,
    Nang = 5,
}

impl Tone {
    fn from_key(k: char) -> Option<Tone> {
        match k {
            's' => Some(Tone::Sac),
            'f' => Some(Tone::Huyen),
            'r' => Some(Tone::Hoi),
            'x' => Some(Tone::Nga),
            'j' => Some(Tone::Nang),
            _ => None,
        }
    }
}

/// Each row: a base vowel, then with sắc, huyền, hỏi, ngã, nặng.
const TONE_TABLE: [&str; 12] = [
    "aáàảãạ",
    "ăắằẳẵặ",
    "âấầẩẫậ",
    "eéèẻẽẹ",
    "êếềểễệ",
    "iíìỉĩị",
    "oóòỏõọ",
    "ôốồổỗộ",
    "ơớờởỡợ",
    "uúùủũụ",
    "ưứừửữự",
    "yýỳỷỹỵ",
];

fn is_vowel(c: char) -> bool {
    TONE_TABLE.iter().any(|row| row.starts_with(c))
}

fn with_tone(base: char, tone: Option<Tone>) -> char {
    let Some(t) = tone else { return base };
    TONE_TABLE
        .iter()
        .find(|row| row.starts_with(base))
        .and_then(|row| row.chars().nth(t as usize))
        .unwrap_or(base)
}

/// Split a lower-case precomposed character into its base letter and tone.
fn split_tone(c: char) -> (char, Option<Tone>) {
    for row in TONE_TABLE {
        if let Some(i) = row.chars().position(|x| x == c) {
            let base = row.chars().next().expect("row");
            let tone = match i {
                1 => Some(Tone::Sac),
                2 => Some(Tone::Huyen),
                3 => Some(Tone::Hoi),
                4 => Some(Tone::Nga),
                5 => Some(Tone::Nang),
                _ => None,
            };
            return (base, tone);
        }
    }
    (c, None)
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn upper(c: char) -> char {
    let mut u = c.to_uppercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letter {
    base: char,
    upper: bool,
}

/// What the last key changed, so that pressing it again can undo it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Last {
    Tone(char),
    Mark {
        key: char,
        changed: Vec<(usize, char)>,
    },
    LoneW(usize),
    Dd,
    /// The key was just undone: typed again, it is a plain letter.
    Undone(char),
}

#[derive(Debug, Clone, Default)]
struct Word {
    letters: Vec<Letter>,
    tone: Option<Tone>,
    last: Option<Last>,
}

impl Word {
    fn is_empty(&self) -> bool {
        self.letters.is_empty()
    }

    /// Rebuild a word from text already on screen (after a backspace).
    fn from_text(s: &str) -> Word {
        let mut w = Word::default();
        for c in s.nfc() {
            let is_upper = c.is_uppercase();
            let (base, tone) = split_tone(lower(c));
            if tone.is_some() {
                w.tone = tone;
            }
            w.letters.push(Letter {
                base,
                upper: is_upper,
            });
        }
        w
    }

    /// The first run of vowels: [start, end).
    fn vowel_run(&self) -> Option<(usize, usize)> {
        let start = self.letters.iter().position(|l| is_vowel(l.base))?;
        let end = self.letters[start..]
            .iter()
            .position(|l| !is_vowel(l.base))
            .map_or(self.letters.len(), |n| start + n);
        Some((start, end))
    }

    /// The vowel run without the `u` of `qu` and the `i` of `gi`, which belong to the consonant.
    fn nucleus(&self) -> Option<(usize, usize)> {
        let (mut start, end) = self.vowel_run()?;
        if start > 0 && end - start > 1 {
            let prev = self.letters[start - 1].base;
            let first = self.letters[start].base;
            if (prev == 'q' && first == 'u') || (prev == 'g' && first == 'i') {
                start += 1;
            }
        }
        Some((start, end))
    }

    fn tone_position(&self, style: ToneStyle) -> Option<usize> {
        let (start, end) = self.nucleus()?;
        let run: Vec<char> = self.letters[start..end].iter().map(|l| l.base).collect();
        if let Some(i) = run.iter().rposition(|c| "âăêôơ".contains(*c)) {
            return Some(start + i);
        }
        if let Some(i) = run.iter().position(|c| *c == 'ư') {
            return Some(start + i);
        }
        let has_final = end < self.letters.len();
        let i = match run.len() {
            1 => 0,
            2 if has_final => 1,
            2 => {
                let pair: String = run.iter().collect();
                if style == ToneStyle::Modern && matches!(pair.as_str(), "oa" | "oe" | "uy") {
                    1
                } else {
                    0
                }
            }
            _ => 1,
        };
        Some(start + i)
    }

    fn render(&self, style: ToneStyle, out: &mut String) {
        let pos = self.tone.and_then(|_| self.tone_position(style));
        // "ươ" never ends a syllable: a word ending in it is "uơ" (thuở, huơ).
        let n = self.letters.len();
        let plain_u =
            (n >= 2 && self.letters[n - 2].base == 'ư' && self.letters[n - 1].base == 'ơ')
                .then(|| n - 2);
        for (i, l) in self.letters.iter().enumerate() {
            let base = if Some(i) == plain_u { 'u' } else { l.base };
            let c = if Some(i) == pos {
                with_tone(base, self.tone)
            } else {
                base
            };
            out.push(if l.upper { upper(c) } else { c });
        }
    }

    fn push_letter(&mut self, key: char, is_upper: bool) {
        self.letters.push(Letter {
            base: key,
            upper: is_upper,
        });
    }

    /// Apply one letter key (ASCII letter, any case).
    fn key(&mut self, raw: char) {
        let k = raw.to_ascii_lowercase();
        let is_upper = raw.is_ascii_uppercase();
        let last = self.last.take();

        if last == Some(Last::Undone(k)) {
            self.push_letter(k, is_upper);
            self.last = Some(Last::Undone(k));
            return;
        }

        // Undo: the same key again, right after it changed something.
        match &last {
            Some(Last::Tone(t)) if *t == k => {
                self.tone = None;
                self.push_letter(k, is_upper);
                self.last = Some(Last::Undone(k));
                return;
            }
            Some(Last::Mark { key, changed }) if *key == k => {
                for (i, from) in changed {
                    self.letters[*i].base = *from;
                }
                self.push_letter(k, is_upper);
                self.last = Some(Last::Undone(k));
                return;
            }
            Some(Last::LoneW(i)) if k == 'w' => {
                self.letters[*i].base = 'w';
                self.last = Some(Last::Undone('w'));
                return;
            }
            Some(Last::Dd) if k == 'd' => {
                self.letters[0].base = 'd';
                self.push_letter('d', is_upper);
                self.last = Some(Last::Undone('d'));
                return;
            }
            _ => {}
        }

        if let Some(tone) = Tone::from_key(k) {
            if self.vowel_run().is_some() {
                self.tone = Some(tone);
                self.last = Some(Last::Tone(k));
                return;
            }
        }
        if k == 'z' && self.tone.is_some() {
            self.tone = None;
            return;
        }
        if k == 'd' && self.letters.first().map(|l| l.base) == Some('d') {
            self.letters[0].base = 'đ';
            self.last = Some(Last::Dd);
            return;
        }
        if matches!(k, 'a' | 'e' | 'o') {
            if let Some(changed) = self.circumflex(k) {
                self.last = Some(Last::Mark { key: k, changed });
                return;
            }
        }
        if k == 'w' {
            if let Some(changed) = self.horn_or_breve() {
                self.last = Some(Last::Mark { key: 'w', changed });
                return;
            }
            let ends_in_vowel = self.letters.last().is_some_and(|l| is_vowel(l.base));
            if !ends_in_vowel {
                self.push_letter('ư', is_upper);
                self.last = Some(Last::LoneW(self.letters.len() - 1));
                return;
            }
        }
        self.push_letter(k, is_upper);
    }

    /// `aa`, `ee`, `oo` (also â from ă and ô from ơ), on the last matching vowel of the run.
    fn circumflex(&mut self, k: char) -> Option<Vec<(usize, char)>> {
        let (start, end) = self.vowel_run()?;
        let (targets, to): (&str, char) = match k {
            'a' => ("aă", 'â'),
            'e' => ("e", 'ê'),
            _ => ("oơ", 'ô'),
        };
        let i = (start..end)
            .rev()
            .find(|&i| targets.contains(self.letters[i].base))?;
        let from = self.letters[i].base;
        self.letters[i].base = to;
        // A mark on a vowel that is not the run's last must still give a real vowel group
        // ("ieu" + e → "iêu"), else the key starts a new letter ("ngoe" + o → "ngoeo").
        if i + 1 < end {
            let (nstart, _) = self.nucleus()?;
            let run: String = self.letters[nstart..end].iter().map(|l| l.base).collect();
            if !["âu", "ây", "uây", "êu", "iêu", "yêu", "uyêu", "ôi", "uôi"].contains(&run.as_str())
            {
                self.letters[i].base = from;
                return None;
            }
        }
        Some(vec![(i, from)])
    }

    /// `w`: uo→ươ, ua→ưa, then a→ă, o→ơ, u→ư.
    fn horn_or_breve(&mut self) -> Option<Vec<(usize, char)>> {
        let (start, end) = self.vowel_run()?;
        let (nstart, _) = self.nucleus()?;
        let b = |w: &Word, i: usize| w.letters[i].base;
        let mut changed = Vec::new();
        for i in nstart..end.saturating_sub(1) {
            let (u, o) = (b(self, i), b(self, i + 1));
            if "uư".contains(u) && "oơô".contains(o) && (u, o) != ('ư', 'ơ') {
                changed.push((i, u));
                changed.push((i + 1, o));
                self.letters[i].base = 'ư';
                self.letters[i + 1].base = 'ơ';
                return Some(changed);
            }
        }
        if end - nstart == 2 && b(self, nstart) == 'u' && b(self, nstart + 1) == 'a' {
            changed.push((nstart, 'u'));
            self.letters[nstart].base = 'ư';
            return Some(changed);
        }
        for (targets, to) in [("aâ", 'ă'), ("oô", 'ơ')] {
            if let Some(i) = (start..end).rev().find(|&i| targets.contains(b(self, i))) {
                changed.push((i, b(self, i)));
                self.letters[i].base = to;
                return Some(changed);
            }
        }
        if let Some(i) = (nstart..end).find(|&i| b(self, i) == 'u') {
            changed.push((i, 'u'));
            self.letters[i].base = 'ư';
            return Some(changed);
        }
        None
    }
}

/// The composer: text already committed plus the word being typed.
#[derive(Debug, Clone, Default)]
pub struct Telex {
    style: ToneStyle,
    committed: String,
    word: Word,
}

impl Telex {
    pub fn new(style: ToneStyle) -> Self {
        Telex {
            style,
            ..Telex::default()
        }
    }

    /// Compose a whole key sequence at once.
    pub fn compose(keys: &str) -> String {
        let mut t = Telex::default();
        t.type_str(keys);
        t.text()
    }

    /// Press one key. ASCII letters compose; anything else ends the word and is typed as is.
    pub fn key(&mut self, c: char) {
        if c.is_ascii_alphabetic() {
            self.word.key(c);
        } else {
            self.commit();
            self.committed.push(c);
        }
    }

    pub fn type_str(&mut self, keys: &str) {
        keys.chars().for_each(|c| self.key(c));
    }

    /// Delete the last character on screen.
    pub fn backspace(&mut self) {
        if self.word.is_empty() {
            self.committed.pop();
            // Step back into the previous word so that typing goes on composing it.
            let tail_start = self
                .committed
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_alphabetic())
                .last()
                .map(|(i, _)| i);
            if let Some(i) = tail_start {
                let tail = self.committed.split_off(i);
                self.word = Word::from_text(&tail);
            }
            return;
        }
        let mut s = String::new();
        self.word.render(self.style, &mut s);
        s.pop();
        self.word = Word::from_text(&s);
    }

    pub fn clear(&mut self) {
        self.committed.clear();
        self.word = Word::default();
    }

    /// Everything typed so far, NFC.
    pub fn text(&self) -> String {
        let mut s = self.committed.clone();
        self.word.render(self.style, &mut s);
        s
    }

    fn commit(&mut self) {
        let w = std::mem::take(&mut self.word);
        w.render(self.style, &mut self.committed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_marks_and_tones() {
        assert_eq!(Telex::compose("aa aw ee oo ow uw dd"), "â ă ê ô ơ ư đ");
        assert_eq!(Telex::compose("as af ar ax aj"), "á à ả ã ạ");
        assert_eq!(Telex::compose("Vieetj Nam"), "Việt Nam");
    }

    #[test]
    fn undo_by_repeating() {
        assert_eq!(Telex::compose("ass"), "as");
        assert_eq!(Telex::compose("aaa"), "aa");
        assert_eq!(Telex::compose("ww"), "w");
        assert_eq!(Telex::compose("ddd"), "dd");
        assert_eq!(Telex::compose("aww"), "aw");
        assert_eq!(Telex::compose("xooong"), "xoong");
        assert_eq!(Telex::compose("asz"), "a");
    }

    #[test]
    fn backspace_removes_what_is_shown() {
        let mut t = Telex::default();
        t.type_str("Vieetj");
        t.backspace();
        assert_eq!(t.text(), "Việ");
        t.backspace();
        assert_eq!(t.text(), "Vi");
        t.type_str("eetj");
        assert_eq!(t.text(), "Việt");
        t.type_str(" ");
        t.backspace();
        t.type_str("s");
        assert_eq!(t.text(), "Viết");
        t.clear();
        assert_eq!(t.text(), "");
    }

    #[test]
    fn classic_style() {
        let mut t = Telex::new(ToneStyle::Classic);
        t.type_str("hoaf thuyr khoer");
        assert_eq!(t.text(), "hòa thủy khỏe");
    }
}
