namespace PinSync.Coyote.Tests;

/// <summary>Where a program's concurrent operations come from: Coyote's controlled <c>Task.Run</c> or the explorer's
/// <c>Explorer.Spawn</c>. The programs are written once and run under both engines (the head-to-head bench).</summary>
public abstract class Host
{
    public static readonly Host Coyote = new CoyoteHost();
    public static readonly Host Explorer = new ExplorerHost();

    public abstract Task Spawn(Action action);

    public abstract Task Spawn(Func<Task> function);

    /// <summary>Joins operations. An array, never the C# 13 params-span overload: Coyote does not intercept that one
    /// ("Potential deadlock or hang detected").</summary>
    public static Task All(params Task[] tasks) => Task.WhenAll(tasks);

    /// <summary>Fails the iteration: under Coyote an unhandled exception is a bug, under the explorer too.</summary>
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ProgramBugException(message);
        }
    }

    private sealed class CoyoteHost : Host
    {
        public override Task Spawn(Action action) => Task.Run(action);

        public override Task Spawn(Func<Task> function) => Task.Run(function);
    }

    private sealed class ExplorerHost : Host
    {
        public override Task Spawn(Action action) => PinSync.Testing.Explorer.Spawn(action);

        public override Task Spawn(Func<Task> function) => PinSync.Testing.Explorer.Spawn(function);
    }
}

/// <summary>A program's own safety check failed.</summary>
public sealed class ProgramBugException(string message) : Exception(message);
