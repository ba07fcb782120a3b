using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>One operation on a set: what it does is read modulo what is open when it runs.</summary>
public sealed record StreamOperation(int Kind, int Which, int Count, int Seed);

/// <summary>A random small model, a capacity, and a random sequence of operations on a set of it.</summary>
public sealed record StreamScenario(RnnCell Cell, int InputSize, int HiddenSize, int NumLayers, int ProjSize, bool Relu, bool AtRest, int Capacity, StreamOperation[] Operations, int Seed)
{
    public RnnArchitecture Architecture => new(Cell, InputSize, HiddenSize, NumLayers, nonlinearity: Relu ? RnnNonlinearity.Relu : RnnNonlinearity.Tanh, projSize: ProjSize);
}

public static class StreamScenarioArbitrary
{
    public static Arbitrary<StreamScenario> Scenarios() =>
        (from cell in Gen.Elements(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)
         from input in Gen.Choose(1, 9)
         from hidden in Gen.Choose(1, 20)
         from layers in Gen.Choose(1, 2)
         from projChoice in Gen.Choose(0, 2 * hidden)
         from relu in Gen.Elements(false, true)
         from atRest in Gen.Elements(false, true)
         from capacity in Gen.Choose(1, 6)
         from operations in Gen.ListOf(
             from kind in Gen.Choose(0, 9)
             from which in Gen.Choose(0, 1000)
             from count in Gen.Choose(1, 6)
             from seed in Gen.Choose(0, int.MaxValue)
             select new StreamOperation(kind, which, count, seed))
         from seed in Gen.Choose(0, int.MaxValue)
         let projSize = cell == RnnCell.Lstm && hidden > 1 && projChoice < hidden ? Math.Max(1, projChoice) : 0
         select new StreamScenario(cell, input, hidden, layers, projSize, relu && cell == RnnCell.Rnn, atRest, capacity, [.. operations.Take(40)], seed))
        .ToArbitrary();
}

/// <summary>
/// Over random models and random sequences of open, close, reset, tick (any subset, any order), chunk and snapshot
/// moves, every stream's outputs and state equal, bit for bit, running it alone through Forward from its initial state.
/// </summary>
public sealed class StreamSetProperties
{
    [Property(Arbitrary = [typeof(StreamScenarioArbitrary)], MaxTest = 150)]
    public void Every_stream_equals_running_it_alone(StreamScenario scenario)
    {
        RnnArchitecture a = scenario.Architecture;
        RnnModel model = RnnModel.CreateRandom(a, scenario.Seed);
        RnnRestState? rest = scenario.AtRest ? RnnRestState.AfterSilence(model, 3) : null;
        var set = new RnnStreamSet(model, scenario.Capacity, rest);
        var open = new List<RecordedStream>();
        foreach (StreamOperation operation in scenario.Operations)
        {
            var random = new Random(operation.Seed);
            RecordedStream? target = open.Count == 0 ? null : open[operation.Which % open.Count];
            switch (operation.Kind)
            {
                case 0 or 1 when open.Count < scenario.Capacity:
                    open.Add(Opened(set, set.Open()));
                    break;
                case 2 when target is not null:
                    target.AssertMatchesSoloRun(set, "before close");
                    set.Close(target.Handle);
                    open.Remove(target);
                    Assert.Throws<ArgumentException>(() => set.Reset(target.Handle));
                    break;
                case 3 when target is not null:
                    // A reset stream starts afresh: its record restarts from the initial state.
                    set.Reset(target.Handle);
                    open[open.IndexOf(target)] = Opened(set, target.Handle);
                    break;
                case 4 when target is not null && open.Count < scenario.Capacity:
                    // Move: snapshot to bytes, open a new stream from them, close the old one.
                    target.AssertMatchesSoloRun(set, "before the move");
                    RnnStreamHandle moved = set.OpenFromSnapshot(set.CreateSnapshot(target.Handle));
                    set.Close(target.Handle);
                    open[open.IndexOf(target)] = Opened(set, moved);
                    break;
                case 5 or 6 when target is not null:
                    float[] chunk = RandomModels.Uniform(random, operation.Count * a.InputSize, 1f);
                    var chunkOutput = new float[operation.Count * a.OutputSize];
                    set.Forward(target.Handle, chunk, chunkOutput, operation.Count);
                    target.Record(chunk, chunkOutput, operation.Count);
                    break;
                default:
                    if (open.Count == 0)
                    {
                        break;
                    }

                    RecordedStream[] chosen = [.. open.OrderBy(_ => random.Next()).Take(Math.Min(open.Count, operation.Count))];
                    float[] input = RandomModels.Uniform(random, chosen.Length * a.InputSize, 1f);
                    var output = new float[chosen.Length * a.OutputSize];
                    set.Step([.. chosen.Select(s => s.Handle)], input, output);
                    for (int i = 0; i < chosen.Length; i++)
                    {
                        chosen[i].Record(input.AsSpan(i * a.InputSize, a.InputSize), output.AsSpan(i * a.OutputSize, a.OutputSize), 1);
                    }

                    break;
            }
        }

        foreach (RecordedStream stream in open)
        {
            stream.AssertMatchesSoloRun(set, $"{a}, {stream.Handle}");
        }
    }

    private static RecordedStream Opened(RnnStreamSet set, RnnStreamHandle handle)
    {
        var initial = new float[set.StateLength];
        set.CopyState(handle, initial);
        return new RecordedStream(handle, initial);
    }
}
