#!/usr/bin/env bash
# Coverage-guided fuzzing of the reader and the report pipeline (cargo-fuzz,
# libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET]
#
# SECONDS: run time of each target (default 300).
# TARGET:  read_bytes | xlsx_parts | ods_content | all (default all, one
#          after another).
#
# Memory cap: libFuzzer -rss_limit_mb / -malloc_limit_mb (FUZZ_MEM_MB, default
# 2048). libFuzzer runs in fork mode with one job and -ignore_ooms/-crashes/
# -timeouts, so a found input is saved under fuzz/artifacts/TARGET/ and the
# run goes on for the whole time (FUZZ_FORK=0: stop at the first crash).
# The working corpus grows in fuzz/work/TARGET/ (not committed); the
# committed seeds in fuzz/corpus/TARGET/ are read only. Logs: fuzz/logs/.
#
# The toolchain is stable: RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's -Z
# flags. FUZZ_SANITIZER=none skips AddressSanitizer (faster; the malloc cap
# then relies on the allocator refusing, the RSS cap still holds).
# FUZZ_JOBS: libFuzzer fork-mode workers (default 1).
set -euo pipefail

SECONDS_EACH="${1:-300}"
WHICH="${2:-all}"
MEM_MB="${FUZZ_MEM_MB:-2048}"
FORK="${FUZZ_FORK:-1}"
# Fork mode's worker count (FUZZ_JOBS=2 on a machine with a core to spare).
JOBS="${FUZZ_JOBS:-1}"
SANITIZER="${FUZZ_SANITIZER:-address}"
ALL_TARGETS=(read_bytes xlsx_parts ods_content)

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "安装 cargo-fuzz …" >&2
    cargo install cargo-fuzz --locked
fi

if [[ "$WHICH" == all ]]; then
    targets=("${ALL_TARGETS[@]}")
else
    targets=("$WHICH")
fi
for t in "${targets[@]}"; do
    if [[ ! " ${ALL_TARGETS[*]} " == *" $t "* ]]; then
        echo "未知的目标 $t（可选：${ALL_TARGETS[*]} all）" >&2
        exit 2
    fi
done

build_flags=(-O --debug-assertions -s "$SANITIZER")
echo "构建模糊测试目标（首次约需十几分钟）…" >&2
if [[ "$WHICH" == all ]]; then
    cargo fuzz build "${build_flags[@]}"
else
    cargo fuzz build "${build_flags[@]}" "$WHICH"
fi

mkdir -p logs
summary=()
for t in "${targets[@]}"; do
    mkdir -p "work/$t" "artifacts/$t"
    dict=()
    case "$t" in
        xlsx_parts) dict=(-dict=dict/xlsx.dict) ;;
        ods_content) dict=(-dict=dict/ods.dict) ;;
    esac
    fork=()
    if [[ "$FORK" != 0 ]]; then
        fork=(-fork="$JOBS" -ignore_ooms=1 -ignore_crashes=1 -ignore_timeouts=1)
    fi
    log="logs/$t.log"
    before=$(find "artifacts/$t" -type f | wc -l)
    echo "== $t：${SECONDS_EACH} 秒，内存上限 ${MEM_MB} MB，日志 fuzz/$log" >&2
    start=$(date +%s)
    cargo fuzz run "${build_flags[@]}" "$t" "work/$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_EACH" \
        -rss_limit_mb="$MEM_MB" -malloc_limit_mb="$MEM_MB" \
        -timeout="${FUZZ_TIMEOUT:-30}" -detect_leaks=0 -print_final_stats=1 \
        "${fork[@]}" "${dict[@]}" >"$log" 2>&1 || true
    took=$(( $(date +%s) - start ))
    # Fork mode: "#EXECS: cov: … exec/s: N oom/timeout/crash: a/b/c time: Ts";
    # single process: "stat::number_of_executed_units: N".
    last=$(grep -E '^#[0-9]+:? ' "$log" | tail -n 1 || true)
    execs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1 || true)
    [[ -z "$execs" ]] && execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
    cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
    lfrate=$(grep -oE 'exec/s: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
    ooc=$(grep -oE 'oom/timeout/crash: [0-9]+/[0-9]+/[0-9]+' <<<"$last" | awk '{print $2}' || true)
    after=$(find "artifacts/$t" -type f | wc -l)
    corpus=$(find "work/$t" -type f | wc -l)
    rate=$(( took > 0 ? ${execs:-0} / took : 0 ))
    line="$t：执行 ${execs:-?} 次，${took} 秒，平均 ${rate} 次/秒（libFuzzer 计 ${lfrate}），覆盖 cov ${cov}，工作语料 ${corpus} 个，oom/timeout/crash ${ooc:-—}，新存输入 $((after - before)) 个（fuzz/artifacts/$t/）"
    echo "$line" >&2
    summary+=("$line")
done

echo
echo "模糊测试结果："
for l in "${summary[@]}"; do
    echo "  $l"
done
