using HighPerfRnn.Loading;
using HighPerfRnn.Planning;
using HighPerfRnn.Runtime;

namespace HighPerfRnn;

/// <summary>
/// A recurrent model (PyTorch's <c>nn.RNN</c>, <c>nn.LSTM</c> with optional <c>proj_size</c>, or <c>nn.GRU</c>) of any shape, decided at run time, with its weights
/// packed for this CPU's SIMD kernels. Immutable once built and safe to share between threads; each thread brings
/// its own <see cref="RnnWorkspace"/> (or uses the overloads that keep one per thread).
/// </summary>
public sealed partial class RnnModel
{
    private readonly PackedLayerDirection[] _layers;
    private readonly Dictionary<string, FloatTensor> _stateDict;

    /// <summary>Step's fast path for one-layer unidirectional models at batch 1 (null for other shapes).</summary>
    private readonly SingleLayerStep? _singleLayerStep;

    /// <summary>The batch-1 streaming step of a one-layer unidirectional model without projection, or null.</summary>
    internal SingleLayerStep? SingleLayer => _singleLayerStep;

    /// <summary>
    /// The execution plans, made once here: [call × 2 × batch classes + declared × batch classes + batch class]. Calls
    /// only index into it, so planning costs nothing per call.
    /// </summary>
    private readonly ExecutionPlan[] _plans;

    private RnnModel(RnnArchitecture architecture, Dictionary<string, FloatTensor> stateDict, SimdPath requested)
    {
        Architecture = architecture;
        SimdPath path = ExecutionPlanner.ChooseSimdPath(architecture, requested, SimdPaths.Best, SimdPaths.IsForcedByEnvironment, out string simdReason);
        SimdPath = path;
        _stateDict = stateDict;
        int panelWidth = SimdPaths.LaneCount(path);
        _layers = new PackedLayerDirection[architecture.NumLayers * architecture.NumDirections];
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            for (int direction = 0; direction < architecture.NumDirections; direction++)
            {
                _layers[(layer * architecture.NumDirections) + direction] = PackedLayerDirection.Pack(architecture, stateDict, layer, direction, panelWidth);
            }
        }

        _plans = new ExecutionPlan[2 * 2 * ExecutionPlanner.BatchClasses];
        foreach (RnnCall call in (ReadOnlySpan<RnnCall>)[RnnCall.Forward, RnnCall.Step])
        {
            for (int declared = 0; declared < 2; declared++)
            {
                for (int batchClass = 0; batchClass < ExecutionPlanner.BatchClasses; batchClass++)
                {
                    _plans[PlanIndex(call, declared == 1, batchClass)] = ExecutionPlanner.Plan(architecture, path, simdReason, call, batchClass, declared == 1);
                }
            }
        }

        _singleLayerStep = SingleLayerStep.For(this);
    }

    /// <summary>The model's shape and options.</summary>
    public RnnArchitecture Architecture { get; }

    /// <summary>
    /// The instruction-set path the weights are packed for and the kernels run on: the one requested in the load
    /// options, else the one the planner chose for this CPU and hidden size (see <see cref="DescribePlan"/>).
    /// </summary>
    public SimdPath SimdPath { get; }

    /// <summary>
    /// What runs when this model is called: the kernel of every layer, its panel order and direction interleaving, and
    /// why, for <paramref name="call"/> at <paramref name="batch"/> sequences or streams. Made once per model; no call
    /// decides anything else. <paramref name="declared"/> asks for the plan of a declared (<c>[RnnModel]</c>) type
    /// wrapping this model, whose generated kernels are candidates.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive, or <paramref name="call"/> is unknown.</exception>
    public ExecutionPlan DescribePlan(RnnCall call, int batch = 1, bool declared = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (call is not (RnnCall.Forward or RnnCall.Step))
        {
            throw new ArgumentOutOfRangeException(nameof(call), call, "Expected RnnCall.Forward or RnnCall.Step.");
        }

        return Plan(call, batch, declared);
    }

    /// <summary>The cached plan of a call (no checks: the callers validated batch).</summary>
    internal ExecutionPlan Plan(RnnCall call, int batch, bool declared) => _plans[PlanIndex(call, declared, ExecutionPlanner.BatchClass(batch))];

    /// <summary>
    /// The plan a driver executes: the call's plan, or where that is the generated whole-model kernel (which runs in the
    /// declared type and reaches the driver only when it declined a call: ragged lengths, or spans the runtime will report),
    /// the runtime-sized model's plan for the same call.
    /// </summary>
    internal ExecutionPlan DriverPlan(RnnCall call, int batch, bool declared)
    {
        ExecutionPlan plan = Plan(call, batch, declared);
        return plan.WholeModel ? Plan(call, batch, declared: false) : plan;
    }

    /// <summary>
    /// The largest batch whose <paramref name="call"/> the plans run row by row (<see cref="ExecutionPlan.RunsRowByRow"/>),
    /// from batch 2 up through the batch classes; 1 where none does. Read once where a fast path is built.
    /// </summary>
    internal int RowByRowUpToBatch(RnnCall call, bool declared)
    {
        int upTo = 1;
        while (upTo < int.MaxValue && Plan(call, upTo + 1, declared) is { RunsRowByRow: true } plan)
        {
            upTo = plan.MaxBatch;
        }

        return upTo;
    }

    private static int PlanIndex(RnnCall call, bool declared, int batchClass)
        => ((((int)call * 2) + (declared ? 1 : 0)) * ExecutionPlanner.BatchClasses) + batchClass;

    /// <summary>The weights with PyTorch's names and shapes (a copy of what the model was built from).</summary>
    public IReadOnlyDictionary<string, FloatTensor> StateDict => _stateDict;

    /// <summary>
    /// Builds a model from a <c>state_dict</c> in memory, reading the architecture off the tensors' names and shapes.
    /// </summary>
    /// <exception cref="ModelWeightsException">The tensors do not form a recurrent model; the message names the tensor and the mismatch.</exception>
    public static RnnModel FromStateDict(IReadOnlyDictionary<string, FloatTensor> stateDict, RnnLoadOptions? options = null)
        => FromStateDict(stateDict, metadata: null, options ?? new RnnLoadOptions());

    /// <summary>
    /// Builds a model of the given architecture from a <c>state_dict</c> in memory, checking that every tensor
    /// is there with PyTorch's shape and that there are no others.
    /// </summary>
    /// <exception cref="ModelWeightsException">A tensor is missing, unexpected or of the wrong shape.</exception>
    public static RnnModel FromStateDict(RnnArchitecture architecture, IReadOnlyDictionary<string, FloatTensor> stateDict, SimdPath simdPath = SimdPath.Auto)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(stateDict);
        SimdPath path = Requested(simdPath);
        StateDictValidator.Validate(architecture, stateDict);
        return new RnnModel(architecture, CopyStateDict(stateDict), path);
    }

    /// <summary>
    /// A model with random weights drawn as PyTorch initializes them: every weight and bias uniform in
    /// [-1/√hidden, 1/√hidden]. The same seed gives the same weights on every machine.
    /// </summary>
    public static RnnModel CreateRandom(RnnArchitecture architecture, int seed, SimdPath simdPath = SimdPath.Auto)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var random = new Random(seed);
        float bound = 1f / MathF.Sqrt(architecture.HiddenSize);
        var stateDict = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in StateDictNames.Expected(architecture))
        {
            int count = 1;
            foreach (int dimension in shape)
            {
                count = checked(count * dimension);
            }

            var values = new float[count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(((random.NextDouble() * 2.0) - 1.0) * bound);
            }

            stateDict[name] = new FloatTensor(values, shape);
        }

        return new RnnModel(architecture, stateDict, Requested(simdPath));
    }

    /// <summary>
    /// Like <see cref="FromStateDict(RnnArchitecture, IReadOnlyDictionary{string, FloatTensor}, SimdPath)"/>, but runs
    /// <paramref name="path"/> even where the CPU lacks it (.NET then emulates the vectors in software: correct, slow),
    /// so tests can check every path's logic on any machine.
    /// </summary>
    internal static RnnModel FromStateDictOnAnyPath(RnnArchitecture architecture, IReadOnlyDictionary<string, FloatTensor> stateDict, SimdPath path)
    {
        StateDictValidator.Validate(architecture, stateDict);
        return new RnnModel(architecture, CopyStateDict(stateDict), path);
    }

    /// <summary>A path asked for by a caller: Auto stays Auto (the planner chooses at construction), any other must run here.</summary>
    private static SimdPath Requested(SimdPath simdPath) => simdPath == SimdPath.Auto ? SimdPath.Auto : SimdPaths.Resolve(simdPath);

    internal PackedLayerDirection Layer(int layer, int direction) => _layers[(layer * Architecture.NumDirections) + direction];

    /// <summary>The packed weights as the generated whole-model kernels address them (made once per call of this; the declared type keeps it).</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public Generated.GeneratedKernelWeights GetGeneratedKernelWeights() => new(this);

    internal static RnnModel FromStateDict(IReadOnlyDictionary<string, FloatTensor> stateDict, IReadOnlyDictionary<string, string>? metadata, RnnLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyDictionary<string, FloatTensor> layerTensors = StripPrefix(stateDict, options.TensorPrefix);
        RnnArchitecture architecture = ArchitectureInference.Infer(layerTensors, metadata, options.Nonlinearity);
        return FromStateDict(architecture, layerTensors, options.SimdPath);
    }

    private static IReadOnlyDictionary<string, FloatTensor> StripPrefix(IReadOnlyDictionary<string, FloatTensor> stateDict, string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return stateDict;
        }

        var stripped = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach ((string name, FloatTensor tensor) in stateDict)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                stripped[name[prefix.Length..]] = tensor;
            }
        }

        return stripped;
    }

    private static Dictionary<string, FloatTensor> CopyStateDict(IReadOnlyDictionary<string, FloatTensor> stateDict)
    {
        var copy = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach ((string name, FloatTensor tensor) in stateDict)
        {
            copy[name] = new FloatTensor((float[])tensor.Data.Clone(), tensor.Shape.ToArray());
        }

        return copy;
    }
}
