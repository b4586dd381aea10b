#!/usr/bin/env bash
# docs/report.png: the HTML report of `whohosts notices` for the demo world (the bundled
# loopback world of recorded RDAP answers, `cargo run --example demo`), rendered by headless
# Chromium. Offline: the world's servers listen on 127.0.0.1 and the report loads nothing.
#
# Usage: scripts/screenshot-report.sh [OUT.png]   (default docs/report.png)
#
# Needs Chromium from the Debian packages (`apt-get install chromium`); the report itself is
# kept in target/report/ (records.jsonl, the notices directory) for a look in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-docs/report.png}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
  echo "screenshot-report: no chromium on PATH (apt-get install chromium)" >&2
  exit 2
fi

work="target/report"
rm -rf "$work"
mkdir -p "$work" "$(dirname "$out")"
cargo run -q --all-features --example demo -- --json >"$work/records.jsonl"
cargo run -q --all-features --bin whohosts -- notices "$work/records.jsonl" -o "$work/notices"

# --no-sandbox: CI and containers run as root, where Chromium's sandbox refuses to start.
# --hide-scrollbars and a fixed window: the same picture on every machine.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1280,2000 \
  --screenshot="$PWD/$out" "file://$PWD/$work/notices/report.html"
echo "wrote $out from $work/notices/report.html"
