#!/usr/bin/env bash
# The main job on the embedded defaults: a store's day, from nothing, with the real CLI on
# SQLite. Everything lands in $PROVENANCE_HOME (a fresh temporary directory unless set).
#   scripts/demo.sh            # run the story
#   KEEP=1 scripts/demo.sh     # keep the store directory afterwards (printed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv

home_was_set=${PROVENANCE_HOME:+1}
export PROVENANCE_HOME=${PROVENANCE_HOME:-$(mktemp -d)/store}
export PROVENANCE_PASSPHRASE=${PROVENANCE_PASSPHRASE:-demo-passphrase-not-for-production}
assets=$(mktemp -d)
trap '[ -n "${home_was_set}${KEEP:-}" ] || rm -rf "$(dirname "$PROVENANCE_HOME")"; rm -rf "$assets"' EXIT

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
step audit
step keys list

echo
echo "Done. Every event above is signed, chained, and checked by 'provenance audit'."
if [ -n "${home_was_set}${KEEP:-}" ]; then
  echo "Store kept in $PROVENANCE_HOME; try: PROVENANCE_HOME=$PROVENANCE_HOME $P show $blue"
fi
