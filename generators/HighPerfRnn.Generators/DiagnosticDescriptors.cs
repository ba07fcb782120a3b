using Microsoft.CodeAnalysis;

namespace HighPerfRnn.Generators;

/// <summary>
/// What the generator reports on a bad <c>[RnnModel]</c> declaration (listed in AnalyzerReleases.Unshipped.md).
/// Every one is an error: a declaration that gets one gets no generated code, so the build must not pass quietly
/// with a model type that has no members.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>The largest input or hidden size the generator emits kernels for (see <see cref="SizeTooLarge"/>).</summary>
    public const int MaxFeatures = 4096;

    /// <summary>The most layers a declaration may stack.</summary>
    public const int MaxLayers = 64;

    private const string Category = "HighPerfRnn.Generator";

    public static readonly DiagnosticDescriptor TypeNotPartial = new(
        id: "HPRNN001",
        title: "An [RnnModel] type must be partial",
        messageFormat: "The type '{0}' has [RnnModel] but is not partial, so the generator cannot add its members; declare it 'partial class {0}'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        id: "HPRNN002",
        title: "A type containing an [RnnModel] type must be partial",
        messageFormat: "The type '{0}' is nested in '{1}', which is not partial, so the generator cannot reopen it; declare '{1}' partial",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericType = new(
        id: "HPRNN003",
        title: "An [RnnModel] type must not be generic",
        messageFormat: "The type '{0}' has [RnnModel] but {1} generic; a declared model has one fixed shape, so declare it in a non-generic type",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SizeNotPositive = new(
        id: "HPRNN004",
        title: "[RnnModel] sizes must be positive",
        messageFormat: "{0} of '{1}' is {2}, but must be at least 1",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SizeTooLarge = new(
        id: "HPRNN005",
        title: "[RnnModel] size beyond what the generator supports",
        messageFormat: "{0} of '{1}' is {2}, beyond the largest the generator supports ({3}); load models this large with RnnModel.Load, whose runtime-sized kernels serve any size",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OptionDoesNotFitCell = new(
        id: "HPRNN006",
        title: "[RnnModel] option does not fit the cell",
        messageFormat: "{0}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    // HPRNN007 ("cell not yet supported by the generator") was retired before any release, when the generator
    // learned the LSTM and GRU cells; the ID is not reused.

    public static readonly DiagnosticDescriptor UnsupportedTypeKind = new(
        id: "HPRNN008",
        title: "An [RnnModel] type must be a plain class",
        messageFormat: "The type '{0}' has [RnnModel] but is {1}; the generator gives it a private constructor and instance members, so declare it as a non-static, non-abstract class without a primary constructor",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
