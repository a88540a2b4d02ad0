#!/usr/bin/env bash
# `make demo`: a national hub and two agency gateways on localhost (docs/adr/0032), with
# synthetic data registered through the gateways. Ctrl-C stops all three.
#   hub                     FINGERPOST_HOME/hub              port PORT+2 (no pages, no names)
#   council gateway         FINGERPOST_HOME/gateway-council  port PORT   (five agencies)
#   police gateway          FINGERPOST_HOME/gateway-police   port PORT+1 (Leeds Police)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-demo-data}; HOST=${2:-127.0.0.1}; PORT=${3:-8000}
FP=$PWD/.venv/bin/fingerpost
ROOT=${FINGERPOST_HOME:-$PWD/.fingerpost}
HUB_HOME=$ROOT/hub; HUB_URL="http://$HOST:$((PORT + 2))"
declare -A GATEWAY_PORT=([council]=$PORT [police]=$((PORT + 1)))
POLICE_AGENCIES="LDS-POL"
COUNCIL_AGENCIES="MAN-CSC BHM-NHS LIV-EDU BRS-YJS SHF-VCS"
# The web pages: the demo sign-in page, and session cookies over plain http://localhost.
export FINGERPOST_DEMO_SIGN_IN=true FINGERPOST_COOKIE_SECURE=false

pids=()
stop() { trap - EXIT INT TERM; [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null; wait; }
trap stop EXIT INT TERM
at() { local home=$1; shift; FINGERPOST_HOME="$home" "$FP" "$@"; }
wait_for() {  # an address answering /healthz, within a minute
  for _ in $(seq 120); do curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "$1 did not start" >&2; return 1
}

enrol() {  # a gateway's key pair, registered at the hub with the agencies it acts for
  local home=$1 name=$2 agencies=$3
  [ -f "$home/service-token.key" ] || at "$home" gateway keys new >/dev/null 2>&1
  at "$HUB_HOME" hub gateways list 2>/dev/null | grep -qw "^$name" && return 0
  at "$HUB_HOME" hub gateways add "$name" --agencies "${agencies// /,}" \
    --public-key "$home/service-token.pub" --batch  # `enquire` files at the gateway (ADR 0034)
}
share_secret() {  # made once at the first gateway, carried sealed to the second (ADR 0027)
  local first=$1 second=$2 sealed passphrase
  [ -f "$second/linkage.key" ] && return 0
  sealed=$(mktemp -u); passphrase=$(mktemp)
  head -c 24 /dev/urandom | base64 > "$passphrase"
  [ -f "$first/linkage.key" ] || at "$first" gateway secret new >/dev/null
  at "$first" gateway secret export "$sealed" --passphrase-file "$passphrase" >/dev/null
  at "$second" gateway secret import "$sealed" --passphrase-file "$passphrase" >/dev/null
  rm -f "$sealed" "$passphrase"
}

if [ ! -f "$DATA/truth.csv" ]; then
  echo "== generating synthetic data (invented people only) into $DATA/"
  # As of a fixed day, so that the README's examples name the same invented children any day.
  # The locale names the README's worked examples (Maurice and the rest) were written against.
  $FP synth "$DATA" --seed 7 --children 2500 --agencies 6 --enquiries 300 --as-of 2026-11-01 --names locales
fi

echo "== the hub: its home, the agencies' directory"
at "$HUB_HOME" hub init
at "$HUB_HOME" agencies import "$DATA/agencies.csv"

echo "== two gateways: their homes, keys and the shared linkage secret"
for name in council police; do
  home=$ROOT/gateway-$name
  at "$home" gateway init --hub "$HUB_URL" --name "$name" 2>/dev/null
  agencies=$COUNCIL_AGENCIES; [ "$name" = police ] && agencies=$POLICE_AGENCIES
  enrol "$home" "$name" "$agencies"
done
share_secret "$ROOT/gateway-council" "$ROOT/gateway-police"
# The hub holds gateways to the secret's fingerprint (never the secret): another is refused.
fingerprint=$(at "$ROOT/gateway-council" gateway secret fingerprint)
at "$HUB_HOME" hub pin "${fingerprint#fingerprint }" >/dev/null

# The hub's own log keeps its address out of this one: the first address here is a gateway's.
echo "== starting the hub on port $((PORT + 2)) (log: $ROOT/hub.log)"
at "$HUB_HOME" hub serve --host "$HOST" --port "$((PORT + 2))" 2>"$ROOT/hub.log" & pids+=($!)
wait_for "$HUB_URL"

echo "== registering involvements through the gateways"
for file in "$DATA"/register-*.csv; do
  code=$(basename "$file" .csv); code=${code#register-}
  name=council; [[ " $POLICE_AGENCIES " == *" $code "* ]] && name=police
  at "$ROOT/gateway-$name" register --agency "$code" "$file" || [ $? -eq 1 ]
done

for name in council police; do
  at "$ROOT/gateway-$name" gateway serve --host "$HOST" --port "${GATEWAY_PORT[$name]}" & pids+=($!)
done
for name in council police; do wait_for "http://$HOST:${GATEWAY_PORT[$name]}"; done

# Tokens for three demo users, and a ready enquiry for a child the data says is known elsewhere.
.venv/bin/python scripts/demo_guide.py "$DATA" "$HUB_URL" \
  "council=$ROOT/gateway-council@http://$HOST:$PORT" \
  "police=$ROOT/gateway-police@http://$HOST:$((PORT + 1))" > "$DATA/demo-guide.txt"
cat "$DATA/demo-guide.txt"
wait
