using PinSync.Scheduling;

namespace PinSync.Tests.Sync.Review;

/// <summary>Concurrency review of the <see cref="Parker"/> permit protocol and the production
/// <see cref="TimerHeap"/>.</summary>
public sealed class SchedulingReviewTests : TestBase
{
    /// <summary>
    /// Park/Unpark handshake with infinite parks: every Unpark must end the owner's park (or leave a permit for the
    /// next one). A lost permit leaves the owner parked for ever; the watchdog detects that, records it and rescues
    /// the owner so that the test fails instead of hanging. Timed parks racing with unparks are mixed in (the -1 → 0
    /// timeout transition must not swallow a permit that raced in).
    /// </summary>
    [Fact]
    public void Park_UnparkRacingWithParkAndTimeout_NoPermitLost()
    {
        const int Rounds = 50_000;
        Parker? owner = null;
        var flag = 0;
        var acked = 0;
        var rescued = 0;
        var finished = false;
        using var ready = new ManualResetEventSlim();

        var parkerThread = new Thread(() =>
        {
            owner = Parker.ForCurrentThread();
            ready.Set();
            for (var i = 1; i <= Rounds; i++)
            {
                // Sometimes a timed park that times out first (the permit may race with the -1 → 0 transition).
                if (i % 5 == 0)
                {
                    owner.Park(Seam.ProductionNowTicks() + (i % 3));
                }

                while (Volatile.Read(ref flag) != i)
                {
                    owner.Park(Seam.Infinite);
                }

                Volatile.Write(ref acked, i);
            }

            Volatile.Write(ref finished, true);
        })
        { IsBackground = true, Name = "parker" };
        parkerThread.Start();
        Assert.True(ready.Wait(UnexpectedTimeout));

        var watchdog = new Thread(() =>
        {
            var last = -1;
            var sinceProgress = DateTime.UtcNow;
            while (!Volatile.Read(ref finished))
            {
                Thread.Sleep(100);
                var now = Volatile.Read(ref acked);
                if (now != last)
                {
                    last = now;
                    sinceProgress = DateTime.UtcNow;
                }
                else if (DateTime.UtcNow - sinceProgress > TimeSpan.FromSeconds(2))
                {
                    Interlocked.Increment(ref rescued);
                    owner!.Unpark();
                    sinceProgress = DateTime.UtcNow;
                }
            }
        })
        { IsBackground = true, Name = "watchdog" };
        watchdog.Start();

        for (var i = 1; i <= Rounds; i++)
        {
            Volatile.Write(ref flag, i);
            owner!.Unpark();
            var spin = new SpinWait();
            while (Volatile.Read(ref acked) != i)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        JoinOrFail(parkerThread);
        JoinOrFail(watchdog);
        Assert.Equal(0, Volatile.Read(ref rescued));
    }

    /// <summary>
    /// The production timer heap under concurrent registration and cancellation from several threads: each timer
    /// that was not cancelled fires exactly once and not before its due time; a cancelled timer never fires; Cancel
    /// returns false exactly when the timer has already been taken for firing.
    /// </summary>
    [Fact]
    public void TimerHeap_ConcurrentRegisterCancel_FiresEachLiveTimerOnceNeverEarly()
    {
        const int PerThread = 1_500;
        const int Threads = 4;
        var all = new List<ProbeTimer>[Threads];
        var workers = Enumerable.Range(0, Threads).Select(n => new Thread(() =>
        {
            var random = new Random(n * 7 + 1);
            var mine = new List<ProbeTimer>(PerThread);
            all[n] = mine;
            for (var i = 0; i < PerThread; i++)
            {
                var timer = new ProbeTimer();
                var due = Seam.ProductionNowTicks() + (random.Next(0, 40) * TimeSpan.TicksPerMillisecond / 4);
                timer.Due = due;
                TimerHeap.Shared.Register(timer, due);
                mine.Add(timer);
                if (random.Next(3) == 0)
                {
                    var victim = mine[random.Next(mine.Count)];
                    if (Interlocked.Exchange(ref victim.CancelTried, 1) == 0)
                    {
                        victim.CancelSucceeded = TimerHeap.Shared.Cancel(victim);
                    }
                }
            }
        })
        { IsBackground = true, Name = $"timers {n}" }).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => JoinOrFail(t));

        var timers = all.SelectMany(l => l).ToList();
        var deadline = DateTime.UtcNow + UnexpectedTimeout;
        while (timers.Any(t => !t.CancelSucceeded && Volatile.Read(ref t.Fired) == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "A live timer never fired (hang guard).");
            Thread.Sleep(5);
        }

        Thread.Sleep(30); // late duplicate firings would show up here
        foreach (var t in timers)
        {
            Assert.Equal(t.CancelSucceeded ? 0 : 1, Volatile.Read(ref t.Fired));
            Assert.True(t.CancelSucceeded || t.FiredAt >= t.Due, "A timer fired before its due time.");
            Assert.Equal(-1, t.HeapIndex);
        }
    }

    private sealed class ProbeTimer : SchedulingTimer
    {
        public long Due;
        public long FiredAt;
        public int Fired;
        public int CancelTried;
        public bool CancelSucceeded;

        protected override void OnFire()
        {
            FiredAt = Seam.ProductionNowTicks();
            Interlocked.Increment(ref Fired);
        }
    }
}
