using PinSync.Scheduling;

namespace PinSync.Runtime;

/// <summary>Idle collection.</summary>
public sealed partial class GrainRuntime
{
    /// <summary>
    /// Every collection quantum, asks each activation that has been idle for the collection age to deactivate (it
    /// re-checks in its own turn). A seam timer: virtual time under the explorer.
    /// </summary>
    /// <remarks>Thread-safe. <see cref="Stop"/> wins against a firing that is about to re-arm: the firing checks
    /// <see cref="_stopped"/> after re-arming and cancels again.</remarks>
    private sealed class IdleCollector : SchedulingTimer
    {
        private readonly GrainRuntime _runtime;
        private readonly long _quantumTicks;
        private volatile bool _stopped;

        internal IdleCollector(GrainRuntime runtime, long quantumTicks)
        {
            _runtime = runtime;
            _quantumTicks = quantumTicks;
        }

        internal void Start() => Seam.RegisterTimer(this, Seam.NowTicks() + _quantumTicks);

        internal void Stop()
        {
            _stopped = true;
            Seam.CancelTimer(this);
        }

        protected override void OnFire()
        {
            if (_stopped)
            {
                return;
            }

            var now = Seam.NowTicks();
            foreach (var activation in _runtime._directory.Values)
            {
                if (activation.IsIdle(now, _runtime.CollectionAgeTicks))
                {
                    activation.RequestDeactivation(DeactivationReason.IdleCollection);
                }
            }

            Seam.RegisterTimer(this, Seam.NowTicks() + _quantumTicks);
            if (_stopped)
            {
                Seam.CancelTimer(this);
            }
        }

        public override string ToString() => "GrainRuntime.IdleCollector";
    }
}
