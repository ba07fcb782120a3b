using System.Linq;
using Microsoft.CodeAnalysis;

namespace HighPerfRnn.Generators.Models;

/// <summary>A diagnostic to report, as equatable values (descriptor, location and message arguments).</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArguments)
        => new(descriptor, location, new EquatableArray<string>(messageArguments));

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location?.ToLocation(), MessageArguments.Cast<object?>().ToArray());
}
