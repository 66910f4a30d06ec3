using Microsoft.Extensions.DependencyInjection;

namespace BankGrains;

/// <summary>
/// The PinSync.Runtime host (the default, <c>dotnet run --project samples/BankGrains</c>): accounts and random
/// transfers in one process, hosted in a service container. Exits non-zero when the money is not constant.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var services = new ServiceCollection()
            .AddSingleton<AuditLog>()
            .AddSingleton<AccountStore>()
            .AddGrainRuntime(options => options.RequestTimeout = TimeSpan.FromSeconds(30));
        await using var provider = services.BuildServiceProvider();
        var grains = provider.GetRequiredService<IGrainFactory>();
        var reference = grains.GetGrain<IAccountGrain>("acct-0");
        Console.WriteLine($"grain references: {(reference is GrainReference ? "source-generated" : "reflection proxy")} ({reference.GetType().Name})");
        return await Workload.RunAsync("PinSync.Runtime", grains, provider.GetRequiredService<AccountStore>(),
            provider.GetRequiredService<AuditLog>(), args);
    }
}
