using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using PinSync.Runtime;

namespace BankGrains;

/// <summary>
/// Accounts and random transfers between them on the grain runtime, hosted in a service container. At the end the
/// total money must equal what the bank started with; the sample prints calls per second and exits non-zero when
/// the invariant is broken.
/// </summary>
public static class Program
{
    public const long InitialBalance = 1_000;

    public static async Task<int> Main(string[] args)
    {
        var accounts = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100;
        var transfers = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000;
        var callers = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 64;

        var services = new ServiceCollection()
            .AddSingleton<AuditLog>()
            .AddGrainRuntime(options => options.RequestTimeout = TimeSpan.FromSeconds(30));
        await using var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<IGrainFactory>();
        var audit = provider.GetRequiredService<AuditLog>();
        var keys = Enumerable.Range(0, accounts).Select(i => "acct-" + i).ToArray();
        var reference = runtime.GetGrain<IAccountGrain>(keys[0]);
        Console.WriteLine($"grain references: {(reference is GrainReference ? "source-generated" : "reflection proxy")} ({reference.GetType().Name})");

        var watch = Stopwatch.StartNew();
        var perCaller = transfers / callers;
        var workers = Enumerable.Range(0, callers).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            for (var i = 0; i < perCaller; i++)
            {
                var from = keys[random.Next(keys.Length)];
                var to = keys[random.Next(keys.Length)];
                await runtime.GetGrain<IAccountGrain>(from).TransferTo(to, random.Next(1, 200));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        watch.Stop();

        long total = 0;
        foreach (var key in keys)
        {
            total += await runtime.GetGrain<IAccountGrain>(key).Balance();
        }

        var calls = (long)perCaller * callers;
        var grainCalls = calls + audit.Transfers; // every successful transfer makes a second (grain-to-grain) call
        var expected = InitialBalance * accounts;
        Console.WriteLine($"{accounts} accounts, {callers} callers, {calls:N0} transfer requests ({audit.Transfers:N0} moved money) " +
            $"in {watch.Elapsed.TotalSeconds:F2} s");
        Console.WriteLine($"{grainCalls / watch.Elapsed.TotalSeconds:N0} grain calls/s ({calls / watch.Elapsed.TotalSeconds:N0} transfers/s), " +
            $"{Environment.ProcessorCount} cores");
        Console.WriteLine($"total money: {total:N0} (expected {expected:N0}) -> {(total == expected ? "invariant holds" : "INVARIANT BROKEN")}");
        return total == expected ? 0 : 1;
    }
}
