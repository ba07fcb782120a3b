using Microsoft.CodeAnalysis;

namespace HighPerfRnn.Generators;

/// <summary>
/// Turns <c>[RnnModel(...)]</c> declarations into fixed-size, SIMD-specialized models.
/// Skeleton: the generator issue fills it in.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnModelGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
