#!/usr/bin/env bash
# Builds the nflreadpy-betting image FROM scratch out of local inputs only (no registry):
# stages a build context with the binary, exactly the shared libraries it loads, a passwd/group
# for the unprivileged user and the checkout's config/, themes/ and data/, then runs
# `podman build` (or `docker build`) on deploy/container/Containerfile.
#
#   deploy/container/build.sh [--binary PATH] [--tag NAME:TAG] [--engine podman|docker]
#                             [--context DIR] [--no-strip] [--stage-only] [-- ENGINE-BUILD-ARGS...]
#
#   --binary PATH  the binary to ship (default: `cargo build --release --locked`, then
#                  target/release/nflreadpy-betting)
#   --tag          image name (default nflreadpy-betting:<version in Cargo.toml>)
#   --engine       podman (default when installed) or docker; podman builds with
#                  --format docker, the format that keeps HEALTHCHECK
#   --context DIR  where to stage (default target/container-context; emptied first)
#   --no-strip     ship the binary as built (default: the staged copy is stripped of symbols
#                  when `strip` is installed; the binary itself is left alone)
#   --stage-only   stage the context, print its path, build nothing
#
# Prints the image ID on the last line of stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

binary=""
tag=""
engine=""
context="$root/target/container-context"
stage_only=0
do_strip=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --context) context=$2; shift 2 ;;
    --stage-only) stage_only=1; shift ;;
    --no-strip) do_strip=0; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
[ -n "$tag" ] || tag="nflreadpy-betting:$version"

if [ -z "$binary" ]; then
  (cd "$root" && cargo build --release --locked --bin nflreadpy-betting >&2)
  binary="$root/target/release/nflreadpy-betting"
fi
[ -x "$binary" ] || { echo "build.sh: $binary is not an executable" >&2; exit 1; }

# --- stage the context ------------------------------------------------------------------------
case "$context" in
  /|"$root"|"$root/") echo "build.sh: refusing to use $context as the context" >&2; exit 2 ;;
esac
rm -rf "$context"
mkdir -p "$context/rootfs" "$context/state"
rootfs="$context/rootfs"
cp "$here/Containerfile" "$context/Containerfile"

install -D -m 0755 "$binary" "$rootfs/usr/local/bin/nflreadpy-betting"
if [ "$do_strip" = 1 ] && command -v strip >/dev/null 2>&1; then
  strip "$rootfs/usr/local/bin/nflreadpy-betting"
fi

# Exactly what the dynamic loader maps for this binary, at the paths ldd reports (the loader's
# path is compiled into the binary). A statically linked binary needs none of it.
if ldd_out=$(ldd "$binary" 2>&1); then
  if grep -q 'not found' <<<"$ldd_out"; then
    echo "build.sh: unresolved libraries:" >&2; echo "$ldd_out" >&2; exit 1
  fi
  for lib in $(grep -o '/[^ ]*' <<<"$ldd_out" | sort -u); do
    install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
else
  grep -qi 'not a dynamic executable\|statically linked' <<<"$ldd_out" \
    || { echo "build.sh: ldd $binary: $ldd_out" >&2; exit 1; }
fi

mkdir -p "$rootfs/etc"
cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nflreadpy:x:10001:10001:nflreadpy-betting service:/var/lib/nflreadpy:/sbin/nologin
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
nflreadpy:x:10001:
GROUP
# glibc's own files and dns lookups (built into libc.so.6 since 2.34; the runtime supplies
# /etc/hosts and /etc/resolv.conf).
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
chmod 0644 "$rootfs"/etc/*
install -d -m 1777 "$rootfs/tmp"

share="$rootfs/usr/share/nflreadpy-betting"
mkdir -p "$share"
for d in config themes data; do
  cp -R "$root/$d" "$share/$d"
done
# Nothing the checkout wrote at run time (a local store, refreshed schedules, drop files); the
# shipped odds archive (data/odds/<season>/week_<n>.csv, its LICENSE and README) stays.
find "$share/data" -type f ! \( -name games.csv -o -name teams.csv -o -name README.md \
  -o -path "$share/data/odds/*" \) -delete
chmod -R u=rwX,go=rX "$share"
chmod 0750 "$context/state"

if [ "$stage_only" = 1 ]; then
  echo "$context"
  exit 0
fi

# --- build ------------------------------------------------------------------------------------
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1; then engine=podman; else engine=docker; fi
fi
fmt=()
# podman: the docker format keeps HEALTHCHECK (OCI has no field for it); no intermediate images.
[ "$(basename "$engine")" = docker ] || fmt=(--format docker --layers=false)
iidfile="$context/image-id"
"$engine" build "${fmt[@]}" --build-arg "VERSION=$version" -t "$tag" --iidfile "$iidfile" \
  "${extra[@]}" -f "$context/Containerfile" "$context" >&2
cat "$iidfile"; echo
