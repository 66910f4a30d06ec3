using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PinSync.Analyzers.Common;

namespace PinSync.Analyzers.PinData;

/// <summary>
/// The <c>[PinData]</c> source generator, the counterpart of pin-init's <c>#[pin_data]</c> + <c>pin_init!</c>: for a
/// partial unmanaged struct it emits <c>S.PinInit&lt;TError&gt;.Create(...)</c>, a typed in-place initializer that
/// takes one <c>IPinInit</c> per <c>[Pin]</c> field and a plain value per other field, builds the fields at their
/// final address in declaration order, and, when one fails or throws, drops the fields already built in reverse
/// order, each exactly once. It also emits <c>DropPinnedFields()</c>. See <see cref="PinDataEmitter"/>.
/// </summary>
/// <remarks>A struct that does not fit (see <see cref="PinDataShape"/>) gets nothing; <see cref="PinDataAnalyzer"/> says why.</remarks>
[Generator(LanguageNames.CSharp)]
public sealed class PinDataGenerator : IIncrementalGenerator
{
    private const string PinDataAttributeName = "PinSync.Pinning.PinDataAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The model is the generated text itself (hint name + source), so the incremental cache compares strings.
        var sources = context.SyntaxProvider.ForAttributeWithMetadataName(
            PinDataAttributeName,
            static (node, _) => node is StructDeclarationSyntax,
            static (attributeContext, cancellationToken) => Transform(attributeContext, cancellationToken));

        context.RegisterSourceOutput(sources, static (output, source) =>
        {
            if (!string.IsNullOrEmpty(source.HintName))
            {
                output.AddSource(source.HintName, source.Text);
            }
        });
    }

    private static GeneratedSource Transform(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || PinDataShape.Check(type, new PinSyncSymbols()).Count != 0)
        {
            return default;
        }

        cancellationToken.ThrowIfCancellationRequested();
        // Under NativeAOT, PinDrop needs droppable types registered up front (no reflection); emit that when the
        // struct implements IPinnedDrop, PinDrop exists, and the struct is visible to a module initializer.
        var registerDrop = PinSyncSymbols.ImplementsPinnedDrop(type)
            && context.SemanticModel.Compilation.GetTypeByMetadataName("PinSync.Pinning.PinDrop") is not null
            && IsVisibleInAssembly(type);
        var text = PinDataEmitter.Emit(type, registerDrop);
        var hint = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty) + ".PinData.g.cs";
        return new GeneratedSource(hint, text);
    }

    private static bool IsVisibleInAssembly(INamedTypeSymbol type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One generated file; <c>default</c> means nothing to generate.</summary>
    private readonly struct GeneratedSource : System.IEquatable<GeneratedSource>
    {
        public GeneratedSource(string hintName, string text)
        {
            HintName = hintName;
            Text = text;
        }

        public string HintName { get; }

        public string Text { get; }

        public bool Equals(GeneratedSource other) =>
            string.Equals(HintName, other.HintName, System.StringComparison.Ordinal)
            && string.Equals(Text, other.Text, System.StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is GeneratedSource other && Equals(other);

        public override int GetHashCode() => (HintName?.GetHashCode() ?? 0) ^ (Text?.GetHashCode() ?? 0);
    }
}
