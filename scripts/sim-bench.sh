#!/usr/bin/env bash
# The simulator's five measurements (docs/SIMULATION.md). Usage:
#   bash scripts/sim-bench.sh [BUILD_DIR]        (make sim-bench)
# Every run's folder (summary.txt, timeseries.csv, ttt.csv, plots) goes to
# $OUT (default sim-bench/); the plots the doc shows are copied to docs/sim/.
# Sizes are environment variables, so a quick pass is e.g.
#   BOOT_NODES=2000 CHURN_NODES=500 ECL_RUNS=small bash scripts/sim-bench.sh
set -euo pipefail
build=${1:-build}
sim="$build/pqnet-sim"
OUT=${OUT:-sim-bench}
SEED=${SEED:-1}
BOOT_NODES=${BOOT_NODES:-10000}
BOOT_CRYPTO=${BOOT_CRYPTO:-1}          # 1: --fast_crypto (labelled); 0: real signatures
GONE_NODES=${GONE_NODES:-1000}
CHURN_NODES=${CHURN_NODES:-1000}
ECL_NODES=${ECL_NODES:-200}
ECL_VICTIMS=${ECL_VICTIMS:-20}
ECL_K=${ECL_K:-"256 1024 4096"}
ECL_G=${ECL_G:-"8 64"}
ECL_SEEDS=${ECL_SEEDS:-"1"}
STEPS=${STEPS:-"bootstrap seeds-gone churn eclipse"}
mkdir -p "$OUT" docs/sim
[ -x "$sim" ] || { echo "no $sim: run make first" >&2; exit 1; }
echo "# pqnet-sim measurements, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, seed $SEED"

run() { # name, flags...
  local name=$1
  shift
  echo
  echo "## $name: $sim $* --seed=$SEED --out=$OUT/$name --quiet=1"
  "$sim" "$@" --seed="$SEED" --out="$OUT/$name" --quiet=1 | grep -v '^pqnet-sim: scenario'
}

small_png() { # copy a plot into docs/sim under a new name
  [ -f "$OUT/$1/$2" ] && cp "$OUT/$1/$2" "docs/sim/$3" || true
}

for step in $STEPS; do
  case $step in
  bootstrap) # 1 and 5: bootstrap, and the simulator's own speed and memory
    run bootstrap --scenario=bootstrap --nodes="$BOOT_NODES" --fast_crypto="$BOOT_CRYPTO" \
      --am_new_buckets=64 --am_tried_buckets=16 --am_bucket_size=16 --duration_s=720 \
      --sample_s=30
    small_png bootstrap peers.png bootstrap-peers.png
    small_png bootstrap ttt_cdf.png bootstrap-ttt.png
    small_png bootstrap lcc.png bootstrap-lcc.png
    ;;
  seeds-gone) # 2
    run seeds-gone --scenario=seeds-gone --nodes="$GONE_NODES"
    small_png seeds-gone peers.png seeds-gone-peers.png
    small_png seeds-gone ttt_cdf.png seeds-gone-ttt.png
    ;;
  churn) # 3
    run churn --scenario=churn --nodes="$CHURN_NODES"
    small_png churn peers.png churn-peers.png
    small_png churn ttt_cdf.png churn-ttt.png
    ;;
  eclipse) # 4: P(eclipse) over K and G, countermeasures on, all off, and each off alone
    csv="$OUT/eclipse.csv"
    echo "config,K,G,seed,victims,eclipsed,p,att_out,att_new,att_tried,honest_tried" >"$csv"
    for seed in $ECL_SEEDS; do
      for K in $ECL_K; do
        for G in $ECL_G; do
          for cm in on off no-bucketing no-tbe no-feelers no-anchors; do
            flags="--cm_bucketing=1 --cm_tbe=1 --cm_feelers=1 --cm_anchors=1"
            case $cm in
            off) flags="--cm_bucketing=0 --cm_tbe=0 --cm_feelers=0 --cm_anchors=0" ;;
            no-bucketing) flags="--cm_bucketing=0 --cm_tbe=1 --cm_feelers=1 --cm_anchors=1" ;;
            no-tbe) flags="--cm_bucketing=1 --cm_tbe=0 --cm_feelers=1 --cm_anchors=1" ;;
            no-feelers) flags="--cm_bucketing=1 --cm_tbe=1 --cm_feelers=0 --cm_anchors=1" ;;
            no-anchors) flags="--cm_bucketing=1 --cm_tbe=1 --cm_feelers=1 --cm_anchors=0" ;;
            esac
            # the single-countermeasure runs only at the largest K, to bound the time
            if [ "$cm" != on ] && [ "$cm" != off ] && [ "$K" != "${ECL_K##* }" ]; then continue; fi
            name="eclipse-$cm-K$K-G$G-s$seed"
            # shellcheck disable=SC2086
            "$sim" --scenario=eclipse --nodes="$ECL_NODES" --victims="$ECL_VICTIMS" \
              --attack_addrs="$K" --attack_groups="$G" --fast_crypto=1 $flags --seed="$seed" \
              --out="$OUT/$name" --quiet=1 --plot=0 >/dev/null
            awk -F, -v cm="$cm" -v K="$K" -v G="$G" -v seed="$seed" 'NR > 1 {
                n++; e += $2; o += $3; oa += $4; nw += $5; tr += $6; an += $7; at += $8
                if ($3 > 0) share += $4 / $3
                if ($5 > 0) sn += $7 / $5
                if ($6 > 0) st += $8 / $6
                ht += $6 - $8 }
              END { printf "%s,%s,%s,%s,%d,%d,%.3f,%.3f,%.3f,%.3f,%.1f\n", cm, K, G, seed, n, e,
                    e / n, share / n, sn / n, st / n, ht / n }' \
              "$OUT/$name/victims.csv" | tee -a "$csv"
          done
        done
      done
    done
    cp "$csv" docs/sim/eclipse.csv
    # The paper's model for Bitcoin 0.9.3 (tried 64 x 64, a group reaches 4 buckets, inbound
    # attacker addresses go straight to tried, new full of trash): f = attacker share of
    # tried, P(eclipse) ~ f^8. h = the victims' measured honest tried entries.
    awk -F, 'NR > 1 && $1 == "on" {
        B = 64 * (1 - (1 - 1 / 64) ^ (4 * $3)); A = $2 < B * 64 ? $2 : B * 64
        h = $11 * (1 - B / 64); f = A / (A + h)
        printf "%s,%s,%.3f,%.3f\n", $2, $3, f, f ^ 8 }' "$csv" |
      sort -t, -k1,1n -k2,2n -u >"$OUT/eclipse-paper-model.csv"
    cp "$OUT/eclipse-paper-model.csv" docs/sim/eclipse-paper-model.csv
    # one file per series (K, value), sorted by K, so gnuplot draws lines
    for G in $ECL_G; do
      awk -F, -v G="$G" '$2 == G { print $1, $4 }' "$OUT/eclipse-paper-model.csv" | sort -n >"$OUT/ecl-paper-G$G.dat"
      for cm in on off; do
        awk -F, -v G="$G" -v cm="$cm" '$1 == cm && $3 == G { print $2, $7, $8 }' "$csv" | sort -n >"$OUT/ecl-$cm-G$G.dat"
      done
    done
    g1=${ECL_G%% *}
    g2=${ECL_G##* }
    gnuplot <<EOF || echo "gnuplot failed"
set terminal pngcairo size 720,420 font 'sans,9'
set output 'docs/sim/eclipse.png'
set title 'eclipse after restart: $ECL_NODES honest nodes, $ECL_VICTIMS victims per point, half the network stale'
set xlabel 'attacker addresses K'
set ylabel 'P(all outbound to attacker); attacker share of outbound'
set logscale x 2
set yrange [-0.02:1.02]
set key outside right top vertical font ',8'
set grid
plot '$OUT/ecl-paper-G$g1.dat' u 1:2 w lp dt 2 lw 2 t 'paper model 0.9.3, P, G=$g1', \
     '$OUT/ecl-paper-G$g2.dat' u 1:2 w lp dt 2 lw 2 t 'paper model 0.9.3, P, G=$g2', \
     '$OUT/ecl-on-G$g1.dat' u 1:2 w lp lw 2 t 'pqnet all on, P, G=$g1', \
     '$OUT/ecl-on-G$g2.dat' u 1:2 w lp lw 2 t 'pqnet all on, P, G=$g2', \
     '$OUT/ecl-off-G$g1.dat' u 1:2 w lp lw 2 t 'pqnet all off, P, G=$g1', \
     '$OUT/ecl-off-G$g2.dat' u 1:2 w lp lw 2 t 'pqnet all off, P, G=$g2', \
     '$OUT/ecl-on-G$g2.dat' u 1:3 w l dt 3 lw 2 t 'pqnet all on, share, G=$g2', \
     '$OUT/ecl-off-G$g2.dat' u 1:3 w l dt 3 lw 2 t 'pqnet all off, share, G=$g2'
EOF
    ;;
  esac
done
echo
echo "# done; outputs in $OUT/, plots in docs/sim/"
