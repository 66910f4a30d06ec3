using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PinSync.CodeFixes;

/// <summary>
/// PINSYNC012: takes the lock with <c>await m.LockAsync(...)</c> instead of the blocking <c>m.Lock(...)</c> whose guard
/// is held across an await. The arguments (a cancellation token) are kept; <c>LockAsync</c> takes the same ones.
/// </summary>
/// <remarks>Offered on the diagnostic at the guard's declaration (the one that names the acquisition), when its
/// initializer is a call of a method named <c>Lock</c> (the function already awaits, so it is async).</remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseLockAsyncCodeFix))]
[Shared]
public sealed class UseLockAsyncCodeFix : SingleFixProvider<InvocationExpressionSyntax>
{
    /// <summary>Creates the fix.</summary>
    public UseLockAsyncCodeFix()
        : base("PINSYNC012", "Take the lock with 'await LockAsync()'")
    {
    }


    /// <inheritdoc />
    protected override Task<InvocationExpressionSyntax?> FindTargetAsync(Document document, SyntaxNode node, CancellationToken cancellationToken) =>
        // Only at the declaration: an await site of the same guard carries the diagnostic too, and the fix lives on the declaration.
        Task.FromResult(node is VariableDeclaratorSyntax { Initializer.Value: var value } ? LockCall(value) : null);

    private static InvocationExpressionSyntax? LockCall(ExpressionSyntax value) => value switch
    {
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Lock" } } call => call,
        InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Lock" } } call => call,
        _ => null,
    };

    /// <inheritdoc />
    protected override async Task<Document> ApplyAsync(Document document, InvocationExpressionSyntax target, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        ExpressionSyntax callee = target.Expression switch
        {
            MemberAccessExpressionSyntax member => member.WithName(Rename(member.Name)),
            IdentifierNameSyntax identifier => Rename(identifier),
            _ => target.Expression,
        };
        var awaited = SyntaxFactory.AwaitExpression(
                SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space),
                target.WithExpression(callee).WithoutTrivia())
            .WithTriviaFrom(target);
        return document.WithSyntaxRoot(root.ReplaceNode(target, awaited));
    }

    private static SimpleNameSyntax Rename(SimpleNameSyntax name) =>
        name.WithIdentifier(SyntaxFactory.Identifier(name.Identifier.LeadingTrivia, "LockAsync", name.Identifier.TrailingTrivia));
}
