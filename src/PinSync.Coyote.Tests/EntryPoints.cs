using Microsoft.Coyote.SystematicTesting;

namespace PinSync.Coyote.Tests;

/// <summary>Entry points for the <c>coyote test</c> command (<c>coyote test PinSync.Coyote.Tests.dll -m
/// PinSync.Coyote.Tests.EntryPoints.LostUpdate -i 100</c>): each wraps a program in <see cref="PinSyncCoyote.Run(Func{Task})"/>.</summary>
public static class EntryPoints
{
    /// <summary>The lost-update bug (found within a few iterations).</summary>
    [Test]
    public static Task LostUpdate() => PinSyncCoyote.Run(() => Programs.MutexCounter(Host.Coyote, twoSections: true, async: false));

    /// <summary>Its correct twin (clean).</summary>
    [Test]
    public static Task Counter() => PinSyncCoyote.Run(() => Programs.MutexCounter(Host.Coyote, twoSections: false, async: true));
}
