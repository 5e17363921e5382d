# Shared by the serving benchmarks (sourced; bash). Not a benchmark itself.

# bench_options NAME QUICK_DURATION "$@": the common command line, `[--quick] [OUT.md]`, `-h`
# printing the script's header comment (lines 2-14). Sets `duration` (10s, or QUICK_DURATION with
# --quick), `mode` (full or quick) and `out` (empty: the script picks its default).
bench_options() {
    local name=$1 quick=$2
    shift 2
    duration=10s
    mode=full
    out=
    for arg in "$@"; do
        case $arg in
            --quick) duration=$quick; mode=quick ;;
            -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            -*) echo "$name: unknown option $arg" >&2; sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64 ;;
            *) [ -z "$out" ] || { echo "$name: one output file only" >&2; exit 64; }; out=$arg ;;
        esac
    done
}

# A free loopback TCP port, chosen by the kernel now (PYTHON: the interpreter, default python3).
free_port() { "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
