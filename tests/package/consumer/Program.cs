// The package test's consumer: a fresh console app that references only the HighPerfRnn package and declares a
// model. tests/package/run-package-test.sh copies this file into a temporary project outside the repository.
using HighPerfRnn;
using HighPerfRnn.Safetensors;

const int batch = 1, seqLen = 10;
int failures = 0;

// 1. The declared model: the generator in the package gave TinyBiRnn its constants, Load, Forward and kernels.
Console.WriteLine($"TinyBiRnn is {TinyBiRnn.Architecture}: InputSize {TinyBiRnn.InputSize}, HiddenSize {TinyBiRnn.HiddenSize}, NumLayers {TinyBiRnn.NumLayers}, NumDirections {TinyBiRnn.NumDirections}, OutputSize {TinyBiRnn.OutputSize}");
TinyBiRnn model = TinyBiRnn.CreateRandom(seed: 1);
var input = new float[batch * seqLen * TinyBiRnn.InputSize];
for (int i = 0; i < input.Length; i++)
{
    input[i] = MathF.Sin(0.37f * i);
}

var output = new float[batch * seqLen * TinyBiRnn.OutputSize];
var hN = new float[TinyBiRnn.NumLayers * TinyBiRnn.NumDirections * batch * TinyBiRnn.HiddenSize];
model.Forward(input, output, hN, batch, seqLen, SequenceLayout.BatchFirst);
Console.WriteLine($"output.shape = (1, {seqLen}, {TinyBiRnn.OutputSize}), h_n.shape = ({TinyBiRnn.NumLayers * TinyBiRnn.NumDirections}, 1, {TinyBiRnn.HiddenSize})");
Console.WriteLine($"output[0, -1] = [{string.Join(", ", output.AsSpan((seqLen - 1) * TinyBiRnn.OutputSize, TinyBiRnn.OutputSize).ToArray().Select(v => v.ToString("+0.0000;-0.0000", System.Globalization.CultureInfo.InvariantCulture)))}]");
Check("h_n[2] == output[0, -1, :8] (last layer, forward)", hN.AsSpan(2 * 8, 8).SequenceEqual(output.AsSpan((seqLen - 1) * 16, 8)));
Check("h_n[3] == output[0, 0, 8:] (last layer, backward)", hN.AsSpan(3 * 8, 8).SequenceEqual(output.AsSpan(8, 8)));

// 2. Its weights through a safetensors file, as a PyTorch state_dict comes: the declared and the runtime-sized model agree.
string path = Path.Combine(Path.GetTempPath(), $"tinybirnn-{Environment.ProcessId}.safetensors");
SafetensorsWriter.Write(path, model.Runtime.StateDict);
TinyBiRnn reloaded = TinyBiRnn.Load(path);
RnnModel dynamic = RnnModel.Load(path);
File.Delete(path);
var output2 = new float[output.Length];
var hN2 = new float[hN.Length];
reloaded.Forward(input, output2, hN2, batch, seqLen, SequenceLayout.BatchFirst);
Check("TinyBiRnn.Load(file) gives the same output", MaxDifference(output, output2) == 0);
dynamic.Forward(input, output2, hN2, batch, seqLen, SequenceLayout.BatchFirst);
Check($"RnnModel.Load(file) ({dynamic.Architecture}) agrees within 1e-6", MaxDifference(output, output2) <= 1e-6);

// 3. PyTorch's own numbers, when the fixtures folder is given: the seed's bidirectional model and the model pasted from hprnn codegen.
if (args.Length > 0)
{
    string fixtures = args[0];
    Check("TinyBiRnn on rnn_seed_bidir within 2e-5 of PyTorch (float64)",
        MatchesFixture(Path.Combine(fixtures, "rnn_seed_bidir"), TinyBiRnn.Load(Path.Combine(fixtures, "rnn_seed_bidir.model.safetensors")).Forward, TinyBiRnn.OutputSize) <= 2e-5);
    Check("FromCodegen (pasted from hprnn codegen) on rnn_seed_deep within 2e-5 of PyTorch (float64)",
        MatchesFixture(Path.Combine(fixtures, "rnn_seed_deep"), FromCodegen.Load(Path.Combine(fixtures, "rnn_seed_deep.model.safetensors")).Forward, FromCodegen.OutputSize) <= 2e-5);
}

Console.WriteLine(failures == 0 ? "package consumer: all checks passed" : $"package consumer: {failures} check(s) FAILED");
return failures == 0 ? 0 : 1;

void Check(string what, bool ok)
{
    Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
    failures += ok ? 0 : 1;
}

static double MaxDifference(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
{
    double max = 0;
    for (int i = 0; i < left.Length; i++)
    {
        max = Math.Max(max, Math.Abs(left[i] - right[i]));
    }

    return max;
}

static double MatchesFixture(string fixture, ForwardFn forward, int outputSize)
{
    SafetensorsFile io = SafetensorsFile.Open(fixture + ".io.safetensors");
    int[] shape = io.GetTensor("input").GetShape();
    float[] x = io.ReadFloat32("input");
    var y = new float[shape[0] * shape[1] * outputSize];
    var h = new float[io.GetTensor("h_n_f64").ElementCount];
    forward(x, y, h, shape[0], shape[1], SequenceLayout.BatchFirst, default, null);
    double[] expected = io.ReadFloat64("output_f64");
    double max = 0;
    for (int i = 0; i < y.Length; i++)
    {
        max = Math.Max(max, Math.Abs(expected[i] - y[i]));
    }

    Console.WriteLine($"       max |output - output_f64| = {max:0.0e+00}");
    return max;
}

delegate void ForwardFn(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);

[RnnModel(5, 8, NumLayers = 2, Bidirectional = true)]
partial class TinyBiRnn;
