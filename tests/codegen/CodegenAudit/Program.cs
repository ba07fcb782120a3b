using HighPerfRnn;
using HighPerfRnn.CodegenAudit;

// Every audited model's Forward (and Step, where it has one) at batches 1 and 2, on the path this process runs
// (run-codegen-audit.sh sets it), so that each generated kernel is compiled once. The results are not checked here:
// the tests check the bits; this program only gives the JIT something to compile.
const int SeqLen = 4;
Run(RnnCell.Rnn, 5, 8, 2, true, 0, m => Seed.FromRuntimeModel(m).Forward, null);
Run(RnnCell.Rnn, 8, 8, 1, false, 0, m => Rnn8.FromRuntimeModel(m).Forward, m => Rnn8.FromRuntimeModel(m).Step);
Run(RnnCell.Rnn, 16, 16, 2, false, 0, m => Rnn16Deep.FromRuntimeModel(m).Forward, m => Rnn16Deep.FromRuntimeModel(m).Step);
Run(RnnCell.Rnn, 32, 32, 2, false, 0, m => Rnn32Deep.FromRuntimeModel(m).Forward, m => Rnn32Deep.FromRuntimeModel(m).Step);
Run(RnnCell.Rnn, 24, 24, 1, false, 0, m => Rnn24Relu.FromRuntimeModel(m).Forward, m => Rnn24Relu.FromRuntimeModel(m).Step, RnnNonlinearity.Relu);
Run(RnnCell.Rnn, 5, 33, 2, true, 0, m => Rnn33Bidirectional.FromRuntimeModel(m).Forward, null, RnnNonlinearity.Relu, bias: false);
RunLstm(8, 8, 1, false, 0, m => Lstm8.FromRuntimeModel(m).Forward, m => Lstm8.FromRuntimeModel(m).Step);
RunLstm(16, 16, 2, false, 0, m => Lstm16Deep.FromRuntimeModel(m).Forward, m => Lstm16Deep.FromRuntimeModel(m).Step);
RunLstm(32, 32, 2, false, 0, m => Lstm32Deep.FromRuntimeModel(m).Forward, m => Lstm32Deep.FromRuntimeModel(m).Step);
RunLstm(16, 24, 2, true, 0, m => Lstm24Bidirectional.FromRuntimeModel(m).Forward, null);
RunLstm(10, 20, 2, true, 7, m => Lstm20ProjBidirectional.FromRuntimeModel(m).Forward, null);
RunLstm(3, 40, 2, false, 13, m => Lstm40ProjDeep.FromRuntimeModel(m).Forward, m => Lstm40ProjDeep.FromRuntimeModel(m).Step);
Run(RnnCell.Gru, 8, 8, 1, false, 0, m => Gru8.FromRuntimeModel(m).Forward, m => Gru8.FromRuntimeModel(m).Step);
Run(RnnCell.Gru, 16, 16, 2, false, 0, m => Gru16Deep.FromRuntimeModel(m).Forward, m => Gru16Deep.FromRuntimeModel(m).Step);
Run(RnnCell.Gru, 32, 32, 2, false, 0, m => Gru32Deep.FromRuntimeModel(m).Forward, m => Gru32Deep.FromRuntimeModel(m).Step);
Run(RnnCell.Gru, 12, 20, 3, true, 0, m => Gru20Bidirectional.FromRuntimeModel(m).Forward, null, bias: false);
Run(RnnCell.Gru, 1, 16, 1, true, 0, m => Gru16Bidirectional.FromRuntimeModel(m).Forward, null);

// The runtime's own kernels (the second half of the audit): runtime-sized models over the shapes that pick each
// kernel: the one-vector Elman sequence kernel, the batch-1 products and fused gate steps, the batched tiles (batches of
// 2-3, 4 and 8, 6-row and 4-row tiles with leftovers), longer depths, Step with its input product.
foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
{
    foreach (int hidden in new[] { 8, 12, 32, 64, 136 })
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(cell, hidden, hidden), seed: 1);
        foreach (int batch in new[] { 1, 2, 3, 4, 5, 8, 16, 19 })
        {
            RunRuntime(model, batch);
        }
    }
}

RunRuntime(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 24, 48, numLayers: 2, bidirectional: true, projSize: 20), seed: 1), 3);
Console.WriteLine("audited models ran");

static void RunRuntime(RnnModel model, int batch)
{
    RnnArchitecture a = model.Architecture;
    RnnCell cell = a.Cell;
    int input = a.InputSize;
    int directions = a.Bidirectional ? 2 : 1;
    int state = a.ProjSize > 0 ? a.ProjSize : a.HiddenSize;
    var x = new float[batch * SeqLen * input];
    var y = new float[batch * SeqLen * state * directions];
    var hN = new float[batch * a.NumLayers * directions * state];
    var cN = new float[batch * a.NumLayers * directions * a.HiddenSize];
    if (cell == RnnCell.Lstm)
    {
        model.Forward(x, y, hN, cN, batch, SeqLen, SequenceLayout.BatchFirst);
    }
    else
    {
        model.Forward(x, y, hN, batch, SeqLen, SequenceLayout.BatchFirst);
    }

    if (!a.Bidirectional)
    {
        var stepIn = new float[batch * input];
        var stepOut = new float[batch * state];

        // Twice: streaming steps alternate the order of their weight panels from one call to the next.
        for (int i = 0; i < 2; i++)
        {
            if (cell == RnnCell.Lstm)
            {
                model.Step(stepIn, hN, cN, stepOut, batch);
            }
            else
            {
                model.Step(stepIn, hN, stepOut, batch);
            }
        }
    }
}

static void Run(RnnCell cell, int input, int hidden, int layers, bool bidirectional, int proj, Func<RnnModel, PlainForward> forward, Func<RnnModel, PlainStep>? step, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, bool bias = true)
{
    RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(cell, input, hidden, layers, bidirectional, bias, nonlinearity, proj), seed: 1);
    int directions = bidirectional ? 2 : 1;
    for (int batch = 1; batch <= 2; batch++)
    {
        forward(model)(new float[batch * SeqLen * input], new float[batch * SeqLen * hidden * directions], new float[batch * layers * directions * hidden], batch, SeqLen, SequenceLayout.BatchFirst, default, null);
        step?.Invoke(model)(new float[batch * input], new float[batch * layers * hidden], new float[batch * hidden], batch, null);
    }
}

static void RunLstm(int input, int hidden, int layers, bool bidirectional, int proj, Func<RnnModel, CellForward> forward, Func<RnnModel, CellStep>? step)
{
    RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, input, hidden, layers, bidirectional, projSize: proj), seed: 1);
    int directions = bidirectional ? 2 : 1;
    int state = proj > 0 ? proj : hidden;
    for (int batch = 1; batch <= 2; batch++)
    {
        forward(model)(new float[batch * SeqLen * input], new float[batch * SeqLen * state * directions], new float[batch * layers * directions * state], new float[batch * layers * directions * hidden], batch, SeqLen, SequenceLayout.BatchFirst, default, default, null);
        step?.Invoke(model)(new float[batch * input], new float[batch * layers * state], new float[batch * layers * hidden], new float[batch * state], batch, null);
    }
}

internal delegate void PlainForward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);

internal delegate void CellForward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace);

internal delegate void PlainStep(ReadOnlySpan<float> input, Span<float> state, Span<float> output, int batch, RnnWorkspace? workspace);

internal delegate void CellStep(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace);
