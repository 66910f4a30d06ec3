using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.Guards;

/// <summary>
/// PINSYNC013: <c>CondVar.Wait</c>/<c>WaitAsync</c> must sit inside a <c>while</c>, <c>do</c> or <c>for</c> loop of
/// the same function, which re-checks the condition after waking. The raw <c>RawCondVar</c> waits are building
/// blocks (the façade itself is made of them) and are not checked.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CondVarWaitAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.CondVarWaitNotInLoop);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(Analyze, OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name is not ("Wait" or "WaitAsync")
            || !PinSyncSymbols.IsCondVarFacade(method.ContainingType)
            || SymbolEqualityComparer.Default.Equals(context.ContainingSymbol.ContainingType, method.ContainingType))
        {
            return; // not a wait, or CondVar's own plumbing
        }

        for (var node = invocation.Syntax.Parent; node is not null; node = node.Parent)
        {
            if (node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax)
            {
                return;
            }

            if (OperationHelpers.IsFunctionBoundary(node) || node is MemberDeclarationSyntax)
            {
                break;
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.CondVarWaitNotInLoop, invocation.Syntax.GetLocation(), $"{method.ContainingType.Name}.{method.Name}"));
    }
}
