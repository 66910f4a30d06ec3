namespace PinSync.Tests.Analyzers;

/// <summary>
/// The rules against the real PinSync types (RawMutex, ListHead, PinBox, PinnedMutex, CondVar), in the shape of an
/// outside check: a file of violations, each drawing a diagnostic at its line, and a clean file drawing none.
/// </summary>
public sealed class RealTypesTests
{
    [Fact]
    public Task ViolationsFile_EachLineReports() => AnalyzerHarness.VerifyAsync("""
        using PinSync.Intrusive;

        public struct Waiter                                   // !PINSYNC006
        {
            public ListHead Link;                              // !PINSYNC006
        }

        public sealed class Registry
        {
            private RawMutex _lock;                            // !PINSYNC005
            private MutexGuard<int> _held;                     // !PINSYNC011
            public void Release() => _held.Dispose();
            public bool Locked => _lock.IsLocked;
        }

        public static unsafe class Violations
        {
            public static void Take(ListHead head) { }         // !PINSYNC007

            public static ListHead Copy(ListHead* p)           // !PINSYNC007
            {
                return *p;                                     // !PINSYNC001
            }

            public static void Copies(RawMutex* p, PinBox<RawMutex> box)
            {
                RawMutex m;
                PinInit.InPlace(&m, RawMutex.Init());
                RawMutex second = m;                           // !PINSYNC001
                var third = *p;                                // !PINSYNC001
                var fourth = box.Value;                        // !PINSYNC001
                ListHead head;
                ListHead.Init(&head);
                Take(head);                                    // !PINSYNC001
                object boxed = m;                              // !PINSYNC002
                ListHead other = default;
                Action a = () => Console.WriteLine(other.Next == null); // !PINSYNC003
                _ = (second.IsLocked, third.IsLocked, fourth.IsLocked, boxed, a);
            }

            public static void Guards(PinnedMutex<int> mutex, CondVar cv, bool stop)
            {
                var g = mutex.Lock();                          // !PINSYNC010
                if (stop)
                {
                    return;
                }

                if (g.Value == 0)
                {
                    cv.Wait(g);                                // !PINSYNC013
                }

                g.Dispose();
                mutex.Lock();                                  // !PINSYNC010
            }
        }

        public static class AsyncViolations
        {
            public static async Task HeldAcrossAwait(PinnedMutex<int> mutex)
            {
                using var g = mutex.Lock();                    // !PINSYNC012
                await Task.Delay(1);                           // !PINSYNC012
                g.Value++;
            }

            public static async Task PinnedLocal()
            {
                ListHead head = default;                       // !PINSYNC004
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task CleanFile_DrawsNothing() => AnalyzerHarness.VerifyAsync("""
        using PinSync.Intrusive;

        [Pinned]
        public struct Waiter
        {
            public ListHead Link;
            public int Id;
        }

        [PinData]
        public partial struct Account
        {
            [Pin] public RawMutex Lock;
            [Pin] public ListHead Waiters;
            public long Balance;
        }

        public sealed class Registry : IDisposable
        {
            private readonly PinBox<RawMutex> _lock = PinBox<RawMutex>.Create(RawMutex.Init());
            private readonly PinnedMutex<int> _mutex = new(0);
            public unsafe bool TryEnter() => RawMutex.TryLock(_lock.Pointer);
            public unsafe void Exit() => RawMutex.Unlock(_lock.Pointer);
            public void Dispose()
            {
                _lock.Dispose();
                _mutex.Dispose();
            }
        }

        public static unsafe class Clean
        {
            public static bool IsEmpty(in ListHead head) => head.Next == head.Prev;

            public static ref ListHead Link(Waiter* w) => ref w->Link;

            public static void Stack()
            {
                Waiter w = default;
                ListHead.Init(&w.Link);
                ListHead head;
                ListHead.Init(&head);
                ListHead.AddTail(&head, &w.Link);
                ref ListHead link = ref Link(&w);
                _ = IsEmpty(in head) || IsEmpty(link);
                ListHead.Remove(&w.Link);
                ListHead* nodes = stackalloc ListHead[4];
                ListHead.Init(&nodes[0]);
                void* raw = Unsafe.AsPointer(ref head);
                _ = ListHead.IsEmpty((ListHead*)raw);
                RawMutex m;
                PinInit.InPlace(&m, RawMutex.Init());
                if (RawMutex.TryLock(&m))
                {
                    RawMutex.Unlock(&m);
                }
            }

            public static void Boxed()
            {
                using var box = PinBox<RawMutex>.Create(RawMutex.Init());
                ref RawMutex value = ref box.Value;
                _ = value.IsLocked;
                RawMutex* p = box.Pointer;
                _ = p->IsLocked;
            }

            public static void Guards(PinnedMutex<bool> mutex, CondVar cv)
            {
                using (var g = mutex.Lock())
                {
                    while (!g.Value)
                    {
                        cv.Wait(g);
                    }
                }

                if (mutex.TryLock(out var g1))
                {
                    using (g1)
                    {
                        g1.Value = false;
                    }
                }

                var g2 = mutex.Lock();
                try
                {
                    g2.Value = true;
                }
                finally
                {
                    g2.Dispose();
                }

                cv.NotifyAll();
            }
        }

        public static class AsyncClean
        {
            public static async Task Run(PinnedMutex<bool> mutex, CondVar cv, CancellationToken ct)
            {
                using (var g = await mutex.LockAsync(ct))
                {
                    while (!g.Value)
                    {
                        await cv.WaitAsync(g, ct);
                    }
                }

                using var g2 = await mutex.TryLockAsync(TimeSpan.FromMilliseconds(50), ct);
                if (g2.Acquired)
                {
                    await Task.Yield();
                    g2.Value = false;
                }
            }
        }
        """);
}
