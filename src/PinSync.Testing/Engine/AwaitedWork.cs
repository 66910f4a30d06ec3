using System.Reflection;
using System.Threading.Tasks.Sources;

namespace PinSync.Testing.Engine;

/// <summary>
/// What a suspended flow is waiting for, found by walking its async "stack": the flow's task is an async method's
/// state-machine box, whose awaiter field that is set (the compiler clears it after each resume) holds the task or
/// value-task source awaited now; that may be another async method, and so on down to a leaf.
/// </summary>
/// <remarks>
/// <para>Implementation notes. Used only when an iteration reaches a standstill with flows still waiting (so it costs
/// nothing while the explorer runs): the leaf tells a deadlock among controlled waits apart from a flow that awaits
/// work the explorer does not control — <c>Task.Run</c> whose thread-pool item has not started yet, a real
/// <c>Task.Delay</c> timer, a <c>SemaphoreSlim.WaitAsync</c>. Reads private fields of the compiler's state machines
/// and of the runtime's task types by reflection (as async-stack dumps in debuggers do); anything it does not
/// recognise is <see cref="Kind.Unknown"/>, never a false "uncontrolled".</para>
/// </remarks>
internal static class AwaitedWork
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
    private const int MaxDepth = 64;

    private static readonly FieldInfo? s_taskAction = typeof(Task).GetField("m_action", Instance);
    private static readonly Assembly s_pinSync = typeof(PinnedSemaphore).Assembly;

    /// <summary>How a leaf of the async stack relates to the explorer.</summary>
    internal enum Kind
    {
        /// <summary>Something the explorer drives: a PinSync wait, <see cref="Explorer.Delay(TimeSpan)"/>.</summary>
        Controlled,

        /// <summary>The completion of another flow of the iteration (which is classified on its own).</summary>
        Linked,

        /// <summary>A task or source it cannot classify (a <see cref="TaskCompletionSource"/>, a combinator, a custom
        /// source): may be completed by an operation, by uncontrolled work, or by nobody.</summary>
        Unknown,

        /// <summary>Work the explorer does not control; <see cref="Leaf.What"/> names it.</summary>
        Uncontrolled,
    }

    /// <summary>The bottom of an async stack.</summary>
    /// <param name="Kind">What it is.</param>
    /// <param name="What">For <see cref="Kind.Uncontrolled"/>: what the flow awaits, in words.</param>
    internal readonly record struct Leaf(Kind Kind, string? What);

    /// <summary>Classifies what <paramref name="task"/> (a flow's task) is waiting for.</summary>
    /// <param name="task">The flow's task.</param>
    /// <param name="explorerTask">Recognises the explorer's own tasks: <see cref="Kind.Linked"/> for a flow's
    /// completion, <see cref="Kind.Controlled"/> for a delay, <see langword="null"/> for any other task.</param>
    internal static Leaf Classify(Task task, Func<Task, Kind?> explorerTask)
    {
        object? current = task;
        for (var depth = 0; depth < MaxDepth && current is not null; depth++)
        {
            if (current is Task t && explorerTask(t) is { } known)
            {
                return new Leaf(known, null);
            }

            if (ClassifyLeaf(current) is { } leaf)
            {
                return leaf;
            }

            current = AwaitedBy(current);
        }

        return new Leaf(Kind.Unknown, null);
    }

    /// <summary>A leaf recognised by its type, or <see langword="null"/> when <paramref name="awaited"/> is an async
    /// method (or a source) to walk into.</summary>
    private static Leaf? ClassifyLeaf(object awaited)
    {
        var type = awaited.GetType();
        var name = type.FullName ?? type.Name;
        if (name.StartsWith("System.Threading.Tasks.Task+DelayPromise", StringComparison.Ordinal))
        {
            return new Leaf(Kind.Uncontrolled, "Task.Delay (a real timer)");
        }

        if (name.StartsWith("System.Threading.SemaphoreSlim+TaskNode", StringComparison.Ordinal))
        {
            return new Leaf(Kind.Uncontrolled, "SemaphoreSlim.WaitAsync (a BCL lock)");
        }

        if (name.StartsWith("System.Threading.Tasks.UnwrapPromise", StringComparison.Ordinal))
        {
            return new Leaf(Kind.Uncontrolled, "Task.Run of an async function (the thread pool)");
        }

        if (StateMachineOf(awaited) is not null)
        {
            return null;
        }

        // A delegate task proper (not a promise, a continuation task or an async method's box, which caches its
        // MoveNext delegate in the same field): Task.Run, Task.Factory.StartNew, new Task(...).Start().
        if (awaited is Task task && (type == typeof(Task) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>)))
            && s_taskAction?.GetValue(task) is Delegate)
        {
            return new Leaf(Kind.Uncontrolled, "a task started with Task.Run or Task.Factory.StartNew (the thread pool)");
        }

        if (IsPinSyncSource(type))
        {
            return new Leaf(Kind.Controlled, null);
        }

        return new Leaf(Kind.Unknown, null);
    }

    private static bool IsPinSyncSource(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.Assembly == s_pinSync)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What the async method behind <paramref name="box"/> awaits now, or <see langword="null"/>.</summary>
    private static object? AwaitedBy(object box)
    {
        if (StateMachineOf(box) is not { } machine)
        {
            return null;
        }

        foreach (var field in machine.GetType().GetFields(Instance))
        {
            // The compiler names awaiter fields <>u__N and resets each to default after its await resumes.
            if (!field.Name.StartsWith("<>u__", StringComparison.Ordinal) || field.GetValue(machine) is not { } awaiter)
            {
                continue;
            }

            if (AwaitedByAwaiter(awaiter, depth: 0) is { } awaited)
            {
                return awaited;
            }
        }

        return null;
    }

    /// <summary>The task or value-task source inside an awaiter (TaskAwaiter, ConfiguredTaskAwaiter,
    /// ValueTaskAwaiter, their generic and configured forms: a task field, or a ValueTask field holding one).</summary>
    private static object? AwaitedByAwaiter(object awaiter, int depth)
    {
        if (awaiter is Task or IValueTaskSource)
        {
            return awaiter;
        }

        if (depth > 2 || !awaiter.GetType().IsValueType)
        {
            return IsValueTaskSource(awaiter) ? awaiter : null;
        }

        foreach (var field in awaiter.GetType().GetFields(Instance))
        {
            if (field.FieldType.IsPrimitive || field.GetValue(awaiter) is not { } value)
            {
                continue;
            }

            if (AwaitedByAwaiter(value, depth + 1) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static bool IsValueTaskSource(object value)
    {
        foreach (var contract in value.GetType().GetInterfaces())
        {
            if (contract == typeof(IValueTaskSource) ||
                (contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IValueTaskSource<>)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The compiler's state machine held by an async method's box (a task or a pooled value-task source).</summary>
    private static object? StateMachineOf(object box) =>
        box.GetType().GetField("StateMachine", Instance)?.GetValue(box);
}
