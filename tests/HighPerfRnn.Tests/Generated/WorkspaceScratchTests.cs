using HighPerfRnn.Generated;
using HighPerfRnn.Planning;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>
/// The workspace scratch of generated kernels (<see cref="WorkspaceScratch"/>): a bidirectional model's layer sequences
/// live in the caller's workspace, not on the stack (a user's assembly zero-fills every stackalloc), at any length.
/// </summary>
public sealed class WorkspaceScratchTests
{
    public static TheoryData<string> StackedBidirectionalModels =>
        [.. DeclaredCases.All.Where(c => c.Architecture.Bidirectional && c.Architecture.NumLayers > 1).Select(c => c.Name)];

    [Fact]
    public void Rent_takes_aligned_floats_from_the_given_workspace()
    {
        var workspace = new RnnWorkspace();
        Span<float> scratch = WorkspaceScratch.Rent(workspace, 100);
        Assert.Equal(100, scratch.Length);
        Assert.Equal(100, workspace.Capacity);
        unsafe
        {
            fixed (float* first = scratch)
            {
                Assert.Equal(0, (long)first % 64);
            }
        }

        // Smaller rents reuse it; a null workspace is the thread's own, not this one.
        Assert.Equal(10, WorkspaceScratch.Rent(workspace, 10).Length);
        Assert.Equal(200, WorkspaceScratch.Rent(null, 200).Length);
        Assert.Equal(100, workspace.Capacity);
    }

    [Fact]
    public void Rent_names_a_negative_count()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WorkspaceScratch.Rent(new RnnWorkspace(), -1));
        Assert.Equal("floats", error.ParamName);
        Assert.Contains("-1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Where the plan runs a stacked bidirectional model's whole-model Forward, it takes (NumLayers &gt; 2 ? 2 : 1) × seqLen ×
    /// OutputSize floats of the caller's workspace and nothing else: on the stack before, it left the workspace empty, and past
    /// 4096 floats it handed the call to the driver, whose scratch (each direction's projected inputs too) is larger. One that
    /// projects its layers' input sequences (ExecutionPlanner.DeclaredForwardProjectsInputs) takes those sequences to a 64-byte
    /// boundary, then both directions' pre-activation rows: 2 × seqLen × gates × hidden padded to 16-float panels.
    /// </summary>
    [Theory]
    [MemberData(nameof(StackedBidirectionalModels))]
    public void A_stacked_bidirectional_whole_model_forward_keeps_its_layer_sequences_in_the_workspace(string name)
    {
        DeclaredCase declared = DeclaredCases.Named(name);
        RnnArchitecture a = declared.Architecture;
        foreach (SimdPath path in TestPaths.Hardware)
        {
            LayerPlan plan = ExecutionPlanner.Plan(a, path, "fixed by the test", RnnCall.Forward, ExecutionPlanner.BatchClass(1), declared: true).Layers[0];
            if (plan.Kernel != LayerKernel.GeneratedWholeModel)
            {
                continue;
            }

            int line = ExecutionPlanner.OneVectorBidirectionalWholeModelMaxSteps;
            int seqLen = ExecutionPlanner.HasOneVectorBidirectionalLine(a, path) ? line : (4096 / a.OutputSize) + 3;
            IDeclaredModel model = declared.Wrap(RnnModel.CreateRandom(a, seed: 5, path));
            var input = new float[seqLen * a.InputSize];
            var output = new float[seqLen * a.OutputSize];
            var hN = new float[a.StateRows * a.StateSize];
            var workspace = new RnnWorkspace();
            model.Forward(input, output, hN, 1, seqLen, SequenceLayout.BatchFirst, default, workspace);
            int sequences = (a.NumLayers > 2 ? 2 : 1) * seqLen * a.OutputSize;
            int expected = ExecutionPlanner.DeclaredForwardProjectsInputs(a)
                ? ((sequences + 15) / 16 * 16) + (2 * seqLen * a.GateCount * ((a.HiddenSize + 15) / 16 * 16))
                : sequences;
            Assert.True(
                expected == workspace.Capacity,
                $"{name} [{path}] Forward of {seqLen} steps: workspace {workspace.Capacity} floats, expected {expected} (the layer sequences' {sequences})");
        }
    }
}
