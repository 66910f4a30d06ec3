using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PinSync.Orleans;

namespace BankGrains;

/// <summary>
/// The Orleans host (<c>dotnet run --project samples/BankGrains -p:GrainHost=Orleans</c>): the same grain files on a
/// one-silo Orleans 10 cluster with localhost clustering (127.0.0.1), PinSync's call-chain deadlock report added by
/// <c>AddPinSync()</c>. Exits non-zero when the money is not constant.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<AuditLog>().AddSingleton<AccountStore>();
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddPinSync());
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            return await Workload.RunAsync("Orleans 10", host.Services.GetRequiredService<IGrainFactory>(),
                host.Services.GetRequiredService<AccountStore>(), host.Services.GetRequiredService<AuditLog>(), args);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
