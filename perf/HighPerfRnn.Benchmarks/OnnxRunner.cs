using Microsoft.ML.OnnxRuntime;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// ONNX Runtime on one thread (CPU execution provider, IntraOpNumThreads = 1), running a PyTorch-exported model with
/// input and output buffers bound once, so each run measures inference and not tensor allocation.
/// </summary>
public sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames = ["input"];
    private readonly string[] _outputNames;

    public OnnxRunner(GridPoint point, float[] input, float[] output, float[] hN, float[]? cN)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(point.OnnxPath, options);
        long[] stateShape = [point.NumLayers * point.Directions, point.Batch, point.HiddenSize];
        _input = OrtValue.CreateTensorValueFromMemory(input, [point.Batch, point.SeqLen, point.InputSize]);
        _inputs = [_input];
        var outputs = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(output, [point.Batch, point.SeqLen, point.Directions * point.HiddenSize]),
            OrtValue.CreateTensorValueFromMemory(hN, stateShape),
        };
        var names = new List<string> { "output", "h_n" };
        if (cN is not null)
        {
            outputs.Add(OrtValue.CreateTensorValueFromMemory(cN, stateShape));
            names.Add("c_n");
        }

        _outputs = [.. outputs];
        _outputNames = [.. names];
    }

    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _input.Dispose();
        foreach (OrtValue value in _outputs)
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }
}
