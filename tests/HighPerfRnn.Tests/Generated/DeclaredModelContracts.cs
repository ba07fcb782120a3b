namespace HighPerfRnn.Tests.Generated;

/// <summary>What every declared model offers, implemented by the generated members (so one test serves every declaration).</summary>
public interface IDeclaredModel
{
    RnnModel Runtime { get; }

    void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);
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

/// <summary>A declared model type, as test data: its name, its declared architecture and how to wrap a runtime model in it.</summary>
public sealed record DeclaredCase(string Name, RnnArchitecture Architecture, Func<RnnModel, IDeclaredModel> Wrap)
{
    public static DeclaredCase Of<T>()
        where T : IDeclaredModel<T>
        => new(typeof(T).Name, T.Architecture, model => T.FromRuntimeModel(model));

    public override string ToString() => Name;
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
        DeclaredCase.Of<Hidden17Deep>(),
        DeclaredCase.Of<Hidden31>(),
        DeclaredCase.Of<Hidden33Everything>(),
        DeclaredCase.Of<Hidden64>(),
        DeclaredCase.Of<Hidden100Bidirectional>(),
        DeclaredCase.Of<Hidden128>(),
    ];

    public static DeclaredCase Named(string name) => All.Single(c => c.Name == name);
}
