#!/usr/bin/env bash
# Coverage-guided fuzzing of the safetensors reader and model building with SharpFuzz + AFL++ (docs/fuzzing.md).
#
#   tests/HighPerfRnn.Fuzz/run-fuzz.sh [SECONDS]      # default 60; CI runs this
#
# Installs what it needs on a Debian machine (afl++ from apt, the SharpFuzz.CommandLine dotnet tool into a local
# folder), publishes the target, instruments HighPerfRnn.dll, replays the seed corpus, fuzzes for SECONDS, then
# replays every crash and hang afl-fuzz found and fails if there is any. Findings stay in $FUZZ_WORK (default
# a folder under /tmp) for inspection; set FUZZ_KEEP_CORPUS=DIR to start from (and add to) a corpus of your own.
set -euo pipefail

seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${FUZZ_WORK:-$(mktemp -d /tmp/hprnn-fuzz.XXXXXX)}"
sharpfuzz_version="2.3.0"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- prerequisites --------------------------------------------------------------------------------------------
if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "=== installing afl++ (apt)"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

tools="$work/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "=== installing SharpFuzz.CommandLine $sharpfuzz_version (dotnet tool, into $tools)"
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

# --- build and instrument -------------------------------------------------------------------------------------
echo "=== publishing the fuzz target"
bin="$work/bin"
rm -rf "$bin"
dotnet publish "$here/HighPerfRnn.Fuzz.csproj" -c Release -o "$bin" --nologo -v quiet >/dev/null

# Instrumented code reports coverage into afl-fuzz's shared memory and cannot run without it, so seeding and
# replaying use an uninstrumented copy. Only the library under test is instrumented: coverage of System.Text.Json
# would drown the reader's own branches.
plain="$work/bin-plain"
rm -rf "$plain"
cp -r "$bin" "$plain"
echo "=== instrumenting HighPerfRnn.dll"
"$tools/sharpfuzz" "$bin/HighPerfRnn.dll"

# --- corpus -----------------------------------------------------------------------------------------------------
corpus="${FUZZ_KEEP_CORPUS:-$work/corpus}"
mkdir -p "$corpus"
dotnet "$plain/HighPerfRnn.Fuzz.dll" --write-seeds "$corpus"
for name in rnn_len1_h1 rnn_seed_numpy gru_basic lstm_basic; do
  cp "$root/tests/HighPerfRnn.Tests/Fixtures/pytorch/$name.model.safetensors" "$corpus/" 2>/dev/null || true
done

echo "=== replaying the corpus (every input must load or be refused with a documented exception)"
dotnet "$plain/HighPerfRnn.Fuzz.dll" --replay "$corpus"

# --- fuzz ---------------------------------------------------------------------------------------------------
# dotnet itself is not instrumented (SharpFuzz instruments the .NET code and talks AFL's fork-server protocol),
# CI machines are shared containers (no CPU pinning, no core_pattern or governor control), and .NET needs a few
# seconds to start before the fork server answers.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_UI=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_QUIET=1
findings="$work/findings"
rm -rf "$findings"
echo "=== afl-fuzz for ${seconds} s (findings in $findings)"
afl-fuzz -i "$corpus" -o "$findings" -x "$here/safetensors.dict" -t 5000 -m none -V "$seconds" \
  -- dotnet "$bin/HighPerfRnn.Fuzz.dll" >"$work/afl-fuzz.log" 2>&1 || {
    tail -n 40 "$work/afl-fuzz.log"
    echo "afl-fuzz failed to run; see $work/afl-fuzz.log" >&2
    exit 1
  }

stats="$findings/default/fuzzer_stats"
if [ -f "$stats" ]; then
  grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg|run_time)\b' "$stats" | sed 's/^/    /'
fi

# Keep what afl-fuzz learnt for the next run, when a corpus folder was given.
if [ -n "${FUZZ_KEEP_CORPUS:-}" ] && [ -d "$findings/default/queue" ]; then
  cp -n "$findings/default/queue/"id* "$FUZZ_KEEP_CORPUS/" 2>/dev/null || true
fi

crashes=$( (find "$findings/default/crashes" "$findings/default/hangs" -type f -name 'id*' 2>/dev/null || true) | wc -l)
execs=$( (grep -E '^execs_done' "$stats" 2>/dev/null || true) | awk '{print $3}')
if [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
  echo "afl-fuzz executed nothing; see $work/afl-fuzz.log" >&2
  exit 1
fi

if [ "$crashes" -gt 0 ]; then
  echo "=== $crashes crashing or hanging inputs; replaying them:"
  dotnet "$plain/HighPerfRnn.Fuzz.dll" --replay "$findings/default/crashes" "$findings/default/hangs" || true
  echo "fuzzing found $crashes crashes or hangs (inputs in $findings/default)" >&2
  exit 1
fi

echo "fuzzing: ${execs} executions in ${seconds} s, no crashes or hangs"
