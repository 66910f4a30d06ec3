namespace PinSync.Tests;

public sealed class SmokeTests : TestBase
{
    [Fact]
    public void Build_PinSyncAssembly_Loads()
    {
        Assert.Equal("PinSync", typeof(PinSync.Pinning.PinnedAttribute).Assembly.GetName().Name);
    }
}
