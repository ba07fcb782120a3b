using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using HighPerfRnn.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace HighPerfRnn.Generators.Parsing;

/// <summary>
/// Reads one <c>[RnnModel]</c> declaration into an equatable <see cref="DeclarationResult"/>: the model when the
/// declaration is sound, else only the diagnostics. Every symbol and syntax node stays inside this class.
/// </summary>
internal static class DeclarationParser
{
    // The attribute's enums, by their values in the runtime (HighPerfRnn.RnnCell, HighPerfRnn.RnnNonlinearity).
    private static readonly string[] CellNames = ["Rnn", "Lstm", "Gru"];
    private static readonly string[] NonlinearityNames = ["Tanh", "Relu"];

    /// <summary>The cheap syntax filter: only classes (and record classes) can carry the attribute.</summary>
    public static bool IsCandidate(SyntaxNode node)
        => node is ClassDeclarationSyntax
            || (node is RecordDeclarationSyntax record && !record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword));

    public static DeclarationResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type
            || context.TargetNode is not TypeDeclarationSyntax declaration
            || context.Attributes.Length == 0)
        {
            return new DeclarationResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        AttributeData attribute = context.Attributes[0];
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        LocationInfo? typeLocation = LocationInfo.From(declaration.Identifier);
        LocationInfo? attributeLocation = LocationInfo.From(attributeSyntax) ?? typeLocation;
        var diagnostics = new List<DiagnosticInfo>();
        string typeName = type.Name;

        // The shape of the type: partial, not generic, a plain class, inside partial types.
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TypeNotPartial, typeLocation, typeName));
        }

        if (type.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, typeLocation, typeName, "it is"));
        }
        else if (ContainingTypes(type).FirstOrDefault(t => t.IsGenericType) is { } genericContainer)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, typeLocation, typeName, $"its containing type '{genericContainer.Name}' is"));
        }

        string? unsupportedKind = type.IsStatic ? "static"
            : type.IsAbstract ? "abstract"
            : declaration.ParameterList is not null ? "declared with a primary constructor"
            : null;
        if (unsupportedKind is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTypeKind, typeLocation, typeName, unsupportedKind));
        }

        var containingTypes = new List<ContainingTypeInfo>();
        for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax container; parent = parent.Parent)
        {
            if (!container.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, typeLocation, typeName, container.Identifier.ValueText));
            }

            containingTypes.Insert(0, new ContainingTypeInfo(KeywordOf(container), Escape(container.Identifier.ValueText)));
        }

        cancellationToken.ThrowIfCancellationRequested();

        // The attribute's values. A constructor the compiler could not bind (missing or mistyped arguments) is
        // already a compiler error: emit nothing and add no noise.
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 2
            || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
        {
            return Result(null, diagnostics);
        }

        int inputSize = IntValue(attribute.ConstructorArguments[0], 0);
        int hiddenSize = IntValue(attribute.ConstructorArguments[1], 0);
        int numLayers = 1;
        bool bidirectional = false;
        bool bias = true;
        int nonlinearity = 0;
        int cell = 0;
        int projSize = 0;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "NumLayers": numLayers = IntValue(named.Value, numLayers); break;
                case "Bidirectional": bidirectional = named.Value.Value is true; break;
                case "Bias": bias = named.Value.Value is not false; break;
                case "Nonlinearity": nonlinearity = IntValue(named.Value, nonlinearity); break;
                case "Cell": cell = IntValue(named.Value, cell); break;
                case "ProjSize": projSize = IntValue(named.Value, projSize); break;
            }
        }

        var arguments = new AttributeArguments(attributeSyntax, attributeLocation);
        CheckSize(diagnostics, "inputSize", inputSize, DiagnosticDescriptors.MaxFeatures, arguments.Positional(0, "inputSize"), typeName);
        CheckSize(diagnostics, "hiddenSize", hiddenSize, DiagnosticDescriptors.MaxFeatures, arguments.Positional(1, "hiddenSize"), typeName);
        CheckSize(diagnostics, "NumLayers", numLayers, DiagnosticDescriptors.MaxLayers, arguments.Named("NumLayers"), typeName);

        bool cellKnown = cell >= 0 && cell < CellNames.Length;
        bool nonlinearityKnown = nonlinearity >= 0 && nonlinearity < NonlinearityNames.Length;
        string cellName = cellKnown ? CellNames[cell] : cell.ToString(CultureInfo.InvariantCulture);
        string nonlinearityName = nonlinearityKnown ? NonlinearityNames[nonlinearity] : nonlinearity.ToString(CultureInfo.InvariantCulture);
        if (!cellKnown)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OptionDoesNotFitCell, arguments.Named("Cell"),
                $"Cell of '{typeName}' is {cellName}, which is not a value of RnnCell (Rnn, Lstm or Gru)"));
        }

        if (!nonlinearityKnown)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OptionDoesNotFitCell, arguments.Named("Nonlinearity"),
                $"Nonlinearity of '{typeName}' is {nonlinearityName}, which is not a value of RnnNonlinearity (Tanh or Relu)"));
        }
        else if (cellKnown && cellName != "Rnn" && nonlinearityName != "Tanh")
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OptionDoesNotFitCell, arguments.Named("Nonlinearity"),
                $"Nonlinearity {nonlinearityName} of '{typeName}' applies only to the Elman RNN cell (RnnCell.Rnn), but the cell is {cellName}"));
        }

        if (projSize != 0 && cellKnown)
        {
            if (cellName != "Lstm")
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OptionDoesNotFitCell, arguments.Named("ProjSize"),
                    $"ProjSize of '{typeName}' applies only to the LSTM cell (RnnCell.Lstm), but the cell is {cellName}"));
            }
            else if (projSize < 0 || projSize >= hiddenSize)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OptionDoesNotFitCell, arguments.Named("ProjSize"),
                    $"ProjSize of '{typeName}' is {projSize}, but must be 0 (no projection) or between 1 and hiddenSize - 1 ({hiddenSize - 1})"));
            }
        }

        if (diagnostics.Count > 0)
        {
            return Result(null, diagnostics);
        }

        int stateSize = projSize > 0 ? projSize : hiddenSize;
        int outputSize = (bidirectional ? 2 : 1) * stateSize;
        var layers = new LayerShape[numLayers];
        for (int layer = 0; layer < numLayers; layer++)
        {
            layers[layer] = new LayerShape(layer == 0 ? inputSize : outputSize, hiddenSize);
        }

        INamespaceSymbol ns = type.ContainingNamespace;
        string namespaceName = ns.IsGlobalNamespace
            ? string.Empty
            : ns.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted));
        var model = new RnnModelDeclaration(
            HintName: MetadataName(type) + ".g.cs",
            Namespace: namespaceName,
            TypeName: Escape(type.Name),
            TypeKeyword: KeywordOf(declaration),
            ContainingTypes: new EquatableArray<ContainingTypeInfo>(containingTypes.ToArray()),
            Cell: cellName,
            InputSize: inputSize,
            HiddenSize: hiddenSize,
            NumLayers: numLayers,
            Bidirectional: bidirectional,
            Bias: bias,
            Nonlinearity: nonlinearityName,
            ProjSize: projSize,
            Layers: new EquatableArray<LayerShape>(layers));
        return Result(model, diagnostics);
    }

    private static DeclarationResult Result(RnnModelDeclaration? model, List<DiagnosticInfo> diagnostics)
        => new(model, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));

    private static void CheckSize(List<DiagnosticInfo> diagnostics, string name, int value, int limit, LocationInfo? location, string typeName)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        if (value <= 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeNotPositive, location, name, typeName, text));
        }
        else if (value > limit)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeTooLarge, location, name, typeName, text, limit.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static int IntValue(TypedConstant constant, int fallback) => constant.Value switch
    {
        int value => value,
        _ => fallback,
    };

    private static IEnumerable<INamedTypeSymbol> ContainingTypes(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            yield return container;
        }
    }

    /// <summary>The name Roslyn and reflection use, unescaped: namespaces joined by '.', then containing types joined by '+'.</summary>
    private static string MetadataName(INamedTypeSymbol type)
    {
        string name = type.MetadataName;
        for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            name = container.MetadataName + "+" + name;
        }

        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            name = ns.MetadataName + "." + name;
        }

        return name;
    }

    private static string KeywordOf(TypeDeclarationSyntax declaration) => declaration switch
    {
        RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        _ => "class",
    };

    /// <summary>An identifier as C# source must spell it: keywords get '@'.</summary>
    private static string Escape(string identifier)
        => SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    /// <summary>Finds the syntax of each attribute argument, so a diagnostic can point at the value that is wrong.</summary>
    private readonly struct AttributeArguments
    {
        private readonly AttributeSyntax? _syntax;
        private readonly LocationInfo? _fallback;

        public AttributeArguments(AttributeSyntax? syntax, LocationInfo? fallback)
        {
            _syntax = syntax;
            _fallback = fallback;
        }

        /// <summary>The constructor argument at <paramref name="position"/>, or the one written as <c>name: value</c>.</summary>
        public LocationInfo? Positional(int position, string parameterName)
        {
            SeparatedSyntaxList<AttributeArgumentSyntax> arguments = _syntax?.ArgumentList?.Arguments ?? default;
            AttributeArgumentSyntax? byName = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameterName);
            if (byName is not null)
            {
                return LocationInfo.From(byName);
            }

            ImmutableArray<AttributeArgumentSyntax> positional = arguments.Where(a => a.NameColon is null && a.NameEquals is null).ToImmutableArray();
            return position < positional.Length ? LocationInfo.From(positional[position]) : _fallback;
        }

        /// <summary>The property argument <c>Name = value</c>, or the attribute when it is not written.</summary>
        public LocationInfo? Named(string propertyName)
        {
            SeparatedSyntaxList<AttributeArgumentSyntax> arguments = _syntax?.ArgumentList?.Arguments ?? default;
            AttributeArgumentSyntax? argument = arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == propertyName);
            return argument is not null ? LocationInfo.From(argument) : _fallback;
        }
    }
}
