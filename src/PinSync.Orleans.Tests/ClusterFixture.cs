using BankGrains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PinSync.Orleans.Tests;

/// <summary>Starts an in-process Orleans TestingHost cluster (silos and client on 127.0.0.1) with PinSync's filters, and
/// stops it when disposed.</summary>
internal static class Clusters
{
    /// <summary>How long Orleans waits for a response before the call fails (short, so a call lost with a stopped
    /// silo fails soon; long enough that the deadlock report is clearly not a timeout).</summary>
    internal static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The accounts' store of the running cluster (one per process: the tests run one at a time).</summary>
    internal static AccountStore Store { get; private set; } = new();

    /// <summary>The audit log of the running cluster.</summary>
    internal static AuditLog Audit { get; private set; } = new();

    internal static async Task<TestCluster> StartAsync(short silos)
    {
        Store = new AccountStore();
        Audit = new AuditLog();
        var builder = new TestClusterBuilder(silos);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddPinSync();

            // Random placement, so the accounts spread over both silos whatever the load figures say.
            siloBuilder.Services.AddSingleton<global::Orleans.Runtime.PlacementStrategy, global::Orleans.Runtime.RandomPlacement>();
            siloBuilder.Services.AddSingleton(_ => Store).AddSingleton(_ => Audit);
            siloBuilder.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = ResponseTimeout);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.AddPinSync();
            clientBuilder.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = ResponseTimeout);
        }
    }
}
