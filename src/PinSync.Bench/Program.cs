using BenchmarkDotNet.Running;

namespace PinSync.Bench;

/// <summary>Entry point: every benchmark in this assembly, chosen with <c>--filter</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
