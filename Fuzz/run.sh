#!/usr/bin/env bash
# Builds and runs a libFuzzer target (see docs/reliability-fuzzing.md).
#
#   Fuzz/run.sh reader|model [--short | --runs N | --time SECONDS] [-- LIBFUZZER_OPTIONS...]
#   Fuzz/run.sh seeds                 # regenerate Fuzz/corpus/model/ (ModelFile.encode of small forests, tree-mode seeds)
#
#   reader  BatchReader().read(bytes:fileName:) under both policies, with and without maxBytes
#   model   ModelFile.decode, then scoring a small matrix with the decoded model
#
#   --short     CI: 30 s of fuzzing after the build (default)
#   --runs N    stop after N inputs (the long form: --runs 1000000)
#   --time S    stop after S seconds
#
# The module sources are compiled directly with swiftc (-sanitize=fuzzer,address: coverage-guided,
# AddressSanitizer and LeakSanitizer), ShopperCore first as a module, then ShopperML on top of it,
# then the harness; no SwiftPM involvement. Builds land in Fuzz/.build (git-ignored) and are reused
# while no source changed. New inputs the fuzzer finds go to Fuzz/.build/corpus-TARGET (the committed
# seeds are never written to); a crash, leak, timeout or out-of-memory input is written to
# Fuzz/.build/artifacts/TARGET/ and the script exits non-zero.
#
# Needs only the Swift toolchain (its clang runtime has libFuzzer, ASan and LSan) and lld from it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
build="$here/.build"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }

target="${1:-}"
[[ "$target" == reader || "$target" == model || "$target" == seeds ]] || usage
shift
mode=(-max_total_time=30)
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --short) mode=(-max_total_time=30); shift ;;
        --runs) [[ $# -ge 2 ]] || usage; mode=(-runs="$2"); shift 2 ;;
        --time) [[ $# -ge 2 ]] || usage; mode=(-max_total_time="$2"); shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) usage ;;
    esac
done

swiftc="${SWIFTC:-swiftc}"
# One package name, as SwiftPM gives (`package` access); ShopperCore hashes with libcrypto, so its
# module map (CCrypto, which links -lcrypto) is on the include path.
common=(-swift-version 6 -package-name shopperd -O -wmo -g -parse-as-library -use-ld=lld -I "$root/Sources/CCrypto")

# Rebuilds $1 from the remaining arguments (sources) when any of them is newer; prints what it does.
stale() {
    local output="$1"; shift
    [[ -e "$output" ]] || return 0
    local source
    for source in "$@"; do [[ "$source" -nt "$output" ]] && return 0; done
    return 1
}

# build_module FLAVOUR NAME SOURCES...: a static library and its .swiftmodule in $build/FLAVOUR.
build_module() {
    local flavour="$1" name="$2"; shift 2
    local out="$build/$flavour"
    local flags=()
    [[ "$flavour" == fuzz ]] && flags=(-sanitize=fuzzer,address)
    mkdir -p "$out"
    if stale "$out/lib$name.a" "$@" "$0"; then
        echo "building $name ($flavour)…" >&2
        (cd "$out" && "$swiftc" "${common[@]}" "${flags[@]}" -module-name "$name" -I "$out" \
            -emit-module -emit-module-path "$out/$name.swiftmodule" \
            -emit-library -static -o "$out/lib$name.a" "$@")
    fi
}

core_sources=()
while IFS= read -r -d '' f; do core_sources+=("$f"); done < <(find "$root/Sources/ShopperCore" -name '*.swift' -print0 | sort -z)
ml_sources=()
while IFS= read -r -d '' f; do ml_sources+=("$f"); done < <(find "$root/Sources/ShopperML" -name '*.swift' -print0 | sort -z)

if [[ "$target" == seeds ]]; then
    build_module plain ShopperCore "${core_sources[@]}"
    build_module plain ShopperML "${ml_sources[@]}"
    out="$build/plain"
    if stale "$out/make-seeds" "$here/Seeds/main.swift" "$out/libShopperML.a" "$out/libShopperCore.a"; then
        echo "building make-seeds…" >&2
        "$swiftc" -swift-version 6 -package-name shopperd -O -use-ld=lld -I "$out" -I "$root/Sources/CCrypto" -L "$out" -lShopperML -lShopperCore \
            "$here/Seeds/main.swift" -o "$out/make-seeds"
    fi
    "$out/make-seeds" "$root/data/online_shoppers_intention.csv" "$here/corpus/model"
    exit 0
fi

build_module fuzz ShopperCore "${core_sources[@]}"
libs=(-lShopperCore)
modules=("$build/fuzz/libShopperCore.a")
if [[ "$target" == model ]]; then
    build_module fuzz ShopperML "${ml_sources[@]}"
    libs=(-lShopperML -lShopperCore)
    modules+=("$build/fuzz/libShopperML.a")
fi
harness="$here/Reader/ReaderFuzzer.swift"
[[ "$target" == model ]] && harness="$here/Model/ModelFuzzer.swift"
binary="$build/fuzz/$target-fuzzer"
if stale "$binary" "$harness" "$here/Common/Require.swift" "${modules[@]}"; then
    echo "building $target-fuzzer…" >&2
    "$swiftc" "${common[@]}" -sanitize=fuzzer,address -I "$build/fuzz" -L "$build/fuzz" "${libs[@]}" \
        "$harness" "$here/Common/Require.swift" -o "$binary"
fi

work="$build/corpus-$target"
artifacts="$build/artifacts/$target"
mkdir -p "$work" "$artifacts"
seeds=("$here/corpus/$target")
# The hostile-input corpus doubles as reader seeds (framing, encodings, numbers, formula cells).
[[ "$target" == reader ]] && seeds+=("$root/Tests/HostileInputs/cases")

# -timeout: an input taking over 10 s is a hang. -rss_limit_mb: a runaway allocation is a finding.
# -max_len: batches and model files of up to 16 KB; larger seeds are read truncated.
# LeakSanitizer runs by default with ASan (-detect_leaks=1).
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"  # the Swift runtime's backtracer fights ASan's
set -x
exec "$binary" "${mode[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -dict="$here/dict/$target.dict" -artifact_prefix="$artifacts/" "${extra[@]}" "$work" "${seeds[@]}"
