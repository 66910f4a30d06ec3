using System.Diagnostics;
using System.Reflection;

namespace PinSync.Tests;

/// <summary>
/// Runs a scenario in a child process (this test assembly, started with <c>dotnet exec</c>; see <see cref="Program"/>),
/// so that a regression which corrupts memory — a waiter node left linked after its frame is gone ends in an access
/// violation — fails the one test that provoked it instead of killing the test host with every other test in it.
/// </summary>
internal static class ChildProcess
{
    /// <summary>The argument that makes <see cref="Program.Main"/> run a scenario.</summary>
    internal const string ScenarioSwitch = "--pinsync-scenario";

    /// <summary>How long a scenario may run before it is killed and reported as a hang.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Runs the static, parameterless <paramref name="scenario"/> in a child process and fails with its
    /// output if it threw, crashed or hung.</summary>
    internal static void Run(Action scenario)
    {
        var method = scenario.Method;
        Assert.True(method.IsStatic && method.GetParameters().Length == 0, "A child-process scenario is a static, parameterless method.");
        var result = Start(method);
        Assert.True(result.ExitCode == 0,
            $"Scenario {method.DeclaringType!.Name}.{method.Name} failed in its child process (exit code {result.ExitCode}):\n{result.Output}");
    }

    private static (int ExitCode, string Output) Start(MethodInfo method)
    {
        var assembly = typeof(ChildProcess).Assembly.Location;
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path)
            ? path
            : Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add(ScenarioSwitch);
        start.ArgumentList.Add(method.DeclaringType!.FullName!);
        start.ArgumentList.Add(method.Name);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"(hung: killed after {Timeout.TotalSeconds:0} s)\n{stdout.Result}{stderr.Result}");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
