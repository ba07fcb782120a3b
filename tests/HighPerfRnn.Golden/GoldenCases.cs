using System.Globalization;
using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Golden;

/// <summary>
/// The fixed list of golden cases: every PyTorch fixture, a grid of random models through <c>Forward</c>, and
/// streaming <c>Step</c> cases. Weights come from <see cref="RnnModel.CreateRandom"/>, inputs and initial states
/// from <see cref="Random"/> with fixed seeds (its seeded sequence and the double-to-float conversions are the same
/// on every platform), each seed derived from the model's or the case's name, so adding a case changes no other.
/// </summary>
public static class GoldenCases
{
    /// <summary>Time steps of every random <c>Forward</c> case but the short ones of <see cref="EdgeSizes"/>.</summary>
    private const int SeqLen = 7;

    /// <summary>Time steps of every streaming case.</summary>
    private const int Steps = 5;

    /// <summary>Hidden sizes of the full grid, each with its input size (residues 0 to 3 mod 4, odd and panel-sized).</summary>
    private static readonly (int Hidden, int Input)[] GridSizes = [(8, 5), (12, 6), (20, 11), (24, 24), (40, 13), (64, 35)];

    /// <summary>Hidden sizes below, between and beyond the vector widths, in a smaller grid with short sequences.</summary>
    private static readonly (int Hidden, int Input)[] EdgeSizes = [(1, 1), (7, 3), (17, 18), (100, 64)];

    private static readonly (int Layers, bool Bidirectional)[] Stacks = [(1, false), (2, false), (1, true), (2, true)];

    private static readonly SequenceLayout[] Layouts = [SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst];

    /// <summary>The five cells, by the name that starts their cases.</summary>
    private static readonly string[] Cells = ["rnn-tanh", "rnn-relu", "lstm", "lstm-proj", "gru"];

    /// <summary>The fixtures PyTorch made (tests/HighPerfRnn.Tests/Fixtures/pytorch), next to the executable.</summary>
    public static string DefaultFixturesDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch");

    /// <summary>Every case, in name order; the fixtures come from <paramref name="fixturesDirectory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory holds no fixture.</exception>
    public static IReadOnlyList<GoldenCase> All(string fixturesDirectory)
    {
        GoldenCase[] cases = [.. FixtureCases(fixturesDirectory), .. ForwardCases(), .. StepCases()];
        Array.Sort(cases, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < cases.Length; i++)
        {
            if (cases[i].Name == cases[i - 1].Name)
            {
                throw new InvalidOperationException($"Two golden cases are named '{cases[i].Name}'.");
            }
        }

        return cases;
    }

    /// <summary>
    /// Every case's hash on <paramref name="path"/>, by name. A case that throws gets the exception's type and message
    /// instead (so it mismatches), and is passed to <paramref name="onException"/>.
    /// </summary>
    public static SortedDictionary<string, string> ComputeHashes(IEnumerable<GoldenCase> cases, SimdPath path, Action<string, Exception>? onException = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (GoldenCase golden in cases)
        {
            string hash;
            try
            {
                hash = golden.Hash(path);
            }
#pragma warning disable CA1031 // A case that throws is reported as that case's mismatch; the other cases still run.
            catch (Exception e)
#pragma warning restore CA1031
            {
                hash = $"threw {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
                onException?.Invoke(golden.Name, e);
            }

            hashes.Add(golden.Name, hash);
        }

        return hashes;
    }

    /// <summary>Each PyTorch fixture through <c>Forward</c> with its own input, initial states and layout.</summary>
    private static IEnumerable<GoldenCase> FixtureCases(string directory)
    {
        string[] names = Directory.Exists(directory)
            ? [.. Directory.GetFiles(directory, "*.io.safetensors").Select(file => Path.GetFileName(file)[..^".io.safetensors".Length])]
            : [];
        if (names.Length == 0)
        {
            throw new DirectoryNotFoundException($"No PyTorch fixtures (*.io.safetensors) in '{directory}'.");
        }

        return names.Select(name => new GoldenCase("fixture/" + name, path => RunFixture(directory, name, path)));
    }

    private static float[][] RunFixture(string directory, string name, SimdPath path)
    {
        RnnModel model = RnnModel.Load(Path.Combine(directory, name + ".model.safetensors"), new RnnLoadOptions { SimdPath = path });
        SafetensorsFile io = SafetensorsFile.Open(Path.Combine(directory, name + ".io.safetensors"));
        bool unbatched = bool.Parse(io.Metadata["unbatched"]);
        SequenceLayout layout = unbatched ? SequenceLayout.Unbatched
            : bool.Parse(io.Metadata["batch_first"]) ? SequenceLayout.BatchFirst : SequenceLayout.SequenceFirst;
        int batch = unbatched ? 1 : int.Parse(io.Metadata["batch"], CultureInfo.InvariantCulture);
        int seqLen = int.Parse(io.Metadata["seq_len"], CultureInfo.InvariantCulture);
        return Forward(model, io.ReadFloat32("input"), batch, seqLen, layout, Optional(io, "h0"), Optional(io, "c0"));
    }

    private static float[] Optional(SafetensorsFile io, string name) => io.Contains(name) ? io.ReadFloat32(name) : [];

    /// <summary>
    /// The random models through <c>Forward</c>: every cell × hidden size of <see cref="GridSizes"/> × stack × batch
    /// 1, 3, 8 × layout × with and without initial states; then <see cref="EdgeSizes"/> at batch 1 and 3 with
    /// sequences of 1 and 5 steps; then models without biases.
    /// </summary>
    private static IEnumerable<GoldenCase> ForwardCases()
    {
        foreach (string cell in Cells)
        {
            foreach ((int hidden, int input) in GridSizes)
            {
                foreach ((int layers, bool bidirectional) in Stacks)
                {
                    RnnArchitecture architecture = Architecture(cell, input, hidden, layers, bidirectional, bias: true);
                    foreach (int batch in (int[])[1, 3, 8])
                    {
                        foreach (SequenceLayout layout in Layouts)
                        {
                            yield return ForwardCase(cell, architecture, batch, SeqLen, layout, initialState: false);
                            yield return ForwardCase(cell, architecture, batch, SeqLen, layout, initialState: true);
                        }
                    }
                }
            }

            foreach ((int hidden, int input) in EdgeSizes)
            {
                if (cell == "lstm-proj" && hidden == 1)
                {
                    continue; // proj_size must be below hidden_size
                }

                foreach ((int layers, bool bidirectional) in (ValueTuple<int, bool>[])[(1, false), (2, true)])
                {
                    RnnArchitecture architecture = Architecture(cell, input, hidden, layers, bidirectional, bias: true);
                    foreach (int batch in (int[])[1, 3])
                    {
                        foreach (int seqLen in (int[])[1, 5])
                        {
                            SequenceLayout layout = seqLen == 1 ? SequenceLayout.SequenceFirst : SequenceLayout.BatchFirst;
                            yield return ForwardCase(cell, architecture, batch, seqLen, layout, initialState: false);
                            yield return ForwardCase(cell, architecture, batch, seqLen, layout, initialState: true);
                        }
                    }
                }
            }

            foreach ((int hidden, int input) in (ValueTuple<int, int>[])[(12, 6), (40, 13)])
            {
                RnnArchitecture architecture = Architecture(cell, input, hidden, 2, bidirectional: true, bias: false);
                yield return ForwardCase(cell, architecture, 3, SeqLen, SequenceLayout.BatchFirst, initialState: true);
            }
        }
    }

    /// <summary>
    /// Streaming: unidirectional models of every cell and grid size, 1 and 2 layers, batch 1 and 4, from zero and
    /// from random states, <see cref="Steps"/> steps.
    /// </summary>
    private static IEnumerable<GoldenCase> StepCases()
    {
        foreach (string cell in Cells)
        {
            foreach ((int hidden, int input) in GridSizes)
            {
                foreach (int layers in (int[])[1, 2])
                {
                    RnnArchitecture architecture = Architecture(cell, input, hidden, layers, bidirectional: false, bias: true);
                    foreach (int batch in (int[])[1, 4])
                    {
                        yield return StepCase(cell, architecture, batch, initialState: false);
                        yield return StepCase(cell, architecture, batch, initialState: true);
                    }
                }
            }
        }
    }

    private static RnnArchitecture Architecture(string cell, int input, int hidden, int layers, bool bidirectional, bool bias) => cell switch
    {
        "rnn-tanh" => new RnnArchitecture(RnnCell.Rnn, input, hidden, layers, bidirectional, bias),
        "rnn-relu" => new RnnArchitecture(RnnCell.Rnn, input, hidden, layers, bidirectional, bias, RnnNonlinearity.Relu),
        "lstm" => new RnnArchitecture(RnnCell.Lstm, input, hidden, layers, bidirectional, bias),
        // Projections of odd widths, about half the hidden size: 3 for 8, 5 for 12, …, 31 for 64.
        "lstm-proj" => new RnnArchitecture(RnnCell.Lstm, input, hidden, layers, bidirectional, bias, projSize: Math.Max(1, (hidden / 2) - 1)),
        "gru" => new RnnArchitecture(RnnCell.Gru, input, hidden, layers, bidirectional, bias),
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell."),
    };

    /// <summary>The name of a random model, e.g. <c>lstm-proj/h12-i6-p5/l2-bi</c>; its weights' seed comes from it.</summary>
    private static string ModelName(string cell, RnnArchitecture a) => string.Create(
        CultureInfo.InvariantCulture,
        $"{cell}/h{a.HiddenSize}-i{a.InputSize}{(a.ProjSize > 0 ? $"-p{a.ProjSize}" : "")}/l{a.NumLayers}{(a.Bidirectional ? "-bi" : "")}{(a.Bias ? "" : "-nobias")}");

    private static GoldenCase ForwardCase(string cell, RnnArchitecture architecture, int batch, int seqLen, SequenceLayout layout, bool initialState)
    {
        string model = ModelName(cell, architecture);
        string name = string.Create(
            CultureInfo.InvariantCulture,
            $"forward/{model}/b{batch}-t{seqLen}-{(layout == SequenceLayout.BatchFirst ? "batch-first" : "seq-first")}{(initialState ? "-h0" : "")}");
        return new GoldenCase(name, path =>
        {
            RnnModel rnn = RnnModel.CreateRandom(architecture, Seed(model), path);
            var random = new Random(Seed(name));
            bool lstm = architecture.Cell == RnnCell.Lstm;
            float[] input = Uniform(random, batch * seqLen * architecture.InputSize);
            float[] h0 = initialState ? Uniform(random, architecture.StateRows * batch * architecture.StateSize) : [];
            float[] c0 = initialState && lstm ? Uniform(random, architecture.StateRows * batch * architecture.HiddenSize) : [];
            return Forward(rnn, input, batch, seqLen, layout, h0, c0);
        });
    }

    private static GoldenCase StepCase(string cell, RnnArchitecture architecture, int batch, bool initialState)
    {
        string model = ModelName(cell, architecture);
        string name = string.Create(CultureInfo.InvariantCulture, $"step/{model}/b{batch}-s{Steps}{(initialState ? "-h0" : "")}");
        return new GoldenCase(name, path =>
        {
            RnnModel rnn = RnnModel.CreateRandom(architecture, Seed(model), path);
            var random = new Random(Seed(name));
            bool lstm = architecture.Cell == RnnCell.Lstm;
            int stateLength = architecture.NumLayers * batch * architecture.StateSize;
            int cellLength = lstm ? architecture.NumLayers * batch * architecture.HiddenSize : 0;
            float[] state = initialState ? Uniform(random, stateLength) : new float[stateLength];
            float[] cellState = initialState ? Uniform(random, cellLength) : new float[cellLength];
            var results = new List<float[]>();
            for (int step = 0; step < Steps; step++)
            {
                float[] input = Uniform(random, batch * architecture.InputSize);
                var output = new float[batch * architecture.StateSize];
                if (lstm)
                {
                    rnn.Step(input, state, cellState, output, batch);
                }
                else
                {
                    rnn.Step(input, state, output, batch);
                }

                results.Add(output);
            }

            results.Add(state);
            if (lstm)
            {
                results.Add(cellState);
            }

            return [.. results];
        });
    }

    /// <summary>Forward: output and h_n, and c_n for an LSTM (c0 may be empty, as may h0).</summary>
    private static float[][] Forward(RnnModel model, float[] input, int batch, int seqLen, SequenceLayout layout, float[] h0, float[] c0)
    {
        RnnArchitecture a = model.Architecture;
        var output = new float[batch * seqLen * a.OutputSize];
        var hN = new float[a.StateRows * batch * a.StateSize];
        if (a.Cell != RnnCell.Lstm)
        {
            model.Forward(input, output, hN, batch, seqLen, layout, h0);
            return [output, hN];
        }

        var cN = new float[a.StateRows * batch * a.HiddenSize];
        model.Forward(input, output, hN, cN, batch, seqLen, layout, h0, c0);
        return [output, hN, cN];
    }

    /// <summary>Uniform in [-1, 1): doubles from the seeded generator, each rounded once to float.</summary>
    private static float[] Uniform(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    /// <summary>A seed from a name: FNV-1a over its UTF-16 code units (string.GetHashCode differs from run to run).</summary>
    private static int Seed(string name)
    {
        uint hash = 2166136261;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash & int.MaxValue);
    }
}
