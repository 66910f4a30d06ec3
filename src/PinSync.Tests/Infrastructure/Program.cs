namespace PinSync.Tests;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is turned off). Under the test runner it is never
/// called; <see cref="ChildProcess"/> starts the assembly with <c>dotnet exec</c> to run one scenario in isolation.
/// </summary>
public static class Program
{
    /// <summary>Runs the scenario named by the arguments; exit code 0 when it returned, 1 when it threw.</summary>
    /// <param name="args"><c>--pinsync-scenario</c>, the declaring type's full name, the method's name.</param>
    /// <returns>The exit code.</returns>
    public static int Main(string[] args)
    {
        if (args.Length != 3 || args[0] != ChildProcess.ScenarioSwitch)
        {
            Console.Error.WriteLine($"usage: dotnet exec PinSync.Tests.dll {ChildProcess.ScenarioSwitch} <type> <method>");
            return 2;
        }

        var type = typeof(Program).Assembly.GetType(args[1], throwOnError: true)!;
        var method = type.GetMethod(args[2], System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            ?? throw new MissingMethodException(args[1], args[2]);
        try
        {
            method.Invoke(null, null);
            Console.WriteLine("scenario passed");
            return 0;
        }
        catch (System.Reflection.TargetInvocationException exception) when (exception.InnerException is { } inner)
        {
            Console.Error.WriteLine(inner);
            return 1;
        }
    }
}
