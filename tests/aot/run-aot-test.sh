#!/usr/bin/env bash
# The Native AOT test: publishes tests/aot/AotSmoke with PublishAot=true and runs the native binary, which loads
# every PyTorch fixture, runs Forward on every SIMD path the CPU has and a generated [RnnModel] type, and checks
# the results against PyTorch's float64 ones (within 2e-5). Trimming or AOT warnings fail the publish.
#
# Native AOT links with clang (and needs zlib): installed with apt-get when missing, since CI machines start fresh.
# Usage: tests/aot/run-aot-test.sh
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
fixtures="$repo/tests/HighPerfRnn.Tests/Fixtures/pytorch"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
start=$SECONDS
step() { echo "=== AOT test: $* ($((SECONDS - start)) s)"; }

if ! command -v clang >/dev/null 2>&1 || ! { [[ -e /usr/include/zlib.h ]] || ldconfig -p 2>/dev/null | grep -q 'libz\.so '; }; then
  step "install the Native AOT prerequisites (clang, zlib1g-dev)"
  bash "$repo/tests/ci/apt-install.sh" clang zlib1g-dev
fi
echo "clang: $(clang --version | head -n 1)"

case "$(uname -m)" in
  x86_64 | amd64) rid=linux-x64 ;;
  aarch64 | arm64) rid=linux-arm64 ;;
  *) echo "AOT test: no Native AOT runtime identifier for $(uname -m)" >&2; exit 1 ;;
esac

out="$(mktemp -d "${TMPDIR:-/tmp}/highperfrnn-aot.XXXXXX")"
trap 'rm -rf "$out"' EXIT

# Two builds: the default instruction set (what a user gets from PublishAot alone: x86-64-v2 on x64, so the runtime
# takes its 128-bit path) and, where the CPU has AVX2 and FMA, x86-64-v3 (IlcInstructionSet), where it takes the
# 256-bit path. Each native binary is checked to run on the path expected of it.
builds=("default:")
if [[ "$rid" == linux-x64 ]] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  builds+=("x86-64-v3:Vector256")
fi

for build in "${builds[@]}"; do
  isa="${build%%:*}"
  expect="${build#*:}"
  props=()
  [[ "$isa" != default ]] && props=("-p:IlcInstructionSet=$isa")
  log="$out/publish-$isa.log"
  step "publish tests/aot/AotSmoke for $rid with Native AOT, instruction set: $isa"
  # The native code is compiled again for each instruction set, never reused from the last build.
  rm -rf "$repo/tests/aot/AotSmoke/obj/Release/net10.0/$rid/native"
  if ! dotnet publish "$repo/tests/aot/AotSmoke/AotSmoke.csproj" -c Release -r "$rid" -o "$out/$isa" -nologo "${props[@]}" >"$log" 2>&1; then
    cat "$log"
    echo "AOT test FAILED: the publish failed (see above)" >&2
    exit 1
  fi
  if grep -E "warning (IL|AOT)[0-9]+" "$log"; then
    echo "AOT test FAILED: trimming/AOT warnings above" >&2
    exit 1
  fi
  binary="$out/$isa/AotSmoke"
  [[ -x "$binary" ]] || { cat "$log"; echo "AOT test FAILED: no native binary at $binary" >&2; exit 1; }
  echo "native binary: $(du -h "$binary" | cut -f1)"

  step "run the native binary ($isa) on every fixture"
  "$binary" "$fixtures" ${expect:+--expect-best "$expect"}
done
echo "=== AOT test: passed in $((SECONDS - start)) s"
