using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HighPerfRnn.Generators.Tests;

/// <summary>
/// The pipeline caches: a rerun on an unchanged (cloned) compilation recomputes nothing, an edit that does not
/// touch a declaration re-emits no code, and no step output holds a symbol, syntax node or compilation (which
/// would keep old compilations alive and defeat the cache).
/// </summary>
public sealed class IncrementalityTests
{
    private const string Models = """
        using HighPerfRnn;

        namespace Demo
        {
            [RnnModel(5, 8, NumLayers = 2, Bidirectional = true)]
            public partial class TinyBiRnn;

            [RnnModel(1, 16, Nonlinearity = RnnNonlinearity.Relu)]
            public partial class Streamer;

            [RnnModel(5, 8)]
            public class NotPartial;

            [RnnModel(3, 9, Cell = RnnCell.Lstm, ProjSize = 4)]
            public partial class ProjectedLstm;

            [RnnModel(3, 17, Cell = RnnCell.Gru, Bidirectional = true)]
            public partial class BiGru;
        }
        """;

    private const string Other = """
        namespace Demo
        {
            public static class Helpers
            {
                public static int Twice(int x) => 2 * x;
            }
        }
        """;

    private static readonly string[] TrackedSteps = [TrackingNames.Declarations, TrackingNames.Diagnostics, TrackingNames.Models];

    [Fact]
    public void Rerun_on_a_cloned_compilation_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Models, Other);
        (GeneratorDriver driver, GeneratorDriverRunResult first, _) = GeneratorHarness.Run(compilation);
        Assert.Equal(4, first.GeneratedTrees.Length);

        GeneratorDriverRunResult second = driver.RunGenerators(compilation.Clone()).GetRunResult();

        GeneratorRunResult run = second.Results.Single();
        foreach (string step in TrackedSteps)
        {
            Assert.True(run.TrackedSteps.ContainsKey(step), $"step {step} is not tracked");
        }

        // Our own steps (the compiler's internal ones see the new compilation object and say so).
        AssertAllCachedOrUnchanged(run.TrackedSteps.Where(pair => TrackedSteps.Contains(pair.Key)));
        AssertAllCachedOrUnchanged(run.TrackedOutputSteps);
    }

    [Fact]
    public void An_edit_that_does_not_touch_the_attribute_re_emits_no_code()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Models, Other);
        (GeneratorDriver driver, _, _) = GeneratorHarness.Run(compilation);

        // Edit the declarations' own file (a new type after them) and add a whole new file: the models compare equal, so nothing is emitted again.
        SyntaxTree declarations = compilation.SyntaxTrees.First();
        SyntaxTree edited = declarations.WithChangedText(declarations.GetText().Replace(declarations.Length, 0, "\n// a comment\nnamespace Demo { public static class Extra { public static int One => 1; } }\n"));
        CSharpCompilation changed = compilation
            .ReplaceSyntaxTree(declarations, edited)
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Demo { public class Added { } }", GeneratorHarness.ParseOptions, path: "Added.cs"));

        GeneratorRunResult run = driver.RunGenerators(changed).GetRunResult().Results.Single();

        Assert.All(run.TrackedSteps[TrackingNames.Models].SelectMany(step => step.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Models step output was {output.Reason}"));
        AssertAllCachedOrUnchanged(run.TrackedOutputSteps.Where(pair => pair.Key == "SourceOutput" && pair.Value.Any(s => s.Inputs.Any(i => i.Source.Name == TrackingNames.Models))));
        Assert.Equal(4, run.GeneratedSources.Length);
    }

    [Fact]
    public void An_edit_that_only_moves_a_diagnostic_reports_it_again_but_re_emits_no_code()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Models, Other);
        (GeneratorDriver driver, _, _) = GeneratorHarness.Run(compilation);
        SyntaxTree declarations = compilation.SyntaxTrees.First();
        string text = declarations.GetText().ToString().Replace("using HighPerfRnn;\n", "using HighPerfRnn;\n// This line moves every declaration down.\n", StringComparison.Ordinal);
        CSharpCompilation changed = compilation.ReplaceSyntaxTree(declarations, declarations.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));

        GeneratorDriverRunResult result = driver.RunGenerators(changed).GetRunResult();
        GeneratorRunResult run = result.Results.Single();

        Assert.Contains(run.TrackedSteps[TrackingNames.Diagnostics].SelectMany(step => step.Outputs), output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.All(run.TrackedSteps[TrackingNames.Models].SelectMany(step => step.Outputs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Models step output was {output.Reason}"));
        Assert.Equal(12, result.Diagnostics.Single().Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void An_edit_of_the_attribute_re_emits_that_model()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Models, Other);
        (GeneratorDriver driver, _, _) = GeneratorHarness.Run(compilation);
        SyntaxTree declarations = compilation.SyntaxTrees.First();
        string text = declarations.GetText().ToString().Replace("[RnnModel(1, 16,", "[RnnModel(1, 17,", StringComparison.Ordinal);
        CSharpCompilation changed = compilation.ReplaceSyntaxTree(declarations, declarations.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));

        GeneratorRunResult run = driver.RunGenerators(changed).GetRunResult().Results.Single();

        Assert.Contains(run.TrackedSteps[TrackingNames.Models].SelectMany(step => step.Outputs), output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const int HiddenSize = 17;", run.GeneratedSources.Single(s => s.HintName == "Demo.Streamer.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_edit_of_one_gated_declaration_re_emits_only_that_model()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Models, Other);
        (GeneratorDriver driver, _, _) = GeneratorHarness.Run(compilation);
        SyntaxTree declarations = compilation.SyntaxTrees.First();
        string text = declarations.GetText().ToString().Replace("ProjSize = 4)", "ProjSize = 5)", StringComparison.Ordinal);
        CSharpCompilation changed = compilation.ReplaceSyntaxTree(declarations, declarations.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));

        GeneratorRunResult run = driver.RunGenerators(changed).GetRunResult().Results.Single();

        IncrementalStepRunReason[] reasons = [.. run.TrackedSteps[TrackingNames.Models].SelectMany(step => step.Outputs).Select(output => output.Reason)];
        Assert.Equal(1, reasons.Count(reason => reason == IncrementalStepRunReason.Modified));
        Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Models step output was {reason}"));
        Assert.Contains("public const int ProjSize = 5;", run.GeneratedSources.Single(s => s.HintName == "Demo.ProjectedLstm.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void No_step_output_holds_symbols_syntax_or_compilations()
    {
        (_, GeneratorDriverRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Models, Other));

        foreach (KeyValuePair<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>> step in result.Results.Single().TrackedSteps.Where(pair => TrackedSteps.Contains(pair.Key)))
        {
            foreach (IncrementalGeneratorRunStep run in step.Value)
            {
                foreach ((object value, _) in run.Outputs)
                {
                    AssertNoCompilerObjects(value, $"{step.Key}", new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }
    }

    private static void AssertAllCachedOrUnchanged(IEnumerable<KeyValuePair<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>>> steps)
    {
        foreach ((string name, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep> runs) in steps)
        {
            foreach ((object _, IncrementalStepRunReason reason) in runs.SelectMany(run => run.Outputs))
            {
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name} output was {reason}");
            }
        }
    }

    /// <summary>Walks an output's object graph (fields, collections) and fails on anything that pins a compilation.</summary>
    private static void AssertNoCompilerObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel or Location,
            $"{path} holds a {value.GetType().Name}");
        if (value is DiagnosticDescriptor or Microsoft.CodeAnalysis.Text.TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan)
        {
            return;
        }

        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertNoCompilerObjects(item, $"{path}[{i++}]", seen);
            }
        }

        for (Type? type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                {
                    continue;
                }

                AssertNoCompilerObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
            }
        }
    }
}
