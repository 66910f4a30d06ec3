using System.Globalization;

namespace PinSync.Testing.Engine;

/// <summary>
/// An OS thread that runs explorer operations, reused across iterations and runs (creating threads per iteration
/// would cost more than the iterations themselves).
/// </summary>
/// <remarks>
/// <para>Implementation notes. The baton — the right to run — passes between workers through each worker's <see cref="Gate"/>
/// (an auto-reset event that spins briefly before it sleeps: a hand-off costs a few microseconds on two cores); its
/// signal/wait pair is a full fence, so the state the previous holder wrote is visible to the next one without other
/// synchronization.</para>
/// <para>A worker is idle (in the pool, waiting for an operation to start), bound to one started operation (running
/// it, or waiting at one of its scheduling points), or abandoned (its operation never reached a scheduling point
/// again within the hang timeout, or would not unwind at teardown: it leaves the pool for good, and if its thread
/// ever comes back it ends).</para>
/// <para>The pool is a stack under a small lock: only the baton holder rents, but workers of an aborted iteration
/// return themselves while the coordinator waits, and a hung worker may return late.</para>
/// </remarks>
internal sealed class Worker
{
    [ThreadStatic]
    private static Worker? t_current;

    private static readonly Lock s_poolLock = new();
    private static readonly Stack<Worker> s_idle = new();
    private static int s_created;

    private readonly Gate _gate = new();
    private Operation? _assigned;

    private Worker(int number)
    {
        Thread = new Thread(Loop, 4 * 1024 * 1024)
        {
            IsBackground = true,
            Name = "PinSync.Explorer.Worker#" + number.ToString(CultureInfo.InvariantCulture),
        };
        Thread.UnsafeStart(); // No execution context: the creator may be an operation with a flow.
    }

    /// <summary>The worker of the current thread, or <see langword="null"/> on any other thread.</summary>
    internal static Worker? Current => t_current;

    /// <summary>The number of worker threads created in this process (diagnostics).</summary>
    internal static int Created => Volatile.Read(ref s_created);

    /// <summary>The worker's thread (the driver's watchdog reads its state).</summary>
    internal Thread Thread { get; }

    /// <summary>The operation bound to this worker, if any. Baton-holder state.</summary>
    internal Operation? Operation { get; set; }

    /// <summary>The run whose operations this worker last ran, and the execution context it restores after each
    /// operation of that run (with the seam's ambient controller set). Owned by the worker's thread.</summary>
    internal ExplorerRuntime? Runtime { get; set; }

    /// <summary>The execution context restored after each operation of <see cref="Runtime"/>.</summary>
    internal ExecutionContext? RuntimeContext { get; set; }

    /// <summary>The worker has left the pool for good (see the remarks).</summary>
    internal bool Abandoned { get; set; }

    /// <summary>An idle worker, created when the pool is empty.</summary>
    internal static Worker Rent()
    {
        lock (s_poolLock)
        {
            if (s_idle.TryPop(out var worker))
            {
                return worker;
            }
        }

        return new Worker(Interlocked.Increment(ref s_created));
    }

    /// <summary>Puts an idle worker back; it must not touch run state after this.</summary>
    internal static void Return(Worker worker)
    {
        if (worker.Abandoned)
        {
            return;
        }

        lock (s_poolLock)
        {
            s_idle.Push(worker);
        }
    }

    /// <summary>Hands an idle worker <paramref name="operation"/> to start.</summary>
    internal void Start(Operation operation)
    {
        _assigned = operation;
        _gate.Signal();
    }

    /// <summary>Gives the baton to this worker (its bound operation resumes, or a teardown coordinator wakes).</summary>
    internal void Signal() => _gate.Signal();

    /// <summary>Waits for the baton.</summary>
    internal void Wait() => _gate.Wait();

    /// <summary>Waits for the baton at most <paramref name="timeout"/>.</summary>
    internal bool Wait(TimeSpan timeout) => _gate.Wait(timeout);

    private void Loop()
    {
        t_current = this;
        while (true)
        {
            _gate.Wait();
            var operation = _assigned;
            _assigned = null;
            if (operation is null)
            {
                continue;
            }

            operation.Runtime.RunOnWorker(this, operation);
            if (Abandoned)
            {
                return;
            }
        }
    }
}
