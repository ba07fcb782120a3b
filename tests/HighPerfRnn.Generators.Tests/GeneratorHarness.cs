using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HighPerfRnn.Generators.Tests;

/// <summary>
/// Runs <see cref="RnnModelGenerator"/> with CSharpGeneratorDriver over real source, against the .NET 10 reference
/// assemblies and the HighPerfRnn runtime assembly, the way the compiler runs it in a user's build.
/// </summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly ImmutableArray<MetadataReference> References =
        [.. Net100.References.All, MetadataReference.CreateFromFile(typeof(RnnModel).Assembly.Location)];

    public static CSharpCompilation Compile(params string[] sources)
        => CSharpCompilation.Create(
            "GeneratorTestAssembly",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            [new RnnModelGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; returns the driver (for reruns), its result, and the compilation with the generated files.</summary>
    public static (GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output) Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver, driver.GetRunResult(), output);
    }

    /// <summary>Compiler diagnostics of <paramref name="compilation"/> at warning level or above, hidden ones aside.</summary>
    public static ImmutableArray<Diagnostic> WarningsAndErrors(Compilation compilation)
        => [.. compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];

    /// <summary>
    /// The source text a diagnostic points at. Generator diagnostics carry an external-file location (file path and
    /// span, kept as plain values in the pipeline), so the tree is found by its path.
    /// </summary>
    public static string Text(Diagnostic diagnostic, Compilation compilation)
    {
        string path = diagnostic.Location.GetLineSpan().Path;
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }
}
