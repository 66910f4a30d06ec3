using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace PinSync.Analyzers.Common;

/// <summary>Small questions about operations and syntax that several analyzers ask.</summary>
internal static class OperationHelpers
{
    /// <summary>Looks through identity conversions (the compiler wraps many operands in them).</summary>
    public static IOperation StripIdentity(IOperation operation)
    {
        while (operation is IConversionOperation { Conversion.IsIdentity: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>
    /// Whether <paramref name="operation"/> denotes existing storage (a variable, a field, an array element, a
    /// dereferenced pointer, <c>this</c> of a struct, a ref-returning call) rather than a fresh value
    /// (<c>default</c>, <c>new T()</c>, a by-value call result). Reading such an operand by value copies the storage.
    /// </summary>
    public static bool IsStorage(IOperation operation)
    {
        operation = StripIdentity(operation);
        switch (operation)
        {
            case ILocalReferenceOperation:
            case IParameterReferenceOperation:
            case IFieldReferenceOperation:
            case IArrayElementReferenceOperation:
            case IInlineArrayAccessOperation:
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }:
                return true;
            case IPropertyReferenceOperation property:
                return property.Property.ReturnsByRef || property.Property.ReturnsByRefReadonly;
            case IInvocationOperation invocation:
                return invocation.TargetMethod.ReturnsByRef || invocation.TargetMethod.ReturnsByRefReadonly;
            case IFunctionPointerInvocationOperation pointerCall:
                return pointerCall.GetFunctionPointerSignature().RefKind != RefKind.None;
            case IConditionalOperation { IsRef: true }:
                return true;
        }

        // Pointer operations have no IOperation shape of their own: '*p' and 'p[i]' appear as operations of kind None.
        if (operation.Kind == OperationKind.None)
        {
            var syntax = operation.Syntax;
            while (syntax is ParenthesizedExpressionSyntax parenthesized)
            {
                syntax = parenthesized.Expression;
            }

            if (syntax.IsKind(SyntaxKind.PointerIndirectionExpression))
            {
                return true;
            }

            if (syntax is ElementAccessExpressionSyntax elementAccess
                && operation.SemanticModel?.GetTypeInfo(elementAccess.Expression).Type is IPointerTypeSymbol)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The innermost lambda, anonymous method or local function that contains <paramref name="operation"/>, or
    /// <see langword="null"/> when it sits directly in a member body.
    /// </summary>
    public static IMethodSymbol? EnclosingNestedFunction(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol;
                case ILocalFunctionOperation localFunction:
                    return localFunction.Symbol;
            }
        }

        return null;
    }

    /// <summary>The function (member, accessor, lambda or local function) whose body contains <paramref name="operation"/>.</summary>
    public static ISymbol? EnclosingFunction(IOperation operation, ISymbol containingSymbol) =>
        EnclosingNestedFunction(operation) ?? containingSymbol;

    /// <summary>Whether <paramref name="operation"/> is (part of) the argument of a <c>nameof</c>.</summary>
    public static bool IsInsideNameOf(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is INameOfOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="node"/> is a function boundary: a lambda, anonymous method or local function.</summary>
    public static bool IsFunctionBoundary(SyntaxNode node) =>
        node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    /// <summary>Whether the body of <paramref name="function"/> (syntax of a member, lambda or local function) contains
    /// a <c>yield</c> statement of its own, i.e. whether it is an iterator.</summary>
    public static bool IsIterator(SyntaxNode function)
    {
        foreach (var node in function.DescendantNodes(n => n == function || !IsFunctionBoundary(n)))
        {
            if (node is YieldStatementSyntax)
            {
                return true;
            }
        }

        return false;
    }
}
