using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    private readonly PackedLayerDirection[] _layers;
    private readonly int _directions;

    internal GeneratedKernelWeights(RnnModel model)
    {
        Model = model;
        RnnArchitecture architecture = model.Architecture;
        _directions = architecture.NumDirections;
        _layers = new PackedLayerDirection[architecture.NumLayers * _directions];
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            for (int direction = 0; direction < _directions; direction++)
            {
                _layers[(layer * _directions) + direction] = model.Layer(layer, direction);
            }
        }

        PanelWidth = _layers[0].RecurrentWeights.PanelWidth;
    }

    /// <summary>The model whose weights these are.</summary>
    public RnnModel Model { get; }

    /// <summary>Floats per panel (16, 8, 4 or 1): the SIMD path the weights were packed for.</summary>
    public int PanelWidth { get; }

    /// <summary>W_ih of a layer and direction: gates × hidden rows (each gate block padded to whole panels) by the layer's input.</summary>
    public ref readonly float InputWeights(int layer, int direction = 0) => ref Of(layer, direction).InputWeights.First;

    /// <summary>W_hh: gates × hidden rows (padded as W_ih) by the state size.</summary>
    public ref readonly float RecurrentWeights(int layer, int direction = 0) => ref Of(layer, direction).RecurrentWeights.First;

    /// <summary>The input projection's bias in the padded gate rows (b_ih + b_hh; the GRU's n rows b_in alone).</summary>
    public ref readonly float ProjectionBias(int layer, int direction = 0) => ref MemoryMarshal.GetArrayDataReference(Of(layer, direction).ProjectionBias);

    /// <summary>GRU: b_hn on the n rows, zeros elsewhere (padded gate rows).</summary>
    public ref readonly float RecurrentBias(int layer, int direction = 0) => ref MemoryMarshal.GetArrayDataReference(Of(layer, direction).RecurrentBias);

    /// <summary>LSTM with proj_size: W_hr, proj_size rows (padded to whole panels) by hidden; a null reference otherwise.</summary>
    public ref readonly float ProjectionWeights(int layer, int direction = 0)
        => ref Of(layer, direction).ProjectionWeights is { } projection ? ref projection.First : ref Unsafe.NullRef<float>();

    private PackedLayerDirection Of(int layer, int direction) => _layers[(layer * _directions) + direction];
}
