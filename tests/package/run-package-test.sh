#!/usr/bin/env bash
# The package test: what a user gets from `dotnet add package HighPerfRnn`.
#
# 1. Packs the runtime (HighPerfRnn) and the tool (HighPerfRnn.Cli) into a temporary local feed and checks the
#    runtime package's contents: lib/net10.0 (dll + XML docs), analyzers/dotnet/cs (the generator), README, MIT.
# 2. Installs the tool from that feed into a temporary folder and runs hprnn info / run / codegen on a fixture.
# 3. Creates a fresh console project OUTSIDE the repository (so none of the repository's Directory.*.props apply),
#    with a nuget.config that adds the local feed to the machine's own sources, runs `dotnet add package
#    HighPerfRnn --version <pinned>`, adds tests/package/consumer/Program.cs (which declares
#    [RnnModel(5, 8, NumLayers = 2, Bidirectional = true)] partial class TinyBiRnn) and the declaration printed by
#    `hprnn codegen`, builds it with warnings as errors, and runs it. Any failure fails the script.
#
# Usage: tests/package/run-package-test.sh        (KEEP_PACKAGE_TEST=1 keeps the temporary folder)
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
fixtures="$repo/tests/HighPerfRnn.Tests/Fixtures/pytorch"
work="$(mktemp -d "${TMPDIR:-/tmp}/highperfrnn-package-test.XXXXXX")"
case "$work/" in
  "$repo"/*) echo "package test: the temporary folder $work is inside the repository; set TMPDIR elsewhere" >&2; exit 1 ;;
esac
if [[ "${KEEP_PACKAGE_TEST:-0}" != "1" ]]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "package test: keeping $work"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
feed="$work/feed"
start=$SECONDS

step() { echo "=== package test: $* ($((SECONDS - start)) s)"; }
fail() { echo "package test FAILED: $*" >&2; exit 1; }

# Lists a zip's entries with whatever the machine has.
zip_entries() {
  if command -v unzip >/dev/null 2>&1; then
    unzip -Z1 "$1"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"
  else
    fail "neither unzip nor python3 is available to list $1"
  fi
}
zip_file() {
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$1" "$2"
  else
    python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' "$1" "$2"
  fi
}

step "pack HighPerfRnn and HighPerfRnn.Cli into $feed"
version="$(dotnet msbuild "$repo/src/HighPerfRnn/HighPerfRnn.csproj" -getProperty:PackageVersion -p:Configuration=Release)"
tool_version="$(dotnet msbuild "$repo/src/HighPerfRnn.Cli/HighPerfRnn.Cli.csproj" -getProperty:PackageVersion -p:Configuration=Release)"
dotnet pack "$repo/src/HighPerfRnn/HighPerfRnn.csproj" -c Release -o "$feed" -nologo -v quiet
dotnet pack "$repo/src/HighPerfRnn.Cli/HighPerfRnn.Cli.csproj" -c Release -o "$feed" -nologo -v quiet
package="$feed/HighPerfRnn.$version.nupkg"
[[ -f "$package" ]] || fail "expected $package; the feed holds: $(ls "$feed")"
[[ -f "$feed/HighPerfRnn.Cli.$tool_version.nupkg" ]] || fail "expected HighPerfRnn.Cli.$tool_version.nupkg; the feed holds: $(ls "$feed")"

step "check the contents of HighPerfRnn.$version.nupkg"
entries="$(zip_entries "$package")"
echo "$entries" | sed 's/^/    /'
for entry in lib/net10.0/HighPerfRnn.dll lib/net10.0/HighPerfRnn.xml analyzers/dotnet/cs/HighPerfRnn.Generators.dll README.md; do
  grep -qx "$entry" <<<"$entries" || fail "the package lacks $entry"
done
nuspec="$(zip_file "$package" HighPerfRnn.nuspec)"
for field in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<description>' "<version>$version</version>"; do
  grep -qF "$field" <<<"$nuspec" || fail "the nuspec lacks $field"
done
if grep -q '<dependency ' <<<"$nuspec"; then
  fail "the package should depend on nothing, but its nuspec lists: $(grep '<dependency ' <<<"$nuspec")"
fi

# A private packages folder, so that the packages just made are what restores, not an older copy of the same version.
export NUGET_PACKAGES="$work/packages"

step "install the hprnn tool $tool_version from the local feed and run it"
dotnet tool install HighPerfRnn.Cli --version "$tool_version" --tool-path "$work/tools" --add-source "$feed" >/dev/null
hprnn="$work/tools/hprnn"
"$hprnn" --help >/dev/null
"$hprnn" info "$fixtures/rnn_seed_bidir.model.safetensors"
"$hprnn" run "$fixtures/lstm_proj.model.safetensors" --input "$fixtures/lstm_proj.io.safetensors" --output "$work/lstm_proj.out.safetensors"
set +e
"$hprnn" info "$fixtures/rnn_seed_bidir.io.safetensors" 2>"$work/info-error.txt"
code=$?
set -e
[[ $code -eq 2 ]] || fail "hprnn info on a file without a model exited $code, expected 2"
echo "    (expected) $(cat "$work/info-error.txt")"

step "create a fresh console project outside the repository: $work/consumer"
mkdir -p "$work/consumer"
cd "$work/consumer"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <!-- The machine's own sources stay; this adds the folder the package was just packed into. -->
    <add key="highperfrnn-local" value="$feed" />
  </packageSources>
</configuration>
XML
cat > Consumer.csproj <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
</Project>
XML
dotnet add package HighPerfRnn --version "$version"
grep -q "Include=\"HighPerfRnn\" Version=\"$version\"" Consumer.csproj || fail "dotnet add package did not pin HighPerfRnn $version: $(cat Consumer.csproj)"
cp "$repo/tests/package/consumer/Program.cs" Program.cs
"$hprnn" codegen "$fixtures/rnn_seed_deep.model.safetensors" --name FromCodegen | tee FromCodegen.cs

step "build the consumer (warnings are errors) and run it"
dotnet build -c Release -nologo -v quiet
ls obj/Release/net10.0 >/dev/null
dotnet bin/Release/net10.0/Consumer.dll "$fixtures"

echo "=== package test: passed in $((SECONDS - start)) s"
