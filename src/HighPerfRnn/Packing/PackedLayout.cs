using System.ComponentModel;

namespace HighPerfRnn.Packing;

/// <summary>
/// The version of the packed weight layout (docs/numerics.md): column panels of the vector width, gate-major, each
/// gate block padded to whole panels. Code the source generator emits addresses the packed weights directly, so it
/// records the version it was written for and checks it when a declared model loads: a library whose layout changed
/// then fails loudly instead of computing garbage.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PackedLayout
{
    /// <summary>Version 2: gate blocks padded to whole panels (version 1 packed the gate rows contiguously).</summary>
    public const int Version = 2;

    /// <summary>Throws if generated code written for layout <paramref name="generatedFor"/> meets this library's layout.</summary>
    /// <exception cref="InvalidOperationException">The versions differ.</exception>
    public static void Require(int generatedFor, string declaringType)
    {
        if (generatedFor != Version)
        {
            throw new InvalidOperationException(
                $"{declaringType} was generated for packed layout version {generatedFor}, but this HighPerfRnn packs weights in layout version {Version}. "
                + "Rebuild the project so the source generator that ships with this HighPerfRnn regenerates it.");
        }
    }
}
