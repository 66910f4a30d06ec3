using System.Diagnostics;

namespace PinSync.Tests.Sync.ExceptionSafety;

/// <summary>
/// The soak of issue 11: 8 threads in blocking waits (<c>Lock</c>, <c>TryLock</c> with a timeout, <c>Lock</c> with a
/// token, semaphore <c>Wait</c>, <c>CondVar.Wait</c>, exclusive <c>WaitUntil</c>) and 64 tasks in their async twins,
/// random timeouts and cancellations, and a thread that interrupts the blocking threads at random — on one
/// <see cref="PinnedMutex{T}"/>, one <see cref="PinSync.CondVar"/>, one <see cref="PinnedSemaphore"/> and one
/// <see cref="PinSync.WaitQueue"/>. Exact counters, a watchdog, and at the end nobody queued and no async wait in
/// flight. A few seconds by default; <c>PINSYNC_STRESS=1</c> runs it for 60 s (<c>PINSYNC_SOAK_SECONDS</c> overrides).
/// Run in a child process (<see cref="SoakTests"/>).
/// </summary>
internal static class SoakScenario
{
    private const int Threads = 8;
    private const int Tasks = 64;

    internal static TimeSpan Duration =>
        Environment.GetEnvironmentVariable("PINSYNC_SOAK_SECONDS") is { } seconds && int.TryParse(seconds, out var s) ? TimeSpan.FromSeconds(s)
        : Environment.GetEnvironmentVariable("PINSYNC_STRESS") == "1" ? TimeSpan.FromSeconds(60)
        : TimeSpan.FromSeconds(3);

    internal static void Run()
    {
        var state = new SoakState();
        var stop = new CancellationTokenSource();
        var threads = new Thread[Threads];
        for (var i = 0; i < Threads; i++)
        {
            var seed = i;
            threads[i] = new Thread(() => ThreadLoop(state, seed, stop.Token)) { IsBackground = true, Name = $"soak {i}" };
            threads[i].Start();
        }

        var tasks = new Task[Tasks];
        for (var i = 0; i < Tasks; i++)
        {
            var seed = 1000 + i;
            tasks[i] = Task.Run(() => TaskLoop(state, seed, stop.Token));
        }

        var interrupter = new Thread(() =>
        {
            var random = new Random(99);
            while (!stop.IsCancellationRequested)
            {
                threads[random.Next(Threads)].Interrupt();
                Interlocked.Increment(ref state.InterruptsSent);
                Thread.SpinWait(20_000 + random.Next(100_000));
            }
        })
        { IsBackground = true, Name = "interrupter" };
        interrupter.Start();

        Thread.Sleep(Duration);
        stop.Cancel();
        var watchdog = Stopwatch.StartNew();
        Interrupts.Join(interrupter);
        while (!AllDone(threads, tasks))
        {
            // Waiters with no timeout of their own: wake them so they see the stop.
            state.Kick();
            if (watchdog.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Watchdog: the soak did not wind down within 30 s. {state}");
            }

            Thread.Sleep(1);
        }

        Task.WaitAll(tasks); // rethrows a task's failure
        state.AssertWhole();
        Console.WriteLine($"soak {Duration.TotalSeconds:0} s: {state}");
    }

    private static bool AllDone(Thread[] threads, Task[] tasks) =>
        threads.All(t => !t.IsAlive) && tasks.All(t => t.IsCompleted);

    private static void ThreadLoop(SoakState state, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                switch (random.Next(6))
                {
                    case 0:
                        using (var g = state.Mutex.Lock(CancellationToken.None))
                        {
                            state.EnterMutex(ref g.Value);
                        }

                        break;
                    case 1:
                        if (state.Mutex.TryLock(Timeout(random), out var t, CancellationToken.None))
                        {
                            state.EnterMutex(ref t.Value);
                            t.Dispose();
                        }

                        break;
                    case 2:
                        using (var cancel = new CancellationTokenSource(Timeout(random)))
                        using (var g = state.Mutex.Lock(cancel.Token))
                        {
                            state.EnterMutex(ref g.Value);
                        }

                        break;
                    case 3:
                        if (state.Semaphore.Wait(Timeout(random), CancellationToken.None))
                        {
                            state.EnterSemaphore();
                        }

                        break;
                    case 4:
                        state.CondVarStep(random, produce: random.Next(2) == 0);
                        break;
                    default:
                        state.WaitQueueStep(random, produce: random.Next(2) == 0);
                        break;
                }
            }
            catch (ThreadInterruptedException)
            {
                Interlocked.Increment(ref state.Interrupted);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref state.Canceled);
            }
        }

        Interrupts.ClearPending();
    }

    private static async Task TaskLoop(SoakState state, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                switch (random.Next(5))
                {
                    case 0:
                        using (var cancel = new CancellationTokenSource(Timeout(random)))
                        using (var g = await state.Mutex.LockAsync(cancel.Token))
                        {
                            state.EnterMutex(ref g.Value);
                        }

                        break;
                    case 1:
                        if (await state.Semaphore.WaitAsync(Timeout(random), CancellationToken.None))
                        {
                            state.EnterSemaphore();
                        }

                        break;
                    case 2:
                        await state.CondVarStepAsync(random);
                        break;
                    case 3:
                        if (await state.Queue.WaitUntilExclusiveAsync(state.TryTakeToken, Timeout(random), CancellationToken.None))
                        {
                            Interlocked.Increment(ref state.TokensTaken);
                        }

                        break;
                    default:
                        await Task.Yield();
                        break;
                }
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref state.Canceled);
            }
        }
    }

    private static TimeSpan Timeout(Random random) => TimeSpan.FromMilliseconds(random.Next(0, 3));
}
