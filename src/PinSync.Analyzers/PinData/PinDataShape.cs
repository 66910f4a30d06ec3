using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.PinData;

/// <summary>
/// What the <c>[PinData]</c> generator needs from a struct, checked in one place for both the generator (which
/// skips a struct that fails) and <see cref="PinDataAnalyzer"/> (which says why).
/// </summary>
internal static class PinDataShape
{
    /// <summary>One problem with a <c>[PinData]</c> struct: the descriptor, where, and the message arguments.</summary>
    internal readonly struct Problem
    {
        public Problem(DiagnosticDescriptor descriptor, Location location, params object[] arguments)
        {
            Descriptor = descriptor;
            Location = location;
            Arguments = arguments;
        }

        public DiagnosticDescriptor Descriptor { get; }

        public Location Location { get; }

        public object[] Arguments { get; }
    }

    /// <summary>Every problem that prevents generating an initializer for <paramref name="type"/>.</summary>
    public static List<Problem> Check(INamedTypeSymbol type, PinSyncSymbols symbols)
    {
        var problems = new List<Problem>();
        var location = type.Locations.IsEmpty ? Location.None : type.Locations[0];
        if (type.TypeKind != TypeKind.Struct)
        {
            problems.Add(new Problem(Descriptors.PinDataShape, location, type.Name, "is not a struct"));
            return problems;
        }

        if (!IsPartial(type))
        {
            problems.Add(new Problem(Descriptors.PinDataShape, location, type.Name, "is not declared partial"));
        }

        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!IsPartial(outer))
            {
                problems.Add(new Problem(Descriptors.PinDataShape, location, type.Name, $"is nested in '{outer.Name}', which is not partial"));
            }
        }

        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                problems.Add(new Problem(Descriptors.PinDataShape, location, type.Name, "is generic or nested in a generic type"));
                break;
            }
        }

        foreach (var member in type.GetMembers())
        {
            if (member is not IFieldSymbol { IsStatic: false, IsConst: false } field)
            {
                continue;
            }

            var fieldLocation = FieldLocation(field);
            var name = field.AssociatedSymbol?.Name ?? field.Name;
            if (!field.Type.IsUnmanagedType || field.RefKind != RefKind.None)
            {
                problems.Add(new Problem(
                    Descriptors.PinDataNotUnmanaged, fieldLocation, name, type.Name, PinSyncSymbols.Display(field.Type)));
            }

            if (field.AssociatedSymbol is IPropertySymbol)
            {
                problems.Add(new Problem(Descriptors.PinDataFieldNotWritable, fieldLocation, name, type.Name, "an auto-property"));
            }
            else if (field.IsReadOnly)
            {
                problems.Add(new Problem(Descriptors.PinDataFieldNotWritable, fieldLocation, name, type.Name, "read-only"));
            }

            if (!IsPin(field) && symbols.IsPinned(field.Type))
            {
                problems.Add(new Problem(Descriptors.PinnedFieldNotPin, fieldLocation, name, PinSyncSymbols.Display(field.Type)));
            }
        }

        return problems;
    }

    /// <summary>Whether <paramref name="field"/> carries <c>[Pin]</c>.</summary>
    public static bool IsPin(IFieldSymbol field) => PinSyncSymbols.HasPinningAttribute(field, "PinAttribute");

    /// <summary>Whether <paramref name="type"/> carries <c>[PinData]</c>.</summary>
    public static bool IsPinData(INamedTypeSymbol type) => PinSyncSymbols.HasPinningAttribute(type, "PinDataAttribute");

    private static bool IsPartial(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return true;
            }
        }

        return false;
    }

    private static Location FieldLocation(IFieldSymbol field)
    {
        var symbol = (ISymbol?)field.AssociatedSymbol ?? field;
        return symbol.Locations.IsEmpty ? Location.None : symbol.Locations[0];
    }

    /// <summary>Turns <c>_waitList</c> or <c>WaitList</c> into <c>waitList</c>, escaping keywords (<c>@lock</c>).</summary>
    public static string ParameterName(string fieldName)
    {
        var trimmed = fieldName.TrimStart('_');
        if (trimmed.Length == 0)
        {
            trimmed = "value";
        }

        return Escape(char.ToLowerInvariant(trimmed[0]) + trimmed.Substring(1));
    }

    /// <summary>Writes <paramref name="name"/> as an identifier, escaping keywords (<c>@lock</c>).</summary>
    public static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>Turns <c>_waitList</c> into <c>WaitList</c>.</summary>
    public static string PascalName(string fieldName)
    {
        var trimmed = fieldName.TrimStart('_');
        if (trimmed.Length == 0)
        {
            return "Field";
        }

        return char.ToUpperInvariant(trimmed[0]) + trimmed.Substring(1);
    }

    /// <summary>Makes <paramref name="name"/> unique in <paramref name="taken"/> by appending a number.</summary>
    public static string Unique(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var i = 2; !taken.Add(candidate.TrimStart('@')); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }
}
