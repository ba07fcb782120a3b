#!/usr/bin/env bash
# The Arm64 golden check: publishes tests/HighPerfRnn.Golden for linux-arm64 (self-contained) and runs it under
# QEMU user-mode emulation in --check mode against tests/HighPerfRnn.Golden/golden-hashes.txt, so every golden
# case must give on Arm64 (NEON, the 128-bit path) the bits the file holds (written on x86-64). Exits nonzero on
# any mismatch. On an Arm64 machine it runs the published app natively instead.
#
# qemu-user and the Arm64 C and C++ runtimes (libc6-arm64-cross, libstdc++6-arm64-cross) are installed with
# apt-get when missing, since CI machines start fresh. (That sysroot has no OpenSSL, which .NET's SHA-256 needs on
# Linux: the golden app hashes with its own managed SHA-256.)
# Usage: tests/arm64/run-arm64-golden.sh [extra HighPerfRnn.Golden arguments, e.g. --simd scalar]
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
golden="$repo/tests/HighPerfRnn.Golden/golden-hashes.txt"
sysroot=/usr/aarch64-linux-gnu
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
start=$SECONDS
step() { echo "=== Arm64 golden check: $* ($((SECONDS - start)) s)"; }

native=false
case "$(uname -m)" in
  aarch64 | arm64) native=true ;;
esac

if ! $native && { ! command -v qemu-aarch64 >/dev/null 2>&1 || [[ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]] \
    || ! compgen -G "$sysroot/lib/libstdc++.so.6*" >/dev/null; }; then
  step "install QEMU user-mode and the Arm64 runtimes (qemu-user, libc6-arm64-cross, libstdc++6-arm64-cross)"
  bash "$repo/tests/ci/apt-install.sh" qemu-user libc6-arm64-cross libstdc++6-arm64-cross
fi
$native || echo "qemu: $(qemu-aarch64 --version | head -n 1)"

out="$(mktemp -d "${TMPDIR:-/tmp}/highperfrnn-arm64.XXXXXX")"
trap 'rm -rf "$out"' EXIT

step "publish tests/HighPerfRnn.Golden for linux-arm64 (self-contained)"
if ! dotnet publish "$repo/tests/HighPerfRnn.Golden/HighPerfRnn.Golden.csproj" -c Release -r linux-arm64 --self-contained \
    -p:InvariantGlobalization=true -o "$out/app" -nologo >"$out/publish.log" 2>&1; then
  cat "$out/publish.log"
  echo "Arm64 golden check FAILED: the publish failed (see above)" >&2
  exit 1
fi
app="$out/app/HighPerfRnn.Golden"
[[ -x "$app" ]] || { cat "$out/publish.log"; echo "Arm64 golden check FAILED: no executable at $app" >&2; exit 1; }

runner=()
if ! $native; then
  runner=(qemu-aarch64)
  export QEMU_LD_PREFIX="$sysroot"
  # W^X off: with it on, .NET writes JIT-compiled code and stubs through a second, writable mapping of the same
  # memory, and QEMU user mode, which detects code changes by write-protecting the executable addresses it has
  # translated, most likely never sees those writes and keeps running stale translations. Measured here (QEMU 7.2,
  # .NET 10): 8 of 10 runs with W^X crashed or threw at random (SIGSEGV, NullReferenceException, "The buffer is not
  # associated with this pool"); 16 of 16 without it passed.
  export DOTNET_EnableWriteXorExecute=0
fi
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

step "run every golden case on Arm64${runner:+ under QEMU}"
run_start=$SECONDS
status=0
"${runner[@]}" "$app" --check "$golden" "$@" || status=$?
echo "Arm64 golden run: $((SECONDS - run_start)) s (exit code $status)"
if [[ $status -ne 0 ]]; then
  echo "Arm64 golden check FAILED (exit code $status): cases that differ from $golden on Arm64, or the error, above" >&2
  exit "$status"
fi
echo "=== Arm64 golden check: passed in $((SECONDS - start)) s"
