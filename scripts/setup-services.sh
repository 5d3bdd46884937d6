#!/usr/bin/env bash
# Installs the pinned real services the tests use (versitygw, s5cmd, toxiproxy, redis-server, chromium); idempotent and cached.
#
# Usage: bash scripts/setup-services.sh [--force]
#   CRYPTO_LAKEHOUSE_TOOLS   cache root (default ~/.cache/crypto-lakehouse/tools); binaries land in its bin/
#   --force                  rebuild the Go tools even when their version stamp matches
# Afterwards: `source scripts/tools-env.sh` puts the tools on PATH (the testkit finds them without that too).
set -euo pipefail

# Pins. The Go module proxy here serves only some versions; these are the newest that resolve and build with Go 1.26.
VERSITYGW_VERSION=v1.8.0
S5CMD_VERSION=v2.3.0
TOXIPROXY_VERSION=v2.12.0

TOOLS_DIR=${CRYPTO_LAKEHOUSE_TOOLS:-$HOME/.cache/crypto-lakehouse/tools}
BIN_DIR=$TOOLS_DIR/bin
STAMP_DIR=$TOOLS_DIR/stamps
LOG_DIR=$TOOLS_DIR/logs
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

start_all=$(date +%s)
log() { printf '[setup-services] %s\n' "$*"; }
die() { printf '[setup-services] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$BIN_DIR" "$STAMP_DIR" "$LOG_DIR"

# Stamp file = the pinned version on line 1 (then what built it); a matching stamp + binaries means nothing to do.
stamp_ok() { # tool version binary...
  local tool=$1 want=$2; shift 2
  [ "$FORCE" = 0 ] || return 1
  [ "$(head -n 1 "$STAMP_DIR/$tool" 2>/dev/null)" = "$want" ] || return 1
  local b
  for b in "$@"; do [ -x "$BIN_DIR/$b" ] || return 1; done
}

# --- Go toolchain (only needed when something must be built) --------------------------------------------------
GO_VERSION=""
if ! stamp_ok versitygw "$VERSITYGW_VERSION" versitygw || ! stamp_ok s5cmd "$S5CMD_VERSION" s5cmd ||
  ! stamp_ok toxiproxy "$TOXIPROXY_VERSION" toxiproxy-server toxiproxy-cli; then
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="$PATH:/usr/local/go/bin"; fi
  command -v go >/dev/null 2>&1 || die "go not found (looked on PATH and in /usr/local/go/bin); install Go >= 1.25 first (https://go.dev/dl)"
  GO_VERSION=$(go env GOVERSION)
fi

# Static, path-independent binaries; the Go build and module caches are left in place so rebuilds are quick.
export GOBIN="$BIN_DIR" GOFLAGS="-trimpath" CGO_ENABLED=0 GOTOOLCHAIN=local

# One build function per tool; each step ends in `|| return 1` because `set -e` does not apply inside `f || …`.
build_versitygw() {
  go install -ldflags "-s -w -X=main.Version=$VERSITYGW_VERSION" \
    "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" || return 1
}
build_toxiproxy() {
  # The commands live in cmd/server and cmd/cli; install them privately and give them names that say what they are.
  local tmp
  tmp=$(mktemp -d) || return 1
  GOBIN=$tmp go install -ldflags "-s -w -X=github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/cli@$TOXIPROXY_VERSION" || return 1
  mv -f "$tmp/server" "$BIN_DIR/toxiproxy-server" || return 1
  mv -f "$tmp/cli" "$BIN_DIR/toxiproxy-cli" || return 1
  rmdir "$tmp"
}
build_s5cmd() {
  # `go install github.com/peak/s5cmd/v2@v2.3.0` fails here: it first asks the proxy for the module's version
  # list (to look for a deprecation notice) and the proxy answers 403 for that list. A throwaway module that
  # requires exactly v2.3.0 builds the same dependency versions (s5cmd's go.mod has no replace directives).
  local dir=$TOOLS_DIR/src/s5cmd
  mkdir -p "$dir" || return 1
  printf 'module s5cmdbuild\n\ngo 1.20\n\nrequire github.com/peak/s5cmd/v2 %s\n' "$S5CMD_VERSION" >"$dir/go.mod" || return 1
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/peak/s5cmd/v2"\n' >"$dir/tools.go" || return 1
  rm -f "$dir/go.sum"
  (cd "$dir" && GOFLAGS="$GOFLAGS -mod=mod" go install \
    -ldflags "-s -w -X=github.com/peak/s5cmd/v2/version.Version=$S5CMD_VERSION -X=github.com/peak/s5cmd/v2/version.GitCommit=release" \
    github.com/peak/s5cmd/v2) || return 1
}

# go_tool NAME VERSION "BINARIES" — runs build_NAME with its output in one log file per tool; success is judged
# at the end by the stamp files.
go_tool() {
  local tool=$1 version=$2 bins=$3
  # shellcheck disable=SC2086
  if stamp_ok "$tool" "$version" $bins; then
    log "$tool $version: already installed ($BIN_DIR)"
    return 0
  fi
  log "$tool $version: building with $GO_VERSION (log: $LOG_DIR/$tool.log)"
  (
    t0=$(date +%s)
    rm -f "$STAMP_DIR/$tool"
    if ! "build_$tool" >"$LOG_DIR/$tool.log" 2>&1; then
      log "$tool $version: FAILED after $(($(date +%s) - t0))s; last lines of $LOG_DIR/$tool.log:"
      tail -n 30 "$LOG_DIR/$tool.log" | sed 's/^/    /'
      exit 1
    fi
    printf '%s\nbuilt with %s on %s\n' "$version" "$GO_VERSION" "$(date -u +%FT%TZ)" >"$STAMP_DIR/$tool"
    log "$tool $version: built in $(($(date +%s) - t0))s"
  ) || true
}

# --- redis-server and chromium from Debian (one apt-get: two at once would fight over the dpkg lock) -----------
# chromium is the headless browser the HTML coverage report is tested in (driven by playwright-core, no download).
install_debian() {
  local missing=()
  for pkg in redis-server chromium; do
    if command -v "$pkg" >/dev/null 2>&1; then
      log "$pkg: already installed ($(command -v "$pkg"))"
    else
      missing+=("$pkg")
    fi
  done
  [ "${#missing[@]}" = 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "${missing[*]} missing and not root (no sudo): run 'apt-get install -y ${missing[*]}' as root"
    sudo="sudo"
  fi
  log "${missing[*]}: installing with apt-get (log: $LOG_DIR/apt.log)"
  (
    t0=$(date +%s)
    if ! { $sudo apt-get update && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends \
      "${missing[@]}"; } >"$LOG_DIR/apt.log" 2>&1; then
      log "${missing[*]}: FAILED; last lines of $LOG_DIR/apt.log:"
      tail -n 30 "$LOG_DIR/apt.log" | sed 's/^/    /'
      exit 1
    fi
    log "${missing[*]}: installed in $(($(date +%s) - t0))s"
  ) &
}

# apt (network + dpkg) runs in the background beside the compiles. The Go builds run one after the other: each
# already uses every core, and side by side they compiled the standard library three times (cold, 2 cores:
# 290 s in parallel against 228 s in sequence). versitygw goes first, it is the biggest.
install_debian
go_tool versitygw "$VERSITYGW_VERSION" "versitygw"
go_tool s5cmd "$S5CMD_VERSION" "s5cmd"
go_tool toxiproxy "$TOXIPROXY_VERSION" "toxiproxy-server toxiproxy-cli"

wait
FORCE=0 # from here stamp_ok only checks what is installed
failed=()
stamp_ok versitygw "$VERSITYGW_VERSION" versitygw || failed+=(versitygw)
stamp_ok s5cmd "$S5CMD_VERSION" s5cmd || failed+=(s5cmd)
stamp_ok toxiproxy "$TOXIPROXY_VERSION" toxiproxy-server toxiproxy-cli || failed+=(toxiproxy)
command -v redis-server >/dev/null 2>&1 || failed+=(redis-server)
command -v chromium >/dev/null 2>&1 || failed+=(chromium)
[ "${#failed[@]}" = 0 ] || die "failed: ${failed[*]} (see the logs above; rerun this script to retry)"

log "done in $(($(date +%s) - start_all))s; tools in $BIN_DIR:"
for b in versitygw s5cmd toxiproxy-server toxiproxy-cli; do
  stamp=$b
  [ "${b#toxiproxy}" != "$b" ] && stamp=toxiproxy
  printf '    %-17s %s\n' "$b" "$(head -n 1 "$STAMP_DIR/$stamp")"
done
printf '    %-17s %s\n' redis-server "$(command -v redis-server)"
printf '    %-17s %s\n' chromium "$(command -v chromium)"
log "put them on PATH with: source scripts/tools-env.sh"
