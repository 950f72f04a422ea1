#!/usr/bin/env bash
# Rebuilds the certificate fonts: Noto Serif Khmer and Noto Serif, regular and bold (SIL
# Open Font License 1.1, see ../NOTO-LICENSE), from Debian's fonts-noto-core. Vendored so a
# certificate never depends on the host's fonts. Noto Serif is cut down to Latin (the
# names, titles and dates in English); the Khmer fonts are kept whole, with every
# shaping feature. Needs: apt-get install fonts-noto-core; pip install fonttools.
set -euo pipefail
cd "$(dirname "$0")"
noto=/usr/share/fonts/truetype/noto
for weight in Regular Bold; do
  cp "$noto/NotoSerifKhmer-$weight.ttf" .
  pyftsubset "$noto/NotoSerif-$weight.ttf" \
    --unicodes="U+0020-007E,U+00A0-017F,U+2010-2027,U+2030-205E,U+20AC,U+2122" \
    --layout-features='*' --output-file="NotoSerif-$weight.ttf"
done
ls -l ./*.ttf
