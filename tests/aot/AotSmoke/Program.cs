using System.Globalization;
using System.Runtime.CompilerServices;
using HighPerfRnn;
using HighPerfRnn.Safetensors;

// Native AOT smoke test: every fixture, every SIMD path this CPU runs, against PyTorch's float64 results.
if (!(args.Length == 1 || (args.Length == 3 && args[1] == "--expect-best")) || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: AotSmoke FIXTURES_DIR [--expect-best Vector256]   (FIXTURES_DIR: tests/HighPerfRnn.Tests/Fixtures/pytorch)");
    return 2;
}

const double Tolerance = 2e-5;
string fixtures = args[0];
int passed = 0, failed = 0;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Native AOT: {!RuntimeFeature.IsDynamicCodeSupported}; SimdPaths.Best = {SimdPaths.Best}; {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}"));

if (args.Length == 3 && !string.Equals(SimdPaths.Best.ToString(), args[2], StringComparison.Ordinal))
{
    Console.Error.WriteLine($"FAIL: this build runs on {SimdPaths.Best}, expected {args[2]}");
    return 1;
}

SimdPath[] paths = [.. Enum.GetValues<SimdPath>().Where(p => p != SimdPath.Auto && SimdPaths.IsSupported(p))];
string[] names = [.. Directory.GetFiles(fixtures, "*.model.safetensors").Select(p => Path.GetFileName(p)[..^".model.safetensors".Length]).Order(StringComparer.Ordinal)];
if (names.Length == 0)
{
    Console.Error.WriteLine($"no *.model.safetensors in {fixtures}");
    return 2;
}

foreach (string name in names)
{
    SafetensorsFile io = SafetensorsFile.Open(Path.Combine(fixtures, name + ".io.safetensors"));
    foreach (SimdPath path in paths)
    {
        RnnModel model = RnnModel.Load(Path.Combine(fixtures, name + ".model.safetensors"), new RnnLoadOptions { SimdPath = path });
        Report($"{name} [{path}] {model.Architecture}", RunFixture(model, io));
    }
}

// A generated model: the source generator's kernels compiled ahead of time.
{
    SafetensorsFile io = SafetensorsFile.Open(Path.Combine(fixtures, "rnn_seed_bidir.io.safetensors"));
    TinyBiRnn tiny = TinyBiRnn.Load(Path.Combine(fixtures, "rnn_seed_bidir.model.safetensors"));
    float[] x = io.ReadFloat32("input");
    var y = new float[10 * TinyBiRnn.OutputSize];
    var h = new float[4 * 8];
    tiny.Forward(x, y, h, batch: 1, seqLen: 10, SequenceLayout.BatchFirst);
    Report("rnn_seed_bidir [generated TinyBiRnn]", Math.Max(MaxDifference(io.ReadFloat64("output_f64"), y), MaxDifference(io.ReadFloat64("h_n_f64"), h)));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"aot: {passed} passed, {failed} failed"));
return failed == 0 ? 0 : 1;

void Report(string what, double difference)
{
    bool ok = difference <= Tolerance;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(ok ? "ok  " : "FAIL")} {what}: max |difference| {difference:0.0e+00}"));
    passed += ok ? 1 : 0;
    failed += ok ? 0 : 1;
}

static double RunFixture(RnnModel model, SafetensorsFile io)
{
    RnnArchitecture a = model.Architecture;
    bool unbatched = io.Metadata["unbatched"] == "true";
    bool batchFirst = io.Metadata["batch_first"] == "true";
    int[] shape = io.GetTensor("input").GetShape();
    SequenceLayout layout = unbatched ? SequenceLayout.Unbatched : batchFirst ? SequenceLayout.BatchFirst : SequenceLayout.SequenceFirst;
    int batch = unbatched ? 1 : batchFirst ? shape[0] : shape[1];
    int seqLen = unbatched || !batchFirst ? shape[0] : shape[1];
    float[] x = io.ReadFloat32("input");
    float[] h0 = io.Contains("h0") ? io.ReadFloat32("h0") : [];
    var y = new float[batch * seqLen * a.OutputSize];
    var hN = new float[a.StateRows * batch * a.StateSize];
    double difference;
    if (a.Cell == RnnCell.Lstm)
    {
        float[] c0 = io.Contains("c0") ? io.ReadFloat32("c0") : [];
        var cN = new float[a.StateRows * batch * a.HiddenSize];
        model.Forward(x, y, hN, cN, batch, seqLen, layout, h0, c0);
        difference = MaxDifference(io.ReadFloat64("c_n_f64"), cN);
    }
    else
    {
        model.Forward(x, y, hN, batch, seqLen, layout, h0);
        difference = 0;
    }

    return Math.Max(difference, Math.Max(MaxDifference(io.ReadFloat64("output_f64"), y), MaxDifference(io.ReadFloat64("h_n_f64"), hN)));
}

static double MaxDifference(double[] expected, float[] actual)
{
    if (expected.Length != actual.Length)
    {
        return double.PositiveInfinity;
    }

    double max = 0;
    for (int i = 0; i < expected.Length; i++)
    {
        double d = Math.Abs(expected[i] - actual[i]);
        max = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(max, d);
    }

    return max;
}

[RnnModel(5, 8, NumLayers = 2, Bidirectional = true)]
internal sealed partial class TinyBiRnn;
