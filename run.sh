#!/usr/bin/env bash
# The main job: bootstraps what is missing, builds the `mtl` app, and trains a multi-head MultiLeNet on
# Multi-Fashion (unitary scalarization + Adam), printing per-task test accuracy; saves and reloads model.zip.
# Any arguments are passed to `mtl train` (e.g. ./run.sh --dataset multi-mnist --method mgda --epochs 5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
bash scripts/bootstrap.sh
if ! dotnet build src/Mtl.Cli -c Release -nologo -clp:ErrorsOnly > .deps/run-build.log 2>&1; then
  grep -E "error" .deps/run-build.log | sort -u | head -30
  echo "run.sh: the build failed; full log in .deps/run-build.log" >&2
  exit 1
fi
exec dotnet src/Mtl.Cli/bin/Release/net10.0/mtl.dll train "$@"
