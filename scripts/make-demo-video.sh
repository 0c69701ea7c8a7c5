#!/bin/sh
# Regenerates src/server/seed/data/library/demo-video.webm, the course library's demo video (6 s, 320×180, VP8 +
# Opus, ≈ 37 KB): a green card with "（演示）共育圈课程视频", a seconds counter and a quiet 440 Hz tone. Needs ffmpeg
# (Debian: apt-get install ffmpeg) and the repository's node_modules (for the Noto Sans SC font). -bitexact keeps the
# output identical run to run on one ffmpeg version.
set -eu
cd "$(dirname "$0")/.."
FONT="$(dirname "$(node -e "console.log(require.resolve('@embedpdf/fonts-sc'))")")/../fonts/NotoSansHans-Regular.otf"
mkdir -p src/server/seed/data/library
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "color=c=0x2f6f5e:s=320x180:d=6:r=15" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=6,volume=0.2" \
  -vf "drawtext=fontfile=$FONT:text='（演示）共育圈课程视频':fontcolor=white:fontsize=20:x=(w-text_w)/2:y=50,drawtext=fontfile=$FONT:text='demo video · %{eif\\:t\\:d} s':fontcolor=0xf2b84b:fontsize=16:x=(w-text_w)/2:y=100" \
  -c:v libvpx -b:v 120k -crf 30 -c:a libopus -b:a 24k -metadata title="（演示）共育圈课程视频" -bitexact \
  src/server/seed/data/library/demo-video.webm
