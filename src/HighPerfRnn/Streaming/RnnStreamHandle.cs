using System.Globalization;

namespace HighPerfRnn;

/// <summary>
/// One open stream of an <see cref="RnnStreamSet"/>: its slot and the generation of that slot when the stream was
/// opened. A handle stays valid until its stream is closed; after that the set refuses it, even once the slot holds
/// another stream (the generation has moved on), and another set refuses it always. <c>default</c> is no stream.
/// </summary>
public readonly struct RnnStreamHandle : IEquatable<RnnStreamHandle>
{
    internal RnnStreamHandle(int setId, int slot, int generation)
    {
        SetId = setId;
        Slot = slot;
        Generation = generation;
    }

    /// <summary>The set that opened the stream (0 for <c>default</c>, which no set opened).</summary>
    internal int SetId { get; }

    /// <summary>
    /// Where the set keeps the stream: 0 to <see cref="RnnStreamSet.Capacity"/> − 1, fixed while it is open and reused
    /// after it closes. Handy to index arrays of your own per stream.
    /// </summary>
    public int Slot { get; }

    /// <summary>How many streams the slot had held when this one was opened (from 1; 0 is <c>default</c>).</summary>
    public int Generation { get; }

    /// <summary>Whether two handles name the same stream of the same set.</summary>
    public bool Equals(RnnStreamHandle other) => SetId == other.SetId && Slot == other.Slot && Generation == other.Generation;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RnnStreamHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SetId, Slot, Generation);

    /// <summary>The slot and generation, e.g. <c>stream 3.1</c>.</summary>
    public override string ToString() => SetId == 0 ? "no stream" : string.Create(CultureInfo.InvariantCulture, $"stream {Slot}.{Generation}");

    /// <summary>Whether two handles name the same stream of the same set.</summary>
    public static bool operator ==(RnnStreamHandle left, RnnStreamHandle right) => left.Equals(right);

    /// <summary>Whether two handles name different streams.</summary>
    public static bool operator !=(RnnStreamHandle left, RnnStreamHandle right) => !left.Equals(right);
}
