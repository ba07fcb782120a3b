using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// Issue 7: do subnormal (denormal) numbers slow a step down? One streaming step (batch 1, input = hidden), in three
/// regimes of the same shape: normal values (PyTorch's initialization, inputs and state in ±1); subnormal inputs and
/// state (|x|, |h| ~ 1e-39, bias-free weights of normal size, so every product and pre-activation is subnormal and
/// stays so from step to step); subnormal weights (|w| ~ 1e-39, normal inputs). The Ratio column is the slowdown;
/// the bar is 2×. x86 CPUs without flush-to-zero (.NET never sets FTZ/DAZ) take microcode assists on
/// subnormal operands or results on many Intel cores; AMD Zen handles most in hardware.
/// </summary>
/// <remarks>
/// dotnet run -c Release --project perf/HighPerfRnn.Benchmarks -- --filter *Denormal* (add --quick for a short run).
/// </remarks>
[MemoryDiagnoser]
public class DenormalBenchmarks
{
    private readonly RnnWorkspace _workspace = new();
    private Regime _normal = null!;
    private Regime _subnormalInputs = null!;
    private Regime _subnormalWeights = null!;

    [Params(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(32, 256)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _normal = new Regime(Cell, Hidden, bias: true, weightScale: 1f, inputScale: 1f, stateScale: 0.5f);
        _subnormalInputs = new Regime(Cell, Hidden, bias: false, weightScale: 1f, inputScale: 1e-39f, stateScale: 1e-39f);
        _subnormalWeights = new Regime(Cell, Hidden, bias: false, weightScale: 1e-39f, inputScale: 1f, stateScale: 1e-39f);
    }

    [Benchmark(Baseline = true, Description = "normal values")]
    public void Normal() => _normal.Step(_workspace);

    [Benchmark(Description = "subnormal inputs and state")]
    public void SubnormalInputsAndState() => _subnormalInputs.Step(_workspace);

    [Benchmark(Description = "subnormal weights")]
    public void SubnormalWeights() => _subnormalWeights.Step(_workspace);

    /// <summary>A model and the buffers of one streaming regime.</summary>
    private sealed class Regime
    {
        private readonly RnnModel _model;
        private readonly float[] _input;
        private readonly float[] _state;
        private readonly float[] _cell;
        private readonly float[] _output;

        public Regime(RnnCell cell, int hidden, bool bias, float weightScale, float inputScale, float stateScale)
        {
            var architecture = new RnnArchitecture(cell, hidden, hidden, bias: bias);
            var weights = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
            foreach ((string name, FloatTensor tensor) in RnnModel.CreateRandom(architecture, seed: 3).StateDict)
            {
                weights[name] = new FloatTensor(tensor.Data.Select(v => v * weightScale).ToArray(), tensor.Shape.ToArray());
            }

            _model = RnnModel.FromStateDict(architecture, weights);
            var random = new Random(1);
            _input = Enumerable.Range(0, hidden).Select(_ => (float)((random.NextDouble() * 2) - 1) * inputScale).ToArray();
            _state = Enumerable.Range(0, hidden).Select(_ => (float)((random.NextDouble() * 2) - 1) * stateScale).ToArray();
            _cell = (float[])_state.Clone();
            _output = new float[hidden];
        }

        public void Step(RnnWorkspace workspace)
        {
            if (_model.Architecture.Cell == RnnCell.Lstm)
            {
                _model.Step(_input, _state, _cell, _output, 1, workspace);
            }
            else
            {
                _model.Step(_input, _state, _output, 1, workspace);
            }
        }
    }
}
