using System.Runtime.InteropServices;
using HighPerfRnn.Safetensors;
using HighPerfRnn.Tests.Support;
using Xunit.Sdk;

namespace HighPerfRnn.Tests.Robustness;

/// <summary>
/// Issue 7, concurrent callers: a model is immutable and shared by a server's threads. Eight threads, each with its
/// own inputs, run 1,000 forward passes apiece on one model at once; every result must be bit-identical to the same
/// pass run on a single thread. Half the threads bring their own workspace, half use the per-thread default, and
/// shapes vary from pass to pass so the workspaces grow while other threads run.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private const int PassesPerThread = 1_000;

    public static TheoryData<string, RnnArchitecture> Models => new()
    {
        { "RNN tanh", new RnnArchitecture(RnnCell.Rnn, 5, 8) },
        { "RNN relu, 2 layers", new RnnArchitecture(RnnCell.Rnn, 3, 6, numLayers: 2, nonlinearity: RnnNonlinearity.Relu) },
        { "LSTM", new RnnArchitecture(RnnCell.Lstm, 4, 7) },
        { "LSTM proj_size, 2 layers, bidirectional", new RnnArchitecture(RnnCell.Lstm, 3, 6, numLayers: 2, bidirectional: true, projSize: 4) },
        { "GRU", new RnnArchitecture(RnnCell.Gru, 5, 9) },
        { "GRU 2 layers bidirectional, no bias", new RnnArchitecture(RnnCell.Gru, 4, 5, numLayers: 2, bidirectional: true, bias: false) },
        { "RNN 3 layers bidirectional", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 3, bidirectional: true) },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Eight_threads_sharing_a_model_get_the_single_thread_results_bit_for_bit(string name, RnnArchitecture architecture)
    {
        RnnModel model = RnnModel.FromStateDict(architecture, RandomModels.StateDict(architecture, new Random(name.Length)));
        Pass[][] passes = Enumerable.Range(0, Threads).Select(thread => Passes(architecture, thread)).ToArray();

        // The single-thread results, on a fresh thread so its per-thread workspace is its own.
        float[][][] expected = new float[Threads][][];
        RunOnThread(() =>
        {
            var workspace = new RnnWorkspace();
            for (int thread = 0; thread < Threads; thread++)
            {
                expected[thread] = passes[thread].Select(pass => Run(model, pass, thread % 2 == 0 ? workspace : null)).ToArray();
            }
        });

        float[][][] actual = new float[Threads][][];
        Assert.Null(RunConcurrently(Threads, thread =>
        {
            RnnWorkspace? own = thread % 2 == 0 ? new RnnWorkspace() : null;
            actual[thread] = passes[thread].Select(pass => Run(model, pass, own)).ToArray();
        }));

        for (int thread = 0; thread < Threads; thread++)
        {
            for (int i = 0; i < PassesPerThread; i++)
            {
                if (!BitEqual(expected[thread][i], actual[thread][i]))
                {
                    throw new XunitException($"{name}: thread {thread}, pass {i} ({passes[thread][i]}) differs from the single-thread result.");
                }
            }
        }
    }

    [Theory]
    [InlineData(RnnCell.Rnn)]
    [InlineData(RnnCell.Lstm)]
    [InlineData(RnnCell.Gru)]
    public void Eight_threads_streaming_steps_on_one_model_match_one_thread(RnnCell cell)
    {
        var architecture = new RnnArchitecture(cell, 4, 8, numLayers: 2);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 5);
        const int Steps = PassesPerThread;

        float[] Stream(int thread)
        {
            var random = new Random(thread);
            var state = new float[2 * 8];
            var cellState = new float[2 * 8];
            var output = new float[8];
            var trace = new float[Steps * 8];
            for (int t = 0; t < Steps; t++)
            {
                float[] x = RandomModels.Uniform(random, 4, 1f);
                if (cell == RnnCell.Lstm)
                {
                    model.Step(x, state, cellState, output);
                }
                else
                {
                    model.Step(x, state, output);
                }

                output.CopyTo(trace, t * 8);
            }

            return trace;
        }

        float[][] expected = new float[Threads][];
        RunOnThread(() =>
        {
            for (int thread = 0; thread < Threads; thread++)
            {
                expected[thread] = Stream(thread);
            }
        });

        float[][] actual = new float[Threads][];
        Assert.Null(RunConcurrently(Threads, thread => actual[thread] = Stream(thread)));
        for (int thread = 0; thread < Threads; thread++)
        {
            Assert.True(BitEqual(expected[thread], actual[thread]), $"{cell}: thread {thread}'s stream differs from the single-thread one.");
        }
    }

    [Fact]
    public void Eight_threads_loading_from_one_parsed_file_build_identical_models()
    {
        // SafetensorsFile is documented as safe to share; models built from it concurrently must all be the same.
        SafetensorsFile file = SafetensorsFile.Open(Path.Combine(PyTorchFixture.Directory, "lstm_proj.model.safetensors"));
        RnnModel reference = RnnModel.FromSafetensors(file);
        var models = new RnnModel[Threads * 20];
        Assert.Null(RunConcurrently(Threads, thread =>
        {
            for (int i = 0; i < 20; i++)
            {
                models[(thread * 20) + i] = RnnModel.FromSafetensors(file);
            }
        }));
        foreach (RnnModel model in models)
        {
            Assert.Equal(reference.Architecture, model.Architecture);
            foreach ((string name, FloatTensor tensor) in reference.StateDict)
            {
                Assert.True(BitEqual(tensor.Data, model.StateDict[name].Data), name);
            }
        }
    }

    /// <summary>One forward pass: its shape, layout and inputs.</summary>
    private sealed record Pass(int Batch, int SeqLen, SequenceLayout Layout, float[] Input, float[]? H0, float[]? C0)
    {
        public override string ToString() => $"batch {Batch}, seq {SeqLen}, {Layout}, h0 {(H0 is null ? "none" : "given")}";
    }

    private static Pass[] Passes(RnnArchitecture a, int thread)
    {
        var random = new Random(1000 + thread);
        var passes = new Pass[PassesPerThread];
        for (int i = 0; i < passes.Length; i++)
        {
            var layout = (SequenceLayout)random.Next(3);
            int batch = layout == SequenceLayout.Unbatched ? 1 : random.Next(1, 4);
            int seqLen = random.Next(1, 6);
            bool withH0 = random.Next(2) == 0;
            passes[i] = new Pass(
                batch,
                seqLen,
                layout,
                RandomModels.Uniform(random, batch * seqLen * a.InputSize, 1f),
                withH0 ? RandomModels.Uniform(random, a.StateRows * batch * a.StateSize, 1f) : null,
                withH0 && a.Cell == RnnCell.Lstm ? RandomModels.Uniform(random, a.StateRows * batch * a.HiddenSize, 1f) : null);
        }

        return passes;
    }

    /// <summary>Runs a pass; returns output ‖ h_n (‖ c_n for an LSTM).</summary>
    private static float[] Run(RnnModel model, Pass pass, RnnWorkspace? workspace)
    {
        RnnArchitecture a = model.Architecture;
        var output = new float[pass.Batch * pass.SeqLen * a.OutputSize];
        var hN = new float[a.StateRows * pass.Batch * a.StateSize];
        if (a.Cell == RnnCell.Lstm)
        {
            var cN = new float[a.StateRows * pass.Batch * a.HiddenSize];
            model.Forward(pass.Input, output, hN, cN, pass.Batch, pass.SeqLen, pass.Layout, pass.H0, pass.C0, workspace);
            return [.. output, .. hN, .. cN];
        }

        model.Forward(pass.Input, output, hN, pass.Batch, pass.SeqLen, pass.Layout, pass.H0, workspace);
        return [.. output, .. hN];
    }

    internal static bool BitEqual(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
        => MemoryMarshal.AsBytes(left).SequenceEqual(MemoryMarshal.AsBytes(right));

    private static void RunOnThread(Action action) => Assert.Null(RunConcurrently(1, _ => action()));

    /// <summary>
    /// Runs <paramref name="body"/>(i) on <paramref name="count"/> new threads released together by a barrier; waits
    /// for all and returns the first exception any threw (an exception escaping a thread would end the test process).
    /// </summary>
    private static Exception? RunConcurrently(int count, Action<int> body)
    {
        Exception? failure = null;
        using var start = new Barrier(count);
        Thread[] threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(i);
            }
            catch (Exception error)
            {
                Interlocked.CompareExchange(ref failure, error, null);
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return failure;
    }
}
