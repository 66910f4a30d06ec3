using System.Globalization;

namespace PinSync.Testing.Engine;

/// <summary>
/// A logical thread of the test: the body or one spawned function, with every continuation of its awaits. It lives
/// in an <see cref="AsyncLocal{T}"/> (<see cref="Current"/>), so it follows the function through its awaits, and so
/// that its code turning up on a thread the explorer does not own is seen at once (the change handler), whatever
/// sent it there.
/// </summary>
internal sealed class Flow
{
    private static readonly AsyncLocal<Flow?> s_current = new(OnCurrentChanged);

    internal Flow(ExplorerRuntime runtime, int id, bool isBody, string? name = null)
    {
        Runtime = runtime;
        Id = id;
        IsBody = isBody;
        Name = name;
        Completion = new TaskCompletionSource();
        OnTaskCompleted = () => Runtime.OnFlowTaskCompleted(this);
    }

    /// <summary>The flow of the current execution context.</summary>
    internal static Flow? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>The run the flow belongs to.</summary>
    internal ExplorerRuntime Runtime { get; }

    /// <summary>The id of the operation that started it (the flow is named after it).</summary>
    internal int Id { get; }

    /// <summary>Whether this is the test body.</summary>
    internal bool IsBody { get; }

    /// <summary>The name given to <see cref="Explorer.Spawn(string, Func{Task})"/>, if any.</summary>
    internal string? Name { get; }

    /// <summary>The flow as the reports name it: <c>op1 (body)</c>, <c>op2 'producer'</c>, <c>op3</c>.</summary>
    internal string Label => IsBody ? this + " (body)" : Name is null ? ToString() : $"{this} '{Name}'";

    /// <summary>The flow's short name with its spawn name: <c>op2 'producer'</c>, <c>op1</c>.</summary>
    internal string ShortLabel => Name is null ? ToString() : $"{this} '{Name}'";

    /// <summary>Completed when the flow's function has finished; what <see cref="Explorer.Spawn(Func{Task})"/> returns.
    /// Continuations run inline, inside the operation that finishes the flow.</summary>
    internal TaskCompletionSource Completion { get; }

    /// <summary>The task of the function, once it returned one.</summary>
    internal Task? Task { get; set; }

    /// <summary>Called when <see cref="Task"/> completes.</summary>
    internal Action OnTaskCompleted { get; }

    /// <summary>Whether the function has finished.</summary>
    internal bool Done { get; set; }

    /// <summary>The last wait point the flow passed (for reports of flows that never finish).</summary>
    internal nint LastWaitResource { get; set; }

    /// <summary>The name of the last wait point.</summary>
    internal string? LastWaitOperation { get; set; }

    /// <inheritdoc />
    public override string ToString() => "op" + Id.ToString(CultureInfo.InvariantCulture);

    private static void OnCurrentChanged(AsyncLocalValueChangedArgs<Flow?> args)
    {
        if (args.ThreadContextChanged && args.CurrentValue is { } flow && Worker.Current is null)
        {
            flow.Runtime.ReportUncontrolled(
                $"code of {flow} ran on thread {Environment.CurrentManagedThreadId}, which the explorer does not control " +
                "(Task.Run, ThreadPool, new Thread, a real timer such as Task.Delay or CancelAfter, or ConfigureAwait(false) " +
                "resuming on the thread pool)");
        }
    }
}
