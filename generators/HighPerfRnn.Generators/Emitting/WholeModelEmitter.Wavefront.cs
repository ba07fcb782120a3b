using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// The whole-model <c>Forward</c> of a unidirectional model at batch 1: its layers as a wavefront. Wave w runs layer 0's
/// step t = w, layer 1's step w − 1, …, layer l's step w − l: each layer's step reads the layer below's output from the
/// wave before, so within a wave the layers' steps are independent dependency chains, which the CPU overlaps (as a
/// bidirectional layer's two directions). Run layer by layer, a stack of L layers waits L chains per time step; as a
/// wavefront about one, where the arithmetic allows.
/// </summary>
/// <remarks>
/// Each step is the one the layer-by-layer order computes (the input product onto the bias, the recurrent product onto
/// that, the same gates), so the bits are the runtime-sized model's; only independent steps change places. A layer below
/// the last keeps its two latest outputs in a ring of two rows (step t writes row t % 2 while the layer above reads
/// row (t − 1) % 2), so no sequence is held and any length runs here.
/// </remarks>
internal static partial class WholeModelEmitter
{
    /// <summary>
    /// The whole-model <c>Forward</c> of a unidirectional model: its entry points (<c>TryForward</c>, <c>TryForwardRows</c>),
    /// checks and dispatch, and per width the time loop: the layers as a wavefront, or, where a wave would read more
    /// weights than L1 holds, one layer after the other (<see cref="ForwardRunsLayerByLayer"/>, WholeModelEmitter.LayerByLayer.cs).
    /// </summary>
    private static void EmitUnidirectionalForward(IndentedWriter writer, RnnModelDeclaration model, string kernel, (string Method, int PanelWidth, SimdFlavor Flavor)[] widths, int gates)
    {
        bool lstm = model.Cell == "Lstm";
        bool projects = ForwardProjectsInputs(model);
        bool layerByLayer = ForwardRunsLayerByLayer(model);
        string cellParameters = ForwardCellParameters(lstm);
        string order = projects
            ? "The layers run one after the other, each over the whole sequence, in the output rows: first the input product of all its\n/// rows (pre-activation rows in <paramref name=\"workspace\"/>, the thread's when null), then its time loop on them."
            : !layerByLayer
            ? "The layers run as a wavefront."
            : "The layers run one after the other, each over the whole sequence, in the output rows.";
        if (projects)
        {
            EmitProjectedConstants(writer, model, gates);
        }

        writer.Line($$"""
            /// <summary>
            /// Forward at batch 1 (any layout: one sequence's rows are the same memory in each) when <paramref name="weights"/> is given and
            /// the spans are what the runtime's Forward accepts; false, with nothing touched, otherwise (the runtime then runs, and names
            /// any argument at fault). {{order}} h0 may be h_n itself{{(lstm ? " (c0 may be c_n)" : string.Empty)}}; without h0 each layer's first step
            /// has no recurrent product, as the runtime's.
            /// </summary>
            public static bool TryForward(
                global::HighPerfRnn.Generated.GeneratedKernelWeights? weights, ReadOnlySpan<float> input, Span<float> output, Span<float> hN,{{cellParameters}} int seqLen, global::HighPerfRnn.SequenceLayout layout, ReadOnlySpan<float> h0{{(projects ? ", global::HighPerfRnn.RnnWorkspace? workspace" : string.Empty)}})
            {
                if (weights is null || !AcceptsForward(input, output, hN, batch: 1, seqLen, layout, h0){{(projects ? ProjectedLengthLine : string.Empty)}})
                {
                    return false;
                }

            """);
        if (lstm)
        {
            EmitForwardCells(writer);
        }

        string cells = lstm ? "MemoryMarshal.GetReference(cells)" : "Unsafe.NullRef<float>()";
        if (projects)
        {
            EmitProjectedUnidirectionalCall(writer, cells);
            EmitTryForwardRows(writer, lstm, ring: false, projects: true);
            EmitForwardChecks(writer, lstm);
            EmitForwardDispatch(writer, widths, "preactivations", timeStrides: true);
            foreach ((string method, int panelWidth, _) in widths)
            {
                EmitProjectedForwardMethod(writer, model, kernel, method, panelWidth, gates);
            }

            return;
        }

        if (layerByLayer)
        {
            writer.Line($$"""
                    // Layer l's h0 row is read by its first step and its h_n row written after its last, so h0 may be h_n itself.
                    RunForward(weights, ref MemoryMarshal.GetReference(input), InputSize, seqLen, ref MemoryMarshal.GetReference(output), OutputSize, ref MemoryMarshal.GetReference(hN),
                        ref {{cells}}, ref MemoryMarshal.GetReference(h0), !h0.IsEmpty);
                    return true;
                }

                """);
            EmitTryForwardRows(writer, lstm, ring: false);
            EmitForwardChecks(writer, lstm);
            EmitForwardDispatch(writer, widths, sequenceScratch: null, timeStrides: true);
            foreach ((string method, int panelWidth, SimdFlavor flavor) in widths)
            {
                EmitLayerByLayerMethod(writer, model, kernel, method, panelWidth, flavor, gates);
            }

            return;
        }

        writer.Line($$"""
                // The layers below the last: their two latest outputs each (rows t % 2).
                Span<float> ring = {{AlignedStackalloc("RingFloats")}};

                // h0's rows are read by each layer's first step, h_n's written after the last wave, so h0 may be h_n itself.
                RunForward(weights, ref MemoryMarshal.GetReference(input), InputSize, seqLen, ref MemoryMarshal.GetReference(output), OutputSize, ref MemoryMarshal.GetReference(hN),
                    ref {{cells}}, ref MemoryMarshal.GetReference(h0), !h0.IsEmpty, ref MemoryMarshal.GetReference(ring));
                return true;
            }

            /// <summary>Floats of the ring: two rows of h for each layer below the last.</summary>
            private const int RingFloats = (NumLayers - 1) * 2 * StateSize;

            /// <summary>Where layer <paramref name="layer"/>'s h at time <paramref name="t"/> lives: the last layer's in the output row t (rows <paramref name="outputStride"/> floats apart), the others' in ring row t % 2.</summary>
            {{KernelPlan.InlinedKernelAttribute}}
            private static ref float LayerRow(ref float output, int outputStride, ref float ring, int layer, int t)
                => ref (layer == NumLayers - 1 ? ref Unsafe.Add(ref output, t * outputStride) : ref Unsafe.Add(ref ring, ((2 * layer) + (t & 1)) * StateSize));

            """);
        EmitTryForwardRows(writer, lstm, ring: true);
        EmitForwardChecks(writer, lstm);
        EmitForwardDispatch(writer, widths, "ring", timeStrides: true);
        foreach ((string method, int panelWidth, SimdFlavor flavor) in widths)
        {
            EmitWavefrontMethod(writer, model, kernel, method, panelWidth, flavor, gates);
        }
    }

    /// <summary>
    /// TryForwardRows: a Forward of several sequences, each through the batch-1 Forward in turn (with <paramref name="ring"/>, the
    /// wavefront's: its ring of the layers' latest rows on the stack), where the plan runs such a
    /// Forward row by row (ExecutionPlan.RunsRowByRow). A sequence's time steps lie a row apart in a batch-first batch and a
    /// batch apart in a time-major one (the strides); its h0, h_n, c0 and c_n rows lie a batch apart per layer, so they pass
    /// through rows of their own on the stack. With lengths (a ragged batch, also of one sequence) each sequence runs its
    /// own length and its output rows past it are cleared, as the runtime's ragged Forward.
    /// </summary>
    private static void EmitTryForwardRows(IndentedWriter writer, bool lstm, bool ring, bool projects = false)
    {
        string cellParameters = ForwardCellParameters(lstm);
        writer.Line($$"""
            /// <summary>
            /// Forward of <paramref name="batch"/> sequences, each through the Forward above in turn, where the plan runs a Forward of
            /// this batch row by row (a small model, whose pass over one sequence beats the runtime's product of all the rows per step).
            /// The spans are checked once for all rows, as the runtime's Forward checks them; false, with nothing touched, otherwise.
            /// With <paramref name="lengths"/> (one per sequence, each in [1, seqLen]; a batch of one too) sequence b runs its first
            /// lengths[b] steps, its output rows past them are zeros and its h_n is its own last step's.
            /// h0 may be h_n itself{{(lstm ? " (c0 may be c_n)" : string.Empty)}}: a sequence's rows of them are read before they are written, and no other's are touched.
            /// </summary>
            public static bool TryForwardRows(
                global::HighPerfRnn.Generated.GeneratedKernelWeights? weights, ReadOnlySpan<float> input, Span<float> output, Span<float> hN,{{cellParameters}} int batch, int seqLen, ReadOnlySpan<int> lengths, global::HighPerfRnn.SequenceLayout layout, ReadOnlySpan<float> h0{{(projects ? ", global::HighPerfRnn.RnnWorkspace? workspace" : string.Empty)}})
            {
                if ({{RowsRejected(lstm)}}{{(projects ? ProjectedLengthLine : string.Empty)}})
                {
                    return false;
                }{{(projects ? "\n\n    // One sequence's pre-activation rows (a layer's at a time), in the workspace.\n    Span<float> preactivations = global::HighPerfRnn.Generated.WorkspaceScratch.Rent(workspace, seqLen * PreactivationRowFloats);" : string.Empty)}}

                // One sequence's states: its row of each layer, gathered from h0{{(lstm ? " and c0" : string.Empty)}} and put back into h_n{{(lstm ? " and c_n" : string.Empty)}}
                // (one buffer for h0 and h_n: the Forward above reads h0 in each layer's first step and writes h_n after its last).
                Span<float> rowStates = {{AlignedStackalloc("StateRows * StateSize")}};{{(lstm ? $"\n    Span<float> rowCells = {AlignedStackalloc("StateRows * HiddenSize")};" : string.Empty)}}{{(ring ? $"\n    Span<float> ring = {AlignedStackalloc("RingFloats")};" : string.Empty)}}
                bool batchFirst = layout == global::HighPerfRnn.SequenceLayout.BatchFirst;
                int inputStride = batchFirst ? InputSize : batch * InputSize;
                int outputStride = batchFirst ? OutputSize : batch * OutputSize;
                for (int row = 0; row < batch; row++)
                {
            """);
        EmitGatherRowStates(writer, lstm);
        writer.Line($$"""

                    int inputStart = batchFirst ? row * seqLen * InputSize : row * InputSize;
                    int outputStart = batchFirst ? row * seqLen * OutputSize : row * OutputSize;
                    int length = lengths.IsEmpty ? seqLen : lengths[row];
                    RunForward(weights, ref Unsafe.Add(ref MemoryMarshal.GetReference(input), inputStart), inputStride, length, ref Unsafe.Add(ref MemoryMarshal.GetReference(output), outputStart), outputStride,
                        ref MemoryMarshal.GetReference(rowStates), ref {{(lstm ? "MemoryMarshal.GetReference(rowCells)" : "Unsafe.NullRef<float>()")}}, ref MemoryMarshal.GetReference(rowStates), !h0.IsEmpty{{(ring ? ", ref MemoryMarshal.GetReference(ring)" : projects ? ", ref MemoryMarshal.GetReference(preactivations)" : string.Empty)}});
            """);
        EmitScatterRowStates(writer, lstm);
        writer.Line("""

                    // A ragged sequence's output rows past its end: zeros.
                    for (int t = length; t < seqLen; t++)
                    {
                        output.Slice(outputStart + (t * outputStride), OutputSize).Clear();
                    }
                }

                return true;
            }

            """);
        EmitLengthsFit(writer);
    }

    /// <summary>The cell-state parameters of a whole-model Forward's entry points (TryForward, TryForwardRows): an LSTM's c_n, c0 and whether c_n is asked for; none for the other cells.</summary>
    private static string ForwardCellParameters(bool lstm) => lstm ? " Span<float> cN, ReadOnlySpan<float> c0, bool returnsCells," : string.Empty;

    /// <summary>
    /// A TryForwardRows' one check of all its rows, for either kind of model: when it declines (no weights, too few rows
    /// without lengths, spans the runtime's Forward would not accept, an LSTM's cells that do not fit, lengths out of range).
    /// </summary>
    private static string RowsRejected(bool lstm)
        => "weights is null || batch < (lengths.IsEmpty ? 2 : 1) || !AcceptsForward(input, output, hN, batch, seqLen, layout, h0)"
            + (lstm ? "\n        || (returnsCells ? !AcceptsCells(cN, c0, input, output, hN, h0, batch) : !c0.IsEmpty)" : string.Empty)
            + "\n        || (!lengths.IsEmpty && !LengthsFit(lengths, batch, seqLen, layout))";

    /// <summary>
    /// In a TryForwardRows' loop over the rows, for either kind of model: one sequence's states (its row of each layer and
    /// direction, a batch apart in h0 and c0) gathered into the stack rows rowStates and rowCells; without c0, zero cells.
    /// </summary>
    private static void EmitGatherRowStates(IndentedWriter writer, bool lstm)
    {
        writer.Line("""
                    for (int state = 0; state < StateRows; state++)
                    {
                        int stateRow = (state * batch) + row;
                        if (!h0.IsEmpty)
                        {
                            h0.Slice(stateRow * StateSize, StateSize).CopyTo(rowStates.Slice(state * StateSize, StateSize));
                        }
            """);
        if (lstm)
        {
            writer.Line("""

                        Span<float> c = rowCells.Slice(state * HiddenSize, HiddenSize);
                        if (c0.IsEmpty)
                        {
                            c.Clear();
                        }
                        else
                        {
                            c0.Slice(stateRow * HiddenSize, HiddenSize).CopyTo(c);
                        }
            """);
        }

        writer.Line("""
                    }
            """);
    }

    /// <summary>The rows <see cref="EmitGatherRowStates"/> gathered, after the sequence's Forward: put back into h_n (and c_n where asked for).</summary>
    private static void EmitScatterRowStates(IndentedWriter writer, bool lstm)
        => writer.Line($$"""
                    for (int state = 0; state < StateRows; state++)
                    {
                        int stateRow = (state * batch) + row;
                        rowStates.Slice(state * StateSize, StateSize).CopyTo(hN.Slice(stateRow * StateSize, StateSize));{{(lstm ? "\n            if (returnsCells)\n            {\n                rowCells.Slice(state * HiddenSize, HiddenSize).CopyTo(cN.Slice(stateRow * HiddenSize, HiddenSize));\n            }" : string.Empty)}}
                    }
            """);

    /// <summary>LengthsFit, for the TryForwardRows of either kind of model.</summary>
    private static void EmitLengthsFit(IndentedWriter writer)
        => writer.Line("""
            /// <summary>Whether the runtime's ragged Forward would accept these lengths (else it runs, and names the one at fault): one per sequence, each in [1, seqLen], a batched layout.</summary>
            private static bool LengthsFit(ReadOnlySpan<int> lengths, int batch, int seqLen, global::HighPerfRnn.SequenceLayout layout)
            {
                if (lengths.Length != batch || layout == global::HighPerfRnn.SequenceLayout.Unbatched)
                {
                    return false;
                }

                foreach (int length in lengths)
                {
                    if (length < 1 || length > seqLen)
                    {
                        return false;
                    }
                }

                return true;
            }

            """);

    private static void EmitWavefrontMethod(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, SimdFlavor flavor, int gates)
    {
        bool lstm = model.Cell == "Lstm";
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        bool pipelined = ElmanSumsInRegisters(model, layers.First) && (model.NumLayers == 1 || ElmanWaveInRegisters(model, layers));
        writer.Line();
        writer.Line(pipelined
            ? $"/// <summary>{Int(panelWidth)}-float panels: {(model.NumLayers > 1 ? "wave w runs layer l's step w − l for every layer, written out in the wave; " : "the time loop; ")}each step's sums in registers, layer 0's next input product ({ProductEmitter.Describe(layers.First)}) first, then <c>{method}RowOnSums</c> (WholeModelEmitter.ElmanPipeline.cs).</summary>"
            : model.NumLayers > 1
            ? $"/// <summary>{Int(panelWidth)}-float panels: wave w runs layer l's step w − l for every layer (<c>{LayerMethod(method, first: true)}</c>, <c>{LayerMethod(method, first: false)}</c>).</summary>"
            : $"/// <summary>{Int(panelWidth)}-float panels: the time loop, each step the input product ({ProductEmitter.Describe(layers.First)}) and <c>{method}Row{(layers.FirstOnSums ? "OnSums" : string.Empty)}</c>.</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void Forward{method.Substring("Step".Length)}(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, int inputStride, int seqLen, ref float output, int outputStride, ref float hN, ref float cN, ref float h0, bool hasH0, ref float ring)"))
        {
            if (pipelined)
            {
                // Elman layers whose sums fit the registers (WholeModelEmitter.ElmanPipeline.cs): a single layer's loop over
                // the sequence, as a stack's layer one after the other runs it; a stack's waves written out.
                EmitZeroRow(writer, model, gates, panelWidth);
                if (model.NumLayers == 1)
                {
                    writer.Line("const int layer = 0;");
                    EmitElmanLayerLoopOnSums(writer, model, kernel, method, layers.First, "xi", "inputStride");
                    writer.Line();
                    EmitLayerFinalState(writer);
                    return;
                }
                else
                {
                    EmitElmanWavefrontOnSums(writer, model, kernel, method, layers);
                }
            }
            else
            {
                EmitWaveLoop(writer, model, kernel, method, gates, panelWidth, layers, lstm);
            }

            writer.Line();
            using (writer.Block("for (int layer = 0; layer < NumLayers; layer++)"))
            {
                writer.Line("""
                    // h_n: each layer's output at the last time step.
                    MemoryMarshal.CreateReadOnlySpan(ref LayerRow(ref output, outputStride, ref ring, layer, seqLen - 1), StateSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hN, layer * StateSize), StateSize));
                    """);
            }
        }
    }

    /// <summary>The wave loop through the layers' step methods (or, for a single layer, its step written out): layer 0's step t = wave, then each later layer's t = wave − l.</summary>
    private static void EmitWaveLoop(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int gates, int panelWidth, LayerProducts layers, bool lstm)
    {
        bool hasQ = EmitScratchLocals(writer, model, gates, panelWidth, layers, zeros: true);
        using (writer.Block("for (int wave = 0; wave < seqLen + NumLayers - 1; wave++)"))
        {
            using (writer.Block("if (wave < seqLen)"))
            {
                writer.Line("""
                    // Layer 0 at t = wave: the input row t in.
                    const int layer = 0;
                    int t = wave;
                    ref float xt = ref Unsafe.Add(ref xi, t * inputStride);
                    """);
                EmitWaveStep(writer, model, kernel, method, layers, first: true, hasQ, lstm);
            }

            if (model.NumLayers > 1)
            {
                using (writer.Block("for (int layer = 1; layer < NumLayers; layer++)"))
                {
                    EmitLaterLayerInWave(writer);
                    EmitWaveStep(writer, model, kernel, method, layers, first: false, hasQ, lstm);
                }
            }
        }
    }

    /// <summary>In the loop over the later layers of wave <c>wave</c>: its step t = wave − layer (the next layer where there is none), and its input xt, the layer below's row t, written in the wave before.</summary>
    private static void EmitLaterLayerInWave(IndentedWriter writer)
        => writer.Line("""
            // Layer l at t = wave − l: layer l − 1's output at t in (written in the wave before).
            int t = wave - layer;
            if ((uint)t >= (uint)seqLen)
            {
                continue;
            }

            ref float xt = ref LayerRow(ref output, outputStride, ref ring, layer - 1, t);
            """);

    /// <summary>A step's rows within a wave (layer and t declared): h_{t−1} from the layer's row t − 1 (or h0, or zeros), h_t to its row t.</summary>
    private static void EmitWaveStepRows(IndentedWriter writer)
        => writer.Line("""
            bool recurrent = t > 0 || hasH0;
            ref float h = ref (t > 0 ? ref LayerRow(ref output, outputStride, ref ring, layer, t - 1) : ref (hasH0 ? ref Unsafe.Add(ref h0, layer * StateSize) : ref z));
            ref float o = ref LayerRow(ref output, outputStride, ref ring, layer, t);
            """);

    /// <summary>
    /// One layer's step within a wave (layer, t and its input xt declared): h_{t−1} from its row t − 1 (or h0, or zeros), h_t
    /// to its row t. A single layer's step is written out here; a stacked model's calls its layer method.
    /// </summary>
    private static void EmitWaveStep(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, LayerProducts layers, bool first, bool hasQ, bool lstm)
    {
        EmitWaveStepRows(writer);
        if (lstm)
        {
            writer.Line("ref float c = ref Unsafe.Add(ref cN, layer * HiddenSize);");
        }

        if (model.NumLayers > 1)
        {
            EmitLayerCall(writer, model, method, layers, first, "xt", "h", "c", "o", "recurrent");
            return;
        }

        // A single layer: always layer 0.
        EmitInputProductAndRow(writer, model, kernel, method, layers.First, layers.FirstOnSums, "xt", "layer", "h", "c", "o", "recurrent", hasQ);
    }
}
