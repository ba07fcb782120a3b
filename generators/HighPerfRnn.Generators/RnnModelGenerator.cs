using HighPerfRnn.Generators.Emitting;
using HighPerfRnn.Generators.Models;
using HighPerfRnn.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace HighPerfRnn.Generators;

/// <summary>
/// Turns <c>[RnnModel]</c> declarations into fixed-size, SIMD-specialized models: for each declaration, the
/// partial type gets its shape as constants, loading checked against the declaration, <c>Forward</c>,
/// <c>Step</c> (unidirectional models) and a step kernel whose sizes are constants.
/// </summary>
/// <remarks>
/// Pipeline: ForAttributeWithMetadataName → <see cref="DeclarationResult"/> (values only: no symbols, syntax or
/// locations survive the transform) → split into the diagnostics and the valid models, so that an edit that only
/// moves a diagnostic, or touches no declaration, re-emits no code.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class RnnModelGenerator : IIncrementalGenerator
{
    /// <summary>The attribute, in the runtime assembly.</summary>
    public const string AttributeMetadataName = "HighPerfRnn.RnnModelAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<DeclarationResult> declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => DeclarationParser.IsCandidate(node),
                transform: static (attributeContext, cancellationToken) => DeclarationParser.Parse(attributeContext, cancellationToken))
            .WithTrackingName(TrackingNames.Declarations);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = declarations
            .Select(static (result, _) => result.Diagnostics)
            .Where(static diagnostics => !diagnostics.IsEmpty)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, diagnostics) =>
        {
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<RnnModelDeclaration> models = declarations
            .Select(static (result, _) => result.Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);
        context.RegisterSourceOutput(models, static (output, model) => output.AddSource(model.HintName, ModelEmitter.Emit(model)));
    }
}
