#!/usr/bin/env bash
# Rebuilds sala-khmer.woff2: Noto Sans Khmer (SIL Open Font License 1.1, from Debian's
# fonts-noto-core) cut down to the Khmer blocks, for devices that have no Khmer font.
# Needs: apt-get install fonts-noto-core; pip install fonttools brotli.
set -euo pipefail
cd "$(dirname "$0")"
pyftsubset /usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf \
  --unicodes="U+1780-17FF,U+19E0-19FF,U+200B-200D,U+25CC" \
  --layout-features='*' --flavor=woff2 --no-hinting --desubroutinize \
  --output-file=sala-khmer.woff2
ls -l sala-khmer.woff2
