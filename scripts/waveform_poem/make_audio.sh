#!/usr/bin/env bash
# Makes poem.ogg, the recording the waveform_poem gizmo plays: espeak-ng reads
# poem.txt and sox turns the result into a small file (mono, 16 kHz, Ogg
# Vorbis at quality -1, about 40 KB for 20 s; Debian's sox writes Vorbis
# through libsox-fmt-base, which it depends on). Both files are committed, so
# running the gizmo or its tests needs neither tool; run this (or
# `make poem-audio`) after changing the poem. Vorbis files differ byte for
# byte between runs (a random stream serial number), not in sound.
set -eu

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make_audio.sh: $tool is not installed (make poem-audio installs it)" >&2; exit 1; }
done

speech="$(mktemp --suffix=.wav)"
trap 'rm -f "$speech"' EXIT

# US English, a little slower than the default 175 words a minute, with a
# longer gap between words, so the waveform shows words as separate hills.
espeak-ng -v en-us -s 140 -g 3 -f "$here/poem.txt" -w "$speech"
# Loud enough (peak at -1 dB), with a moment of silence before and after.
sox "$speech" --comment "Waveform, a poem of gizmolua, read by espeak-ng" \
  -r 16000 -c 1 -C -1 "$here/poem.ogg" norm -1 pad 0.25 0.5

echo "wrote $here/poem.ogg ($(stat -c %s "$here/poem.ogg") bytes)"
