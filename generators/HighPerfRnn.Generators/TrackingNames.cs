namespace HighPerfRnn.Generators;

/// <summary>Names of the pipeline's steps, so tests can check each one is cached when nothing it reads changed.</summary>
public static class TrackingNames
{
    /// <summary>The parsed <c>[RnnModel]</c> declarations (model and diagnostics).</summary>
    public const string Declarations = nameof(Declarations);

    /// <summary>The diagnostics of the declarations.</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>The valid declarations, whose code is emitted.</summary>
    public const string Models = nameof(Models);
}
