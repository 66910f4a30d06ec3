using System.Diagnostics;
using System.Globalization;

namespace BankGrains;

/// <summary>Random transfers between accounts through any host's grain factory; checks that the money is constant.</summary>
public static class Workload
{
    /// <summary>Runs the transfers given by <paramref name="args"/> (accounts, transfers, callers) and prints the
    /// figures.</summary>
    /// <returns>0 when the invariant holds, 1 when it is broken.</returns>
    public static async Task<int> RunAsync(string host, IGrainFactory grains, AccountStore store, AuditLog audit, string[] args)
    {
        var accounts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var transfers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
        var callers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        var keys = Enumerable.Range(0, accounts).Select(i => "acct-" + i).ToArray();

        var watch = Stopwatch.StartNew();
        var perCaller = transfers / callers;
        var workers = Enumerable.Range(0, callers).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            for (var i = 0; i < perCaller; i++)
            {
                var from = keys[random.Next(keys.Length)];
                var to = keys[random.Next(keys.Length)];
                await grains.GetGrain<IAccountGrain>(from).TransferTo(to, random.Next(1, 200));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        watch.Stop();

        long total = 0;
        foreach (var key in keys)
        {
            total += await grains.GetGrain<IAccountGrain>(key).Settle();
        }

        var calls = (long)perCaller * callers;
        var grainCalls = calls + audit.Transfers; // every successful transfer makes a second (grain-to-grain) call
        var expected = Bank.InitialBalance * accounts;
        Console.WriteLine($"host: {host}; {accounts} accounts, {callers} callers, {calls:N0} transfer requests " +
            $"({audit.Transfers:N0} moved money) in {watch.Elapsed.TotalSeconds:F2} s");
        Console.WriteLine($"{grainCalls / watch.Elapsed.TotalSeconds:N0} grain calls/s ({calls / watch.Elapsed.TotalSeconds:N0} transfers/s), " +
            $"{Environment.ProcessorCount} cores");
        Console.WriteLine($"total money: {total:N0} (expected {expected:N0}; stored {store.TotalMoney():N0}) -> " +
            (total == expected ? "invariant holds" : "INVARIANT BROKEN"));
        return total == expected ? 0 : 1;
    }
}
