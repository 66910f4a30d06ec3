using System.Diagnostics;
using PinSync.Runtime;
using PinSync.Tests.Runtime.Grains;

namespace PinSync.Tests.Runtime;

/// <summary>
/// Calls that answer while the request-timeout sweep takes them (RequestDeadlines): a 20 ms timeout (2 ms sweep
/// ticks), and per round 256 held calls whose grains are released one by one from 22 to 42 ms after the sends, so
/// that completions land before, during and after the ticks that time them out. Whichever side wins each call, it has
/// exactly one outcome (its own value or a <see cref="TimeoutException"/>), its request goes back to the pool once
/// (a second return is counted, a hold released twice fails a debug assertion), and nothing stays linked.
/// </summary>
internal static class DeadlineRaceScenario
{
    private const int Rounds = 20;
    private const int CallsPerRound = 256;

    internal static void Run() => RunAsync().GetAwaiter().GetResult();

    private static async Task RunAsync()
    {
        var pools = new TrackingPoolProvider();
        await using var runtime = new GrainRuntime(new GrainRuntimeOptions
        {
            RequestTimeout = TimeSpan.FromMilliseconds(20),
            RequestPoolProvider = pools,
            CollectionAge = Timeout.InfiniteTimeSpan,
        });
        var (answered, timedOut) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var keys = Enumerable.Range(0, CallsPerRound).Select(_ => GrainEvents.NewKey("racing")).ToArray();
            var sent = Stopwatch.GetTimestamp();
            var calls = keys.Select((key, i) => runtime.GetGrain<IPoolProbeGrain>(key).Hold(i, CancellationToken.None).AsTask()).ToArray();

            // Release the grains spread over 22-42 ms (a spinning thread: timers are too coarse for this).
            var opener = new Thread(() =>
            {
                for (var i = 0; i < keys.Length; i++)
                {
                    var at = TimeSpan.FromMilliseconds(22 + (20.0 * i / keys.Length));
                    while (Stopwatch.GetElapsedTime(sent) < at)
                    {
                        Thread.SpinWait(20);
                    }

                    PoolProbeGrain.Gate(keys[i]).SetResult();
                }
            });
            opener.Start();
            for (var i = 0; i < calls.Length; i++)
            {
                var call = calls[i];
                Assert.True(await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(30))) == call, $"call {i} of round {round} hung");
                if (call.Exception?.InnerException is TimeoutException)
                {
                    timedOut++;
                }
                else
                {
                    Assert.True(call.Result == i, $"call {i} of round {round} got another call's answer");
                    answered++;
                }
            }

            opener.Join();
        }

        var settle = Stopwatch.StartNew();
        while (pools.Outstanding != 0)
        {
            Assert.True(settle.Elapsed < TimeSpan.FromSeconds(30), $"{pools.Outstanding} requests never came back to the pool");
            await Task.Delay(1);
        }

        Assert.True(pools.DoubleReturns == 0, $"{pools.DoubleReturns} requests came back twice");
        Assert.True(runtime.Deadlines!.PendingCount == 0, $"{runtime.Deadlines.PendingCount} requests still linked to the sweep");
        Assert.True(answered + timedOut == Rounds * CallsPerRound, "a call had no outcome");
        Console.WriteLine($"answered {answered}, timed out {timedOut}");
    }
}
