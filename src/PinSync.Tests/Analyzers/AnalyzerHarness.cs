using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PinSync.Analyzers.Guards;
using PinSync.Analyzers.PinData;
using PinSync.Analyzers.Pinning;

namespace PinSync.Tests.Analyzers;

/// <summary>
/// Compiles C# snippets against the real PinSync assembly and the framework, runs every PinSync analyzer (and, on
/// request, the <c>[PinData]</c> generator), and compares the PINSYNC diagnostics with markers in the snippet:
/// <c>// !PINSYNC001</c> on a line means "exactly this id is expected on this line"; lines without a marker must
/// draw no PINSYNC diagnostic.
/// </summary>
internal static partial class AnalyzerHarness
{
    /// <summary>Usings every snippet gets.</summary>
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;
        using PinSync;
        using PinSync.Pinning;

        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    /// <summary>Every analyzer the PinSync package ships.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = ImmutableArray.Create<DiagnosticAnalyzer>(
        new PinnedCopyAnalyzer(),
        new PinnedStorageAnalyzer(),
        new MutexGuardAnalyzer(),
        new GuardCopyAnalyzer(),
        new CondVarWaitAnalyzer(),
        new PinDataAnalyzer());

    [GeneratedRegex(@"!(PINSYNC\d{3})")]
    private static partial Regex MarkerPattern();

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p) is var name
                && (name.StartsWith("System.", StringComparison.Ordinal)
                    || name is "System.dll" or "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll"))
            .ToList();
        paths.Add(typeof(PinSync.Pinning.PinnedAttribute).Assembly.Location);
        return [.. paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    /// <summary>Stand-ins for PinSync types that have not landed yet; a type the real assembly has is never stubbed.</summary>
    private static IEnumerable<string> Stubs()
    {
        var pinSync = typeof(PinSync.Pinning.PinnedAttribute).Assembly;
        if (pinSync.GetType("PinSync.CondVar") is null)
        {
            yield return """
                namespace PinSync
                {
                    public sealed class CondVar
                    {
                        public void Wait<T>(MutexGuard<T> guard, System.Threading.CancellationToken cancellationToken = default) { }
                        public bool Wait<T>(MutexGuard<T> guard, System.TimeSpan timeout, System.Threading.CancellationToken cancellationToken = default) => true;
                        public System.Threading.Tasks.ValueTask WaitAsync<T>(MutexGuard<T> guard, System.Threading.CancellationToken cancellationToken = default) => default;
                        public void NotifyOne() { }
                        public void NotifyAll() { }
                    }
                }
                """;
        }
    }

    /// <summary>Compiles <paramref name="source"/> (plus <see cref="Usings"/>); fails the test on a compile error.</summary>
    public static CSharpCompilation Compile(string source, bool addUsings = true)
    {
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText((addUsings ? Usings : string.Empty) + source, s_parseOptions, path: "Test.cs"),
        };
        trees.AddRange(Stubs().Select((s, i) => CSharpSyntaxTree.ParseText(s, s_parseOptions, path: $"Stub{i}.cs")));
        return CSharpCompilation.Create(
            "Snippet" + Guid.NewGuid().ToString("N"),
            trees,
            s_references.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Debug));
    }

    /// <summary>Fails when <paramref name="compilation"/> has compile errors (a snippet that does not compile tests nothing).</summary>
    public static void AssertCompiles(Compilation compilation)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The snippet does not compile:\n" + string.Join("\n", errors));
    }

    /// <summary>The PINSYNC diagnostics of <paramref name="source"/>, after asserting it compiles.</summary>
    public static async Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(string source, bool addUsings = true)
    {
        var compilation = Compile(source, addUsings);
        AssertCompiles(compilation);
        var withAnalyzers = compilation.WithAnalyzers(Analyzers);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        return [.. diagnostics.Where(d => d.Id.StartsWith("PINSYNC", StringComparison.Ordinal))];
    }

    /// <summary>
    /// Runs the analyzers on <paramref name="source"/> and asserts that the set of (id, line) pairs equals the
    /// markers: every marked line draws its id, and nothing else draws a PINSYNC diagnostic.
    /// </summary>
    public static async Task VerifyAsync(string source)
    {
        var diagnostics = await GetDiagnosticsAsync(source);
        var offset = Usings.Count(c => c == '\n');
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (Match match in MarkerPattern().Matches(lines[i]))
            {
                expected.Add($"{match.Groups[1].Value} at line {i + 1}");
            }
        }

        var actual = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var diagnostic in diagnostics)
        {
            var span = diagnostic.Location.GetLineSpan();
            Assert.Equal("Test.cs", span.Path);
            actual.Add($"{diagnostic.Id} at line {span.StartLinePosition.Line + 1 - offset}");
        }

        var details = string.Join("\n", diagnostics.Select(d =>
            $"  {d.Id} line {d.Location.GetLineSpan().StartLinePosition.Line + 1 - offset}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
        Assert.True(
            expected.SetEquals(actual),
            $"Expected:\n  {string.Join("\n  ", expected)}\nActual:\n{details}");
    }

    /// <summary>Runs the <c>[PinData]</c> generator on <paramref name="source"/>; returns the updated compilation and the generated sources.</summary>
    public static (Compilation Compilation, ImmutableArray<GeneratedSourceResult> Sources) RunGenerator(string source)
    {
        var compilation = Compile(source);
        var driver = CSharpGeneratorDriver.Create([new PinDataGenerator().AsSourceGenerator()], parseOptions: s_parseOptions);
        driver = (CSharpGeneratorDriver)driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var result = driver.GetRunResult();
        return (output, result.Results.SelectMany(r => r.GeneratedSources).ToImmutableArray());
    }

    /// <summary>
    /// Emits <paramref name="compilation"/> into a collectible load context, calls the public static method
    /// <paramref name="typeName"/>.<paramref name="methodName"/> with <paramref name="arguments"/>, and unloads.
    /// </summary>
    public static object? Run(Compilation compilation, string typeName, string methodName, params object?[] arguments)
    {
        using var image = new MemoryStream();
        var emit = compilation.Emit(image);
        Assert.True(emit.Success, "Emit failed:\n" + string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        var context = new AssemblyLoadContext("PinDataSnippet", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(image);
            var method = assembly.GetType(typeName, throwOnError: true)!.GetMethod(methodName, BindingFlags.Public | BindingFlags.Static)!;
            try
            {
                return method.Invoke(null, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
