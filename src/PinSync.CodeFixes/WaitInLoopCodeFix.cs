using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PinSync.CodeFixes;

/// <summary>
/// PINSYNC013: turns <c>if (!ready) cv.Wait(g);</c> into <c>while (!ready) cv.Wait(g);</c>, so the condition is checked
/// again after every wakeup.
/// </summary>
/// <remarks>Mechanical only when the <c>if</c> has no <c>else</c> and its body is the wait alone (a statement, or a
/// block holding only that statement): anything else in the body would start repeating. The wait must not be part of
/// the condition (<c>if (!cv.Wait(g, timeout))</c> tests the timeout, not the state).</remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WaitInLoopCodeFix))]
[Shared]
public sealed class WaitInLoopCodeFix : SingleFixProvider<IfStatementSyntax>
{
    /// <summary>Creates the fix.</summary>
    public WaitInLoopCodeFix()
        : base("PINSYNC013", "Re-check the condition in a 'while' loop")
    {
    }


    /// <inheritdoc />
    protected override Task<IfStatementSyntax?> FindTargetAsync(Document document, SyntaxNode node, CancellationToken cancellationToken) =>
        Task.FromResult(EnclosingIf(node));

    // The if whose whole body is the statement holding the wait.
    private static IfStatementSyntax? EnclosingIf(SyntaxNode wait)
    {
        var statement = wait.FirstAncestorOrSelf<ExpressionStatementSyntax>();
        if (statement is null || !IsTheWait(statement.Expression, wait))
        {
            return null;
        }

        SyntaxNode body = statement;
        if (statement.Parent is BlockSyntax { Statements.Count: 1 } block)
        {
            body = block;
        }

        return body.Parent is IfStatementSyntax { Else: null } ifStatement && ifStatement.Statement == body ? ifStatement : null;
    }

    // cv.Wait(g) or await cv.WaitAsync(g), possibly with ConfigureAwait: the statement is the wait and nothing else.
    private static bool IsTheWait(ExpressionSyntax expression, SyntaxNode wait)
    {
        if (expression is AwaitExpressionSyntax awaitExpression)
        {
            expression = awaitExpression.Expression;
            if (expression is InvocationExpressionSyntax
                {
                    Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: var inner },
                })
            {
                expression = inner;
            }
        }

        return expression.Span == wait.Span;
    }

    /// <inheritdoc />
    protected override async Task<Document> ApplyAsync(Document document, IfStatementSyntax target, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var loop = SyntaxFactory.WhileStatement(
                SyntaxFactory.Token(SyntaxKind.WhileKeyword).WithTriviaFrom(target.IfKeyword),
                target.OpenParenToken,
                target.Condition,
                target.CloseParenToken,
                target.Statement)
            .WithTriviaFrom(target);
        return document.WithSyntaxRoot(root.ReplaceNode(target, loop));
    }
}
