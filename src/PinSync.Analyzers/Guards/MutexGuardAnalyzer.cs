using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.Guards;

/// <summary>
/// PINSYNC010–012: a <c>MutexGuard&lt;T&gt;</c> holds a lock until it is disposed. Reports a guard that is discarded
/// or is a local not disposed on every path (010), a guard stored in a field (011), and a guard of a blocking
/// <c>Lock()</c> still held at an <c>await</c> (012).
/// </summary>
/// <remarks>
/// The disposal rule is deliberately lexical, so that it can be precise. A guard local is fine when it is a
/// <c>using</c> variable; when it is handed on (returned, passed to a method other than <c>CondVar.Wait</c>, assigned,
/// captured), since its new owner disposes it; when it is disposed in a <c>finally</c> block or by a <c>Dispose()</c>
/// call or <c>using (guard)</c> statement in its own block with no return, throw, goto or loop exit before it that
/// skips the disposal. Guards from <c>TryLock(out var guard)</c> only need some disposal, since they may hold nothing.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MutexGuardAnalyzer : DiagnosticAnalyzer
{
    private enum UseKind
    {
        /// <summary>Reads the guard (Value, Acquired, CondVar.Wait(guard)); ownership stays.</summary>
        Plain,

        /// <summary>Disposes it: <c>guard.Dispose()</c> or <c>using (guard)</c>.</summary>
        Release,

        /// <summary>Hands it on (return, argument, assignment, capture): someone else disposes it.</summary>
        Escape,
    }

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.GuardNotDisposed,
        Descriptors.GuardStoredInField,
        Descriptors.BlockingGuardAcrossAwait);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeField, SymbolKind.Field, SymbolKind.Property);
        context.RegisterOperationAction(AnalyzeAcquisition, OperationKind.Invocation, OperationKind.Await);
        context.RegisterOperationAction(AnalyzeDeclarator, OperationKind.VariableDeclarator);
        context.RegisterOperationAction(AnalyzeOutDeclaration, OperationKind.DeclarationExpression);
    }

    private static bool IsGuard(ITypeSymbol? type) =>
        PinSyncSymbols.IsMutexGuard(type)
        || (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            && PinSyncSymbols.IsMutexGuard(nullable.TypeArguments[0]));

    // PINSYNC011: MutexGuard<T> _guard;   MutexGuard<T> Guard { get; set; }
    private static void AnalyzeField(SymbolAnalysisContext context)
    {
        switch (context.Symbol)
        {
            case IFieldSymbol { IsImplicitlyDeclared: false } field when IsGuard(field.Type):
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.GuardStoredInField, field.Locations[0], field.Name));
                break;
            case IPropertySymbol property when IsGuard(property.Type) && HasBackingField(property):
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.GuardStoredInField, property.Locations[0], property.Name));
                break;
        }
    }

    private static bool HasBackingField(IPropertySymbol property)
    {
        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
            {
                return true;
            }
        }

        return false;
    }

    // PINSYNC010: m.Lock();   _ = await m.LockAsync();   m.Lock().Value++;
    private static void AnalyzeAcquisition(OperationAnalysisContext context)
    {
        var operation = context.Operation;
        if (!PinSyncSymbols.IsMutexGuard(operation.Type))
        {
            return;
        }

        var consumer = operation.Parent;
        var child = operation;
        while (consumer is IConversionOperation { Conversion.IsIdentity: true })
        {
            child = consumer;
            consumer = consumer.Parent;
        }

        // () => m.Lock() / async () => await m.LockAsync() as the whole body of a lambda whose result is dropped:
        // the probe of an "expected to throw" assertion (Assert.Throws(() => ...)), not a critical section.
        if (consumer is IExpressionStatementOperation { IsImplicit: true, Parent: IBlockOperation { Parent: IAnonymousFunctionOperation } })
        {
            return;
        }

        string? how = consumer switch
        {
            IExpressionStatementOperation => "is discarded",
            ISimpleAssignmentOperation { Target: IDiscardOperation } => "is discarded",
            IInvocationOperation invocation when invocation.Instance == child && invocation.TargetMethod.Name != "Dispose"
                => "is used as a temporary and never disposed",
            IMemberReferenceOperation member when member.Instance == child => "is used as a temporary and never disposed",
            _ => null,
        };
        if (how is null)
        {
            return;
        }

        var source = operation is IAwaitOperation { Operation: IInvocationOperation awaited } ? awaited : operation as IInvocationOperation;
        var name = source?.TargetMethod.Name ?? "the call";
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.GuardNotDisposed,
            operation.Syntax.GetLocation(),
            $"The MutexGuard returned by '{name}' {how}, so the mutex stays locked; use 'using var guard = ...'"));
    }

    // var g = m.Lock(); ...     using var g = m.Lock(); await ...
    private static void AnalyzeDeclarator(OperationAnalysisContext context)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        var local = declarator.Symbol;
        if (!PinSyncSymbols.IsMutexGuard(local.Type)
            || local.RefKind != RefKind.None
            || declarator.Syntax is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } syntax)
        {
            return;
        }

        var initializer = declarator.Initializer?.Value is { } value ? OperationHelpers.StripIdentity(value) : null;
        var isBlocking = initializer is IInvocationOperation invocation && PinSyncSymbols.IsMutexGuard(invocation.Type);
        var isAsync = initializer is IAwaitOperation;
        if (!isBlocking && !isAsync)
        {
            return; // Not an acquisition: default, a copy of another guard, ...
        }

        var usingStatement = declaration.Parent as UsingStatementSyntax;
        var localDeclaration = declaration.Parent as LocalDeclarationStatementSyntax;
        var isUsing = usingStatement is not null || localDeclaration is { UsingKeyword.RawKind: not 0 };
        var statement = (StatementSyntax?)usingStatement ?? localDeclaration;
        var scope = statement is null ? null : StatementScope.Of(statement);

        var uses = CollectUses(declarator, local);
        if (!isUsing && scope is { } region)
        {
            CheckDisposal(context, syntax, local, region, uses);
        }

        if (isBlocking && statement is not null)
        {
            CheckAwaits(context, syntax, local, (IInvocationOperation)initializer!, usingStatement, scope, isUsing, uses);
        }
    }

    // if (m.TryLock(out var g)) ...: only the total absence of a disposal is reported (the guard may hold nothing).
    private static void AnalyzeOutDeclaration(OperationAnalysisContext context)
    {
        var declaration = (IDeclarationExpressionOperation)context.Operation;
        if (declaration.Expression is not ILocalReferenceOperation { Local: var local }
            || !PinSyncSymbols.IsMutexGuard(local.Type)
            || declaration.Parent is not IArgumentOperation { Parameter.RefKind: RefKind.Out })
        {
            return;
        }

        foreach (var use in CollectUses(declaration, local))
        {
            if (use.Kind != UseKind.Plain)
            {
                return;
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.GuardNotDisposed,
            declaration.Syntax.GetLocation(),
            $"MutexGuard '{local.Name}' is never disposed; when the lock was taken it stays locked: add 'using ({local.Name})'"));
    }

    private readonly struct Use
    {
        public Use(UseKind kind, IOperation reference)
        {
            Kind = kind;
            Reference = reference;
        }

        public UseKind Kind { get; }

        public IOperation Reference { get; }
    }

    private static List<Use> CollectUses(IOperation declaration, ILocalSymbol local)
    {
        var root = declaration;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var home = OperationHelpers.EnclosingNestedFunction(declaration);
        var uses = new List<Use>();
        foreach (var operation in root.Descendants())
        {
            if (operation is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && reference.Parent is not IDeclarationExpressionOperation)
            {
                uses.Add(new Use(Classify(reference, home), reference));
            }
        }

        return uses;
    }

    private static UseKind Classify(ILocalReferenceOperation reference, IMethodSymbol? home)
    {
        if (!SymbolEqualityComparer.Default.Equals(OperationHelpers.EnclosingNestedFunction(reference), home))
        {
            return UseKind.Escape; // captured: the closure owns it now
        }

        IOperation child = reference;
        var parent = reference.Parent;
        while (parent is IConversionOperation)
        {
            child = parent;
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IInvocationOperation invocation when invocation.Instance == child:
                return invocation.TargetMethod.Name == "Dispose" ? UseKind.Release : UseKind.Plain;
            case IMemberReferenceOperation member when member.Instance == child:
                return UseKind.Plain;
            case IUsingOperation:
                return UseKind.Release;
            case IArgumentOperation { Parent: IInvocationOperation call } when PinSyncSymbols.IsCondVar(call.TargetMethod.ContainingType):
                return UseKind.Plain; // CondVar.Wait(guard) releases and re-takes the lock under the same guard
            case INameOfOperation:
                return UseKind.Plain;
            default:
                return UseKind.Escape;
        }
    }

    private static void CheckDisposal(
        OperationAnalysisContext context, VariableDeclaratorSyntax syntax, ILocalSymbol local, StatementScope scope, List<Use> uses)
    {
        var releases = new List<SyntaxNode>();
        foreach (var use in uses)
        {
            if (use.Kind == UseKind.Escape)
            {
                return;
            }

            if (use.Kind == UseKind.Release)
            {
                releases.Add(use.Reference.Syntax);
            }
        }

        if (releases.Count == 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.GuardNotDisposed,
                syntax.Identifier.GetLocation(),
                $"MutexGuard '{local.Name}' is never disposed, so the mutex stays locked; declare it with 'using var'"));
            return;
        }

        foreach (var release in releases)
        {
            if (IsUnconditionalRelease(release, local, scope))
            {
                return;
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.GuardNotDisposed,
            syntax.Identifier.GetLocation(),
            $"MutexGuard '{local.Name}' is not disposed on every path (a return, throw, goto or loop exit skips the Dispose); "
            + "declare it with 'using var' or dispose it in a finally block"));
    }

    // Whether 'release' (the guard reference inside guard.Dispose() or using (guard)) runs on every path from the
    // declaration: it is a statement of the declaration's own list, or in a finally block of one, and every exit
    // between the declaration and it has disposed the guard first.
    private static bool IsUnconditionalRelease(SyntaxNode release, ILocalSymbol local, StatementScope scope)
    {
        var index = scope.IndexOfStatementContaining(release);
        if (index <= scope.Index)
        {
            return false;
        }

        var statement = scope.Statements[index];
        var direct = IsReleaseStatement(statement, local)
            || (statement is TryStatementSyntax { Finally: { } finallyClause } && finallyClause.Span.Contains(release.Span));
        if (!direct)
        {
            return false;
        }

        foreach (var exit in scope.ExitsBetween(index))
        {
            if (!IsPrecededByRelease(exit, local, scope))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsReleaseStatement(StatementSyntax statement, ILocalSymbol local) => statement switch
    {
        ExpressionStatementSyntax
        {
            Expression: InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose", Expression: IdentifierNameSyntax receiver },
            },
        } => receiver.Identifier.ValueText == local.Name,
        UsingStatementSyntax { Expression: IdentifierNameSyntax resource } => resource.Identifier.ValueText == local.Name,
        _ => false,
    };

    // if (x) { g.Dispose(); return; }: an exit is covered when a statement before it, in some block between it and
    // the region, disposes the guard.
    private static bool IsPrecededByRelease(StatementSyntax exit, ILocalSymbol local, StatementScope scope)
    {
        SyntaxNode current = exit;
        while (current.Parent is not null)
        {
            if (current.Parent is BlockSyntax or SwitchSectionSyntax)
            {
                var siblings = current.Parent is BlockSyntax block ? block.Statements : ((SwitchSectionSyntax)current.Parent).Statements;
                foreach (var sibling in siblings)
                {
                    if (sibling == current)
                    {
                        break;
                    }

                    if (IsReleaseStatement(sibling, local))
                    {
                        return true;
                    }
                }
            }

            if (scope.IndexOfStatementContaining(current) >= 0 && current is StatementSyntax s && IsInList(s, scope))
            {
                return false;
            }

            current = current.Parent;
        }

        return false;
    }

    private static bool IsInList(StatementSyntax statement, StatementScope scope)
    {
        foreach (var item in scope.Statements)
        {
            if (item == statement)
            {
                return true;
            }
        }

        return false;
    }

    // PINSYNC012: using var g = m.Lock(); ... await ...;
    private static void CheckAwaits(
        OperationAnalysisContext context,
        VariableDeclaratorSyntax syntax,
        ILocalSymbol local,
        IInvocationOperation acquisition,
        UsingStatementSyntax? usingStatement,
        StatementScope? scope,
        bool isUsing,
        List<Use> uses)
    {
        var region = new List<SyntaxNode>();
        if (usingStatement is not null)
        {
            region.Add(usingStatement.Statement);
        }
        else if (scope is { } list)
        {
            for (var i = list.Index + 1; i < list.Statements.Count; i++)
            {
                region.Add(list.Statements[i]);
            }
        }

        // A guard that is not a using variable is held until its first disposal.
        var limit = int.MaxValue;
        if (!isUsing)
        {
            foreach (var use in uses)
            {
                if (use.Kind == UseKind.Release)
                {
                    var end = use.Reference.Parent is IUsingOperation usingOperation
                        ? usingOperation.Syntax.Span.End
                        : use.Reference.Syntax.SpanStart;
                    limit = System.Math.Min(limit, end);
                }
            }
        }

        var method = acquisition.TargetMethod.Name;
        var declarationLine = syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
        int? firstAwaitLine = null;
        foreach (var root in region)
        {
            if (OperationHelpers.IsFunctionBoundary(root))
            {
                continue; // a local function declared in the scope awaits on its own frame
            }

            foreach (var node in root.DescendantNodesAndSelf(n => !OperationHelpers.IsFunctionBoundary(n)))
            {
                var awaitLocation = AwaitLocation(node);
                if (awaitLocation is null || node.SpanStart >= limit)
                {
                    continue;
                }

                firstAwaitLine ??= awaitLocation.GetLineSpan().StartLinePosition.Line + 1;
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.BlockingGuardAcrossAwait,
                    awaitLocation,
                    $"'await' while holding MutexGuard '{local.Name}' taken by the blocking '{method}()' at line {declarationLine}; "
                    + "take the lock with 'await LockAsync()' or release the guard before awaiting"));
            }
        }

        if (firstAwaitLine is { } line)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.BlockingGuardAcrossAwait,
                syntax.GetLocation(),
                $"MutexGuard '{local.Name}' is taken by the blocking '{method}()' and held across the 'await' at line {line}; "
                + "use 'await LockAsync()' when the critical section awaits"));
        }
    }

    private static Location? AwaitLocation(SyntaxNode node) => node switch
    {
        AwaitExpressionSyntax awaitExpression => awaitExpression.GetLocation(),
        CommonForEachStatementSyntax { AwaitKeyword.RawKind: not 0 } forEach => forEach.AwaitKeyword.GetLocation(),
        UsingStatementSyntax { AwaitKeyword.RawKind: not 0 } usingStatement => usingStatement.AwaitKeyword.GetLocation(),
        LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: not 0 } declaration => declaration.AwaitKeyword.GetLocation(),
        _ => null,
    };
}
