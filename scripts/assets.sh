#!/usr/bin/env bash
# `make assets`: refresh the vendored GOV.UK Frontend build and axe-core from npm (ADR 0010).
# The results are committed, so installing or testing fingerpost never needs node or npm.
set -euo pipefail
cd "$(dirname "$0")/.."
GOVUK_FRONTEND=${GOVUK_FRONTEND:-6.3.0}  # the version govuk-frontend-jinja 4.1 targets
AXE_CORE=${AXE_CORE:-4.14.1}
SASS=${SASS:-1.108.2}
WEB=src/fingerpost/entrypoints/web
OUT=$WEB/static/govuk
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm install --prefix "$work" --no-audit --no-fund --silent \
  "govuk-frontend@$GOVUK_FRONTEND" "axe-core@$AXE_CORE" "sass@$SASS"
rm -rf "$OUT"; mkdir -p "$OUT/images"
"$work/node_modules/.bin/sass" --no-source-map --style=compressed --quiet-deps \
  --load-path="$work/node_modules" "$WEB/assets/fingerpost.scss" "$OUT/govuk-frontend.min.css"
dist=$work/node_modules/govuk-frontend/dist/govuk
sed "s,//# sourceMappingURL=.*,," "$dist/govuk-frontend.min.js" > "$OUT/govuk-frontend.min.js"
cp "$dist"/assets/images/{favicon.ico,favicon.svg,govuk-crest.svg,govuk-icon-180.png,govuk-icon-mask.svg} "$OUT/images/"
cp "$work/node_modules/axe-core/axe.min.js" tests/web/axe.min.js
printf 'govuk-frontend %s\naxe-core %s\nsass %s\n' "$GOVUK_FRONTEND" "$AXE_CORE" "$SASS" > "$OUT/VERSIONS"
echo "assets: govuk-frontend $GOVUK_FRONTEND, axe-core $AXE_CORE"
