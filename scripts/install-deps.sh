#!/usr/bin/env bash
# Install what plotline needs on Debian 12, and only what is missing.
# Quiet ("dependencies: ok") when everything is already there.
#   PLOTLINE_SKIP_BROWSER=1   do not require chromium (browser tests)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v dpkg-query >/dev/null ||
  { echo "install-deps: dpkg-query not found; only Debian/Ubuntu are supported" >&2; exit 1; }

# gcc + libc6-dev: cargo needs a C linker (and the cc crate a compiler).
# python3-venv and curl: the API fuzzing (scripts/fuzz-api.sh) and the benchmarks.
pkgs=(postgresql-15 postgresql-15-postgis-3 libgdal-dev gdal-bin pkg-config gcc libc6-dev python3-venv curl)
[[ ${PLOTLINE_SKIP_BROWSER:-0} == 1 ]] || pkgs+=(chromium)
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *" installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if ((EUID == 0)); then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install them with:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Rust toolchain (Debian's own cargo is too old for rust-version in Cargo.toml).
if ! command -v cargo >/dev/null; then
  if [[ -x ${HOME:-}/.cargo/bin/cargo ]]; then
    echo "install-deps: cargo is in ~/.cargo/bin but not on PATH; run: . \"\$HOME/.cargo/env\"" >&2
  else
    echo "install-deps: Rust toolchain not found; install rustup (https://rustup.rs), then open a new shell" >&2
  fi
  exit 1
fi
need=$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml")
have=$(cargo --version | cut -d' ' -f2)
if [[ -n $need ]] && ! printf '%s\n' "$need" "$have" | sort -V -C; then
  echo "install-deps: Rust $have is older than the required $need; run: rustup update stable" >&2
  exit 1
fi

echo "dependencies: ok"
