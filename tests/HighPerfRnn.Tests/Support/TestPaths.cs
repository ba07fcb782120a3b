namespace HighPerfRnn.Tests.Support;

/// <summary>
/// The SIMD paths every kernel test runs: each path this CPU runs in hardware, plus the wider ones it lacks,
/// which .NET emulates in software (slow, but the same logic), so every path's code is checked on any machine.
/// The CI also reruns the suite with DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0 to check the
/// hardware narrow paths.
/// </summary>
internal static class TestPaths
{
    public static readonly SimdPath[] All = [SimdPath.Scalar, SimdPath.Vector128, SimdPath.Vector256, SimdPath.Vector512];

    public static readonly SimdPath[] Hardware = All.Where(SimdPaths.IsSupported).ToArray();
}
