using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.PinData;

/// <summary>
/// PINSYNC020–024: explains why a <c>[PinData]</c> struct gets no generated initializer, and flags <c>[Pin]</c>
/// where it has no effect.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PinDataAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.PinDataShape,
        Descriptors.PinDataNotUnmanaged,
        Descriptors.PinOutsidePinData,
        Descriptors.PinDataFieldNotWritable,
        Descriptors.PinnedFieldNotPin);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = new PinSyncSymbols();
            start.RegisterSymbolAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
            start.RegisterSymbolAction(AnalyzeField, SymbolKind.Field);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, PinSyncSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!PinDataShape.IsPinData(type))
        {
            return;
        }

        foreach (var problem in PinDataShape.Check(type, symbols))
        {
            context.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, problem.Location, problem.Arguments));
        }
    }

    private static void AnalyzeField(SymbolAnalysisContext context)
    {
        var field = (IFieldSymbol)context.Symbol;
        if (!PinDataShape.IsPin(field))
        {
            return;
        }

        if (field.IsStatic || !PinDataShape.IsPinData(field.ContainingType))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.PinOutsidePinData, field.Locations[0], field.Name, field.ContainingType.Name));
        }
    }
}
