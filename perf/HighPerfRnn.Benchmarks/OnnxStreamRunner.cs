using Microsoft.ML.OnnxRuntime;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// ONNX Runtime serving many streams the way its stateless design asks: one <c>Run</c> per stream per tick, the
/// stream's state passed in and taken out. Every tensor is bound once to memory of its own (ping-pong state buffers:
/// a tick reads one and writes the other), so a tick measures the runs and nothing else. One thread.
/// </summary>
public sealed class OnnxStreamRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <summary>[parity][stream]: the run's inputs (X, h, c) and outputs (Y, h', c') when the state is in buffer <c>parity</c>.</summary>
    private readonly OrtValue[][][] _inputs;
    private readonly OrtValue[][][] _outputs;

    /// <summary>[parity]: every stream's h (and c), streams × hidden.</summary>
    private readonly float[][] _hidden;
    private readonly float[][] _cell;
    private readonly int _hiddenSize;
    private int _parity;

    public OnnxStreamRunner(RnnModel model, int streams, float[] input, float[] output)
    {
        RnnArchitecture a = model.Architecture;
        bool lstm = a.Cell == RnnCell.Lstm;
        _hiddenSize = a.HiddenSize;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(OnnxStreamingModel.Build(model), options);
        _inputNames = lstm ? ["X", "initial_h", "initial_c"] : ["X", "initial_h"];
        _outputNames = lstm ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
        _hidden = [new float[streams * _hiddenSize], new float[streams * _hiddenSize]];
        _cell = [new float[streams * _hiddenSize], new float[streams * _hiddenSize]];
        _inputs = new OrtValue[2][][];
        _outputs = new OrtValue[2][][];
        OrtMemoryInfo cpu = OrtMemoryInfo.DefaultInstance;
        long[] stateShape = [1, 1, _hiddenSize];
        for (int parity = 0; parity < 2; parity++)
        {
            _inputs[parity] = new OrtValue[streams][];
            _outputs[parity] = new OrtValue[streams][];
            for (int s = 0; s < streams; s++)
            {
                Memory<float> State(float[][] buffers, int which) => buffers[which].AsMemory(s * _hiddenSize, _hiddenSize);
                OrtValue x = OrtValue.CreateTensorValueFromMemory(cpu, input.AsMemory(s * a.InputSize, a.InputSize), [1, 1, a.InputSize]);
                OrtValue y = OrtValue.CreateTensorValueFromMemory(cpu, output.AsMemory(s * _hiddenSize, _hiddenSize), [1, 1, 1, _hiddenSize]);
                OrtValue hIn = OrtValue.CreateTensorValueFromMemory(cpu, State(_hidden, parity), stateShape);
                OrtValue hOut = OrtValue.CreateTensorValueFromMemory(cpu, State(_hidden, 1 - parity), stateShape);
                if (lstm)
                {
                    OrtValue cIn = OrtValue.CreateTensorValueFromMemory(cpu, State(_cell, parity), stateShape);
                    OrtValue cOut = OrtValue.CreateTensorValueFromMemory(cpu, State(_cell, 1 - parity), stateShape);
                    _inputs[parity][s] = [x, hIn, cIn];
                    _outputs[parity][s] = [y, hOut, cOut];
                }
                else
                {
                    _inputs[parity][s] = [x, hIn];
                    _outputs[parity][s] = [y, hOut];
                }
            }
        }
    }

    /// <summary>One tick: every stream's Run, its state in and out.</summary>
    public void Tick()
    {
        OrtValue[][] inputs = _inputs[_parity];
        OrtValue[][] outputs = _outputs[_parity];
        for (int s = 0; s < inputs.Length; s++)
        {
            _session.Run(_runOptions, _inputNames, inputs[s], _outputNames, outputs[s]);
        }

        _parity = 1 - _parity;
    }

    /// <summary>A stream's h now (after the last tick).</summary>
    public ReadOnlySpan<float> Hidden(int stream) => _hidden[_parity].AsSpan(stream * _hiddenSize, _hiddenSize);

    public void Dispose()
    {
        foreach (OrtValue value in _inputs.Concat(_outputs).SelectMany(p => p).SelectMany(v => v))
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }
}
