#!/usr/bin/env bash
# medsettle against GoRules ZEN on the same stays, in one run on one machine.
#
#   bench/peers/zen/compare.sh            # 200,000 stays (from 100,000 generated persons)
#   STAYS=50000 PERSONS=25000 bench/peers/zen/compare.sh
#   TRACED=200000 bench/peers/zen/compare.sh   # the traced runs on every stay
#
# Builds make_inputs and the medsettle command from this checkout (into
# bench/peers/zen/work/build), installs @gorules/zen-engine from
# package-lock.json if needed, generates the stays (hunan 2017-07-01 applies to
# discharges 2017-07-01..2018-12-31, hence --year 2018), settles them with
# medsettle, has ZEN settle the first $STAYS of them from their pre-split
# buckets, checks that every stay's six channel payments and patient share are
# equal to the fen, and prints both throughputs and their ratio. Then the
# same with tracing on, on the first $TRACED stays: ZEN's
# `evaluate(ctx, { trace: true })` against medsettle's settle_batch with
# SettleOptions::trace (the explanation `explain` prints), checked and timed
# the same way. Exits 1 on any mismatch. Everything it writes is under
# bench/peers/zen/work/ (ignored).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=$HERE/work
STAYS=${STAYS:-200000}
PERSONS=${PERSONS:-100000}
SEED=${SEED:-7}
REPEAT=${REPEAT:-3}
TRACED=${TRACED:-20000}
[ "$TRACED" -gt 0 ] || { echo "TRACED must be at least 1"; exit 2; }
JOBS=${JOBS:-$(nproc)}
mkdir -p "$WORK"
cd "$HERE"

say() { printf '\n== %s\n' "$*"; }
kv() { sed -n "s/^$1=//p" "$2" | tail -n 1; }

say "machine"
echo "nproc: $(nproc)"
lscpu | grep 'Model name' | sed 's/^ *//'
echo "node $(node --version), $(g++ --version | head -n 1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

say "build (make_inputs, medsettle) and npm ci"
cmake -S "$HERE" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release > "$WORK/cmake.log"
cmake --build "$WORK/build" -j "$JOBS" --target make_inputs medsettle_cli > "$WORK/build.log" 2>&1 ||
  { tail -n 50 "$WORK/build.log"; exit 2; }
MEDSETTLE=$WORK/build/medsettle/medsettle
"$MEDSETTLE" --version
want=$(node -p "require('./package.json').dependencies['@gorules/zen-engine']")
have=$(node -p "try { require('./node_modules/@gorules/zen-engine/package.json').version } catch { '' }")
if [ "$want" != "$have" ]; then npm ci --no-audit --no-fund; fi
echo "@gorules/zen-engine $(node -p "require('./node_modules/@gorules/zen-engine/package.json').version")"

say "generate stays"
"$MEDSETTLE" generate --persons "$PERSONS" --seed "$SEED" --year 2018 --out "$WORK/generated.jsonl"

say "make_inputs: settle with medsettle, write ZEN's inputs and the expected payments, time settle_batch"
"$WORK/build/make_inputs" --rules "$ROOT/rules/hunan.yaml" --in "$WORK/generated.jsonl" \
  --out-dir "$WORK" --limit "$STAYS" --repeat "$REPEAT" --traced "$TRACED" | tee "$WORK/make_inputs.txt"
N=$(kv stays "$WORK/make_inputs.txt")

# Counts differing amounts between expected.csv and a ZEN output, over every
# stay and the six channels plus patient_pays; a missing or reordered stay counts too.
mismatches() {
  paste -d, "$1" "$2" | awk -F, '
    NF != 16 || $1 != $9 { bad_rows++; next }
    { for (i = 2; i <= 8; i++) if ($i != $(i + 8)) { m++; s[NR] = 1 } }
    END { printf "%d %d %d\n", m + bad_rows * 7, length(s) + bad_rows, NR }'
}

say "edge cases (edge_stays.jsonl: caps, rounding halves, a prior ledger, two years)"
mkdir -p "$WORK/edge"
"$WORK/build/make_inputs" --rules "$ROOT/rules/hunan.yaml" --in "$HERE/edge_stays.jsonl" \
  --out-dir "$WORK/edge" --repeat 1 --traced 0 > "$WORK/edge/make_inputs.txt"
node run.mjs --in "$WORK/edge/zen_inputs.jsonl" --out "$WORK/edge/zen_paid.csv" --warmup 0 > /dev/null
read -r edge_m _ edge_n < <(mismatches "$WORK/edge/expected.csv" "$WORK/edge/zen_paid.csv")
read -r edge_mb _ _ < <(mismatches "$WORK/edge/expected.csv" "$WORK/edge/zen_paid.batched.csv")
read -r edge_mt _ _ < <(mismatches "$WORK/edge/expected.csv" "$WORK/edge/zen_paid.traced.csv")
edge_base=$(kv baseline_mismatches "$WORK/edge/make_inputs.txt")
echo "$edge_n stays: ZEN mismatches $edge_m (sequential), $edge_mb (batched), $edge_mt (traced); hard-coded baseline mismatches $edge_base"

say "ZEN: $N stays (warm-up 1,000), then the first $TRACED traced"
node run.mjs --in "$WORK/zen_inputs.jsonl" --limit "$STAYS" --out "$WORK/zen_paid.csv" --traced "$TRACED" |
  tee "$WORK/zen.txt"
NT=$(kv zen_traced_stays "$WORK/zen.txt")
[ "$NT" = "$(kv medsettle_traced_stays "$WORK/make_inputs.txt")" ] || { echo "ZEN and medsettle traced different stays"; exit 1; }

say "check: ZEN's payments against medsettle's, every stay and channel"
read -r m_seq s_seq n_seq < <(mismatches "$WORK/expected.csv" "$WORK/zen_paid.csv")
read -r m_bat s_bat n_bat < <(mismatches "$WORK/expected.csv" "$WORK/zen_paid.batched.csv")
echo "sequential: $n_seq stays compared, $m_seq mismatching amounts in $s_seq stays"
echo "batched:    $n_bat stays compared, $m_bat mismatching amounts in $s_bat stays"
head -n "$NT" "$WORK/expected.csv" > "$WORK/expected.traced.csv"
read -r m_tseq s_tseq n_tseq < <(mismatches "$WORK/expected.traced.csv" "$WORK/zen_paid.traced.csv")
read -r m_tbat s_tbat n_tbat < <(mismatches "$WORK/expected.traced.csv" "$WORK/zen_paid.traced.batched.csv")
echo "traced, sequential: $n_tseq stays compared, $m_tseq mismatching amounts in $s_tseq stays"
echo "traced, batched:    $n_tbat stays compared, $m_tbat mismatching amounts in $s_tbat stays"

say "medsettle settle --threads 1, end to end (read JSON Lines, split, settle, write JSON Lines), best of $REPEAT"
best_ns=
best_cpu=
TIMEFORMAT='%3U %3S'
for _ in $(seq "$REPEAT"); do
  t0=$(date +%s%N)
  { cpu=$( { time "$MEDSETTLE" settle --rules "$ROOT/rules/hunan.yaml" --in "$WORK/stays.jsonl" \
      --out "$WORK/settled.jsonl" --threads 1 2> "$WORK/settle.err"; } 2>&1 ); }
  t1=$(date +%s%N)
  ns=$((t1 - t0))
  cpu=$(awk '{ printf "%.3f", $1 + $2 }' <<< "$cpu")
  echo "  $(cat "$WORK/settle.err"): $((ns / 1000000)) ms wall, $cpu s CPU"
  if [ -z "$best_ns" ] || [ "$ns" -lt "$best_ns" ]; then best_ns=$ns; fi
  if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$cpu; fi
done
grep -q "read $N, settled $N, rejected 0" "$WORK/settle.err" || { echo "medsettle settle did not settle all $N stays"; exit 1; }
cli_rate=$(awk -v n="$N" -v ns="$best_ns" 'BEGIN { printf "%d", n / (ns / 1e9) }')
cli_cpu_rate=$(awk -v n="$N" -v c="$best_cpu" 'BEGIN { printf "%d", n / c }')

say "results ($N stays, 1 thread unless noted; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
zs=$(kv zen_sequential_stays_per_s "$WORK/zen.txt")
zb=$(kv zen_batched_stays_per_s "$WORK/zen.txt")
zs_cpu=$(kv zen_sequential_stays_per_cpu_s "$WORK/zen.txt")
zb_cpu=$(kv zen_batched_stays_per_cpu_s "$WORK/zen.txt")
mi=$(kv medsettle_inprocess_stays_per_s "$WORK/make_inputs.txt")
mi_cpu=$(kv medsettle_inprocess_stays_per_cpu_s "$WORK/make_inputs.txt")
mb=$(kv medsettle_inprocess_buckets_stays_per_s "$WORK/make_inputs.txt")
mb_cpu=$(kv medsettle_inprocess_buckets_stays_per_cpu_s "$WORK/make_inputs.txt")
bl=$(kv baseline_stays_per_s "$WORK/make_inputs.txt")
bl_cpu=$(kv baseline_stays_per_cpu_s "$WORK/make_inputs.txt")
if [ "$zb" -gt "$zs" ]; then zen=$zb; zen_cpu=$zb_cpu; zen_which=batched; else zen=$zs; zen_cpu=$zs_cpu; zen_which=sequential; fi
row() { printf '  %-62s %12s %14s\n' "$1" "$2" "$3"; }
row "" "stays/s" "stays/CPU-s"
row "ZEN $(kv zen_version "$WORK/zen.txt"), await evaluate, sequential" "$zs" "$zs_cpu"
row "ZEN, Promise.all over person chains, chunks of 1,000" "$zb" "$zb_cpu"
row "medsettle settle_batch in-process (fee lines), best of $REPEAT" "$mi" "$mi_cpu"
row "medsettle settle_batch in-process (bucket form), best of $REPEAT" "$mb" "$mb_cpu"
row "medsettle settle --threads 1, end to end, best of $REPEAT" "$cli_rate" "$cli_cpu_rate"
row "hard-coded C++ (bench/baseline_hunan.hpp), bucket form" "$bl" "$bl_cpu"
zts=$(kv zen_traced_sequential_stays_per_s "$WORK/zen.txt")
ztb=$(kv zen_traced_batched_stays_per_s "$WORK/zen.txt")
zts_cpu=$(kv zen_traced_sequential_stays_per_cpu_s "$WORK/zen.txt")
ztb_cpu=$(kv zen_traced_batched_stays_per_cpu_s "$WORK/zen.txt")
mt=$(kv medsettle_traced_stays_per_s "$WORK/make_inputs.txt")
mt_cpu=$(kv medsettle_traced_stays_per_cpu_s "$WORK/make_inputs.txt")
mtt=$(kv medsettle_traced_texts_stays_per_s "$WORK/make_inputs.txt")
mtt_cpu=$(kv medsettle_traced_texts_stays_per_cpu_s "$WORK/make_inputs.txt")
if [ "$ztb" -gt "$zts" ]; then zent=$ztb; zent_cpu=$ztb_cpu; zent_which=batched; else zent=$zts; zent_cpu=$zts_cpu; zent_which=sequential; fi
echo
echo "  traced, the first $NT of the stays:"
row "ZEN, evaluate(ctx, { trace: true }), sequential ($(kv zen_traced_nodes_per_stay "$WORK/zen.txt") nodes/stay)" "$zts" "$zts_cpu"
row "ZEN, traced, Promise.all over person chains, chunks of 1,000" "$ztb" "$ztb_cpu"
row "medsettle settle_batch, trace on ($(kv medsettle_traced_steps_per_stay "$WORK/make_inputs.txt") steps/stay), best of $REPEAT" "$mt" "$mt_cpu"
row "medsettle settle_batch, trace on with its texts (trace_text), best of $REPEAT" "$mtt" "$mtt_cpu"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo
echo "  ZEN's figure: the $zen_which variant, $zen stays/s"
echo "  ratio medsettle / ZEN, in-process (fee lines):  $(ratio "$mi" "$zen") x  (per CPU-second: $(ratio "$mi_cpu" "$zen_cpu") x)"
echo "  ratio medsettle / ZEN, in-process (buckets):    $(ratio "$mb" "$zen") x  (per CPU-second: $(ratio "$mb_cpu" "$zen_cpu") x)"
echo "  ratio medsettle / ZEN, end to end:              $(ratio "$cli_rate" "$zen") x  (per CPU-second: $(ratio "$cli_cpu_rate" "$zen_cpu") x)"
echo "  ZEN's traced figure: the $zent_which variant, $zent stays/s"
echo "  ratio medsettle / ZEN, traced (fee lines):      $(ratio "$mt" "$zent") x  (per CPU-second: $(ratio "$mt_cpu" "$zent_cpu") x)"
echo "  ratio medsettle / ZEN, traced with texts:       $(ratio "$mtt" "$zent") x  (per CPU-second: $(ratio "$mtt_cpu" "$zent_cpu") x)"
echo "  mismatches (amounts, ZEN vs medsettle): sequential $m_seq, batched $m_bat; traced $m_tseq, $m_tbat; edge cases $edge_m, $edge_mb, $edge_mt"
echo "  mismatches (stays, hard-coded baseline vs medsettle): $(kv baseline_mismatches "$WORK/make_inputs.txt"); edge cases $edge_base"
echo "  medsettle settle_batch re-runs differing from the first settlement: $(kv medsettle_inprocess_mismatches "$WORK/make_inputs.txt"), $(kv medsettle_inprocess_buckets_mismatches "$WORK/make_inputs.txt"), traced $(kv medsettle_traced_mismatches "$WORK/make_inputs.txt"), $(kv medsettle_traced_texts_mismatches "$WORK/make_inputs.txt") (stays without a trace: $(kv medsettle_traced_untraced "$WORK/make_inputs.txt"), $(kv medsettle_traced_texts_untraced "$WORK/make_inputs.txt"))"

total=$((m_seq + m_bat + m_tseq + m_tbat + edge_m + edge_mb + edge_mt + edge_base + $(kv baseline_mismatches "$WORK/make_inputs.txt")))
total=$((total + $(kv medsettle_traced_mismatches "$WORK/make_inputs.txt") + $(kv medsettle_traced_untraced "$WORK/make_inputs.txt")))
total=$((total + $(kv medsettle_traced_texts_mismatches "$WORK/make_inputs.txt") + $(kv medsettle_traced_texts_untraced "$WORK/make_inputs.txt")))
if [ "$total" -ne 0 ] || [ "$n_seq" -ne "$N" ] || [ "$n_bat" -ne "$N" ] || [ "$n_tseq" -ne "$NT" ] || [ "$n_tbat" -ne "$NT" ]; then
  echo "MISMATCHES"
  exit 1
fi
