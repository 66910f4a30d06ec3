using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace PinSync.CodeFixes;

/// <summary>
/// The shape every PinSync code fix shares: one diagnostic id, one action with one title (also its equivalence key,
/// so fix-all batches it), offered where <see cref="FindTargetAsync"/> finds a node it can rewrite mechanically.
/// </summary>
/// <typeparam name="TTarget">The syntax node the fix rewrites.</typeparam>
public abstract class SingleFixProvider<TTarget> : CodeFixProvider
    where TTarget : SyntaxNode
{
    private readonly string _title;

    /// <summary>Creates the provider for <paramref name="diagnosticId"/>, offering an action named <paramref name="title"/>.</summary>
    /// <param name="diagnosticId">The diagnostic the fix answers.</param>
    /// <param name="title">The action's title and equivalence key.</param>
    protected SingleFixProvider(string diagnosticId, string title)
    {
        FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);
        _title = title;
    }

    /// <inheritdoc />
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (await FindTargetAsync(context.Document, node, context.CancellationToken).ConfigureAwait(false) is { } target)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(_title, ct => ApplyAsync(context.Document, target, ct), equivalenceKey: _title),
                    diagnostic);
            }
        }
    }

    /// <summary>The node to rewrite for a diagnostic on <paramref name="node"/>, or <see langword="null"/> when the fix
    /// is not mechanical there (no action is offered).</summary>
    /// <param name="document">The document of the diagnostic.</param>
    /// <param name="node">The innermost node at the diagnostic's span.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The target, or <see langword="null"/>.</returns>
    protected abstract Task<TTarget?> FindTargetAsync(Document document, SyntaxNode node, CancellationToken cancellationToken);

    /// <summary>Rewrites <paramref name="target"/> in <paramref name="document"/>.</summary>
    /// <param name="document">The document to change.</param>
    /// <param name="target">The node <see cref="FindTargetAsync"/> returned.</param>
    /// <param name="cancellationToken">Cancels the rewrite.</param>
    /// <returns>The changed document.</returns>
    protected abstract Task<Document> ApplyAsync(Document document, TTarget target, CancellationToken cancellationToken);
}
