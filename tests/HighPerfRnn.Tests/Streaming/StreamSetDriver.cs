using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>
/// Drives a set at random, as a server would: streams open and close, ticks step random subsets in random order,
/// single streams advance by chunks; then checks every stream against running it alone.
/// </summary>
internal static class StreamSetDriver
{
    public static void Run(RnnStreamSet set, Random random, int rounds, string what)
    {
        RnnArchitecture a = set.Model.Architecture;
        var open = new List<RecordedStream>();
        for (int i = 0; i < set.Capacity - 1; i++)
        {
            open.Add(Open(set));
        }

        for (int round = 0; round < rounds; round++)
        {
            int choice = random.Next(10);
            if (choice == 0 && open.Count > 0)
            {
                RecordedStream closing = open[random.Next(open.Count)];
                closing.AssertMatchesSoloRun(set, $"{what}, round {round}, before close");
                set.Close(closing.Handle);
                open.Remove(closing);
            }
            else if (choice == 1 && set.OpenCount < set.Capacity)
            {
                open.Add(Open(set));
            }
            else if (choice < 4 && open.Count > 0)
            {
                RecordedStream stream = open[random.Next(open.Count)];
                int steps = random.Next(1, 6);
                float[] input = RandomModels.Uniform(random, steps * a.InputSize, 1f);
                var output = new float[steps * a.OutputSize];
                set.Forward(stream.Handle, input, output, steps);
                stream.Record(input, output, steps);
            }
            else if (choice == 4 && open.Count > 0)
            {
                // Chunks of their own lengths for a random subset, together (a ragged batch).
                RecordedStream[] chosen = [.. open.OrderBy(_ => random.Next()).Take(random.Next(1, open.Count + 1))];
                int maxSteps = random.Next(1, 6);
                int[] steps = [.. chosen.Select(_ => random.Next(1, maxSteps + 1))];
                float[] input = RandomModels.Uniform(random, chosen.Length * maxSteps * a.InputSize, 1f);
                var output = new float[chosen.Length * maxSteps * a.OutputSize];
                set.Forward(chosen.Select(s => s.Handle).ToArray(), input, output, steps, maxSteps);
                for (int i = 0; i < chosen.Length; i++)
                {
                    int row = i * maxSteps;
                    chosen[i].Record(input.AsSpan(row * a.InputSize, steps[i] * a.InputSize), output.AsSpan(row * a.OutputSize, steps[i] * a.OutputSize), steps[i]);
                    Assert.All(output.AsSpan((row + steps[i]) * a.OutputSize, (maxSteps - steps[i]) * a.OutputSize).ToArray(), value => Assert.Equal(0f, value));
                }
            }
            else if (open.Count > 0)
            {
                // A random subset in random order; sometimes all, in slot order (the in-place path of one-layer models).
                RecordedStream[] chosen = random.Next(4) == 0
                    ? [.. open.OrderBy(s => s.Handle.Slot)]
                    : [.. open.OrderBy(_ => random.Next()).Take(random.Next(1, open.Count + 1))];
                float[] input = RandomModels.Uniform(random, chosen.Length * a.InputSize, 1f);
                var output = new float[chosen.Length * a.OutputSize];
                set.Step(chosen.Select(s => s.Handle).ToArray(), input, output);
                for (int i = 0; i < chosen.Length; i++)
                {
                    chosen[i].Record(input.AsSpan(i * a.InputSize, a.InputSize), output.AsSpan(i * a.OutputSize, a.OutputSize), 1);
                }
            }
        }

        foreach (RecordedStream stream in open)
        {
            stream.AssertMatchesSoloRun(set, $"{what}, {stream.Handle} at the end");
        }
    }

    private static RecordedStream Open(RnnStreamSet set)
    {
        RnnStreamHandle handle = set.Open();
        var initial = new float[set.StateLength];
        set.CopyState(handle, initial);
        return new RecordedStream(handle, initial);
    }
}
