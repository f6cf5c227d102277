#!/usr/bin/env bash
# The main job on the embedded defaults: a store's day, from nothing, with the real CLI on
# SQLite and the embedded chain (eth-tester + py-evm, served to the other commands on
# 127.0.0.1 by 'provenance chain devnet' for as long as the story runs; ephemeral).
#   scripts/demo.sh              # run the story, then serve the API and buyer pages (Ctrl-C ends)
#   scripts/demo.sh --no-serve   # the same story, then exit (0 on success): for scripts and CI
#   KEEP=1 scripts/demo.sh       # keep the store directory afterwards (printed at the end)
# Outputs (proof bundle, QR tags, label sheet) go to $DEMO_OUT (default ./demo-output).
set -euo pipefail
serve=1
for arg in "$@"; do
  case "$arg" in
    --no-serve) serve= ;;
    *) echo "usage: scripts/demo.sh [--no-serve]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv

home_was_set=${PROVENANCE_HOME:+1}
export PROVENANCE_HOME=${PROVENANCE_HOME:-$(mktemp -d)/store}
export PROVENANCE_PASSPHRASE=${PROVENANCE_PASSPHRASE:-demo-passphrase-not-for-production}
assets=$(mktemp -d)
out=${DEMO_OUT:-$PWD/demo-output}
mkdir -p "$out"
port=${DEMO_PORT:-8000}
devnet_port=${DEMO_DEVNET_PORT:-8545}
export PROVENANCE_BASE_URL="http://127.0.0.1:$port"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "${home_was_set}${KEEP:-}" ] || rm -rf "$(dirname "$PROVENANCE_HOME")"
  rm -rf "$assets"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

P=".venv/bin/provenance"
step() { printf '\n\033[1m$ provenance %s\033[0m\n' "$*"; "$P" "$@"; }
value() { "$P" --json "$@" | .venv/bin/python -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])' "$KEY"; }

# Photos of a label and a runout (tiny generated PNGs stand in for the shop camera).
.venv/bin/python scripts/make_demo_photos.py "$assets"

echo "Store directory: $PROVENANCE_HOME (SQLite ledger + encrypted keys)"
step init --store-name "Groove Vault Records"
step keys create rick --role registrar
step keys create anna --role grader

export PROVENANCE_KEY=rick
KEY=item
printf '\n\033[1m$ provenance register --kind vinyl --title "Blue Train" ...\033[0m\n'
blue=$(value register --kind vinyl --title "Blue Train" --artist "John Coltrane" --label "Blue Note" \
  --catalog "BLP 1577" --matrix "A=BN-LP-1577-A" --matrix "B=BN-LP-1577-B" --country US \
  --year 1957 --photo "$assets/label.png" --photo "$assets/runout.png")
echo "$blue"
kind_of_blue=$(value register --kind vinyl --title "Kind of Blue" --artist "Miles Davis" \
  --label Columbia --catalog "CL 1355" --matrix "A=XLP47324-1A" --country US --year 1959)
unknown=$(value register --kind vinyl --title "Unknown Pleasures" --artist "Joy Division" \
  --label Factory --catalog "FACT 10" --country UK --year 1979)
film=$(value register --kind film --title "The Third Man" --director "Carol Reed" \
  --studio "British Lion" --year 1949 --gauge 16mm --print-type "b/w reduction print" \
  --reels 3 --length-ft 4200 --soundtrack optical --photo "$assets/can.png")
echo "registered $kind_of_blue $unknown $film"

cat > "$assets/stock.csv" <<'CSV'
kind,title,artist,label,catalog_number,matrix_a,matrix_b,country,year
vinyl,Pet Sounds,The Beach Boys,Capitol,T 2458,T1-2458-F4,T2-2458-F4,US,1966
vinyl,Blue,Joni Mitchell,Reprise,MS 2038,,,US,1971
CSV
step import "$assets/stock.csv"

export PROVENANCE_KEY=anna
step grade "$blue" --media VG+ --sleeve VG --method play --notes "light scuffs, plays through clean"
step grade "$kind_of_blue" --media NM --sleeve VG+ --method visual
step grade "$film" --ad-level 1 --shrinkage 6 --splices 4 --fading none --scratches light
step correct "$blue" 1 --reason "sleeve re-examined under daylight" --set sleeve=VG+

export PROVENANCE_KEY=rick
step transfer "$blue" --to "A. Buyer (demo)" --contact "buyer@example.invalid" --claim-code \
  --price 450.00 --currency EUR
step status "$unknown" stolen --note "taken from the listening booth"

unset PROVENANCE_KEY
step show "$blue"

# -- QR tags and a label sheet ------------------------------------------------------------------
export PROVENANCE_KEY=rick
step tag "$film" -o "$out/$film.svg"
step labels "$kind_of_blue" "$unknown" -o "$out/labels.pdf" --paper a4
printf '\n\033[1m$ provenance tag %s -o %s.png\033[0m\n' "$blue" "$blue"
tag_url=$("$P" --json tag "$blue" -o "$out/$blue.png" \
  | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["url"])')
echo "$tag_url"
unset PROVENANCE_KEY

# -- the transparency log and the chain ------------------------------------------------------
printf '\n\033[1m$ provenance chain devnet --port %s &\033[0m   # the embedded chain, shared\n' "$devnet_port"
"$P" chain devnet --port "$devnet_port" &
pids+=($!)
export PROVENANCE_CHAIN="http://127.0.0.1:$devnet_port" PROVENANCE_CHAIN_ID=131277322940537
.venv/bin/python - "$PROVENANCE_CHAIN" <<'PY'
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b'{"id":1,"method":"eth_chainId"}'), timeout=1)
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("the devnet did not start")
PY
step log checkpoint
step chain deploy
step anchor
step chain status

# -- a proof bundle, verified with nothing but the file and the chain -------------------------
step export "$blue" -o "$out/$blue.proof.json"
printf '\n\033[1m$ provenance verify %s.proof.json --rpc %s --require-anchor\033[0m   # no database\n' \
  "$blue" "$PROVENANCE_CHAIN"
env -u PROVENANCE_DB_URL PROVENANCE_HOME="$assets/elsewhere" \
  "$P" verify "$out/$blue.proof.json" --rpc "$PROVENANCE_CHAIN" --require-anchor

step audit
printf '%s\n' "$blue" > "$out/item.txt"

echo
echo "Done. Every event above is signed, chained, logged, anchored and checked by 'provenance audit'."
echo "Outputs in $out: $blue.proof.json, QR tags $blue.png and $film.svg, labels.pdf."
if [ -n "${home_was_set}${KEEP:-}" ]; then
  echo "Store kept in $PROVENANCE_HOME; try: PROVENANCE_HOME=$PROVENANCE_HOME $P show $blue"
fi

if [ -n "$serve" ]; then
  echo
  echo "Serving the partner API and the buyer pages on http://127.0.0.1:$port (Ctrl-C stops)."
  echo "Open the tag's page in a browser:  $tag_url"
  echo "Partner API docs:                  http://127.0.0.1:$port/docs"
  "$P" serve --host 127.0.0.1 --port "$port"
fi
