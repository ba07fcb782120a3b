#!/usr/bin/env bash
# The codegen audit: runs the declared models of CodegenAudit on every instruction-set path this machine can be forced
# onto, with the JIT writing the listings of the generated kernels' methods, and fails if any of them calls a method of
# RnnMath (a multiply-add, an activation) instead of inlining it. The JIT stops inlining in a method once its inlining
# budget runs out, silently: a generated kernel then runs at a fraction of its speed with the same results, so no
# test of the bits can see it (README.md here).
set -euo pipefail
cd "$(dirname "$0")"

dotnet build CodegenAudit/CodegenAudit.csproj -c Release --nologo -v quiet
program="CodegenAudit/bin/Release/net10.0/CodegenAudit.dll"
listing="$(mktemp)"
failed=0
for path in "" "DOTNET_EnableAVX512=0" "DOTNET_EnableAVX2=0" "HIGHPERFRNN_SIMD=128" "HIGHPERFRNN_SIMD=scalar"; do
  rm -f "$listing"
  # Every method compiled fully optimized at its first call (no tiers), so the listings are the code that runs hot.
  env ${path} DOTNET_TieredCompilation=0 DOTNET_JitStdOutFile="$listing" \
    DOTNET_JitDisasm='*Kernel*:Step* *Kernel*:Forward*' dotnet "$program" > /dev/null
  methods=$(grep -c "Assembly listing for method" "$listing" || true)
  calls=$(awk '/Assembly listing for method/ { method = $6 } /call .*HighPerfRnn\.Kernels\.RnnMath/ { count[method]++ } END { for (m in count) print count[m] " calls in " m }' "$listing")
  echo "path ${path:-default}: ${methods} generated kernel methods listed"
  if [ "$methods" -lt 10 ]; then
    echo "  too few listings: the JIT's disassembly switches did not take effect" >&2
    failed=1
  fi
  if [ -n "$calls" ]; then
    echo "$calls" | sed 's/^/  /' >&2
    failed=1
  fi
done
rm -f "$listing"
if [ "$failed" -ne 0 ]; then
  echo "codegen audit failed: a generated kernel calls RnnMath where it should inline it" >&2
  exit 1
fi
echo "codegen audit passed: no generated kernel calls RnnMath on any path"
