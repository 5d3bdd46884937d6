#!/usr/bin/env bash
# Installs the pinned Python readers the silver reader test uses (pyarrow, pandas, polars, pyspark + a Java runtime)
# into a venv; idempotent and cached.
#
# Usage: bash scripts/setup-python.sh [--force]
#   CRYPTO_LAKEHOUSE_VENV   the venv (default ~/.cache/crypto-lakehouse/python); its interpreter is <venv>/bin/python
#   PYTHON                  the interpreter to build the venv from (default: python3.11, else python3; needs >= 3.11)
#   --force                 rebuild the venv even when its stamp matches
# Tests find the interpreter at $LAKEHOUSE_PYTHON, else <venv>/bin/python; the last line printed says where it is.
set -euo pipefail

# Pins: the readers and every package they pull in (pip freeze of a clean install), installed with --no-deps so
# nothing floats. pandas 3, polars 2 and pyspark 4.3 all need Python >= 3.11; pyspark 4 needs Java 17 or 21.
PINS=(
  pyarrow==26.0.1
  pandas==3.1.1
  numpy==2.4.6
  python-dateutil==4.0.0
  tzdata==2026.6
  polars==2.1.0
  polars-runtime-32==2.1.0
  pyspark==4.3.0
  py4j==0.10.9.9
)
JAVA_PACKAGE=openjdk-17-jre-headless # Debian 12's; Spark 4 runs on Java 17 and 21

CACHE_DIR=$HOME/.cache/crypto-lakehouse
VENV=${CRYPTO_LAKEHOUSE_VENV:-$CACHE_DIR/python}
LOG_DIR=$CACHE_DIR/logs
STAMP=$VENV/.crypto-lakehouse-stamp
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

start_all=$(date +%s)
log() { printf '[setup-python] %s\n' "$*"; }
die() { printf '[setup-python] ERROR: %s\n' "$*" >&2; exit 1; }
mkdir -p "$LOG_DIR"

SUDO=""
need_root() { # what — apt-get needs root; use sudo when there is one
  [ "$(id -u)" = 0 ] && return 0
  command -v sudo >/dev/null 2>&1 || die "$1 missing and not root (no sudo): run 'apt-get install -y $2' as root"
  SUDO="sudo"
}
APT_UPDATED=0
apt_install() { # log-name packages...
  local name=$1; shift
  need_root "$name" "$*"
  log "$name: installing $* with apt-get (log: $LOG_DIR/$name.log)"
  local t0
  t0=$(date +%s)
  if ! { { [ "$APT_UPDATED" = 1 ] || $SUDO apt-get update; } &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "$@"; } >>"$LOG_DIR/$name.log" 2>&1; then
    log "$name: FAILED; last lines of $LOG_DIR/$name.log:"
    tail -n 30 "$LOG_DIR/$name.log" | sed 's/^/    /'
    exit 1
  fi
  APT_UPDATED=1
  log "$name: installed in $(($(date +%s) - t0))s"
}

# --- Java for Spark -------------------------------------------------------------------------------------------
java_major() { java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }'; }
if command -v java >/dev/null 2>&1 && [ "$(java_major)" -ge 17 ] 2>/dev/null; then
  log "java: already installed ($(command -v java), $(java_major))"
else
  apt_install java "$JAVA_PACKAGE"
  [ "$(java_major)" -ge 17 ] 2>/dev/null || die "java >= 17 still missing after installing $JAVA_PACKAGE"
fi

# --- The base interpreter --------------------------------------------------------------------------------------
py_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
BASE=${PYTHON:-}
if [ -z "$BASE" ]; then
  for c in python3.11 python3 /usr/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 && py_ok "$c"; then BASE=$(command -v "$c"); break; fi
  done
fi
if [ -z "$BASE" ]; then
  apt_install python python3 python3-venv
  BASE=/usr/bin/python3
fi
py_ok "$BASE" || die "$BASE is not Python >= 3.11 (pandas 3, polars 2 and pyspark 4.3 need it); set PYTHON to one that is"
PY_VERSION=$("$BASE" -c 'import platform; print(platform.python_version())')

# --- The venv --------------------------------------------------------------------------------------------------
# Stamp = the pins and the base Python; a matching stamp and a working interpreter mean nothing to do.
want_stamp="${PINS[*]} python-$PY_VERSION"
if [ "$FORCE" = 0 ] && [ "$(head -n 1 "$STAMP" 2>/dev/null)" = "$want_stamp" ] && "$VENV/bin/python" -c '' 2>/dev/null; then
  log "venv: already installed ($VENV)"
else
  t0=$(date +%s)
  rm -rf "$VENV"
  if ! "$BASE" -m venv "$VENV" >"$LOG_DIR/python-venv.log" 2>&1; then
    # Debian's own python3 ships venv (ensurepip) separately.
    [ "$BASE" = /usr/bin/python3 ] || [ "$BASE" = /usr/bin/python3.11 ] ||
      die "'$BASE -m venv' failed (log: $LOG_DIR/python-venv.log)"
    apt_install python-venv python3-venv
    rm -rf "$VENV"
    "$BASE" -m venv "$VENV" >"$LOG_DIR/python-venv.log" 2>&1 || die "'$BASE -m venv' failed (log: $LOG_DIR/python-venv.log)"
  fi
  log "venv: installing ${PINS[*]} with Python $PY_VERSION (log: $LOG_DIR/python-pip.log)"
  # pyspark is published as a source archive (~450 MB with Spark's jars): pip builds it into a wheel once and caches it.
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --no-deps "${PINS[@]}" \
    >"$LOG_DIR/python-pip.log" 2>&1 || ! "$VENV/bin/python" -m pip check >>"$LOG_DIR/python-pip.log" 2>&1; then
    log "venv: FAILED after $(($(date +%s) - t0))s; last lines of $LOG_DIR/python-pip.log:"
    tail -n 30 "$LOG_DIR/python-pip.log" | sed 's/^/    /'
    rm -rf "$VENV"
    exit 1
  fi
  printf '%s\nbuilt from %s on %s\n' "$want_stamp" "$BASE" "$(date -u +%FT%TZ)" >"$STAMP"
  log "venv: installed in $(($(date +%s) - t0))s"
fi

versions=$("$VENV/bin/python" -c '
import importlib.metadata as m
print(" ".join(f"{p} {m.version(p)}" for p in ["pyarrow", "pandas", "polars", "pyspark"]))') ||
  die "the venv at $VENV does not work; rerun with --force"
log "done in $(($(date +%s) - start_all))s: Python $PY_VERSION, $versions, java $(java_major); python: $VENV/bin/python"
