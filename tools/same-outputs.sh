#!/usr/bin/env bash
# Proves a refactor moves no number: runs every bundled scenario (and the
# bench scenarios at a reduced size), the sweeps, breakeven, explain, commit
# and trace conversion with one binary into a folder, so two binaries' folders
# can be compared byte for byte.
#
#   tools/same-outputs.sh BINARY OUT_DIR          write every output
#   tools/same-outputs.sh --compare DIR_A DIR_B   compare two such folders
#
# Charts (PNG, SVG) and report.html are compared too; only the printed
# timings ("0.42s simulating", "1723225 tasks/s") are masked in captured
# terminal output, since wall time differs run to run, and the output folder
# and source tree are printed as OUT and ROOT.
set -euo pipefail

if [[ "${1:-}" == "--compare" ]]; then
    a="$2" b="$3"
    if diff -r -q "$a" "$b"; then
        echo "identical: $(find "$a" -type f | wc -l) files in $a and $b"
        exit 0
    fi
    echo "DIFFERENT (see the list above)" >&2
    exit 1
fi

bin="$(realpath "$1")"
out="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
rm -rf "$out"
mkdir -p "$out"
out="$(realpath "$out")"
cd "$root"

# Captures a command's standard output with wall times and read rates masked,
# and the output folder and source tree named OUT and ROOT, so two binaries
# writing to different folders (or run from different worktrees) compare.
capture() {
    local name="$1"
    shift
    "$@" 2>"$out/$name.stderr" \
        | sed -E 's/[0-9]+\.[0-9]+s (simulating|in all)/Xs \1/g; s/in [0-9]+\.[0-9]+s/in Xs/g' \
        | sed -E 's/, [0-9]+ tasks\/s\)/, N tasks\/s)/g' \
        | sed -e "s#$out#OUT#g; s#$root#ROOT#g" \
        >"$out/$name.stdout" || echo "exit $?" >>"$out/$name.stdout"
}

for f in scenarios/*.toml scenarios/classroom/*.toml; do
    n="$(basename "$f" .toml)"
    capture "run-$n" "$bin" run "$f" --out "$out/run-$n" --quiet
    capture "explain-$n" "$bin" explain "$out/run-$n"
    capture "commit-$n" "$bin" commit "$out/run-$n"
done

# A few overrides the classroom sheet and the guide use.
capture run-daily-x2 "$bin" run scenarios/daily-peak.toml --set workload.load_scale=1.5 \
    --out "$out/run-daily-x2" --quiet
capture run-task-8g "$bin" run scenarios/classroom/01-task-size.toml \
    --set 'workload.generators.jobs.sizes=[{cpu=1,memory="8GiB"}]' --out "$out/run-task-8g" --quiet
capture run-seed5 "$bin" run scenarios/quickstart.toml --seed 5 --out "$out/run-seed5" --quiet

# The bench scenarios at a size that runs in seconds.
for f in benches/scenarios/fargate_1m.toml benches/scenarios/ecs_managed_1m.toml; do
    n="$(basename "$f" .toml)"
    capture "run-$n" "$bin" run "$f" --set workload.generators.steady.count=20000 \
        --out "$out/run-$n" --quiet
done
capture run-service_1000rps "$bin" run benches/scenarios/service_1000rps.toml --set horizon=\"20min\" \
    --out "$out/run-service_1000rps" --quiet

# Sweeps (results files and charts).
capture sweep-100 "$bin" sweep benches/scenarios/sweep_100.toml -j 2 \
    --set 'sweep.axis.0.values=[0.5,2]' --set 'sweep.axis.1.values=[1,3]' \
    --out "$out/sweep-100" --quiet
capture breakeven-02 "$bin" breakeven scenarios/classroom/02-break-even.toml \
    --axis workload.load_scale --between 0.2 5 --out "$out/breakeven-02"

capture batch "$bin" batch scenarios/quickstart.toml scenarios/nightly-batch.toml -j 2 \
    --out "$out/batch" --quiet

# A trace converted to both native formats and replayed.
capture convert-csv "$bin" trace convert scenarios/traces/azure-llm-2023-code.csv \
    --to "$out/azure.csv"
capture convert-parquet "$bin" trace convert scenarios/traces/azure-llm-2023-code.csv \
    --to "$out/azure.parquet"
capture inspect "$bin" trace inspect scenarios/traces/azure-llm-2023-code.csv
capture validate-daily "$bin" validate scenarios/daily-peak.toml
capture prices "$bin" prices
echo "wrote $(find "$out" -type f | wc -l) files to $out"
