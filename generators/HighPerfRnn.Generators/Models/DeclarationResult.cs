namespace HighPerfRnn.Generators.Models;

/// <summary>
/// What the parser makes of one attributed type: the model to emit (null when the declaration is bad) and the
/// diagnostics to report. The pipeline splits the two, so a change that only moves a diagnostic re-emits no code.
/// </summary>
internal sealed record DeclarationResult(RnnModelDeclaration? Model, EquatableArray<DiagnosticInfo> Diagnostics);
