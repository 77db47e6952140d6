#!/usr/bin/env bash
# Transfer benchmark (issue 2), run by hand; never part of ctest.
#
#   tests/bench/transfer_bench.sh [--scale S] [--work DIR] [--repeat N] [--seed N]
#                                 [--peers "rsync borg restic casync"] [--sweep KIB,...]
#                                 [--farm-avg KIB,...] [--no-build] [--keep]
#
# On one synthetic animation project (farm-bench-genproject: ~1.5 GB at scale 1) and its
# v2 edit, side by side:
#   1. first push:  `farm push v1` to a local farm-gateway vs `tar -cf - v1 | zstd -3 -T2`
#                   (MB/s of input; target >= 0.8x);
#   2. re-push v2:  bytes `farm push v2` sends vs the ideal (zstd -3 of the bytes that
#                   changed), rsync --no-whole-file, borg, restic and casync;
#   3. per core:    SHA-256 and FastCDC chunking vs `openssl speed -evp sha256` and memcpy.
# Prints a table and one `BENCH key=value ...` line per figure. Page caches cannot be dropped
# without root, so every tree is read once before it is timed: all timings are warm-cache.
#
# Needs: cmake, ninja, zstd, tar, rsync, borg, restic, casync, openssl, jq
# (deploy/bootstrap.sh --bench installs them). Data goes under --work (default $TMPDIR or
# /tmp) in a fresh folder that is removed at exit unless --keep.
set -uo pipefail

scale=1
work_parent=${TMPDIR:-/tmp}
repeat=1
seed=1
peers="rsync borg restic casync"
sweep=""
farm_avg=""
build=1
keep=0
jobs=${BENCH_JOBS:-2}

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --scale) scale=$2; shift 2 ;;
        --work) work_parent=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --peers) peers=$2; shift 2 ;;
        --sweep) sweep=$2; shift 2 ;;
        --farm-avg) farm_avg=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "transfer_bench.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bdir=$repo/build-bench
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
# Sum of the sizes of the regular files under a folder (directories' own blocks left out,
# so a store that fans out into many folders is not charged for them).
tree_bytes() { find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}'; }
json() { jq -r "$2" "$1"; }

for tool in cmake ninja zstd tar jq python3 openssl /usr/bin/time; do
    command -v "$tool" >/dev/null || die "$tool not found (deploy/bootstrap.sh --bench)"
done

# ---- workspace and cleanup ----------------------------------------------------------------
mkdir -p "$work_parent" || die "cannot create $work_parent"
tmp=$(mktemp -d "$work_parent/farm-bench.XXXXXX") || die "cannot create a folder in $work_parent"
gateway_pid=""
stop_gateway() {
    if [[ -n $gateway_pid ]]; then
        kill "$gateway_pid" 2>/dev/null
        wait "$gateway_pid" 2>/dev/null
        gateway_pid=""
    fi
}
cleanup() {
    local rc=$?
    stop_gateway
    if [[ $keep == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
data=$tmp/data
mkdir -p "$data"

# ---- build --------------------------------------------------------------------------------
if [[ $build == 1 ]]; then
    log "building in $bdir (ninja -j$jobs)"
    # FARM_TEST_SUBDIRS=bench: only this folder's tests are configured, so a half-written
    # test elsewhere cannot stop the benchmark from building.
    cmake -S "$repo" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DFARM_TEST_SUBDIRS=bench >"$tmp/cmake.log" 2>&1 ||
        { tail -30 "$tmp/cmake.log" >&2; die "cmake failed"; }
    ninja -C "$bdir" -j"$jobs" farm farm-gateway farm-bench-genproject farm-bench-transfer \
        >"$tmp/ninja.log" 2>&1 || {
        tail -30 "$tmp/ninja.log" >&2
        die "build failed (--no-build runs the binaries already in $bdir)"
    }
fi
farm=$bdir/cli/farm
gateway=$bdir/gateway/farm-gateway
genproject=$bdir/tests/bench/farm-bench-genproject
micro=$bdir/tests/bench/farm-bench-transfer
for bin in "$farm" "$gateway" "$genproject" "$micro"; do
    [[ -x $bin ]] || die "$bin not built"
done

# ---- results ------------------------------------------------------------------------------
declare -a table=()   # rows for the final table: "label|value|note"
sep=$'\x1f'  # field separator of table rows (notes may hold '|')
row() { table+=("$1$sep$2$sep$3"); }
bench_lines=()
bench() { bench_lines+=("BENCH $*"); echo "BENCH $*"; }

cores=$(nproc)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
log "machine: $cores cores, $cpu, load $(cut -d' ' -f1-3 /proc/loadavg)"
bench "env cores=$cores scale=$scale seed=$seed load1=$(cut -d' ' -f1 /proc/loadavg)" \
    "cpu=\"$cpu\""

# ---- data ---------------------------------------------------------------------------------
log "generating v1 and v2 (scale $scale, seed $seed)"
"$genproject" v1 "$data/v1" --scale "$scale" --seed "$seed" >&2 || die "v1 generation failed"
"$genproject" v2 "$data/v1" "$data/v2" --seed "$seed" >&2 || die "v2 generation failed"
v1_bytes=$(tree_bytes "$data/v1")
v2_bytes=$(tree_bytes "$data/v2")
v1_files=$(find "$data/v1" -type f | wc -l)
changes=$data/v2.changes.bin
changed_raw=$(stat -c %s "$changes")
ideal=$(zstd -3 -c -q "$changes" | wc -c)
sed 's/^/    /' "$data/v2.changes.txt" >&2
bench "data v1_bytes=$v1_bytes v1_files=$v1_files v2_bytes=$v2_bytes" \
    "changed_raw_bytes=$changed_raw ideal_zstd3_bytes=$ideal"

warm() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }

# ---- per-core throughput ------------------------------------------------------------------
log "per-core micro benchmark"
"$micro" micro --seconds 2 | tee "$tmp/micro.txt" | grep -v '^BENCH' >&2
micro_line=$(grep '^BENCH micro' "$tmp/micro.txt")
bench "${micro_line#BENCH }"
mval() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$micro_line"; }
openssl speed -evp sha256 -bytes 1048576 -seconds 3 >"$tmp/openssl.txt" 2>/dev/null
ossl_kbs=$(awk '/^sha256/ {v=$NF} END {sub(/k$/, "", v); print v}' "$tmp/openssl.txt")
ossl_mbps=$(calc "round(${ossl_kbs:-0} / 1000)")
bench "openssl_speed sha256_1m_mbps=$ossl_mbps version=\"$(openssl version | cut -d' ' -f1-2)\""
row "SHA-256 per core, ours (EVP, 1 MiB)" "$(mval sha256_evp_1m_mbps) MB/s" \
    "openssl speed: $ossl_mbps MB/s; memcpy $(mval memcpy_mbps) MB/s; all per cpu-s"
row "SHA-256 per core, ours (lib, avg chunk)" "$(mval sha256_lib_mbps) MB/s" ""
row "FastCDC chunking per core" "$(mval chunk_random_mbps) MB/s" \
    "OBJ text $(mval chunk_text_mbps) MB/s; = $(calc "round($(mval chunk_random_mbps) / $(mval memcpy_mbps), 2)")x memcpy"
row "zstd -3 per core, text / random" "$(mval zstd3_text_mbps) / $(mval zstd3_random_mbps) MB/s" \
    "encode_chunk: $(mval encode_text_mbps) / $(mval encode_random_mbps) MB/s"
row "cut+hash+encode per core, text / random" \
    "$(mval pipeline_text_mbps) / $(mval pipeline_random_mbps) MB/s" "one thread"

# ---- first push vs tar | zstd -------------------------------------------------------------
start_gateway() {  # $1: data folder
    rm -f "$tmp/gateway.port"
    "$gateway" --listen 127.0.0.1:0 --data "$1" --port-file "$tmp/gateway.port" \
        >>"$tmp/gateway.log" 2>&1 &
    gateway_pid=$!
    for _ in $(seq 1 200); do
        [[ -s $tmp/gateway.port ]] && break
        kill -0 "$gateway_pid" 2>/dev/null || { tail "$tmp/gateway.log" >&2; die "gateway exited"; }
        sleep 0.05
    done
    [[ -s $tmp/gateway.port ]] || die "gateway did not write its port file"
    url=http://127.0.0.1:$(tr -dc 0-9 <"$tmp/gateway.port")
}

log "warming the page cache with v1 (no root: caches are not dropped; all timings are warm)"
warm "$data/v1"
# CPU seconds as well as wall seconds: on a shared machine the wall ratio says how much CPU
# each side happened to get; the CPU ratio is what the two would do on equal idle cores.
proc_cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
tar_s=()
push_s=()
tar_cpu=()
push_cpu=()
for i in $(seq 1 "$repeat"); do
    /usr/bin/time -f '%e %U %S' -o "$tmp/time-tar" \
        bash -c "tar -C '$data' -cf - v1 | zstd -3 -T2 -q -c | wc -c >'$tmp/tar-bytes'"
    tar_out=$(cat "$tmp/tar-bytes")
    read -r e u s <"$tmp/time-tar"
    tar_s+=("$e")
    tar_cpu+=("$(calc "round($u + $s, 2)")")

    stop_gateway
    rm -rf "$tmp/gw" "$tmp/client-cache"
    start_gateway "$tmp/gw"
    g0=$(proc_cpu "$gateway_pid")
    /usr/bin/time -f '%e %U %S' -o "$tmp/time-push" \
        "$farm" push "$data/v1" --gateway "$url" --project bench --json \
        --cache "$tmp/client-cache" >"$tmp/push1.json" 2>"$tmp/push1.err" ||
        { tail "$tmp/push1.err" >&2; die "farm push v1 failed"; }
    g1=$(proc_cpu "$gateway_pid")
    read -r e u s <"$tmp/time-push"
    push_s+=("$e")
    push_cpu+=("$(calc "round($u + $s + $g1 - $g0, 2)")")
    gateway_cpu=$(calc "round($g1 - $g0, 2)")
    log "round $i: tar|zstd ${tar_s[-1]} s (cpu ${tar_cpu[-1]} s)," \
        "farm push ${push_s[-1]} s (cpu ${push_cpu[-1]} s, gateway $gateway_cpu s of it)," \
        "load $(cut -d' ' -f1 /proc/loadavg)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tar_med=$(median "${tar_s[@]}")
push_med=$(median "${push_s[@]}")
tar_cpu_med=$(median "${tar_cpu[@]}")
push_cpu_med=$(median "${push_cpu[@]}")
tar_mbps=$(calc "round($v1_bytes / $tar_med / 1e6, 1)")
push_mbps=$(calc "round($v1_bytes / $push_med / 1e6, 1)")
push_ratio=$(calc "round($push_mbps / $tar_mbps, 2)")
cpu_ratio=$(calc "round($tar_cpu_med / $push_cpu_med, 2)")
p1_sent=$(json "$tmp/push1.json" .bytes_sent)
store_v1=$(tree_bytes "$tmp/gw")
bench "first_push farm_mbps=$push_mbps farm_seconds=$push_med tar_zstd_mbps=$tar_mbps" \
    "tar_zstd_seconds=$tar_med ratio=$push_ratio farm_cpu_seconds=$push_cpu_med" \
    "farm_gateway_cpu_seconds=$gateway_cpu tar_zstd_cpu_seconds=$tar_cpu_med" \
    "cpu_ratio=$cpu_ratio repeat=$repeat farm_bytes_sent=$p1_sent" \
    "tar_zstd_bytes=$tar_out gateway_store_bytes=$store_v1" \
    "farm_json_seconds=$(json "$tmp/push1.json" .seconds) chunks=$(json "$tmp/push1.json" .chunks)" \
    "load1=$(cut -d' ' -f1 /proc/loadavg)"
row "first push, farm push v1" "$push_mbps MB/s" \
    "$push_med s wall, $push_cpu_med cpu-s (gateway $gateway_cpu); sends $p1_sent B"
row "first push, tar | zstd -3 -T2" "$tar_mbps MB/s" \
    "$tar_med s wall, $tar_cpu_med cpu-s; $tar_out B"
row "first push ratio (target >= 0.8)" "${push_ratio}x" \
    "wall, median of $repeat; by cpu-s ${cpu_ratio}x (gateway on the same cores)"

# ---- re-push of v2 ------------------------------------------------------------------------
log "warming the page cache with v2"
warm "$data/v2"
t0=$(now)
"$farm" push "$data/v2" --gateway "$url" --project bench --json \
    --cache "$tmp/client-cache" >"$tmp/push2.json" 2>"$tmp/push2.err" ||
    { tail "$tmp/push2.err" >&2; die "farm push v2 failed"; }
t1=$(now)
p2_s=$(calc "round($t1 - $t0, 2)")
ours=$(json "$tmp/push2.json" .bytes_sent)
bench "repush farm_bytes_sent=$ours seconds=$p2_s" \
    "new_chunks=$(json "$tmp/push2.json" .new_chunks)" \
    "new_raw_bytes=$(json "$tmp/push2.json" .new_raw_bytes)" \
    "new_encoded_bytes=$(json "$tmp/push2.json" .new_encoded_bytes)" \
    "manifest_bytes=$(json "$tmp/push2.json" .manifest_bytes)" \
    "bytes_read=$(json "$tmp/push2.json" .bytes_read)" \
    "bytes_received=$(json "$tmp/push2.json" .bytes_received)" \
    "requests=$(json "$tmp/push2.json" .requests) ideal_bytes=$ideal" \
    "ratio_to_ideal=$(calc "round($ours / $ideal, 2)")"
stop_gateway
declare -a peer_rows=()
peer() {  # name bytes seconds note
    peer_rows+=("$1$sep$2$sep$3$sep$4")
    if [[ $2 =~ ^[0-9]+$ ]]; then
        bench "peer name=$1 bytes=$2 seconds=$3 ours_over_peer=$(calc "round($ours / $2, 3)")" \
            "note=\"$4\""
    else
        bench "peer name=$1 bytes=NA note=\"$4\""
    fi
}
peer "ideal (zstd -3 of changed bytes)" "$ideal" "-" "$changed_raw B changed"

timed() {  # runs "$@", sets `elapsed`
    local a b
    a=$(now)
    "$@"
    local rc=$?
    b=$(now)
    elapsed=$(calc "round($b - $a, 2)")
    return $rc
}

# Backup tools remember inodes and ctimes (restic's trees hold them, borg's files cache keys on
# them), so they back up one working folder edited in place, as a studio's would be: `proj`
# starts as hard links to v1 and becomes v2 through `rsync -a --delete` (unchanged files keep
# their inode; edited ones are replaced), then goes back to v1 for the next tool.
proj=$data/proj
proj_v1() { rsync -a --delete "$data/v1/" "$proj/"; }
proj_v2() { rsync -a --delete "$data/v2/" "$proj/"; }

run_rsync() {
    # rsync only runs its delta algorithm when one side is remote: a remote-shell stand-in
    # that drops the host name and runs `rsync --server` locally gives it a real pipe.
    printf '#!/bin/sh\nshift\nexec "$@"\n' >"$tmp/local-rsh"
    chmod +x "$tmp/local-rsh"
    local variant dest opts
    for variant in plain zstd; do
        dest=$tmp/rsync-$variant
        opts=(-a --delete --no-whole-file --stats)
        [[ $variant == zstd ]] && opts+=(--compress --compress-choice=zstd --compress-level=3)
        rsync -a "$data/v1/" "$dest/" || { peer "rsync ($variant)" NA - "seed copy failed"; continue; }
        if ! timed rsync "${opts[@]}" -e "$tmp/local-rsh" "$data/v2/" "x:$dest/" \
            >"$tmp/rsync-$variant.txt" 2>&1; then
            peer "rsync ($variant)" NA - "failed: $(tail -1 "$tmp/rsync-$variant.txt")"
            continue
        fi
        local sent matched literal received
        sent=$(sed -n 's/^Total bytes sent: //p' "$tmp/rsync-$variant.txt" | tr -d ,)
        received=$(sed -n 's/^Total bytes received: //p' "$tmp/rsync-$variant.txt" | tr -d ,)
        matched=$(sed -n 's/^Matched data: \([0-9,]*\).*/\1/p' "$tmp/rsync-$variant.txt" | tr -d ,)
        literal=$(sed -n 's/^Literal data: \([0-9,]*\).*/\1/p' "$tmp/rsync-$variant.txt" | tr -d ,)
        local label="rsync --no-whole-file"
        [[ $variant == zstd ]] && label="rsync --no-whole-file -z (zstd 3)"
        peer "$label" "$sent" "$elapsed" \
            "matched $matched B, literal $literal B, received $received B (block sums)"
        rm -rf "$dest"
    done
}

run_borg() {
    export BORG_REPO=$tmp/borg BORG_BASE_DIR=$tmp/borg-home BORG_PASSPHRASE=""
    export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
    borg init -e none >"$tmp/borg.txt" 2>&1 || { peer borg NA - "init failed"; return; }
    proj_v1
    (cd "$proj" && borg create --compression zstd,3 --json ::v1 .) >>"$tmp/borg.txt" 2>&1 ||
        { peer borg NA - "create v1 failed"; return; }
    local before after dedup
    before=$(tree_bytes "$tmp/borg")
    proj_v2
    timed bash -c "cd '$proj' && borg create --compression zstd,3 --json ::v2 . >'$tmp/borg-v2.json'" \
        2>>"$tmp/borg.txt" || { peer borg NA - "create v2 failed"; return; }
    after=$(tree_bytes "$tmp/borg")
    dedup=$(json "$tmp/borg-v2.json" .archive.stats.deduplicated_size)
    peer "borg $(borg --version | cut -d' ' -f2) (zstd,3)" "$((after - before))" "$elapsed" \
        "repo growth; archive dedup size $dedup B; chunker buzhash 19,23,21,4095 (min 512K avg 2M max 8M)"
    rm -rf "$tmp/borg" "$tmp/borg-home"
}

run_restic() {
    export RESTIC_REPOSITORY=$tmp/restic RESTIC_PASSWORD=bench RESTIC_CACHE_DIR=$tmp/restic-cache
    restic init --repository-version 2 >"$tmp/restic.txt" 2>&1 ||
        { peer restic NA - "init failed"; return; }
    proj_v1
    (cd "$proj" && restic backup --compression auto --json . | tail -1) >>"$tmp/restic.txt" 2>&1 ||
        { peer restic NA - "backup v1 failed"; return; }
    local before after added
    before=$(tree_bytes "$tmp/restic")
    proj_v2
    timed bash -c "cd '$proj' && restic backup --compression auto --json . | tail -1 >'$tmp/restic-v2.json'" \
        2>>"$tmp/restic.txt" || { peer restic NA - "backup v2 failed"; return; }
    after=$(tree_bytes "$tmp/restic")
    added=$(json "$tmp/restic-v2.json" .data_added)
    peer "restic $(restic version | cut -d' ' -f2) (repo v2, auto)" "$((after - before))" "$elapsed" \
        "repo growth; data_added $added B (uncompressed); chunker Rabin min 512K avg 1M max 8M"
    rm -rf "$tmp/restic" "$tmp/restic-cache"
}

run_casync() {
    local store=$tmp/casync.castr
    proj_v1
    casync make --compression=zstd --store="$store" "$tmp/v1.caidx" "$proj/" \
        >"$tmp/casync.txt" 2>&1 || { peer casync NA - "make v1 failed: $(tail -1 "$tmp/casync.txt")"; return; }
    local before after idx
    before=$(tree_bytes "$store")
    proj_v2
    timed casync make --compression=zstd --store="$store" "$tmp/v2.caidx" "$proj/" \
        >>"$tmp/casync.txt" 2>&1 || { peer casync NA - "make v2 failed: $(tail -1 "$tmp/casync.txt")"; return; }
    after=$(tree_bytes "$store")
    idx=$(stat -c %s "$tmp/v2.caidx")
    peer "casync (zstd)" "$((after - before + idx))" "$elapsed" \
        "store growth $((after - before)) B + index $idx B; chunker min 16K avg 64K max 256K"
    rm -rf "$store" "$tmp"/v?.caidx
}

[[ -n $peers ]] && { command -v rsync >/dev/null || die "rsync not found"; cp -al "$data/v1" "$proj"; }
for p in $peers; do
    log "peer: $p"
    command -v "$p" >/dev/null || { peer "$p" NA - "not installed"; continue; }
    case $p in
        rsync) run_rsync ;;
        borg) run_borg ;;
        restic) run_restic ;;
        casync) run_casync ;;
        *) log "unknown peer $p (skipped)" ;;
    esac
done

# ---- optional chunk-size sweep (offline: what each average size would send) ----------------
if [[ -n $sweep ]]; then
    log "chunk-size sweep: $sweep KiB"
    "$micro" sweep "$data/v1" "$data/v2" --avg "$sweep" | tee "$tmp/sweep.txt" | grep -v '^BENCH' >&2
    while read -r line; do bench "${line#BENCH }"; done < <(grep '^BENCH' "$tmp/sweep.txt")
fi

# ---- optional: real pushes at other average chunk sizes (fresh gateway each) ---------------
declare -a avg_rows=()
for kib in ${farm_avg//,/ }; do
    log "farm push at --avg-chunk-kib $kib"
    stop_gateway
    rm -rf "$tmp/gw" "$tmp/client-cache"
    start_gateway "$tmp/gw"
    t0=$(now)
    "$farm" push "$data/v1" --gateway "$url" --project bench --json --avg-chunk-kib "$kib" \
        --cache "$tmp/client-cache" >"$tmp/avg1.json" 2>"$tmp/avg.err" ||
        { log "push v1 at $kib KiB failed: $(tail -1 "$tmp/avg.err")"; continue; }
    t1=$(now)
    "$farm" push "$data/v2" --gateway "$url" --project bench --json --avg-chunk-kib "$kib" \
        --cache "$tmp/client-cache" >"$tmp/avg2.json" 2>"$tmp/avg.err" ||
        { log "push v2 at $kib KiB failed: $(tail -1 "$tmp/avg.err")"; continue; }
    a1=$(json "$tmp/avg1.json" .bytes_sent)
    a2=$(json "$tmp/avg2.json" .bytes_sent)
    s1=$(calc "round($t1 - $t0, 2)")
    bench "farm_avg avg_kib=$kib v1_bytes_sent=$a1 v1_seconds=$s1" \
        "v1_chunks=$(json "$tmp/avg1.json" .chunks) v2_bytes_sent=$a2" \
        "v2_new_chunks=$(json "$tmp/avg2.json" .new_chunks)" \
        "v2_manifest_bytes=$(json "$tmp/avg2.json" .manifest_bytes)" \
        "ratio_to_ideal=$(calc "round($a2 / $ideal, 2)")"
    avg_rows+=("$kib$sep$a2$sep$a1$sep$s1$sep$(json "$tmp/avg1.json" .chunks)")
done
stop_gateway

# ---- report -------------------------------------------------------------------------------
{
    echo
    echo "XiXuan transfer benchmark: scale $scale, v1 $v1_bytes B in $v1_files files," \
        "$cores cores ($cpu), warm page cache"
    echo
    printf '%-42s %-22s %s\n' "figure" "value" "note"
    printf '%-42s %-22s %s\n' "------" "-----" "----"
    for r in "${table[@]}"; do
        IFS=$sep read -r a b c <<<"$r"
        printf '%-42s %-22s %s\n' "$a" "$b" "$c"
    done
    echo
    echo "re-push of v2 over v1: ours $ours B ($p2_s s), ideal $ideal B" \
        "(ours/ideal $(calc "round($ours / $ideal, 2)")x)"
    printf '%-40s %14s %9s %12s  %s\n' "peer" "bytes" "seconds" "ours/peer" "note"
    for r in "${peer_rows[@]}"; do
        IFS=$sep read -r a b c d <<<"$r"
        ratio=NA
        [[ $b =~ ^[0-9]+$ ]] && ratio=$(calc "round($ours / $b, 3)")
        printf '%-40s %14s %9s %12s  %s\n' "$a" "$b" "$c" "$ratio" "$d"
    done
    echo
    if [[ ${#avg_rows[@]} -gt 0 ]]; then
        echo "farm push at other average chunk sizes (min = avg/4, max = 4 avg):"
        printf '%-10s %16s %10s %16s %10s %10s\n' "avg KiB" "v2 bytes sent" "/ideal" \
            "v1 bytes sent" "v1 s" "v1 chunks"
        for r in "${avg_rows[@]}"; do
            IFS=$sep read -r a b c d e <<<"$r"
            printf '%-10s %16s %10s %16s %10s %10s\n' "$a" "$b" "$(calc "round($b / $ideal, 2)")" \
                "$c" "$d" "$e"
        done
        echo
    fi
} >&2
