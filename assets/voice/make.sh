#!/usr/bin/env bash
# Makes the voice clips the server joins into call announcements ("Xin mời khách hàng số A không
# một hai đến quầy số ba"), from espeak-ng's Vietnamese and English voices, and the chime played
# before each call. Every clip is a 16-bit mono PCM WAV at 22,050 Hz; a centre may replace any of
# them by a human recording in the same format and under the same name (no code change), or point
# the server's `voice_dir` at a folder of its own.
#
#   apt-get install espeak-ng python3   # then:  assets/voice/make.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p vi en

say() { # voice, file, text
    espeak-ng -v "$1" -s 150 -w "$2.tmp" "$3"
    # espeak-ng leaves silence at the end; keep 60 ms of it.
    python3 - "$2.tmp" "$2.wav" <<'PY'
import array, math, sys, wave
src, dst = sys.argv[1], sys.argv[2]
with wave.open(src) as w:
    params, frames = w.getparams(), w.readframes(w.getnframes())
width, rate = params.sampwidth, params.framerate
def rms(chunk):
    a = array.array("h", chunk)
    return math.sqrt(sum(x * x for x in a) / max(1, len(a)))
step, keep = rate // 100 * width, rate * 60 // 1000 * width
end = len(frames)
while end > step and rms(frames[end - step:end]) < 60:
    end -= step
start = 0
while start + step < end and rms(frames[start:start + step]) < 60:
    start += step
with wave.open(dst, "wb") as out:
    out.setparams(params)
    out.writeframes(frames[max(0, start - keep):min(len(frames), end + keep)])
PY
    rm "$2.tmp"
}

say vi vi/call "Xin mời khách hàng số"
say vi vi/counter "đến quầy số"
digits_vi=(không một hai ba bốn năm sáu bảy tám chín)
for d in 0 1 2 3 4 5 6 7 8 9; do say vi "vi/$d" "${digits_vi[$d]}"; done
letters_vi=(a bê xê dê e ép giê hát i gi ca "e lờ" "em mờ" "en nờ" o pê quy "e rờ" "ét xì" tê u vê "vê kép" "ích xì" "i dài" dét)
i=0
for l in {A..Z}; do say vi "vi/$l" "${letters_vi[$i]}"; i=$((i + 1)); done

say en en/call "Number"
say en en/counter "please go to counter"
digits_en=(zero one two three four five six seven eight nine)
for d in 0 1 2 3 4 5 6 7 8 9; do say en "en/$d" "${digits_en[$d]}"; done
for l in {A..Z}; do say en "en/$l" "$l"; done

# The chime: two soft tones, 0.9 s.
python3 - <<'PY'
import math, struct, wave
rate = 22050
def tone(freq, secs):
    n = int(rate * secs)
    return [math.sin(2 * math.pi * freq * i / rate) * math.exp(-3 * i / n) for i in range(n)]
samples = tone(880, 0.45) + tone(660, 0.45)
with wave.open("chime.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(s * 12000)) for s in samples))
PY
echo "made $(ls vi en | wc -l) clips and chime.wav"
