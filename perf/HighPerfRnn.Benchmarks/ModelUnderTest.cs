using System.Globalization;
using HighPerfRnn.Reference;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// One grid point loaded into every engine on the same weights and input, checked to agree before anything is timed.
/// </summary>
public sealed class ModelUnderTest : IDisposable
{
    /// <summary>The agreement required between HighPerfRnn and ONNX Runtime before timing (issue 4).</summary>
    public const double Agreement = 1e-4;

    private readonly GridPoint _point;
    private readonly RnnModel _runtime;
    private readonly RnnWorkspace _workspace = new();
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly float[] _hN;
    private readonly float[] _cN;
    private readonly ReferenceConfig _referenceConfig;
    private readonly Dictionary<string, double[]> _referenceWeights;
    private readonly double[] _referenceInput;
    private readonly GeneratedForward.Run _generated;

    public ModelUnderTest(GridPoint point)
    {
        _point = point;
        _runtime = RnnModel.Load(point.SafetensorsPath);
        RnnArchitecture a = _runtime.Architecture;
        if (a.InputSize != point.InputSize || a.HiddenSize != point.HiddenSize || a.NumLayers != point.NumLayers || a.Bidirectional != point.Bidirectional || a.Cell != point.Cell)
        {
            throw new InvalidOperationException($"{point.SafetensorsPath} holds {a}, not the grid point {point.Description}.");
        }

        var random = new Random(20261128);
        _input = new float[point.Batch * point.SeqLen * point.InputSize];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _output = new float[point.Batch * point.SeqLen * a.OutputSize];
        _hN = new float[a.StateRows * point.Batch * a.StateSize];
        _cN = a.Cell == RnnCell.Lstm ? new float[a.StateRows * point.Batch * a.HiddenSize] : [];
        OnnxCN = a.Cell == RnnCell.Lstm ? new float[_cN.Length] : null;
        Onnx = new OnnxRunner(point, _input, OnnxOutput = new float[_output.Length], OnnxHN = new float[_hN.Length], OnnxCN);

        ReferenceCell cell = a.Cell switch { RnnCell.Lstm => ReferenceCell.Lstm, RnnCell.Gru => ReferenceCell.Gru, _ => ReferenceCell.Rnn };
        _referenceConfig = new ReferenceConfig(cell, a.InputSize, a.HiddenSize, a.NumLayers, a.Bidirectional, a.Bias, a.Nonlinearity == RnnNonlinearity.Relu, a.ProjSize);
        _referenceWeights = _runtime.StateDict.ToDictionary(p => p.Key, p => Array.ConvertAll(p.Value.Data, v => (double)v));
        _referenceInput = Array.ConvertAll(_input, v => (double)v);

        Onnx.Run();
        RunRuntimeSized();
        RequireAgreement("runtime-sized output", _output, OnnxOutput);
        RequireAgreement("runtime-sized h_n", _hN, OnnxHN);
        _generated = GeneratedForward.For(point, _runtime);
        Array.Clear(_output);
        Array.Clear(_hN);
        RunGenerated();
        RequireAgreement("generated output", _output, OnnxOutput);
        RequireAgreement("generated h_n", _hN, OnnxHN);
        if (OnnxCN is not null)
        {
            RequireAgreement("generated c_n", _cN, OnnxCN);
        }
        if (OnnxCN is not null)
        {
            RequireAgreement("runtime-sized c_n", _cN, OnnxCN);
        }
    }

    public OnnxRunner Onnx { get; }

    public float[] OnnxOutput { get; }

    public float[] OnnxHN { get; }

    public float[]? OnnxCN { get; }

    public void RunRuntimeSized()
    {
        if (_cN.Length > 0)
        {
            _runtime.Forward(_input, _output, _hN, _cN, _point.Batch, _point.SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
        else
        {
            _runtime.Forward(_input, _output, _hN, _point.Batch, _point.SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
    }

    /// <summary>The declared model's forward pass (its generated kernels).</summary>
    public void RunGenerated() => _generated(_input, _output, _hN, _cN, _point.Batch, _point.SeqLen, _workspace);

    public NaiveRecurrentReference.Result RunNaive()
        => NaiveRecurrentReference.Forward(_referenceConfig, _referenceWeights, _referenceInput, _point.Batch, _point.SeqLen, batchFirst: true);

    /// <summary>Throws unless every element of <paramref name="actual"/> is within <see cref="Agreement"/> of ONNX Runtime's.</summary>
    public void RequireAgreement(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> onnx)
    {
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - onnx[i]));
        }

        if (!(worst <= Agreement))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{_point.Name}: HighPerfRnn {what} differs from ONNX Runtime's by {worst:E2} (> {Agreement:E0}). Not timing a wrong answer."));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// {_point.Name}: {what} agrees with ONNX Runtime within {worst:E2}"));
    }

    public void Dispose() => Onnx.Dispose();
}
