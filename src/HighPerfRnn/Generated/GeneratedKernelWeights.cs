using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HighPerfRnn.Kernels;
using HighPerfRnn.Runtime;

namespace HighPerfRnn.Generated;

/// <summary>
/// A model's packed weights as the whole-model kernels the source generator emits read them: a reference to the first
/// float of each matrix and bias of each layer and direction, in packed layout version <see cref="Packing.PackedLayout.Version"/>
/// for <see cref="PanelWidth"/>-float panels. The generated type takes this once, when it is built, and addresses the
/// weights at constant offsets from then on: no spans to build, no bounds to check per call.
/// </summary>
/// <remarks>
/// Sound because the sizes are fixed: a declared type wraps only a model of its declared architecture (checked when it is
/// built, with <see cref="Packing.PackedLayout.Require"/> for the layout), so for a given panel width every matrix has the size the
/// generator computed from the declaration. The buffers are pinned for the model's lifetime (the pinned object heap), and
/// this object keeps the model alive. Read only: the references are <c>ref readonly</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedKernelWeights
{
    /// <summary>Per layer and direction, the addresses of its five buffers, in the order of the slots below.</summary>
    private const int Slots = 5;
    private const int InputSlot = 0, RecurrentSlot = 1, ProjectionBiasSlot = 2, RecurrentBiasSlot = 3, ProjectionSlot = 4;

    /// <summary>
    /// The buffers' addresses (0 for an absent W_hr). A kernel's weights are two dependent loads away (this array, then
    /// the address), where following the objects (the layer list, the layer, its matrix, the matrix's buffer, its array)
    /// took five: on the critical path of a small step, whose every FMA waits for its weights' address (measured: the
    /// declared LSTM 32 Step spent a tenth of its input product's samples on those loads).
    /// </summary>
    private readonly nint[] _addresses;
    private readonly int _directions;

    internal unsafe GeneratedKernelWeights(RnnModel model)
    {
        Model = model;
        RnnArchitecture architecture = model.Architecture;
        _directions = architecture.NumDirections;
        _addresses = new nint[architecture.NumLayers * _directions * Slots];
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            for (int direction = 0; direction < _directions; direction++)
            {
                // Every buffer is pinned (packed matrices and biases live on the pinned object heap) and the model,
                // which this object keeps alive, holds them: the addresses stay valid for this object's lifetime.
                PackedLayerDirection weights = model.Layer(layer, direction);
                int first = ((layer * _directions) + direction) * Slots;
                _addresses[first + InputSlot] = (nint)Unsafe.AsPointer(ref weights.InputWeights.First);
                _addresses[first + RecurrentSlot] = (nint)Unsafe.AsPointer(ref weights.RecurrentWeights.First);
                _addresses[first + ProjectionBiasSlot] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(weights.ProjectionBias));
                _addresses[first + RecurrentBiasSlot] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(weights.RecurrentBias));
                _addresses[first + ProjectionSlot] = weights.ProjectionWeights is { } projection ? (nint)Unsafe.AsPointer(ref projection.First) : 0;
            }
        }

        PanelWidth = model.Layer(0, 0).RecurrentWeights.PanelWidth;
    }

    /// <summary>The model whose weights these are.</summary>
    public RnnModel Model { get; }

    /// <summary>Floats per panel (16, 8, 4 or 1): the SIMD path the weights were packed for.</summary>
    public int PanelWidth { get; }

    /// <summary>W_ih of a layer and direction: gates × hidden rows (each gate block padded to whole panels) by the layer's input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly float InputWeights(int layer, int direction = 0) => ref At(layer, direction, InputSlot);

    /// <summary>W_hh: gates × hidden rows (padded as W_ih) by the state size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly float RecurrentWeights(int layer, int direction = 0) => ref At(layer, direction, RecurrentSlot);

    /// <summary>The input projection's bias in the padded gate rows (b_ih + b_hh; the GRU's n rows b_in alone).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly float ProjectionBias(int layer, int direction = 0) => ref At(layer, direction, ProjectionBiasSlot);

    /// <summary>GRU: b_hn on the n rows, zeros elsewhere (padded gate rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly float RecurrentBias(int layer, int direction = 0) => ref At(layer, direction, RecurrentBiasSlot);

    /// <summary>LSTM with proj_size: W_hr, proj_size rows (padded to whole panels) by hidden; a null reference otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly float ProjectionWeights(int layer, int direction = 0) => ref At(layer, direction, ProjectionSlot);

    /// <summary>
    /// The input product of a whole sequence of one layer and direction, as the runtime's pass makes it:
    /// <paramref name="preactivations"/> row t = the projection bias + W_ih·(<paramref name="input"/> row t), for t &lt;
    /// <paramref name="rows"/>, input rows <paramref name="inputStride"/> floats apart, pre-activation rows the padded gate
    /// rows (gates × hidden padded to whole panels) apart. One product over all the rows, W_ih read once for the sequence:
    /// the whole-model Forward of a declared model whose layers' W_ih would not fit L1 beside W_hh runs its time loop on these
    /// rows. The same sums as the generated step's input product (the one order of docs/numerics.md).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The layer or direction is not the model's, the rows negative, or the stride shorter than the layer's input.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the rows need.</exception>
    public void ProjectInputs(int layer, int direction, ReadOnlySpan<float> input, int inputStride, int rows, Span<float> preactivations)
    {
        if ((uint)layer >= (uint)Model.Architecture.NumLayers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer must be between 0 and {Model.Architecture.NumLayers - 1}.");
        }

        if ((uint)direction >= (uint)_directions)
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, $"direction must be between 0 and {_directions - 1}.");
        }

        PackedLayerDirection weights = Model.Layer(layer, direction);
        int columns = weights.InputWeights.Columns;
        int rowFloats = weights.InputWeights.PaddedRows;
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (inputStride < columns)
        {
            throw new ArgumentOutOfRangeException(nameof(inputStride), inputStride, $"inputStride must be at least layer {layer}'s input size, {columns}.");
        }

        long inputFloats = rows == 0 ? 0 : ((long)(rows - 1) * inputStride) + columns;
        if (input.Length < inputFloats)
        {
            throw new ArgumentException($"input holds {input.Length} floats; {rows} rows {inputStride} apart of {columns} need {inputFloats}.", nameof(input));
        }

        if (preactivations.Length < (long)rows * rowFloats)
        {
            throw new ArgumentException($"preactivations holds {preactivations.Length} floats; {rows} rows of {rowFloats} (gates × hidden padded to {weights.InputWeights.PanelWidth}-float panels) need {(long)rows * rowFloats}.", nameof(preactivations));
        }

        PackedGemm.MultiplyAdd(Model.SimdPath, input, inputStride, rows, weights.InputWeights, weights.ProjectionBias, 0, preactivations, rowFloats);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe ref float At(int layer, int direction, int slot) => ref Unsafe.AsRef<float>((void*)_addresses[(((layer * _directions) + direction) * Slots) + slot]);
}
