using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace PinSync.Analyzers.Common;

/// <summary>
/// Recognizes PinSync's types by their full names (never by reference identity, so a test snippet may declare
/// stand-ins for types that do not exist yet), and answers "is this type pinned?" with a per-compilation cache.
/// </summary>
/// <remarks>
/// A type is pinned when it is a struct marked <c>[PinSync.Pinning.Pinned]</c> or <c>[PinSync.Pinning.PinData]</c>,
/// or a struct that embeds a pinned value in an instance field (transitively, through generic instantiations such as
/// <c>ValueTuple&lt;RawMutex, int&gt;</c> or <c>Nullable&lt;ListHead&gt;</c>): moving the outer struct moves the
/// pinned value inside it. Pointers, arrays, type parameters and <c>ref</c> fields are never pinned.
/// </remarks>
internal sealed class PinSyncSymbols
{
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _pinned = new(SymbolEqualityComparer.Default);

    /// <summary>Whether values of <paramref name="type"/> must never move.</summary>
    public bool IsPinned(ITypeSymbol? type) => type is not null && IsPinned(type, depth: 0);

    private bool IsPinned(ITypeSymbol type, int depth)
    {
        if (type.TypeKind != TypeKind.Struct || type is not INamedTypeSymbol named)
        {
            return false;
        }

        if (_pinned.TryGetValue(type, out var known))
        {
            return known;
        }

        bool result;
        if (IsMarkedPinned(named))
        {
            result = true;
        }
        else if (depth > 16)
        {
            // Pathological nesting (generic recursion through fields): give up rather than loop.
            result = false;
        }
        else if (named.IsGenericType && named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            result = IsPinned(named.TypeArguments[0], depth + 1);
        }
        else
        {
            result = false;
            foreach (var member in named.GetMembers())
            {
                if (member is IFieldSymbol { IsStatic: false, IsConst: false, RefKind: RefKind.None } field
                    && IsPinned(field.Type, depth + 1))
                {
                    result = true;
                    break;
                }
            }
        }

        _pinned.TryAdd(type, result);
        return result;
    }

    /// <summary>Whether <paramref name="type"/> itself carries <c>[Pinned]</c> or <c>[PinData]</c>.</summary>
    public static bool IsMarkedPinned(INamedTypeSymbol type)
    {
        foreach (var attribute in type.OriginalDefinition.GetAttributes())
        {
            if (IsPinningAttribute(attribute.AttributeClass, "PinnedAttribute")
                || IsPinningAttribute(attribute.AttributeClass, "PinDataAttribute"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="symbol"/> carries <c>PinSync.Pinning.<paramref name="attributeName"/></c>.</summary>
    public static bool HasPinningAttribute(ISymbol symbol, string attributeName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (IsPinningAttribute(attribute.AttributeClass, attributeName))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPinningAttribute(INamedTypeSymbol? attribute, string name) =>
        attribute is not null && attribute.Name == name && IsNamespace(attribute.ContainingNamespace, "PinSync", "Pinning");

    /// <summary>Whether <paramref name="type"/> is <c>PinSync.MutexGuard&lt;T&gt;</c>.</summary>
    public static bool IsMutexGuard(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "MutexGuard", Arity: 1 } named && IsNamespace(named.ContainingNamespace, "PinSync");

    /// <summary>Whether <paramref name="type"/> is the managed façade <c>PinSync.CondVar</c>.</summary>
    public static bool IsCondVarFacade(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "CondVar", Arity: 0 } named && IsNamespace(named.ContainingNamespace, "PinSync");

    /// <summary>Whether <paramref name="type"/> is <c>PinSync.CondVar</c> or <c>PinSync.RawCondVar</c>.</summary>
    public static bool IsCondVar(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "CondVar" or "RawCondVar", Arity: 0 } named && IsNamespace(named.ContainingNamespace, "PinSync");

    /// <summary>Whether <paramref name="type"/> implements <c>PinSync.Pinning.IPinnedDrop</c>.</summary>
    public static bool ImplementsPinnedDrop(ITypeSymbol type)
    {
        foreach (var implemented in type.AllInterfaces)
        {
            if (implemented.Name == "IPinnedDrop" && IsNamespace(implemented.ContainingNamespace, "PinSync", "Pinning"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="ns"/> is exactly the namespace <paramref name="parts"/> (outermost first).</summary>
    public static bool IsNamespace(INamespaceSymbol? ns, params string[] parts)
    {
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            if (ns is null || ns.IsGlobalNamespace || ns.Name != parts[i])
            {
                return false;
            }

            ns = ns.ContainingNamespace;
        }

        return ns is not null && ns.IsGlobalNamespace;
    }

    /// <summary>The type a display string names, for messages: <c>RawMutex</c>, <c>MutexGuard&lt;int&gt;</c>.</summary>
    public static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
