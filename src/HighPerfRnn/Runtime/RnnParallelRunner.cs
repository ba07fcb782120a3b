using System.Globalization;
using System.Runtime.ExceptionServices;
using HighPerfRnn.Kernels;
using HighPerfRnn.Planning;
using HighPerfRnn.Runtime;

namespace HighPerfRnn;

/// <summary>
/// Spreads a forward pass over several cores. Batch rows are independent sequences, so each thread runs a contiguous
/// share of them through the same model, with its own workspace; where that would leave each thread only a few rows
/// (fewer than 8 a thread for a bidirectional model, fewer than 4 for a large unidirectional one, batch 1 included), a
/// bidirectional model's two directions run on a thread each, waiting for each other after each layer, or the threads
/// split every time step's hidden units, each its panels of every gate block for all the rows, and wait for each other
/// after each step. The execution planner decides which and where (<c>ExecutionPlanner.ParallelSplitFor</c>);
/// <see cref="DescribeSplit"/> says it in words. The threads are dedicated and started once; a call signals them and
/// waits, so after warm-up a call allocates nothing.
/// </summary>
/// <remarks>
/// Worth it when each thread gets enough work (batch × seq × hidden² in the millions of multiply-adds); a call the
/// planner gives no split (a batch-1 call of a small unidirectional model) runs on the calling thread alone. The threads
/// wait for work asleep, so a call after the runner sat idle pays for waking them (a few hundred microseconds on a
/// virtual machine measured); calls back to back do not. A runner serves one call at a time: share it between threads
/// only with your own lock. Dispose it to stop its threads.
/// </remarks>
public sealed unsafe class RnnParallelRunner : IDisposable
{
    private readonly Worker[] _workers;
    private readonly ChunkBuffers _callerBuffers = new();
    private readonly object _callGate = new();

    // The step barrier of each team size that has run (index: threads in the team), made on first use.
    private readonly StepBarrier?[] _barriers;
    private bool _disposed;

    /// <summary>Starts a runner that uses <paramref name="threadCount"/> threads: the caller's and threadCount − 1 dedicated ones.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is not between 1 and 256.</exception>
    public RnnParallelRunner(int threadCount)
    {
        if (threadCount is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, "threadCount must be between 1 and 256.");
        }

        ThreadCount = threadCount;
        _workers = new Worker[threadCount - 1];
        _barriers = new StepBarrier?[threadCount + 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(i + 1);
        }
    }

    /// <summary>Threads a call may use, the caller's included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// As <see cref="RnnModel.Forward(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, SequenceLayout, ReadOnlySpan{float}, RnnWorkspace?)"/>,
    /// with the batch spread over the runner's threads. Results are bit-identical to the single-threaded call.
    /// </summary>
    public void Forward(RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0 = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        _ = Runtime.ForwardValidation.Validate(model.Architecture, input, output, hN, h0, batch, seqLen, layout);
        Run(model, input, output, hN, default, h0, default, batch, seqLen, layout, default);
    }

    /// <summary>The LSTM overload with cell states; see <see cref="RnnModel.Forward(ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, SequenceLayout, ReadOnlySpan{float}, ReadOnlySpan{float}, RnnWorkspace?)"/>.</summary>
    public void Forward(RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0 = default, ReadOnlySpan<float> c0 = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ValidateLstm(model, input, output, hN, cN, batch, seqLen, layout, h0, c0);
        Run(model, input, output, hN, cN, h0, c0, batch, seqLen, layout, default);
    }

    private static void ValidateLstm(
        RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0)
    {
        if (model.Architecture.Cell != RnnCell.Lstm)
        {
            throw new InvalidOperationException($"Cell states (cN, c0) belong to LSTMs, but this model is {model.Architecture}. Use the overload without them.");
        }

        _ = Runtime.ForwardValidation.Validate(model.Architecture, input, output, hN, h0, batch, seqLen, layout);
        Runtime.ForwardValidation.ValidateCellState(model.Architecture, cN, c0, batch, layout, input, output, hN, h0);
    }

    /// <summary>
    /// As <see cref="RnnModel.Forward(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, ReadOnlySpan{int}, SequenceLayout, ReadOnlySpan{float}, RnnWorkspace?)"/>:
    /// sequences of different lengths, spread over the runner's threads in shares of about equal total length (the work
    /// is proportional to it, not to the row count). Bit-identical to the single-threaded call.
    /// </summary>
    public void Forward(RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, ReadOnlySpan<int> lengths, SequenceLayout layout, ReadOnlySpan<float> h0 = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        _ = Runtime.ForwardValidation.Validate(model.Architecture, input, output, hN, h0, batch, seqLen, layout);
        Runtime.ForwardValidation.ValidateLengths(lengths, batch, seqLen, layout);
        Run(model, input, output, hN, default, h0, default, batch, seqLen, layout, lengths);
    }

    /// <summary>The LSTM overload with lengths and cell states; see <see cref="RnnModel.Forward(ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, ReadOnlySpan{int}, SequenceLayout, ReadOnlySpan{float}, ReadOnlySpan{float}, RnnWorkspace?)"/>.</summary>
    public void Forward(RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, ReadOnlySpan<int> lengths, SequenceLayout layout, ReadOnlySpan<float> h0 = default, ReadOnlySpan<float> c0 = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ValidateLstm(model, input, output, hN, cN, batch, seqLen, layout, h0, c0);
        Runtime.ForwardValidation.ValidateLengths(lengths, batch, seqLen, layout);
        Run(model, input, output, hN, cN, h0, c0, batch, seqLen, layout, lengths);
    }

    /// <summary>Stops the dedicated threads.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (Worker worker in _workers)
        {
            worker.Dispose();
        }
    }

    /// <summary>
    /// How a call of <paramref name="batch"/> sequences of <paramref name="seqLen"/> steps is divided, and between how many
    /// threads (the planner's choice, <c>ExecutionPlanner.ParallelSplitFor</c>); a ragged batch's rows always (its steps
    /// have different rows).
    /// </summary>
    internal (ParallelSplit Split, int Threads) SplitFor(RnnModel model, int batch, int seqLen, ReadOnlySpan<int> lengths)
    {
        int rowThreads = Math.Max(1, Math.Min(ThreadCount, batch));
        if (!lengths.IsEmpty)
        {
            return (ParallelSplit.Rows, rowThreads);
        }

        ExecutionPlan plan = model.DriverPlan(RnnCall.Forward, batch, declared: false);
        return ForcedSplit switch
        {
            null => ExecutionPlanner.ParallelSplitFor(plan, batch, seqLen, ThreadCount),
            ParallelSplit.Units when ThreadCount > 1 && ExecutionPlanner.CanShareUnits(plan) => (ParallelSplit.Units, ThreadCount),
            ParallelSplit.Directions when ThreadCount > 1 && ExecutionPlanner.CanShareDirections(plan) => (ParallelSplit.Directions, 2),
            _ => (ParallelSplit.Rows, rowThreads),
        };
    }

    /// <summary>
    /// How a <c>Forward</c> of <paramref name="batch"/> sequences of <paramref name="seqLen"/> steps (the same lengths) would
    /// be divided between this runner's threads, in words: the batch rows, a bidirectional model's directions, or every
    /// step's hidden units, and how many threads take part (the execution planner's choice, fixed per model and shape).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> or <paramref name="seqLen"/> is not positive.</exception>
    public string DescribeSplit(RnnModel model, int batch, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        (ParallelSplit split, int threads) = SplitFor(model, batch, seqLen, default);
        return (split, threads) switch
        {
            (_, 1) => "one thread",
            (ParallelSplit.Directions, _) => "each direction on a thread of its own (2 threads), a wait per layer",
            (ParallelSplit.Units, _) => string.Create(CultureInfo.InvariantCulture, $"every step's hidden units shared by {threads} threads, a wait per step"),
            _ => string.Create(CultureInfo.InvariantCulture, $"the batch rows over {threads} threads"),
        };
    }

    /// <summary>
    /// Tests and benchmarks: the split every call takes wherever it can run at all (units: with every thread; else the
    /// rows), the planner's lines set aside; null: the planner's choice.
    /// </summary>
    internal ParallelSplit? ForcedSplit { get; set; }

    private void Run(RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<int> lengths)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        (ParallelSplit split, int threads) = SplitFor(model, batch, seqLen, lengths);
        if (threads == 1)
        {
            _callerBuffers.Run(model, new Call(input, output, hN, cN, h0, c0, batch, seqLen, layout, lengths), 0, batch);
            return;
        }

        lock (_callGate)
        {
            // The caller stays blocked in this frame until every worker is done, so pointers to its spans stay valid
            // (fixed pins managed memory; stack memory lives as long as the frame).
            fixed (float* inputPointer = input)
            fixed (float* outputPointer = output)
            fixed (float* hNPointer = hN)
            fixed (float* cNPointer = cN)
            fixed (float* h0Pointer = h0)
            fixed (float* c0Pointer = c0)
            fixed (int* lengthsPointer = lengths)
            {
                var call = new PinnedCall(
                    inputPointer, input.Length, outputPointer, output.Length, hNPointer, hN.Length, cNPointer, cN.Length,
                    h0Pointer, h0.Length, c0Pointer, c0.Length, batch, seqLen, layout, lengthsPointer, lengths.Length);
                Exception? failure = split == ParallelSplit.Rows ? RunRowShares(model, call, threads) : RunTeam(model, call, split, threads);
                if (failure is not null)
                {
                    ExceptionDispatchInfo.Throw(failure);
                }
            }
        }
    }

    /// <summary>Each of <paramref name="threads"/> threads (the caller's the first) runs its share of the batch rows (<see cref="Share"/>); the first failure, or null.</summary>
    private Exception? RunRowShares(RnnModel model, PinnedCall call, int threads)
    {
        Call rows = call.ToCall();
        for (int t = 1; t < threads; t++)
        {
            (int start, int end) = Share(rows.Batch, threads, t, rows.Lengths);
            _workers[t - 1].Start(model, call, start, end);
        }

        (int callerStart, int callerEnd) = Share(rows.Batch, threads, 0, rows.Lengths);
        Exception? failure = null;
        try
        {
            _callerBuffers.Run(model, rows, callerStart, callerEnd);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            failure = error;
        }

        for (int t = 1; t < threads; t++)
        {
            failure ??= _workers[t - 1].Wait();
        }

        return failure;
    }

    /// <summary>
    /// A call whose <paramref name="team"/> threads share one pass, dividing each step's hidden units or the directions
    /// (RecurrentDriver.ForwardAsTeamMember): the caller and team − 1 workers run the same pass over the same buffers and
    /// the caller's workspace, each its own part, meeting at the team's barrier. The first failure that is not a member
    /// stopped by another's, or null.
    /// </summary>
    private Exception? RunTeam(RnnModel model, PinnedCall call, ParallelSplit split, int team)
    {
        StepBarrier barrier = _barriers[team] ??= new StepBarrier(team);
        barrier.Reset();
        RnnWorkspace workspace = _callerBuffers.Workspace;
        Call pass = call.ToCall();
        var shape = new SequenceShape(pass.Batch, pass.SeqLen, pass.Layout);
        RecurrentDriver.PrepareTeam(model, shape, workspace, split);

        for (int member = 1; member < team; member++)
        {
            _workers[member - 1].StartTeam(model, call, split, barrier, member, workspace);
        }

        Exception? failure = null;
        try
        {
            RunMember(model, pass, split, workspace, barrier, member: 0);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            barrier.Break();
            failure = error;
        }

        for (int member = 1; member < team; member++)
        {
            Exception? memberFailure = _workers[member - 1].Wait();
            if (memberFailure is not null && (failure is null or StepBarrierBrokenException))
            {
                failure = memberFailure;
            }
        }

        return failure;
    }

    /// <summary>Member <paramref name="member"/>'s part of a pass its team shares (see <see cref="RunTeam"/>).</summary>
    private static void RunMember(RnnModel model, Call pass, ParallelSplit split, RnnWorkspace workspace, StepBarrier barrier, int member)
        => RecurrentDriver.ForwardAsTeamMember(
            model, pass.Input, pass.Output, pass.HN, pass.CN, pass.H0, pass.C0, new SequenceShape(pass.Batch, pass.SeqLen, pass.Layout), workspace, split, barrier, member);

    /// <summary>
    /// Batch rows [start, end) of thread <paramref name="index"/>: contiguous, as even as can be in rows, or with
    /// <paramref name="lengths"/> in total length (the time steps a share runs).
    /// </summary>
    internal static (int Start, int End) Share(int batch, int threads, int index, ReadOnlySpan<int> lengths)
        => lengths.IsEmpty
            ? ((int)((long)batch * index / threads), (int)((long)batch * (index + 1) / threads))
            : (ShareBoundary(lengths, threads, index), ShareBoundary(lengths, threads, index + 1));

    /// <summary>
    /// Where share <paramref name="index"/> starts: the first row whose preceding lengths reach index/threads of the total
    /// (each share keeps at least one row while there are rows enough).
    /// </summary>
    private static int ShareBoundary(ReadOnlySpan<int> lengths, int threads, int index)
    {
        if (index == 0)
        {
            return 0;
        }

        if (index == threads)
        {
            return lengths.Length;
        }

        long total = 0;
        foreach (int length in lengths)
        {
            total += length;
        }

        long target = total * index / threads;
        long sum = 0;
        int row = 0;
        while (row < lengths.Length && sum + (lengths[row] / 2) < target)
        {
            sum += lengths[row];
            row++;
        }

        // Rows enough for the shares before and after this boundary.
        return Math.Clamp(row, index, lengths.Length - (threads - index));
    }

    /// <summary>One call's spans as pointers, for the worker threads (valid while the caller waits).</summary>
    private readonly struct PinnedCall(
        float* input, int inputLength, float* output, int outputLength, float* hN, int hNLength, float* cN, int cNLength,
        float* h0, int h0Length, float* c0, int c0Length, int batch, int seqLen, SequenceLayout layout, int* lengths, int lengthsLength)
    {
        public Call ToCall() => new(
            new ReadOnlySpan<float>(input, inputLength), new Span<float>(output, outputLength), new Span<float>(hN, hNLength),
            new Span<float>(cN, cNLength), new ReadOnlySpan<float>(h0, h0Length), new ReadOnlySpan<float>(c0, c0Length), batch, seqLen, layout,
            new ReadOnlySpan<int>(lengths, lengthsLength));
    }

    /// <summary>One validated call's spans and shape.</summary>
    private readonly ref struct Call(
        ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<int> lengths)
    {
        public ReadOnlySpan<float> Input { get; } = input;

        public Span<float> Output { get; } = output;

        public Span<float> HN { get; } = hN;

        public Span<float> CN { get; } = cN;

        public ReadOnlySpan<float> H0 { get; } = h0;

        public ReadOnlySpan<float> C0 { get; } = c0;

        public int Batch { get; } = batch;

        public int SeqLen { get; } = seqLen;

        public SequenceLayout Layout { get; } = layout;

        /// <summary>Each sequence's length, or empty: all run seqLen steps.</summary>
        public ReadOnlySpan<int> Lengths { get; } = lengths;
    }

    /// <summary>
    /// A thread's workspace and the buffers its share of the batch is gathered into: its rows of the input (when not
    /// batch-first, where they are not contiguous), of h0 and c0, and the results before they are scattered back.
    /// </summary>
    private sealed class ChunkBuffers
    {
        private readonly RnnWorkspace _workspace = new();
        private float[] _buffer = [];

        /// <summary>The workspace of this thread's passes (a team's shared one, where it is the caller's).</summary>
        public RnnWorkspace Workspace => _workspace;

        public void Run(RnnModel model, Call call, int start, int end)
        {
            RnnArchitecture a = model.Architecture;
            int rows = end - start;
            if (rows == call.Batch)
            {
                RunWhole(model, call);
                return;
            }

            int seq = call.SeqLen;
            int stateRows = a.StateRows;
            bool lstm = a.Cell == RnnCell.Lstm;
            bool batchFirst = call.Layout != SequenceLayout.SequenceFirst;
            int inputLength = batchFirst ? 0 : rows * seq * a.InputSize;
            int outputLength = batchFirst ? 0 : rows * seq * a.OutputSize;
            int hLength = stateRows * rows * a.StateSize;
            int cLength = lstm ? stateRows * rows * a.HiddenSize : 0;
            int h0Length = call.H0.IsEmpty ? 0 : hLength;
            int c0Length = call.C0.IsEmpty ? 0 : cLength;
            int total = inputLength + outputLength + hLength + cLength + h0Length + c0Length;
            if (_buffer.Length < total)
            {
                _buffer = new float[total];
            }

            Span<float> buffer = _buffer;
            Span<float> input = buffer[..inputLength];
            Span<float> output = buffer.Slice(inputLength, outputLength);
            Span<float> hN = buffer.Slice(inputLength + outputLength, hLength);
            Span<float> cN = buffer.Slice(inputLength + outputLength + hLength, cLength);
            Span<float> h0 = buffer.Slice(inputLength + outputLength + hLength + cLength, h0Length);
            Span<float> c0 = buffer.Slice(inputLength + outputLength + hLength + cLength + h0Length, c0Length);

            ReadOnlySpan<float> chunkInput;
            Span<float> chunkOutput;
            SequenceLayout layout;
            if (batchFirst)
            {
                // (batch, seq, features): the share's rows are one contiguous block of input and output.
                chunkInput = call.Input.Slice(start * seq * a.InputSize, rows * seq * a.InputSize);
                chunkOutput = call.Output.Slice(start * seq * a.OutputSize, rows * seq * a.OutputSize);
                layout = SequenceLayout.BatchFirst;
            }
            else
            {
                // (seq, batch, features): gather the share's rows of every time step.
                for (int t = 0; t < seq; t++)
                {
                    call.Input.Slice(((t * call.Batch) + start) * a.InputSize, rows * a.InputSize).CopyTo(input.Slice(t * rows * a.InputSize, rows * a.InputSize));
                }

                chunkInput = input;
                chunkOutput = output;
                layout = SequenceLayout.SequenceFirst;
            }

            GatherStates(call.H0, h0, stateRows, call.Batch, start, rows, a.StateSize);
            GatherStates(call.C0, c0, stateRows, call.Batch, start, rows, a.HiddenSize);
            Forward(model, chunkInput, chunkOutput, hN, lstm ? cN : default, h0, c0, rows, seq, layout, call.Lengths.IsEmpty ? default : call.Lengths.Slice(start, rows));

            if (!batchFirst)
            {
                for (int t = 0; t < seq; t++)
                {
                    output.Slice(t * rows * a.OutputSize, rows * a.OutputSize).CopyTo(call.Output.Slice(((t * call.Batch) + start) * a.OutputSize, rows * a.OutputSize));
                }
            }

            ScatterStates(hN, call.HN, stateRows, call.Batch, start, rows, a.StateSize);
            if (!call.CN.IsEmpty)
            {
                ScatterStates(cN, call.CN, stateRows, call.Batch, start, rows, a.HiddenSize);
            }
        }

        private void RunWhole(RnnModel model, Call call)
            => Forward(model, call.Input, call.Output, call.HN, model.Architecture.Cell == RnnCell.Lstm ? call.CN : default, call.H0, call.C0, call.Batch, call.SeqLen, call.Layout, call.Lengths);

        /// <summary>The model's Forward for one share: with cell states when <paramref name="cN"/> is given, with lengths when there are any.</summary>
        private void Forward(
            RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<int> lengths)
        {
            bool cells = !cN.IsEmpty;
            switch (cells, lengths.IsEmpty)
            {
                case (true, true):
                    model.Forward<RuntimeStepKernel>(input, output, hN, cN, batch, seqLen, layout, h0, c0, _workspace);
                    break;
                case (true, false):
                    model.Forward<RuntimeStepKernel>(input, output, hN, cN, batch, seqLen, lengths, layout, h0, c0, _workspace);
                    break;
                case (false, true):
                    model.Forward<RuntimeStepKernel>(input, output, hN, batch, seqLen, layout, h0, _workspace);
                    break;
                default:
                    model.Forward<RuntimeStepKernel>(input, output, hN, batch, seqLen, lengths, layout, h0, _workspace);
                    break;
            }
        }

        /// <summary>Rows [start, start + rows) of each of the (stateRows, batch, width) state's stateRows blocks.</summary>
        private static void GatherStates(ReadOnlySpan<float> source, Span<float> destination, int stateRows, int batch, int start, int rows, int width)
        {
            if (source.IsEmpty)
            {
                return;
            }

            for (int r = 0; r < stateRows; r++)
            {
                source.Slice(((r * batch) + start) * width, rows * width).CopyTo(destination.Slice(r * rows * width, rows * width));
            }
        }

        private static void ScatterStates(ReadOnlySpan<float> source, Span<float> destination, int stateRows, int batch, int start, int rows, int width)
        {
            for (int r = 0; r < stateRows; r++)
            {
                source.Slice(r * rows * width, rows * width).CopyTo(destination.Slice(((r * batch) + start) * width, rows * width));
            }
        }
    }

    /// <summary>A dedicated thread that runs one share of a call when signalled.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly ChunkBuffers _buffers = new();
        // Semaphores rather than ManualResetEventSlim: an event creates its lock object the first time a Wait has to
        // block, which on a busy machine can be any call (24 bytes, seen in CI); a semaphore creates it up front.
        private readonly SemaphoreSlim _start = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private readonly Thread _thread;
        private RnnModel? _model;
        private PinnedCall _call;
        private int _begin;
        private int _end;

        // Set where the worker is a member of a team sharing one pass (else it runs rows _begin to _end).
        private StepBarrier? _barrier;
        private ParallelSplit _split;
        private int _member;
        private RnnWorkspace? _sharedWorkspace;
        private Exception? _failure;
        private volatile bool _stopping;

        public Worker(int index)
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = $"HighPerfRnn worker {index}" };
            _thread.Start();
        }

        public void Start(RnnModel model, PinnedCall call, int begin, int end)
        {
            _model = model;
            _call = call;
            _begin = begin;
            _end = end;
            _failure = null;
            _start.Release();
        }

        public void StartTeam(RnnModel model, PinnedCall call, ParallelSplit split, StepBarrier barrier, int member, RnnWorkspace workspace)
        {
            _split = split;
            _barrier = barrier;
            _member = member;
            _sharedWorkspace = workspace;
            Start(model, call, 0, 0);
        }

        public Exception? Wait()
        {
            _done.Wait();
            return _failure;
        }

        public void Dispose()
        {
            _stopping = true;
            _start.Release();
            _thread.Join();
            _start.Dispose();
            _done.Dispose();
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                if (_stopping)
                {
                    return;
                }

                try
                {
                    if (_barrier is { } barrier)
                    {
                        RunMember(_model!, _call.ToCall(), _split, _sharedWorkspace!, barrier, _member);
                    }
                    else
                    {
                        _buffers.Run(_model!, _call.ToCall(), _begin, _end);
                    }
                }
                catch (Exception error) when (error is not OutOfMemoryException)
                {
                    _barrier?.Break();
                    _failure = error;
                }
                finally
                {
                    _model = null;
                    _barrier = null;
                    _sharedWorkspace = null;
                    _done.Release();
                }
            }
        }
    }
}
