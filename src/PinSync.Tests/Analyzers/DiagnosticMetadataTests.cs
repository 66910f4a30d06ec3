using System.Reflection;

namespace PinSync.Tests.Analyzers;

/// <summary>Every diagnostic PinSync ships has a help link to its own page, and that page exists.</summary>
public sealed class DiagnosticMetadataTests
{
    private static string Metadata(string key) =>
        typeof(DiagnosticMetadataTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    [Fact]
    public void EveryDiagnostic_HasAHelpLinkToItsExistingPage()
    {
        var root = Metadata("PinSyncRepositoryRoot");
        // Directory.Build.props' PinSyncRepositoryUrl gives the packages their RepositoryUrl and README links; the
        // analyzers' help links (Descriptors.RepositoryUrl in the analyzer assembly) must point at the same repository.
        var helpBase = Metadata("PinSyncRepositoryUrl") + "/blob/main/docs/diagnostics/";
        Assert.StartsWith("https://", helpBase, StringComparison.Ordinal);
        var descriptors = AnalyzerHarness.Analyzers
            .SelectMany(a => a.SupportedDiagnostics)
            .DistinctBy(d => d.Id)
            .ToList();
        Assert.True(descriptors.Count >= 17, $"only {descriptors.Count} descriptors found");
        var index = File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md"));
        foreach (var descriptor in descriptors)
        {
            Assert.Equal(helpBase + descriptor.Id + ".md", descriptor.HelpLinkUri);
            Assert.True(File.Exists(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md")), $"no page for {descriptor.Id}");
            Assert.Contains($"[{descriptor.Id}]({descriptor.Id}.md)", index, StringComparison.Ordinal);
        }
    }
}
