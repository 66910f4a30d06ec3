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
/// PINSYNC012: takes the lock with <c>await m.LockAsync(...)</c> instead of the blocking <c>m.Lock(...)</c> whose guard
/// is held across an await. The arguments (a cancellation token) are kept; <c>LockAsync</c> takes the same ones.
/// </summary>
/// <remarks>Offered on the diagnostic at the guard's declaration (the one that names the acquisition), when its
/// initializer is a call of a method named <c>Lock</c> (the function already awaits, so it is async).</remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseLockAsyncCodeFix))]
[Shared]
public sealed class UseLockAsyncCodeFix : CodeFixProvider
{
    private const string Title = "Take the lock with 'await LockAsync()'";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("PINSYNC012");

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
            if (node is not VariableDeclaratorSyntax { Initializer.Value: var value } || LockCall(value) is not { } call)
            {
                continue; // an await site of the same guard: the fix lives on the declaration
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => ApplyAsync(context.Document, call, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static InvocationExpressionSyntax? LockCall(ExpressionSyntax value) => value switch
    {
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Lock" } } call => call,
        InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Lock" } } call => call,
        _ => null,
    };

    private static async Task<Document> ApplyAsync(Document document, InvocationExpressionSyntax call, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        ExpressionSyntax callee = call.Expression switch
        {
            MemberAccessExpressionSyntax member => member.WithName(Rename(member.Name)),
            IdentifierNameSyntax identifier => Rename(identifier),
            _ => call.Expression,
        };
        var awaited = SyntaxFactory.AwaitExpression(
                SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space),
                call.WithExpression(callee).WithoutTrivia())
            .WithTriviaFrom(call);
        return document.WithSyntaxRoot(root.ReplaceNode(call, awaited));
    }

    private static SimpleNameSyntax Rename(SimpleNameSyntax name) =>
        name.WithIdentifier(SyntaxFactory.Identifier(name.Identifier.LeadingTrivia, "LockAsync", name.Identifier.TrailingTrivia));
}
