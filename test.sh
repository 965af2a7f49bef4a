#!/usr/bin/env bash
# Bootstraps what is missing, builds everything (warnings are errors), runs every test project,
# and closes with the runner's total: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
bash scripts/bootstrap.sh --tests || { echo "0 passed, 1 failed"; exit 1; }

log="$root/.deps/test.log"
mkdir -p "$root/.deps"
echo "test.sh: building (Release)"
if ! dotnet build MtlMlNet.sln -c Release -nologo -clp:ErrorsOnly > "$root/.deps/build.log" 2>&1; then
  grep -E "error|warning" "$root/.deps/build.log" | sort -u | head -50
  echo "test.sh: the build failed; full log in .deps/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "test.sh: running tests"
dotnet test MtlMlNet.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12 ...").
read -r passed failed skipped < <(grep -E "(Passed|Failed)! +- +Failed:" "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
assemblies=$(grep -cE "(Passed|Failed)! +- +Failed:" "$log")
projects=$(ls -d tests/*/ | wc -l)
if [ "$assemblies" -lt "$projects" ]; then
  echo "test.sh: only $assemblies of $projects test assemblies reported results"
  failed=$((failed + projects - assemblies))
  status=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
