using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>After warm-up, generated models' Forward and Step (with cell states for LSTMs) allocate nothing, on every path this CPU runs in hardware.</summary>
[Trait("Category", "Kernels")]
[Collection(AllocationMeter.Collection)]
public sealed class GeneratedModelAllocationTests
{
    public static TheoryData<string> Models => [.. DeclaredCases.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_and_step_allocate_nothing_after_warm_up(string name)
    {
        DeclaredCase declared = DeclaredCases.Named(name);
        RnnArchitecture architecture = declared.Architecture;
        const int batch = 2;
        const int seqLen = 6;
        foreach (SimdPath path in TestPaths.Hardware)
        {
            IDeclaredModel model = declared.Wrap(RnnModel.CreateRandom(architecture, seed: 1, path));
            int cells = architecture.Cell == RnnCell.Lstm ? architecture.StateRows * batch * architecture.HiddenSize : 0;
            var input = new float[batch * seqLen * architecture.InputSize];
            var output = new float[batch * seqLen * architecture.OutputSize];
            var hN = new float[architecture.StateRows * batch * architecture.StateSize];
            var h0 = new float[hN.Length];
            var cN = new float[cells];
            var c0 = new float[cells];
            var workspace = new RnnWorkspace();
            AllocationMeter.AssertAllocatesNothing(
                () =>
                {
                    model.Forward(input, output, hN, cN, batch, seqLen, SequenceLayout.BatchFirst, h0, c0, workspace);
                    model.Forward(input, output, hN, batch, seqLen, SequenceLayout.SequenceFirst, default, null);

                    // Batch 1: the whole-model kernels where the plan picks them (a bidirectional one's layer sequences in the workspace).
                    model.Forward(input.AsSpan(0, seqLen * architecture.InputSize), output.AsSpan(0, seqLen * architecture.OutputSize), hN.AsSpan(0, architecture.StateRows * architecture.StateSize), cN.AsSpan(0, cells / batch), 1, seqLen, SequenceLayout.BatchFirst, default, default, workspace);
                    model.Forward(input.AsSpan(0, seqLen * architecture.InputSize), output.AsSpan(0, seqLen * architecture.OutputSize), hN.AsSpan(0, architecture.StateRows * architecture.StateSize), 1, seqLen, SequenceLayout.BatchFirst, default, null);
                },
                $"{name} [{path}] Forward");

            if (model.Streams())
            {
                var state = new float[architecture.NumLayers * batch * architecture.StateSize];
                var cellState = new float[cells];
                var stepOutput = new float[batch * architecture.StateSize];
                AllocationMeter.AssertAllocatesNothing(
                    () => model.Step(input.AsSpan(0, batch * architecture.InputSize), state, cellState, stepOutput, batch, null),
                    $"{name} [{path}] Step");
            }
        }
    }
}
