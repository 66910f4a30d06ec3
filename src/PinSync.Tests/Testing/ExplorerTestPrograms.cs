using PinSync.Scheduling;
using PinSync.Testing;

namespace PinSync.Tests.Testing;

/// <summary>Small programs with known bugs (and their correct twins) shared by the explorer tests.</summary>
internal static class ExplorerTestPrograms
{
    /// <summary>The three strategies, by name, for theories.</summary>
    internal static Strategy StrategyByName(string name) => name switch
    {
        "random" => Strategy.Random(),
        "pct" => Strategy.Pct(3),
        "dfs" => Strategy.Dfs(2),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown strategy"),
    };

    /// <summary>Two operations increment a shared int with a scheduling point between the read and the write.</summary>
    internal static Task LostUpdate()
    {
        var counter = 0;
        void Increment()
        {
            var read = counter;
            SchedulingPoint.Interleave();
            counter = read + 1;
        }

        var a = Explorer.Spawn(Increment);
        var b = Explorer.Spawn(Increment);
        return Check(a, b);

        async Task Check(Task first, Task second)
        {
            await Task.WhenAll(first, second);
            Explorer.Assert(counter == 2, $"lost update: counter is {counter}, expected 2");
        }
    }

    /// <summary>The twin of <see cref="LostUpdate"/>: the read and the write are one atomic step.</summary>
    internal static async Task AtomicUpdate()
    {
        var counter = 0;
        void Increment()
        {
            SchedulingPoint.Interleave();
            Interlocked.Increment(ref counter);
            SchedulingPoint.Interleave();
        }

        await Task.WhenAll(Explorer.Spawn(Increment), Explorer.Spawn(Increment));
        Explorer.Assert(counter == 2, $"lost update: counter is {counter}, expected 2");
    }

    /// <summary>A lost update across a plain <c>await Task.Yield()</c>: only found if awaits are controlled.</summary>
    internal static async Task LostUpdateAcrossAwait()
    {
        var counter = 0;
        async Task Increment()
        {
            var read = counter;
            await Task.Yield();
            counter = read + 1;
        }

        await Task.WhenAll(Explorer.Spawn(Increment), Explorer.Spawn(Increment));
        Explorer.Assert(counter == 2, $"lost update across await: counter is {counter}, expected 2");
    }
}
