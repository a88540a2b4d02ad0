#!/usr/bin/env bash
# `make demo`: synthetic data into a local home, then serve the web pages and the API on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-demo-data}; HOST=${2:-127.0.0.1}; PORT=${3:-8000}
FP=.venv/bin/fingerpost
export FINGERPOST_HOME=${FINGERPOST_HOME:-$PWD/.fingerpost}
# The web pages: the demo sign-in page, and session cookies over plain http://localhost.
export FINGERPOST_DEMO_SIGN_IN=true FINGERPOST_COOKIE_SECURE=false

if [ ! -f "$DATA/truth.csv" ]; then
  echo "== generating synthetic data (invented people only) into $DATA/"
  # As of a fixed day, so that the README's examples name the same invented children any day.
  $FP synth "$DATA" --seed 7 --children 2500 --agencies 6 --enquiries 300 --as-of 2026-11-01
fi
$FP init
echo "== importing agencies"
$FP agencies import "$DATA/agencies.csv"
echo "== registering involvements"
for file in "$DATA"/register-*.csv; do
  code=$(basename "$file" .csv); code=${code#register-}
  $FP register --agency "$code" "$file" || [ $? -eq 1 ]
done

# Tokens for three demo users, and a ready enquiry for a child the data says is known elsewhere.
.venv/bin/python scripts/demo_guide.py "$DATA" "http://$HOST:$PORT" > "$DATA/demo-guide.txt"
cat "$DATA/demo-guide.txt"
exec $FP serve --host "$HOST" --port "$PORT"
