using System.Collections.Generic;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// One vector width as C# text: how the emitted kernels spell loads, stores, broadcasts and FMAs for it.
/// Every multiply-add is the runtime's own, <c>RnnMath.MultiplyAdd</c> (docs/numerics.md): fused, one rounding, where the
/// CPU has FMA, a multiply then an add where it has not; the policy lives in the library, so generated and runtime kernels
/// can never disagree. Never <c>MultiplyAddEstimate</c>, which leaves the choice to the runtime.
/// </summary>
internal sealed class SimdFlavor
{
    /// <summary>512-bit vectors: 32 registers, so up to 24 accumulators (6 output vectors × 4 chunks) stay in registers.</summary>
    public static readonly SimdFlavor Vector512 = new("Vector512", 16, accumulatorBudget: 24);

    /// <summary>256-bit vectors: 16 registers; 12 accumulators (3 output vectors × 4 chunks) leave room for the broadcast, a weight and the tanh's temporaries.</summary>
    public static readonly SimdFlavor Vector256 = new("Vector256", 8, accumulatorBudget: 12);

    /// <summary>128-bit vectors (SSE, Arm64 NEON: 16 and 32 registers): the 4-float panels' kernels, and the units the wider vectors leave in the gate kernels' state pass.</summary>
    public static readonly SimdFlavor Vector128 = new("Vector128", 4, accumulatorBudget: 12);

    /// <summary>Plain floats (16 xmm registers on x64; 8 accumulators, 2 outputs × 4 chunks, keep the scalar code free of spills).</summary>
    public static readonly SimdFlavor Scalar = new("Scalar", 1, accumulatorBudget: 8);

    private SimdFlavor(string name, int lanes, int accumulatorBudget)
    {
        Name = name;
        Lanes = lanes;
        AccumulatorBudget = accumulatorBudget;
    }

    public string Name { get; }

    /// <summary>Floats per vector.</summary>
    public int Lanes { get; }

    /// <summary>How many accumulators the emitted code may keep live without spilling.</summary>
    public int AccumulatorBudget { get; }

    public bool IsScalar => Lanes == 1;

    public string VectorType => IsScalar ? "float" : Name + "<float>";

    public string Zero => IsScalar ? "0f" : VectorType + ".Zero";

    public string Broadcast(string scalar) => IsScalar ? scalar : $"{Name}.Create({scalar})";

    public string Load(string reference, int offset)
        => IsScalar ? Element(reference, offset) : $"{Name}.LoadUnsafe(ref {reference}, {offset})";

    public string Store(string value, string reference, int offset)
        => IsScalar ? $"{Element(reference, offset)} = {value};" : $"{value}.StoreUnsafe(ref {reference}, {offset});";

    /// <summary>A load at a run-time offset (a loop variable).</summary>
    public string LoadAt(string reference, string offset)
        => IsScalar ? $"Unsafe.Add(ref {reference}, {offset})" : $"{Name}.LoadUnsafe(ref {reference}, (nuint){offset})";

    /// <summary>A store at a run-time offset (a loop variable).</summary>
    public string StoreAt(string value, string reference, string offset)
        => IsScalar ? $"Unsafe.Add(ref {reference}, {offset}) = {value};" : $"{value}.StoreUnsafe(ref {reference}, (nuint){offset});";

    /// <summary>left × right + addend, as the runtime's kernels compute it (fused where the CPU has FMA).</summary>
#pragma warning disable CA1822 // An operation of the width, as its siblings, though every width spells it the same.
    public string MultiplyAdd(string left, string right, string addend)
        => $"RnnMath.MultiplyAdd({left}, {right}, {addend})";
#pragma warning restore CA1822

    /// <summary>Vector512, Vector256, Vector128: the name of the width in comments ("512-bit", "scalar").</summary>
    public string Description => IsScalar ? "scalar" : Name.Replace("Vector", string.Empty) + "-bit";

    /// <summary>The float at <paramref name="offset"/> past <paramref name="reference"/>, as an assignable expression.</summary>
    public static string Element(string reference, int offset)
        => offset == 0 ? reference : $"Unsafe.Add(ref {reference}, {offset})";

    /// <summary>
    /// Stores the first <paramref name="count"/> lanes of <paramref name="value"/> (a variable of this flavor's type):
    /// whole halves as narrower vectors, the last few lanes one by one. Output rows are exactly HiddenSize wide and
    /// may be followed by the other direction's columns, so no lane past HiddenSize may be written.
    /// </summary>
    public IEnumerable<string> StorePartial(string value, int count, string reference, int offset)
        => StorePartial(value, Lanes, count, reference, offset);

    private static IEnumerable<string> StorePartial(string value, int lanes, int count, string reference, int offset)
    {
        if (count == lanes)
        {
            yield return lanes == 1 ? $"{Element(reference, offset)} = {value};" : $"{value}.StoreUnsafe(ref {reference}, {offset});";
            yield break;
        }

        if (lanes <= 4)
        {
            for (int lane = 0; lane < count; lane++)
            {
                yield return $"{Element(reference, offset + lane)} = {value}.GetElement({lane});";
            }

            yield break;
        }

        int half = lanes / 2;
        foreach (string line in StorePartial(value + ".GetLower()", half, count < half ? count : half, reference, offset))
        {
            yield return line;
        }

        if (count > half)
        {
            foreach (string line in StorePartial(value + ".GetUpper()", half, count - half, reference, offset + half))
            {
                yield return line;
            }
        }
    }
}
