using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PinSync.CodeFixes;

/// <summary>
/// PINSYNC010: declares the guard with <c>using</c>. <c>var g = m.Lock();</c> becomes <c>using var g = m.Lock();</c>
/// (explicit <c>Dispose()</c> calls stay: a second disposal of the same guard does nothing, so the lock is still
/// released where it was, and now also on the paths that skipped it); a discarded acquisition <c>m.Lock();</c> or
/// <c>_ = await m.LockAsync();</c> becomes <c>using var guard = ...;</c>, held to the end of the block.
/// </summary>
/// <remarks>Not offered for a guard used as a temporary (<c>m.Lock().Value++</c>), for <c>TryLock(out var g)</c>,
/// for a declaration that is not a statement of a block, or for a local that is written after its declaration (a
/// using variable is read-only).</remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddUsingCodeFix))]
[Shared]
public sealed class AddUsingCodeFix : SingleFixProvider<StatementSyntax>
{
    /// <summary>Creates the fix.</summary>
    public AddUsingCodeFix()
        : base("PINSYNC010", "Declare the guard with 'using'")
    {
    }


    /// <inheritdoc />
    protected override async Task<StatementSyntax?> FindTargetAsync(Document document, SyntaxNode node, CancellationToken cancellationToken)
    {
        var statement = FixableStatement(node);
        return statement is LocalDeclarationStatementSyntax declaration
            && await IsWrittenLaterAsync(document, declaration, cancellationToken).ConfigureAwait(false)
            ? null
            : statement;
    }

    // The statement to rewrite: the declaration of a guard local (the diagnostic is on its name), or the expression
    // statement of a discarded acquisition (the diagnostic is on the acquisition).
    private static StatementSyntax? FixableStatement(SyntaxNode node)
    {
        var declarator = node.FirstAncestorOrSelf<VariableDeclaratorSyntax>();
        if (declarator is { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax local } }
            && local.UsingKeyword.RawKind == 0
            && local.Parent is BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax)
        {
            return local;
        }

        if (node.FirstAncestorOrSelf<ExpressionStatementSyntax>() is { } expressionStatement
            && expressionStatement.Parent is BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax)
        {
            var expression = expressionStatement.Expression;
            if (expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } assignment)
            {
                expression = assignment.Right;
            }

            if (expression is InvocationExpressionSyntax or AwaitExpressionSyntax && expression.Span.Contains(node.Span))
            {
                return expressionStatement;
            }
        }

        return null;
    }

    private static async Task<bool> IsWrittenLaterAsync(Document document, LocalDeclarationStatementSyntax declaration, CancellationToken ct)
    {
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        var declarator = declaration.Declaration.Variables[0];
        if (model?.GetDeclaredSymbol(declarator, ct) is not ILocalSymbol local || declaration.Parent is null)
        {
            return true;
        }

        foreach (var identifier in declaration.Parent.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, ct).Symbol, local))
            {
                continue;
            }

            var parent = identifier.Parent;
            var written = parent switch
            {
                AssignmentExpressionSyntax assignment => assignment.Left == identifier,
                ArgumentSyntax argument => argument.RefKindKeyword.RawKind is (int)SyntaxKind.RefKeyword or (int)SyntaxKind.OutKeyword,
                PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => true,
                _ => false,
            };
            if (written)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    protected override async Task<Document> ApplyAsync(Document document, StatementSyntax target, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        StatementSyntax replacement;
        if (target is LocalDeclarationStatementSyntax declaration)
        {
            replacement = declaration
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithLeadingTrivia(declaration.GetLeadingTrivia())
                .WithDeclaration(declaration.Declaration.WithoutLeadingTrivia());
        }
        else
        {
            var expressionStatement = (ExpressionStatementSyntax)target;
            var value = expressionStatement.Expression is AssignmentExpressionSyntax assignment ? assignment.Right : expressionStatement.Expression;
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var name = UniqueName(model, target.SpanStart, GuardName(value));
            replacement = SyntaxFactory.LocalDeclarationStatement(
                    SyntaxFactory.VariableDeclaration(
                        SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(SyntaxFactory.TriviaList(), SyntaxKind.VarKeyword, "var", "var", SyntaxFactory.TriviaList(SyntaxFactory.Space))),
                        SyntaxFactory.SingletonSeparatedList(
                            SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name).WithTrailingTrivia(SyntaxFactory.Space))
                                .WithInitializer(SyntaxFactory.EqualsValueClause(
                                    SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space),
                                    value.WithoutTrivia())))))
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithSemicolonToken(expressionStatement.SemicolonToken)
                .WithLeadingTrivia(expressionStatement.GetLeadingTrivia())
                .WithTrailingTrivia(expressionStatement.GetTrailingTrivia());
        }

        return document.WithSyntaxRoot(root.ReplaceNode(target, replacement));
    }

    // m.Lock() -> mGuard, _account.LockAsync() -> accountGuard, anything else -> guard: named after the mutex, so that
    // fixing several acquisitions of one block at once (fix all) gives them different names.
    private static string GuardName(ExpressionSyntax acquisition)
    {
        var call = acquisition is AwaitExpressionSyntax awaited ? awaited.Expression : acquisition;
        if (call is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: var receiver } })
        {
            var name = receiver switch
            {
                IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                _ => null,
            };
            name = name?.TrimStart('_');
            if (!string.IsNullOrEmpty(name))
            {
                return name + "Guard";
            }
        }

        return "guard";
    }

    // The name, or name2, name3... when it is taken where the declaration goes.
    internal static string UniqueName(SemanticModel? model, int position, string baseName)
    {
        if (model is null)
        {
            return baseName;
        }

        var name = baseName;
        for (var i = 2; !model.LookupSymbols(position, name: name).IsEmpty; i++)
        {
            name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return name;
    }
}
