using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.Guards;

/// <summary>
/// PINSYNC014: a <c>MutexGuard&lt;T&gt;</c> copied into another local (<c>var copy = guard;</c>, <c>copy = guard;</c>)
/// while both the original and the copy are still used afterwards. A copy carries the same acquisition, so two owners
/// now release one lock: the first disposal releases it, and the other copy's later use or disposal reads an
/// unprotected value or throws once someone else holds the lock.
/// </summary>
/// <remarks>
/// A copy after which the original is no longer mentioned is a move and is fine. "Used afterwards" is lexical, in the
/// same function: a reference after the copy, or, for a <c>using</c> variable, the implicit disposal at the end of its
/// scope. Copies into parameters, fields and closures are handed on and are left to PINSYNC010/011.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GuardCopyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.GuardCopied);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(AnalyzeDeclarator, OperationKind.VariableDeclarator);
        context.RegisterOperationAction(AnalyzeAssignment, OperationKind.SimpleAssignment);
    }

    // var copy = guard;   using var copy = guard;
    private static void AnalyzeDeclarator(OperationAnalysisContext context)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        if (declarator.Symbol.RefKind != RefKind.None
            || declarator.Initializer?.Value is not { } value
            || SourceOf(value) is not { } source)
        {
            return;
        }

        Check(context, declarator, declarator.Symbol, source, declarator.Syntax.GetLocation());
    }

    // copy = guard;
    private static void AnalyzeAssignment(OperationAnalysisContext context)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.IsRef
            || assignment.Target is not ILocalReferenceOperation { Local: { RefKind: RefKind.None } target }
            || SourceOf(assignment.Value) is not { } source
            || SymbolEqualityComparer.Default.Equals(target, source))
        {
            return;
        }

        Check(context, assignment, target, source, assignment.Syntax.GetLocation());
    }

    // The guard local or parameter a value copies, when it is a plain read of one.
    private static ISymbol? SourceOf(IOperation value)
    {
        var stripped = OperationHelpers.StripIdentity(value);
        ISymbol? symbol = stripped switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };
        return symbol is not null && PinSyncSymbols.IsMutexGuard(stripped.Type) ? symbol : null;
    }

    private static void Check(OperationAnalysisContext context, IOperation copy, ILocalSymbol target, ISymbol source, Location location)
    {
        var root = copy;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var home = OperationHelpers.EnclosingNestedFunction(copy);
        var end = copy.Syntax.Span.End;
        var sourceUsedAfter = IsUsingVariable(source, copy.Syntax);
        var targetUsedAfter = IsUsingVariable(target, copy.Syntax);

        // A write to the original after the copy gives it a new acquisition: later references are not the old one.
        var overwritten = int.MaxValue;
        var sourceReads = new List<int>();
        foreach (var operation in root.Descendants())
        {
            if (operation.Syntax.SpanStart < end
                || !SymbolEqualityComparer.Default.Equals(OperationHelpers.EnclosingNestedFunction(operation), home))
            {
                continue;
            }

            switch (operation)
            {
                case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, source):
                case IParameterReferenceOperation parameter when SymbolEqualityComparer.Default.Equals(parameter.Parameter, source):
                    if (IsOverwritten(operation))
                    {
                        overwritten = System.Math.Min(overwritten, operation.Syntax.SpanStart);
                    }
                    else
                    {
                        sourceReads.Add(operation.Syntax.SpanStart);
                    }

                    break;
                case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, target):
                    targetUsedAfter = true;
                    break;
            }
        }

        foreach (var read in sourceReads)
        {
            sourceUsedAfter |= read < overwritten;
        }

        if (sourceUsedAfter && targetUsedAfter)
        {
            var how = IsUsingVariable(source, copy.Syntax) || IsUsingVariable(target, copy.Syntax)
                ? " (a 'using' disposes at the end of its scope)"
                : string.Empty;
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.GuardCopied, location, target.Name, source.Name, how));
        }
    }

    // guard = other;   a write to the original gives it a new acquisition: no longer a use of the old one.
    private static bool IsOverwritten(IOperation reference) =>
        reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference;

    // A using variable is disposed at the end of its scope, after the copy: an implicit use. The copy must sit inside
    // that scope (it does, since it can see the variable), so only the declaration's kind matters.
    private static bool IsUsingVariable(ISymbol symbol, SyntaxNode copy)
    {
        if (symbol is not ILocalSymbol local)
        {
            return false;
        }

        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != copy.SyntaxTree
                || reference.GetSyntax() is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration })
            {
                continue;
            }

            if (declaration.Parent is UsingStatementSyntax
                || declaration.Parent is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 })
            {
                return true;
            }
        }

        return false;
    }
}
