using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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
public sealed class WaitInLoopCodeFix : CodeFixProvider
{
    private const string Title = "Re-check the condition in a 'while' loop";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("PINSYNC013");

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (EnclosingIf(node) is { } ifStatement)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(Title, ct => ApplyAsync(context.Document, ifStatement, ct), equivalenceKey: Title),
                    diagnostic);
            }
        }
    }

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

    private static async Task<Document> ApplyAsync(Document document, IfStatementSyntax ifStatement, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var loop = SyntaxFactory.WhileStatement(
                SyntaxFactory.Token(SyntaxKind.WhileKeyword).WithTriviaFrom(ifStatement.IfKeyword),
                ifStatement.OpenParenToken,
                ifStatement.Condition,
                ifStatement.CloseParenToken,
                ifStatement.Statement)
            .WithTriviaFrom(ifStatement);
        return document.WithSyntaxRoot(root.ReplaceNode(ifStatement, loop));
    }
}
