using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.Pinning;

/// <summary>
/// PINSYNC005–007: where a pinned type may be declared. Not in a class or a static field (the GC moves them), not in
/// a struct that is not itself marked pinned, and not as a by-value parameter or return type.
/// </summary>
/// <remarks>
/// Allowed: fields of a <c>[Pinned]</c>/<c>[PinData]</c> struct, pointers (<c>RawMutex*</c>), <c>ref</c> fields,
/// <c>ref</c>/<c>in</c>/<c>out</c>/<c>ref readonly</c> parameters and ref returns.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PinnedStorageAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.PinnedInClassStorage,
        Descriptors.PinnedFieldInUnpinnedStruct,
        Descriptors.PinnedByValueSignature);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = new PinSyncSymbols();
            start.RegisterSymbolAction(c => AnalyzeField(c, symbols), SymbolKind.Field);
            start.RegisterSymbolAction(c => AnalyzeProperty(c, symbols), SymbolKind.Property);
            start.RegisterSymbolAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
            start.RegisterSymbolAction(c => AnalyzeMethod(c, symbols), SymbolKind.Method);
            start.RegisterOperationAction(
                c => AnalyzeNestedFunction(c, symbols), OperationKind.LocalFunction, OperationKind.AnonymousFunction);
        });
    }

    private static void AnalyzeField(SymbolAnalysisContext context, PinSyncSymbols symbols)
    {
        var field = (IFieldSymbol)context.Symbol;
        if (field.IsImplicitlyDeclared || field.IsConst || field.RefKind != RefKind.None || !symbols.IsPinned(field.Type))
        {
            return;
        }

        CheckStorage(context, field, field.Type, field.IsStatic, field.Locations[0]);
    }

    /// <summary>Reports a field (or auto-property backing field) of pinned type in a class, a static, or an unmarked struct.</summary>
    /// <returns><see langword="true"/> when something was reported.</returns>
    private static bool CheckStorage(
        SymbolAnalysisContext context, ISymbol member, ITypeSymbol type, bool isStatic, Location location)
    {
        var owner = member.ContainingType;
        if (isStatic || owner.TypeKind is TypeKind.Class or TypeKind.Interface)
        {
            var where = isStatic ? "a static field" : $"a field of class '{owner.Name}'";
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.PinnedInClassStorage, location, member.Name, PinSyncSymbols.Display(type), where));
            return true;
        }

        if (owner.TypeKind == TypeKind.Struct && !PinSyncSymbols.IsMarkedPinned(owner))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.PinnedFieldInUnpinnedStruct,
                location,
                $"Field '{member.Name}' has pinned type '{PinSyncSymbols.Display(type)}', so struct '{owner.Name}' must be marked [Pinned] or [PinData]"));
            return true;
        }

        return false;
    }

    private static void AnalyzeProperty(SymbolAnalysisContext context, PinSyncSymbols symbols)
    {
        var property = (IPropertySymbol)context.Symbol;
        if (property.IsImplicitlyDeclared && property.Locations.IsEmpty)
        {
            return;
        }

        foreach (var parameter in property.Parameters)
        {
            CheckParameter(context.ReportDiagnostic, symbols, parameter);
        }

        if (property.RefKind != RefKind.None || !symbols.IsPinned(property.Type))
        {
            return;
        }

        var location = property.Locations[0];
        if (HasBackingField(property) && CheckStorage(context, property, property.Type, property.IsStatic, location))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.PinnedByValueSignature,
            location,
            property.IsIndexer ? "Indexer" : "Property",
            property.IsIndexer ? "this[]" : property.Name,
            PinSyncSymbols.Display(property.Type)));
    }

    private static bool HasBackingField(IPropertySymbol property)
    {
        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
            {
                return true;
            }
        }

        return false;
    }

    private static void AnalyzeType(SymbolAnalysisContext context, PinSyncSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind == TypeKind.Delegate && type.DelegateInvokeMethod is { } invoke)
        {
            CheckSignature(context.ReportDiagnostic, symbols, invoke, type.Locations[0], ReturnTypeLocation(type));
            return;
        }

        if (type.TypeKind != TypeKind.Struct || PinSyncSymbols.IsMarkedPinned(type))
        {
            return;
        }

        foreach (var member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false, IsConst: false, RefKind: RefKind.None } field && symbols.IsPinned(field.Type))
            {
                var name = field.AssociatedSymbol?.Name ?? field.Name;
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.PinnedFieldInUnpinnedStruct,
                    type.Locations[0],
                    $"Struct '{type.Name}' embeds '{name}' of pinned type '{PinSyncSymbols.Display(field.Type)}' and must be marked [Pinned] or [PinData]"));
                return;
            }
        }
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, PinSyncSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.IsImplicitlyDeclared
            || method.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd
                or MethodKind.EventRemove or MethodKind.EventRaise or MethodKind.LocalFunction
                or MethodKind.AnonymousFunction or MethodKind.DelegateInvoke)
        {
            return;
        }

        CheckSignature(context.ReportDiagnostic, symbols, method, method.Locations[0], ReturnTypeLocation(method));
    }

    private static void AnalyzeNestedFunction(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var method = context.Operation switch
        {
            ILocalFunctionOperation localFunction => localFunction.Symbol,
            IAnonymousFunctionOperation lambda => lambda.Symbol,
            _ => null,
        };
        if (method is null)
        {
            return;
        }

        var returnLocation = context.Operation.Syntax is LocalFunctionStatementSyntax local ? local.ReturnType.GetLocation() : null;
        CheckSignature(context.ReportDiagnostic, symbols, method, context.Operation.Syntax.GetLocation(), returnLocation);
    }

    private static void CheckSignature(
        System.Action<Diagnostic> report, PinSyncSymbols symbols, IMethodSymbol method, Location fallback, Location? returnLocation)
    {
        foreach (var parameter in method.Parameters)
        {
            CheckParameter(report, symbols, parameter);
        }

        // Lambdas without an explicit return type: their 'return' statements are checked as copies instead.
        if (method.MethodKind == MethodKind.AnonymousFunction && returnLocation is null)
        {
            return;
        }

        if (!method.ReturnsVoid && method.RefKind == RefKind.None && symbols.IsPinned(method.ReturnType))
        {
            report(Diagnostic.Create(
                Descriptors.PinnedByValueSignature,
                returnLocation ?? fallback,
                "Return type of",
                method.MethodKind == MethodKind.DelegateInvoke ? method.ContainingType.Name : method.Name,
                PinSyncSymbols.Display(method.ReturnType)));
        }
    }

    private static void CheckParameter(System.Action<Diagnostic> report, PinSyncSymbols symbols, IParameterSymbol parameter)
    {
        if (parameter.RefKind == RefKind.None && !parameter.IsImplicitlyDeclared && symbols.IsPinned(parameter.Type))
        {
            var location = parameter.Locations.IsEmpty ? Location.None : parameter.Locations[0];
            report(Diagnostic.Create(
                Descriptors.PinnedByValueSignature, location, "Parameter", parameter.Name, PinSyncSymbols.Display(parameter.Type)));
        }
    }

    private static Location? ReturnTypeLocation(ISymbol symbol)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            var type = reference.GetSyntax() switch
            {
                MethodDeclarationSyntax m => m.ReturnType,
                DelegateDeclarationSyntax d => d.ReturnType,
                OperatorDeclarationSyntax o => o.ReturnType,
                ConversionOperatorDeclarationSyntax c => c.Type,
                LocalFunctionStatementSyntax l => l.ReturnType,
                _ => null,
            };
            if (type is not null)
            {
                return type.GetLocation();
            }
        }

        return null;
    }
}
