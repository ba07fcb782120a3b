using Microsoft.CodeAnalysis;

namespace HighPerfRnn.Generators.Tests;

/// <summary>
/// Each diagnostic fires on the declaration that earns it, at the attribute argument or type name at fault, and
/// nowhere else: a sound declaration next to it in the same file still gets its code, the bad one gets none.
/// </summary>
public sealed class DiagnosticsTests
{
    private const string Sound = """

        /// <summary>A sound declaration beside the bad one.</summary>
        [RnnModel(5, 8)]
        public partial class Sound;
        """;

    private const string SoundGated = """

        /// <summary>Sound LSTM and GRU declarations.</summary>
        [RnnModel(5, 8, Cell = RnnCell.Lstm, ProjSize = 3)]
        public partial class SoundLstm;

        /// <summary>A GRU.</summary>
        [RnnModel(5, 8, Cell = RnnCell.Gru, NumLayers = 2, Bidirectional = true, Bias = false)]
        public partial class SoundGru;
        """;

    public static TheoryData<string, string, string[]> Cases => new()
    {
        { "[RnnModel(5, 8)] public class NotPartial;", "NotPartial", ["HPRNN001@NotPartial"] },
        { "public class Outer { /// <summary>x</summary>\n[RnnModel(5, 8)] public partial class Inner; }", "Outer+Inner", ["HPRNN002@Inner"] },
        { "[RnnModel(5, 8)] public partial class Generic<T>;", "Generic`1", ["HPRNN003@Generic"] },
        { "public partial class Container<T> { /// <summary>x</summary>\n[RnnModel(5, 8)] public partial class Inner; }", "Container`1+Inner", ["HPRNN003@Inner"] },
        { "[RnnModel(0, 8)] public partial class ZeroInput;", "ZeroInput", ["HPRNN004@0"] },
        { "[RnnModel(5, -3)] public partial class NegativeHidden;", "NegativeHidden", ["HPRNN004@-3"] },
        { "[RnnModel(5, 8, NumLayers = 0)] public partial class NoLayers;", "NoLayers", ["HPRNN004@NumLayers = 0"] },
        { "[RnnModel(hiddenSize: 0, inputSize: 5)] public partial class NamedZero;", "NamedZero", ["HPRNN004@hiddenSize: 0"] },
        { "[RnnModel(5, 4097)] public partial class TooWide;", "TooWide", ["HPRNN005@4097"] },
        { "[RnnModel(5000, 8)] public partial class TooManyInputs;", "TooManyInputs", ["HPRNN005@5000"] },
        { "[RnnModel(5, 8, NumLayers = 65)] public partial class TooDeep;", "TooDeep", ["HPRNN005@NumLayers = 65"] },
        { "[RnnModel(5, 8, ProjSize = 4)] public partial class ProjectedRnn;", "ProjectedRnn", ["HPRNN006@ProjSize = 4"] },
        { "[RnnModel(5, 8, Nonlinearity = (RnnNonlinearity)3)] public partial class OddActivation;", "OddActivation", ["HPRNN006@Nonlinearity = (RnnNonlinearity)3"] },
        { "[RnnModel(5, 8, Cell = (RnnCell)9)] public partial class OddCell;", "OddCell", ["HPRNN006@Cell = (RnnCell)9"] },
        { "[RnnModel(5, 8, Cell = RnnCell.Gru, ProjSize = 4)] public partial class ProjectedGru;", "ProjectedGru", ["HPRNN006@ProjSize = 4"] },
        { "[RnnModel(5, 8, Cell = RnnCell.Gru, Nonlinearity = RnnNonlinearity.Relu)] public partial class ReluGru;", "ReluGru", ["HPRNN006@Nonlinearity = RnnNonlinearity.Relu"] },
        { "[RnnModel(5, 8, Cell = RnnCell.Lstm, Nonlinearity = RnnNonlinearity.Relu)] public partial class ReluLstm;", "ReluLstm", ["HPRNN006@Nonlinearity = RnnNonlinearity.Relu"] },
        { "[RnnModel(5, 8, Cell = RnnCell.Lstm, ProjSize = 8)] public partial class WideProjection;", "WideProjection", ["HPRNN006@ProjSize = 8"] },
        { "[RnnModel(5, 8, Cell = RnnCell.Lstm, ProjSize = -1)] public partial class NegativeProjection;", "NegativeProjection", ["HPRNN006@ProjSize = -1"] },
        { "[RnnModel(5, 8, Cell = RnnCell.Lstm, ProjSize = 9, Nonlinearity = RnnNonlinearity.Relu)] public partial class TwoWrongOptions;", "TwoWrongOptions", ["HPRNN006@Nonlinearity = RnnNonlinearity.Relu", "HPRNN006@ProjSize = 9"] },
        { "[RnnModel(5, 8)] public static partial class StaticModel;", "StaticModel", ["HPRNN008@StaticModel"] },
        { "[RnnModel(5, 8)] public abstract partial class AbstractModel;", "AbstractModel", ["HPRNN008@AbstractModel"] },
        { "[RnnModel(5, 8)] public partial class PrimaryModel(int seed);", "PrimaryModel", ["HPRNN008@PrimaryModel"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_fires_where_it_should_and_the_declaration_gets_no_code(string declaration, string metadataName, string[] expected)
    {
        string source = "using HighPerfRnn;\n\n/// <summary>The declaration under test.</summary>\n" + declaration + "\n" + Sound;
        (_, GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        string[] actual = [.. result.Diagnostics.Select(d => $"{d.Id}@{GeneratorHarness.Text(d, output)}").Order(StringComparer.Ordinal)];
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual);
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));

        string[] hintNames = [.. result.Results.Single().GeneratedSources.Select(s => s.HintName)];
        Assert.Equal(["Sound.g.cs"], hintNames);
        Assert.DoesNotContain(metadataName + ".g.cs", hintNames);

        // No broken code: whatever the compiler says is about the declaration itself, never about generated files.
        Assert.DoesNotContain(GeneratorHarness.WarningsAndErrors(output), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Messages_name_the_type_the_value_and_the_limit()
    {
        const string source = """
            using HighPerfRnn;
            [RnnModel(5, 5000)] public partial class TooWide;
            [RnnModel(5, 8, Cell = RnnCell.Gru, Nonlinearity = RnnNonlinearity.Relu)] public partial class ReluGru;
            public class Outer { [RnnModel(5, 8)] public partial class Inner; }
            """;
        (_, GeneratorDriverRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        string[] messages = [.. result.Diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))];

        Assert.Contains(messages, m => m.Contains("hiddenSize of 'TooWide' is 5000", StringComparison.Ordinal) && m.Contains("(4096)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Nonlinearity Relu of 'ReluGru' applies only to the Elman RNN cell", StringComparison.Ordinal) && m.Contains("Gru", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("not yet supported", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Inner' is nested in 'Outer', which is not partial", StringComparison.Ordinal));
    }

    [Fact]
    public void Projection_messages_state_the_allowed_range()
    {
        const string source = """
            using HighPerfRnn;
            [RnnModel(5, 8, Cell = RnnCell.Lstm, ProjSize = 8)] public partial class WideProjection;
            [RnnModel(5, 8, Cell = RnnCell.Gru, ProjSize = 4)] public partial class ProjectedGru;
            """;
        (_, GeneratorDriverRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        string[] messages = [.. result.Diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))];

        Assert.Contains(messages, m => m.Contains("ProjSize of 'WideProjection' is 8", StringComparison.Ordinal) && m.Contains("between 1 and hiddenSize - 1 (7)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("ProjSize of 'ProjectedGru' applies only to the LSTM cell", StringComparison.Ordinal) && m.Contains("Gru", StringComparison.Ordinal));
    }

    [Fact]
    public void The_retired_cell_diagnostic_stays_retired()
    {
        // HPRNN007 (LSTM and GRU "not yet supported") was never shipped; its ID must not come back with another meaning.
        string[] ids = [.. typeof(RnnModelGenerator).Assembly.GetType("HighPerfRnn.Generators.DiagnosticDescriptors")!
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => f.GetValue(null))
            .OfType<DiagnosticDescriptor>()
            .Select(d => d.Id)];

        Assert.Equal(["HPRNN001", "HPRNN002", "HPRNN003", "HPRNN004", "HPRNN005", "HPRNN006", "HPRNN008"], ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sound_declarations_get_no_diagnostics()
    {
        (_, GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(GeneratorHarness.Compile("using HighPerfRnn;\n" + Sound + SoundGated));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(3, result.GeneratedTrees.Length);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }
}
