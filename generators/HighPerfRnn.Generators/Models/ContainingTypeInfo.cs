namespace HighPerfRnn.Generators.Models;

/// <summary>
/// A type that encloses the declaration, reproduced as a partial declaration around the generated members.
/// <paramref name="Keyword"/> is what follows <c>partial</c>: <c>class</c>, <c>struct</c>, <c>record</c>,
/// <c>record struct</c> or <c>interface</c>.
/// </summary>
internal sealed record ContainingTypeInfo(string Keyword, string Name);
