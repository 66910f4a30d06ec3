using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.Guards;

/// <summary>
/// The statement list a local's declaration sits in (a block, a switch section, or the top-level statements of a
/// program) and the position of the declaration in it: the lexical region in which a guard is held.
/// </summary>
internal readonly struct StatementScope
{
    private StatementScope(IReadOnlyList<StatementSyntax> statements, int index)
    {
        Statements = statements;
        Index = index;
    }

    /// <summary>The statements of the enclosing list.</summary>
    public IReadOnlyList<StatementSyntax> Statements { get; }

    /// <summary>Where the declaring statement is in <see cref="Statements"/>.</summary>
    public int Index { get; }

    /// <summary>Finds the list that directly contains <paramref name="statement"/>.</summary>
    public static StatementScope? Of(StatementSyntax statement)
    {
        IReadOnlyList<StatementSyntax>? list = statement.Parent switch
        {
            BlockSyntax block => block.Statements,
            SwitchSectionSyntax section => section.Statements,
            GlobalStatementSyntax { Parent: CompilationUnitSyntax unit } => TopLevelStatements(unit),
            _ => null,
        };
        if (list is null)
        {
            return null;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == statement)
            {
                return new StatementScope(list, i);
            }
        }

        return null;
    }

    private static List<StatementSyntax> TopLevelStatements(CompilationUnitSyntax unit)
    {
        var statements = new List<StatementSyntax>();
        foreach (var member in unit.Members)
        {
            if (member is GlobalStatementSyntax global)
            {
                statements.Add(global.Statement);
            }
        }

        return statements;
    }

    /// <summary>The statement of this list that contains <paramref name="node"/>, and its index; -1 when none does.</summary>
    public int IndexOfStatementContaining(SyntaxNode node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            if (current is StatementSyntax statement)
            {
                for (var i = 0; i < Statements.Count; i++)
                {
                    if (Statements[i] == statement)
                    {
                        return i;
                    }
                }
            }
        }

        return -1;
    }

    /// <summary>
    /// The jump statements (return, throw, goto, yield break, and break/continue that leave the region) inside
    /// statements <c>(Index, end)</c>, not counting those inside nested lambdas or local functions.
    /// </summary>
    public IEnumerable<StatementSyntax> ExitsBetween(int end)
    {
        for (var i = Index + 1; i < end && i < Statements.Count; i++)
        {
            var root = Statements[i];
            if (OperationHelpers.IsFunctionBoundary(root))
            {
                continue; // a local function declared here: its exits are its own
            }

            foreach (var node in root.DescendantNodesAndSelf(n => !OperationHelpers.IsFunctionBoundary(n)))
            {
                switch (node)
                {
                    case ReturnStatementSyntax:
                    case ThrowStatementSyntax:
                    case GotoStatementSyntax:
                    case YieldStatementSyntax yield when yield.IsKind(SyntaxKind.YieldBreakStatement):
                        yield return (StatementSyntax)node;
                        break;
                    case BreakStatementSyntax or ContinueStatementSyntax when LeavesRegion((StatementSyntax)node, root):
                        yield return (StatementSyntax)node;
                        break;
                }
            }
        }
    }

    // A break or continue leaves the region unless a loop (or, for break, a switch) between it and the region's
    // statement is its target.
    private static bool LeavesRegion(StatementSyntax jump, StatementSyntax root)
    {
        for (var current = jump.Parent; current is not null && current != root.Parent; current = current.Parent)
        {
            switch (current)
            {
                case WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax:
                    return false;
                case SwitchSectionSyntax when jump is BreakStatementSyntax:
                    return false;
            }
        }

        return true;
    }
}
