using System.ComponentModel;
using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Generated;

/// <summary>
/// Loading for the models the source generator declares (<c>[RnnModel]</c>): builds the runtime model and checks
/// that it has the declared architecture. Kept here rather than emitted into every declared type, so the generated
/// code holds only what the fixed sizes make faster.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedModels
{
    private const string NonlinearityMetadataKey = "nonlinearity";

    /// <summary>
    /// Loads a safetensors file for a declared model. The nonlinearity comes from <paramref name="options"/>, else
    /// the file's metadata, else the declaration (a <c>state_dict</c> alone cannot show it).
    /// </summary>
    /// <exception cref="ModelWeightsException">The file holds a model of another architecture (the message shows both).</exception>
    public static RnnModel Load(string path, RnnLoadOptions? options, RnnArchitecture declared, string declaringType)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(declared);
        SafetensorsFile file = SafetensorsFile.Open(path);
        options ??= new RnnLoadOptions();
        if (options.Nonlinearity is null && !file.Metadata.ContainsKey(NonlinearityMetadataKey))
        {
            options = options with { Nonlinearity = declared.Nonlinearity };
        }

        return RequireArchitecture(RnnModel.FromSafetensors(file, options), declared, declaringType, $"'{path}'");
    }

    /// <summary>Builds a declared model from a <c>state_dict</c> in memory, with the declared nonlinearity.</summary>
    /// <exception cref="ModelWeightsException">The tensors form a model of another architecture (the message shows both), or no model at all.</exception>
    public static RnnModel FromStateDict(IReadOnlyDictionary<string, FloatTensor> stateDict, SimdPath simdPath, RnnArchitecture declared, string declaringType)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentNullException.ThrowIfNull(declared);
        RnnModel model = RnnModel.FromStateDict(stateDict, new RnnLoadOptions { Nonlinearity = declared.Nonlinearity, SimdPath = simdPath });
        return RequireArchitecture(model, declared, declaringType, "The state_dict");
    }

    /// <summary>Checks that <paramref name="model"/> has the declared architecture and returns it.</summary>
    /// <exception cref="ModelWeightsException">It has another.</exception>
    public static RnnModel RequireArchitecture(RnnModel model, RnnArchitecture declared, string declaringType, string source = "The model")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(declared);
        if (!model.Architecture.Equals(declared))
        {
            throw new ModelWeightsException(
                $"{source} holds {model.Architecture}, but {declaringType} is declared as {declared}. Load it with RnnModel.Load, or declare the type to match.");
        }

        return model;
    }

    /// <summary>
    /// The largest batch whose <paramref name="call"/> the declared model's plans run row by row through its whole-model
    /// kernels (<see cref="ExecutionPlan.RunsRowByRow"/>), from batch 2 up; 1 where none does. Read once, when a declared
    /// type is built: its calls then only compare the batch with it.
    /// </summary>
    public static int RowByRowUpToBatch(RnnModel model, RnnCall call)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.RowByRowUpToBatch(call, declared: true);
    }
}
