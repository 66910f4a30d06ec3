using BankGrains;
using Xunit.Abstractions;

namespace PinSync.Orleans.Tests;

/// <summary>The BankGrains sample's grain files on a 2-silo Orleans cluster: money constant, grains on both silos,
/// and a silo stopped mid-run.</summary>
public sealed class BankClusterTests(ITestOutputHelper output)
{
    private const int Accounts = 40;

    [Fact]
    public async Task Transfers_TwoSilosOneStoppedMidRun_MoneyConstantAfterTheDocumentedRetries()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2);
        try
        {
            var client = cluster.Client;
            var keys = Enumerable.Range(0, Accounts).Select(i => "acct-" + i).ToArray();
            foreach (var key in keys)
            {
                await client.GetGrain<IAccountGrain>(key).Balance(); // activate every account
            }

            // Grains spread over both silos.
            var statistics = (await client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null))
                .Where(s => s.GrainId.ToString().StartsWith("account/", StringComparison.Ordinal)).ToArray();
            var silosHostingAccounts = statistics.Select(s => s.SiloAddress).Distinct().Count();
            Assert.True(silosHostingAccounts == 2, $"accounts on {silosHostingAccounts} silo(s), {statistics.Length} activations");

            using var stop = new CancellationTokenSource();
            var failures = 0;
            var completed = 0;
            var workers = Enumerable.Range(0, 8).Select(seed => Task.Run(async () =>
            {
                var random = new Random(seed);
                while (!stop.IsCancellationRequested)
                {
                    var from = keys[random.Next(keys.Length)];
                    var to = keys[random.Next(keys.Length)];
                    try
                    {
                        await client.GetGrain<IAccountGrain>(from).TransferTo(to, random.Next(1, 200));
                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception)
                    {
                        // A call that met the stopping silo: the transfer may or may not have happened; either way the
                        // money is in an account or in an outbox (see AccountGrain).
                        Interlocked.Increment(ref failures);
                    }
                }
            })).ToArray();

            await WaitUntil(() => Volatile.Read(ref completed) >= 500);
            await cluster.StopSiloAsync(cluster.SecondarySilos[0]);
            var afterStop = Volatile.Read(ref completed);
            await WaitUntil(() => Volatile.Read(ref completed) >= afterStop + 500);
            await stop.CancelAsync();
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(1));

            // Settle every account (delivers credits still in outboxes), retrying what fails while the cluster settles.
            long total = 0;
            foreach (var key in keys)
            {
                total += await Retry(() => client.GetGrain<IAccountGrain>(key).Settle().AsTask());
            }

            output.WriteLine($"{completed} transfers completed, {failures} calls failed around the silo stop, " +
                $"accounts on {silosHostingAccounts} silos before it; total {total}");
            Assert.Equal(Bank.InitialBalance * Accounts, total);
            Assert.Equal(Bank.InitialBalance * Accounts, Clusters.Store.TotalMoney());
            Assert.True(Volatile.Read(ref completed) > 1000, $"{completed} transfers completed");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the transfers made no progress (hang guard)");
            await Task.Delay(20);
        }
    }

    private static async Task<T> Retry<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (attempt < 10)
            {
                await Task.Delay(200 * attempt);
            }
        }
    }
}
