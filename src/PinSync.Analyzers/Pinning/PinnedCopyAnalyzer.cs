using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.Pinning;

/// <summary>
/// PINSYNC001–004: a value of a pinned type must never move once it lives somewhere. Reports every operation that
/// reads existing pinned storage by value (a copy), converts it to a reference type (boxing), captures it in a
/// closure, or declares it as a local of an async method or iterator (hoisted to the heap).
/// </summary>
/// <remarks>
/// What is allowed, because it does not move anything: taking an address (<c>&amp;local</c>,
/// <c>Unsafe.AsPointer(ref x)</c>), <c>ref</c>/<c>in</c>/<c>out</c> arguments, ref locals and ref returns, member
/// access through a variable or pointer, and creating a fresh value (<c>T local;</c>, <c>default</c>,
/// <c>new T()</c>) that is then initialized in place. The analysis only inspects operands whose static type is pinned,
/// so generic code over an unconstrained <c>T</c> is never reported.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PinnedCopyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.PinnedValueCopied,
        Descriptors.PinnedValueBoxed,
        Descriptors.PinnedValueCaptured,
        Descriptors.PinnedLocalInAsyncOrIterator);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = new PinSyncSymbols();
            start.RegisterOperationAction(c => AnalyzeDeclarator(c, symbols), OperationKind.VariableDeclarator);
            start.RegisterOperationAction(c => AnalyzeForEach(c, symbols), OperationKind.Loop);
            start.RegisterOperationAction(c => AnalyzeAssignment(c, symbols), OperationKind.SimpleAssignment);
            start.RegisterOperationAction(c => AnalyzeArgument(c, symbols), OperationKind.Argument);
            start.RegisterOperationAction(
                c => AnalyzeReturn(c, symbols), OperationKind.Return, OperationKind.YieldReturn);
            start.RegisterOperationAction(c => AnalyzeConversion(c, symbols), OperationKind.Conversion);
            start.RegisterOperationAction(c => AnalyzeWith(c, symbols), OperationKind.With);
            start.RegisterOperationAction(
                c => AnalyzeElements(c, symbols),
                OperationKind.Tuple,
                OperationKind.ArrayInitializer,
                OperationKind.CollectionExpression);
            start.RegisterOperationAction(
                c => AnalyzeConditional(c, symbols), OperationKind.Conditional, OperationKind.SwitchExpression);
            start.RegisterOperationAction(
                c => AnalyzeMemberInitializer(c, symbols), OperationKind.FieldInitializer, OperationKind.PropertyInitializer);
            start.RegisterOperationAction(
                c => AnalyzeCapture(c, symbols), OperationKind.LocalReference, OperationKind.ParameterReference);
            start.RegisterOperationAction(c => AnalyzeInterpolation(c, symbols), OperationKind.Interpolation);
            start.RegisterSyntaxNodeAction(
                c => AnalyzeStackAllocInitializer(c, symbols), SyntaxKind.ArrayInitializerExpression);
        });
    }

    private static void ReportCopy(OperationAnalysisContext context, IOperation value, string how)
    {
        var type = value.Type ?? OperationHelpers.StripIdentity(value).Type;
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.PinnedValueCopied,
            value.Syntax.GetLocation(),
            type is null ? "?" : PinSyncSymbols.Display(type),
            how));
    }

    /// <summary>Reports <paramref name="value"/> when it reads pinned storage by value.</summary>
    private static void CheckCopy(OperationAnalysisContext context, PinSyncSymbols symbols, IOperation? value, string how)
    {
        if (value is null)
        {
            return;
        }

        var stripped = OperationHelpers.StripIdentity(value);
        if (symbols.IsPinned(stripped.Type) && OperationHelpers.IsStorage(stripped))
        {
            ReportCopy(context, stripped, how);
        }
    }

    // T local = other;   T local = *p;   T local = box.Value (ref return read by value)
    private static void AnalyzeDeclarator(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        var local = declarator.Symbol;
        if (local.RefKind != RefKind.None || !symbols.IsPinned(local.Type))
        {
            return;
        }

        CheckHoisted(context, local, declarator.Syntax is VariableDeclaratorSyntax v ? v.Identifier.GetLocation() : null);
        if (declarator.Syntax is ForEachStatementSyntax)
        {
            return; // AnalyzeForEach
        }

        var initializer = declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer;
        CheckCopy(context, symbols, initializer?.Value, "a local initialized from existing storage");
    }

    private static void CheckHoisted(OperationAnalysisContext context, ILocalSymbol local, Location? location)
    {
        var function = OperationHelpers.EnclosingFunction(context.Operation, context.ContainingSymbol) as IMethodSymbol;
        if (function is null)
        {
            return;
        }

        string? kind = null;
        if (function.IsAsync)
        {
            kind = "async method";
        }
        else
        {
            foreach (var reference in function.DeclaringSyntaxReferences)
            {
                if (OperationHelpers.IsIterator(reference.GetSyntax(context.CancellationToken)))
                {
                    kind = "iterator";
                    break;
                }
            }
        }

        if (kind is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.PinnedLocalInAsyncOrIterator,
                location ?? context.Operation.Syntax.GetLocation(),
                local.Name,
                PinSyncSymbols.Display(local.Type),
                kind));
        }
    }

    // foreach (T item in items): each iteration copies an element into 'item' unless it is 'ref var item'.
    private static void AnalyzeForEach(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        if (context.Operation is not IForEachLoopOperation loop
            || loop.LoopControlVariable is not IVariableDeclaratorOperation declarator
            || declarator.Symbol.RefKind != RefKind.None
            || !symbols.IsPinned(declarator.Symbol.Type))
        {
            return;
        }

        var location = loop.Syntax is ForEachStatementSyntax forEach ? forEach.Identifier.GetLocation() : declarator.Syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.PinnedValueCopied,
            location,
            PinSyncSymbols.Display(declarator.Symbol.Type),
            "a foreach variable copies each element; use 'ref var' or pointers"));
    }

    // a = b;   *p = *q;   this = other;   (assignment of default or new T() is a reset, not a copy)
    private static void AnalyzeAssignment(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.IsRef || assignment.Target is IDiscardOperation)
        {
            return;
        }

        CheckCopy(context, symbols, assignment.Value, "assigned from existing storage");
    }

    // M(value) where the parameter is by value (in/ref/out/ref readonly pass the address and are fine).
    private static void AnalyzeArgument(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (argument.Parameter is not { RefKind: RefKind.None } parameter)
        {
            return;
        }

        CheckCopy(context, symbols, argument.Value, $"passed by value to parameter '{parameter.Name}'");
    }

    // return x; where the function returns by value (ref returns are fine); yield return x; always copies.
    private static void AnalyzeReturn(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var operation = (IReturnOperation)context.Operation;
        if (operation.ReturnedValue is null)
        {
            return;
        }

        if (operation.Kind == OperationKind.Return)
        {
            var function = OperationHelpers.EnclosingFunction(operation, context.ContainingSymbol);
            var byReference = function switch
            {
                IMethodSymbol method => method.RefKind != RefKind.None,
                IPropertySymbol property => property.RefKind != RefKind.None,
                _ => false,
            };
            if (byReference)
            {
                return;
            }
        }

        CheckCopy(context, symbols, operation.ReturnedValue, "returned by value");
    }

    // object o = value;  IFoo f = value;  T? n = value;  user-defined conversions taking the value by value.
    private static void AnalyzeConversion(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var conversion = (IConversionOperation)context.Operation;
        var operand = OperationHelpers.StripIdentity(conversion.Operand);
        if (conversion.Conversion.IsIdentity || conversion.Type is null || !symbols.IsPinned(operand.Type))
        {
            return;
        }

        if (conversion.Type.IsReferenceType || conversion.Type.TypeKind == TypeKind.TypeParameter)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.PinnedValueBoxed,
                conversion.Syntax.GetLocation(),
                PinSyncSymbols.Display(operand.Type!),
                PinSyncSymbols.Display(conversion.Type)));
            return;
        }

        if (conversion.Conversion.IsNullable
            || (conversion.Conversion.MethodSymbol is { Parameters.Length: > 0 } method && method.Parameters[0].RefKind == RefKind.None))
        {
            CheckCopy(context, symbols, operand, $"converted to '{PinSyncSymbols.Display(conversion.Type)}'");
        }
    }

    // value with { ... } copies 'value' first.
    private static void AnalyzeWith(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var with = (IWithOperation)context.Operation;
        var operand = OperationHelpers.StripIdentity(with.Operand);
        if (symbols.IsPinned(operand.Type) && OperationHelpers.IsStorage(operand))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.PinnedValueCopied,
                with.Syntax.GetLocation(),
                PinSyncSymbols.Display(operand.Type!),
                "a 'with' expression copies its operand"));
        }
    }

    // (a, 1)   new[] { a }   [a, b]: each element is copied into the new tuple, array or collection.
    private static void AnalyzeElements(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        switch (context.Operation)
        {
            case ITupleOperation tuple when !IsDeconstructionTarget(tuple):
                foreach (var element in tuple.Elements)
                {
                    CheckCopy(context, symbols, element, "copied into a tuple");
                }

                break;
            case IArrayInitializerOperation array:
                foreach (var element in array.ElementValues)
                {
                    CheckCopy(context, symbols, element, "copied into an array");
                }

                break;
            case ICollectionExpressionOperation collection:
                foreach (var element in collection.Elements)
                {
                    CheckCopy(context, symbols, element, "copied into a collection");
                }

                break;
        }
    }

    private static bool IsDeconstructionTarget(ITupleOperation tuple)
    {
        IOperation current = tuple;
        while (current.Parent is ITupleOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        return current.Parent is IDeconstructionAssignmentOperation deconstruction && deconstruction.Target == current;
    }

    // c ? a : b   and   x switch { ... => a }: the result is a copy of the chosen operand (unless 'ref' conditional).
    private static void AnalyzeConditional(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        switch (context.Operation)
        {
            case IConditionalOperation { IsRef: false, Type: not null } conditional when symbols.IsPinned(conditional.Type):
                CheckCopy(context, symbols, conditional.WhenTrue, "copied by a conditional expression");
                CheckCopy(context, symbols, conditional.WhenFalse, "copied by a conditional expression");
                break;
            case ISwitchExpressionOperation switchExpression when symbols.IsPinned(switchExpression.Type):
                foreach (var arm in switchExpression.Arms)
                {
                    CheckCopy(context, symbols, arm.Value, "copied by a switch expression");
                }

                break;
        }
    }

    // $"{node}": the interpolated-string handler takes the value by value (AppendFormatted<T>(T value)).
    private static void AnalyzeInterpolation(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var interpolation = (IInterpolationOperation)context.Operation;
        CheckCopy(context, symbols, interpolation.Expression, "passed by value to string formatting");
    }

    // stackalloc Node[] { a, b }: the initializer copies each element (IOperation has no shape for it).
    private static void AnalyzeStackAllocInitializer(SyntaxNodeAnalysisContext context, PinSyncSymbols symbols)
    {
        var initializer = (InitializerExpressionSyntax)context.Node;
        if (initializer.Parent is not (StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax))
        {
            return;
        }

        foreach (var expression in initializer.Expressions)
        {
            if (context.SemanticModel.GetOperation(expression, context.CancellationToken) is { } operation)
            {
                var stripped = OperationHelpers.StripIdentity(operation);
                if (symbols.IsPinned(stripped.Type) && OperationHelpers.IsStorage(stripped))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.PinnedValueCopied,
                        expression.GetLocation(),
                        PinSyncSymbols.Display(stripped.Type!),
                        "copied into a stackalloc initializer"));
                }
            }
        }
    }

    // struct S { ListHead _head = s_template; }
    private static void AnalyzeMemberInitializer(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        var initializer = (ISymbolInitializerOperation)context.Operation;
        CheckCopy(context, symbols, initializer.Value, "a member initialized from existing storage");
    }

    // () => local.Field   — the closure hoists 'local' into a heap object.
    private static void AnalyzeCapture(OperationAnalysisContext context, PinSyncSymbols symbols)
    {
        ISymbol variable;
        ITypeSymbol type;
        switch (context.Operation)
        {
            case ILocalReferenceOperation { Local: var local }:
                variable = local;
                type = local.Type;
                break;
            case IParameterReferenceOperation { Parameter: var parameter }:
                variable = parameter;
                type = parameter.Type;
                break;
            default:
                return;
        }

        if (!symbols.IsPinned(type))
        {
            return;
        }

        var function = OperationHelpers.EnclosingNestedFunction(context.Operation);
        if (function is null
            || SymbolEqualityComparer.Default.Equals(variable.ContainingSymbol, function)
            || IsDeclaredInside(variable.ContainingSymbol, function)
            || OperationHelpers.IsInsideNameOf(context.Operation))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.PinnedValueCaptured,
            context.Operation.Syntax.GetLocation(),
            variable.Name,
            PinSyncSymbols.Display(type)));
    }

    // A variable of a function nested inside 'function' is not captured by 'function' (only by the nested one).
    private static bool IsDeclaredInside(ISymbol owner, IMethodSymbol function)
    {
        for (var current = owner; current is not null; current = current.ContainingSymbol)
        {
            if (SymbolEqualityComparer.Default.Equals(current, function))
            {
                return true;
            }

            if (current is not IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
            {
                return false;
            }
        }

        return false;
    }
}
