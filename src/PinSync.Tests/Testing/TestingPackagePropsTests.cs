using System.Text.Json;
using PinSync.Scheduling;

namespace PinSync.Tests.Testing;

/// <summary>
/// The scheduling seam is switched on by PinSync.Testing's build/PinSync.Testing.props, the file the package gives
/// every project that references it. This test project has no RuntimeHostConfigurationOption line of its own: it
/// imports that props file, so these tests fail if the file stops producing the option. That the file is inside the
/// package is checked by the pack itself (PinSyncPackageMustContain in PinSync.Testing.csproj).
/// </summary>
public sealed class TestingPackagePropsTests : TestBase
{
    private const string SwitchName = "PinSync.Scheduling.EnableControl";

    [Fact]
    public void Props_SwitchIsOnInTheTestProcess()
    {
        Assert.True(AppContext.TryGetSwitch(SwitchName, out var enabled), $"{SwitchName} is not set in this process.");
        Assert.True(enabled);
        Assert.True(SchedulingController.IsControlEnabled);
    }

    [Fact]
    public void Props_OptionIsWrittenToTheRuntimeConfig()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "PinSync.Tests.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var options = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(options.TryGetProperty(SwitchName, out var value), $"{path} has no {SwitchName}.");
        Assert.Equal(JsonValueKind.True, value.ValueKind);
    }
}
