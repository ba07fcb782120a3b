namespace HighPerfRnn.Tests.Generated;

/// <summary>What every declared model offers, implemented by the generated members (so one test serves every declaration).</summary>
public interface IDeclaredModel
{
    RnnModel Runtime { get; }

    void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);

    void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, ReadOnlySpan<int> lengths, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);
}

/// <summary>The generated static members, for generic code over declared types.</summary>
public interface IDeclaredModel<TSelf> : IDeclaredModel
    where TSelf : IDeclaredModel<TSelf>
{
    static abstract RnnArchitecture Architecture { get; }

    static abstract TSelf Load(string path, RnnLoadOptions? options);

    static abstract TSelf FromStateDict(IReadOnlyDictionary<string, FloatTensor> stateDict, SimdPath simdPath);

    static abstract TSelf FromRuntimeModel(RnnModel model);
}

/// <summary>Unidirectional declared models also stream.</summary>
public interface IStreamingModel
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "Mirrors the generated member, which mirrors RnnModel.Step.")]
    void Step(ReadOnlySpan<float> input, Span<float> state, Span<float> output, int batch, RnnWorkspace? workspace);
}

/// <summary>What declared LSTMs add: Forward with cell states (c0 in, c_n out).</summary>
public interface ILstmModel : IDeclaredModel
{
    void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace);

    void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, ReadOnlySpan<int> lengths, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace);
}

/// <summary>The generated static members of a declared LSTM (with the constants only an LSTM has).</summary>
public interface ILstmModel<TSelf> : ILstmModel, IDeclaredModel<TSelf>
    where TSelf : ILstmModel<TSelf>
{
}

/// <summary>Unidirectional declared LSTMs stream h and c.</summary>
public interface IStreamingLstmModel
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "Mirrors the generated member, which mirrors RnnModel.Step.")]
    void Step(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace);
}

/// <summary>A declared model type, as test data: its name, its declared architecture and how to wrap a runtime model in it.</summary>
public sealed record DeclaredCase(string Name, RnnArchitecture Architecture, Func<RnnModel, IDeclaredModel> Wrap)
{
    public static DeclaredCase Of<T>()
        where T : IDeclaredModel<T>
        => new(typeof(T).Name, T.Architecture, model => T.FromRuntimeModel(model));

    public override string ToString() => Name;
}

/// <summary>Forward and Step over any declared model, with cell states for LSTMs: how the properties run every cell alike.</summary>
public static class DeclaredModelCalls
{
    /// <summary>
    /// Forward with the cell states when the model is an LSTM (<paramref name="c0"/> empty for zeros, <paramref name="cN"/>
    /// receiving c_n), the plain Forward otherwise (both spans then empty).
    /// </summary>
    public static void Forward(
        this IDeclaredModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace)
    {
        if (model is ILstmModel lstm)
        {
            lstm.Forward(input, output, hN, cN, batch, seqLen, layout, h0, c0, workspace);
        }
        else
        {
            model.Forward(input, output, hN, batch, seqLen, layout, h0, workspace);
        }
    }

    /// <summary>Forward with lengths: with cell states for an LSTM (<paramref name="cN"/> and <paramref name="c0"/> ignored otherwise).</summary>
    public static void Forward(
        this IDeclaredModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, ReadOnlySpan<int> lengths, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace)
    {
        if (model is ILstmModel lstm)
        {
            lstm.Forward(input, output, hN, cN, batch, seqLen, lengths, layout, h0, c0, workspace);
        }
        else
        {
            model.Forward(input, output, hN, batch, seqLen, lengths, layout, h0, workspace);
        }
    }

    /// <summary>Whether the model streams (unidirectional): then <see cref="Step"/> runs it.</summary>
    public static bool Streams(this IDeclaredModel model) => model is IStreamingModel or IStreamingLstmModel;

    /// <summary>One step: with the cell state for an LSTM (<paramref name="cellState"/> ignored otherwise).</summary>
    public static void Step(this IDeclaredModel model, ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace)
    {
        switch (model)
        {
            case IStreamingLstmModel lstm:
                lstm.Step(input, state, cellState, output, batch, workspace);
                break;
            case IStreamingModel streaming:
                streaming.Step(input, state, output, batch, workspace);
                break;
            default:
                throw new InvalidOperationException($"{model.GetType().Name} does not stream.");
        }
    }
}

/// <summary>Every declared model of the tests.</summary>
public static class DeclaredCases
{
    public static readonly DeclaredCase[] All =
    [
        DeclaredCase.Of<SeedNumpyRnn>(),
        DeclaredCase.Of<SeedTorchRnn>(),
        DeclaredCase.Of<SeedDeepRnn>(),
        DeclaredCase.Of<TinyBiRnn>(),
        DeclaredCase.Of<Hidden1>(),
        DeclaredCase.Of<Hidden7Relu>(),
        DeclaredCase.Of<Hidden9NoBias>(),
        DeclaredCase.Of<Hidden15Bidirectional>(),
        DeclaredCase.Of<Hidden16Streaming>(),
        DeclaredCase.Of<Hidden16Deep>(),
        DeclaredCase.Of<Hidden4Deep>(),
        DeclaredCase.Of<Hidden17Deep>(),
        DeclaredCase.Of<Hidden24DeepRelu>(),
        DeclaredCase.Of<Hidden31>(),
        DeclaredCase.Of<Hidden33Everything>(),
        DeclaredCase.Of<Hidden40LayerByLayer>(),
        DeclaredCase.Of<Hidden64>(),
        DeclaredCase.Of<Hidden100Bidirectional>(),
        DeclaredCase.Of<Hidden128>(),
        DeclaredCase.Of<FixtureLstmBasic>(),
        DeclaredCase.Of<FixtureLstmMedium>(),
        DeclaredCase.Of<FixtureLstmProj>(),
        DeclaredCase.Of<FixtureLstmDeepBidir>(),
        DeclaredCase.Of<LstmHidden1>(),
        DeclaredCase.Of<LstmHidden4Deep>(),
        DeclaredCase.Of<LstmHidden16Deep>(),
        DeclaredCase.Of<LstmHidden7Deep>(),
        DeclaredCase.Of<LstmHidden9Proj4>(),
        DeclaredCase.Of<LstmHidden16Proj8>(),
        DeclaredCase.Of<LstmHidden17NoBias>(),
        DeclaredCase.Of<LstmHidden33Bidirectional>(),
        DeclaredCase.Of<LstmHidden40Proj13>(),
        DeclaredCase.Of<LstmHidden32LayerByLayer>(),
        DeclaredCase.Of<LstmHidden32Input32BidirectionalProjecting>(),
        DeclaredCase.Of<LstmHidden32Proj16BidirectionalProjecting>(),
        DeclaredCase.Of<LstmHidden32Proj20LayerByLayer>(),
        DeclaredCase.Of<LstmHidden24Input100Projecting>(),
        DeclaredCase.Of<LstmHidden32Proj16Input200Projecting>(),
        DeclaredCase.Of<LstmHidden32BidirectionalProjecting>(),
        DeclaredCase.Of<LstmHidden32Proj24BidirectionalProjecting>(),
        DeclaredCase.Of<LstmHidden64>(),
        DeclaredCase.Of<FixtureGruBasic>(),
        DeclaredCase.Of<FixtureGruMedium>(),
        DeclaredCase.Of<FixtureGruDeepBidirNoBias>(),
        DeclaredCase.Of<GruHidden1>(),
        DeclaredCase.Of<GruHidden7NoBias>(),
        DeclaredCase.Of<GruHidden9Deep>(),
        DeclaredCase.Of<GruHidden4NoBias>(),
        DeclaredCase.Of<GruHidden16Deep>(),
        DeclaredCase.Of<GruHidden16Bidirectional>(),
        DeclaredCase.Of<GruHidden17>(),
        DeclaredCase.Of<GruHidden33Everything>(),
        DeclaredCase.Of<GruHidden32>(),
        DeclaredCase.Of<GruHidden32Deep>(),
        DeclaredCase.Of<GruHidden32BidirectionalNoBiasProjecting>(),
        DeclaredCase.Of<GruHidden30LayerByLayer>(),
        DeclaredCase.Of<GruHidden36Input64Projecting>(),
        DeclaredCase.Of<GruHidden24BidirectionalProjecting>(),
        DeclaredCase.Of<GruHidden52Deep>(),
        DeclaredCase.Of<GruHidden64Deep>(),
    ];

    public static DeclaredCase Named(string name) => All.Single(c => c.Name == name);
}
