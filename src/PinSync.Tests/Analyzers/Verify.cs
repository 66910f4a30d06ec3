using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace PinSync.Tests.Analyzers;

/// <summary>
/// Analyzer and code-fix tests on the Roslyn SDK's test framework (Microsoft.CodeAnalysis.CSharp.Analyzer.Testing and
/// CodeFix.Testing 1.1.4 on Roslyn 4.14, with its framework-neutral <see cref="DefaultVerifier"/>). Sources use its
/// markup: <c>{|PINSYNC014:text|}</c> expects that id on exactly that span; any other diagnostic of the analyzer, and
/// any compiler error, fails the test; a code-fix test also applies the fix (one by one and fix-all) and compares the
/// result, which must compile and draw nothing.
/// </summary>
/// <remarks>
/// References are the running framework's own assemblies and the PinSync assembly the tests build against, given as
/// metadata references; the framework's reference-assembly packages are not used (<see cref="Offline"/>), so the tests
/// download nothing. The older marker harness (<see cref="AnalyzerHarness"/>) stays for what this framework does not
/// serve: running the <c>[PinData]</c> generator and executing the generated code, and compiling against stand-ins of
/// types that have not landed.
/// </remarks>
internal static class Verify
{
    /// <summary>No reference-assembly package: the references come from <see cref="References"/>.</summary>
    private static readonly ReferenceAssemblies Offline = new("net10.0");

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    private static ImmutableArray<MetadataReference> References => s_references.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p) is var name
                && (name.StartsWith("System.", StringComparison.Ordinal)
                    || name is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll"))
            .ToList();
        paths.Add(typeof(PinnedSemaphore).Assembly.Location);
        return [.. paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    /// <summary>Runs <typeparamref name="TAnalyzer"/> on <paramref name="source"/> (with <see cref="AnalyzerHarness.Usings"/>)
    /// and checks its diagnostics against the markup.</summary>
    public static Task AnalyzerAsync<TAnalyzer>(string source)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = AnalyzerHarness.Usings + source };
        Configure(test);
        return test.RunAsync();
    }

    /// <summary>Checks that <typeparamref name="TFix"/> offers no fix for any diagnostic in <paramref name="source"/>
    /// (the source stays as it is; every diagnostic still has to be marked).</summary>
    public static Task NoCodeFixAsync<TAnalyzer, TFix>(string source)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new() =>
        CodeFixAsync<TAnalyzer, TFix>(source, source, iterations: 0);

    /// <summary>Checks <paramref name="source"/>'s diagnostics, applies <typeparamref name="TFix"/> to each, and compares the
    /// result with <paramref name="fixedSource"/> (both get <see cref="AnalyzerHarness.Usings"/>).</summary>
    /// <param name="source">The code before, with markup for every expected diagnostic.</param>
    /// <param name="fixedSource">The code after; with markup for the diagnostics that remain (a fix that is not offered
    /// leaves its diagnostic).</param>
    /// <param name="iterations">How many rounds of fixing to expect; <see langword="null"/> for one per fixable diagnostic.</param>
    /// <param name="nonLocal">The diagnostic is computed with the whole function (PINSYNC012 scans the guard's scope
    /// for awaits), so the framework's check that it can be recomputed from its own span alone is skipped.</param>
    public static Task CodeFixAsync<TAnalyzer, TFix>(string source, string fixedSource, int? iterations = null, bool nonLocal = false)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        {
            TestCode = AnalyzerHarness.Usings + source,
            FixedCode = AnalyzerHarness.Usings + fixedSource,
        };
        if (nonLocal)
        {
            test.CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
        }

        if (iterations is { } n)
        {
            test.NumberOfIncrementalIterations = n;
            test.NumberOfFixAllIterations = n == 0 ? 0 : 1;
        }

        Configure(test);
        return test.RunAsync();
    }

    private static void Configure<TVerifier>(AnalyzerTest<TVerifier> test)
        where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = Offline;
        test.TestState.AdditionalReferences.AddRange(References);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var options = ((CSharpCompilationOptions)project.CompilationOptions!)
                .WithAllowUnsafe(true)
                .WithNullableContextOptions(NullableContextOptions.Enable);
            var parse = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.Latest);
            return solution.WithProjectCompilationOptions(projectId, options).WithProjectParseOptions(projectId, parse);
        });
    }
}
