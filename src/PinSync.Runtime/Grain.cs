using PinSync.Runtime.Internal;

namespace PinSync.Runtime;

/// <summary>
/// Base class of grain classes. A grain class derives from <see cref="Grain"/> and implements one or more grain
/// interfaces (<see cref="IGrain"/>); the runtime creates one instance per activation and runs its methods one turn
/// at a time, so grain state needs no locks.
/// </summary>
/// <remarks>
/// <para>Turn-based: at most one thread runs inside an activation at any time. By default a request runs to
/// completion, awaits included, before the next one starts; <see cref="ReentrantAttribute"/>,
/// <see cref="AlwaysInterleaveAttribute"/> and <see cref="ReadOnlyAttribute"/> relax that.</para>
/// <para>The members below are meant to be called from the grain's own turns (its methods, timers and lifecycle
/// methods); they are not thread-safe otherwise. The identity (<see cref="GrainKey"/>) is attached after the
/// constructor, before <see cref="OnActivateAsync"/>.</para>
/// </remarks>
public abstract class Grain
{
    private Activation? _activation;

    /// <summary>Creates the grain (called by the runtime, with constructor injection when services are configured).</summary>
    protected Grain()
    {
    }

    /// <summary>The grain's key (<c>"alice"</c> for <c>GetGrain&lt;IAccount&gt;("alice")</c>). Grain code meant to run
    /// on Orleans too reads it with <c>this.GetPrimaryKeyString()</c> (<see cref="GrainExtensions"/>).</summary>
    /// <exception cref="InvalidOperationException">Read in the constructor, before activation.</exception>
    protected string GrainKey => Activation.Id.Key;

    /// <summary>The key, for <see cref="GrainExtensions"/>.</summary>
    internal string PrimaryKeyText => Activation.Id.Key;

    /// <summary>Gets references to other grains (and to this one).</summary>
    /// <exception cref="InvalidOperationException">Read in the constructor, before activation.</exception>
    protected IGrainFactory GrainFactory => Activation.Runtime;

    private Activation Activation => _activation ?? throw new InvalidOperationException(SR.NotActivated);

    /// <summary>Called in the activation's first turn, before any request runs. A throw fails the requests that
    /// waited for the activation (with this exception); the next call tries a fresh activation.</summary>
    /// <param name="cancellationToken">Not cancelled by the runtime today; reserved for activation timeouts.</param>
    /// <returns>A task that completes when the grain is ready.</returns>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called in the activation's last turn, after the running requests finished. Requests that arrive
    /// meanwhile are forwarded to a fresh activation afterwards. A throw is logged.</summary>
    /// <param name="reason">Why the activation goes away.</param>
    /// <param name="cancellationToken">Not cancelled by the runtime today.</param>
    /// <returns>A task that completes when the grain has cleaned up.</returns>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation as soon as no request runs (right after the current one). Requests queued
    /// behind it go to a fresh activation.</summary>
    /// <exception cref="InvalidOperationException">Not called from a turn of this grain.</exception>
    protected void DeactivateOnIdle()
    {
        EnsureInTurn();
        Activation.DeactivateOnIdle();
    }

    /// <summary>
    /// Starts a grain timer: <paramref name="callback"/> runs as a turn of this activation after
    /// <paramref name="dueTime"/> and then every <paramref name="period"/> after the previous tick finished (ticks never
    /// overlap). A tick obeys the reentrancy rules like a request, unless <paramref name="interleave"/> is set. Timers
    /// stop when the activation deactivates; timer ticks do not keep an activation from being idle-collected.
    /// </summary>
    /// <param name="callback">The tick; its token fires when the timer is disposed or the activation deactivates.</param>
    /// <param name="dueTime">Delay before the first tick (zero or more).</param>
    /// <param name="period">Delay between the end of a tick and the next one; <see cref="Timeout.InfiniteTimeSpan"/>
    /// for a single tick.</param>
    /// <param name="interleave">Let ticks interleave with requests, like an <see cref="AlwaysInterleaveAttribute"/> method.</param>
    /// <returns>The timer; dispose it to stop it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dueTime"/> is negative, or <paramref name="period"/> is
    /// neither positive nor infinite.</exception>
    /// <exception cref="InvalidOperationException">Not called from a turn of this grain.</exception>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave = false)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive or Timeout.InfiniteTimeSpan.");
        }

        EnsureInTurn();
        return Activation.AddTimer(callback, dueTime, period, interleave);
    }

    /// <summary>
    /// Starts a grain timer with Orleans' signature and semantics: <paramref name="callback"/> runs as a turn of this
    /// activation after <see cref="GrainTimerCreationOptions.DueTime"/>, then every
    /// <see cref="GrainTimerCreationOptions.Period"/> after the previous tick finished (ticks never overlap). A tick
    /// waits its turn like a request unless <see cref="GrainTimerCreationOptions.Interleave"/>; ticks keep the
    /// activation from idle collection only with <see cref="GrainTimerCreationOptions.KeepAlive"/>. Timers stop when
    /// the activation deactivates.
    /// </summary>
    /// <param name="callback">The tick; its token fires when the timer is disposed or the activation deactivates.</param>
    /// <param name="options">Due time, period, interleaving, keep-alive.</param>
    /// <returns>The timer; dispose it to stop it, <see cref="IGrainTimer.Change"/> to re-schedule it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative due time other than
    /// <see cref="Timeout.InfiniteTimeSpan"/>, or a period that is neither positive nor infinite.</exception>
    /// <exception cref="InvalidOperationException">Not called from a turn of this grain.</exception>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (options.DueTime < TimeSpan.Zero && options.DueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DueTime, "The due time must be zero or more, or Timeout.InfiniteTimeSpan.");
        }

        if (options.Period <= TimeSpan.Zero && options.Period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Period, "The period must be positive or Timeout.InfiniteTimeSpan.");
        }

        EnsureInTurn();
        return Activation.AddTimer(callback, options.DueTime, options.Period, options.Interleave, options.KeepAlive);
    }

    /// <summary>Starts a grain timer that does not interleave (see
    /// <see cref="RegisterGrainTimer(Func{CancellationToken, Task}, GrainTimerCreationOptions)"/>).</summary>
    /// <param name="callback">The tick.</param>
    /// <param name="dueTime">Delay before the first tick.</param>
    /// <param name="period">Delay between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for one tick.</param>
    /// <returns>The timer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">See the options overload.</exception>
    /// <exception cref="InvalidOperationException">Not called from a turn of this grain.</exception>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        RegisterGrainTimer(callback, new GrainTimerCreationOptions(dueTime, period));

    /// <summary>Starts a grain timer whose callback takes no token (see
    /// <see cref="RegisterGrainTimer(Func{CancellationToken, Task}, GrainTimerCreationOptions)"/>).</summary>
    /// <param name="callback">The tick.</param>
    /// <param name="dueTime">Delay before the first tick.</param>
    /// <param name="period">Delay between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for one tick.</param>
    /// <returns>The timer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">See the options overload.</exception>
    /// <exception cref="InvalidOperationException">Not called from a turn of this grain.</exception>
    protected IGrainTimer RegisterGrainTimer(Func<Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return RegisterGrainTimer(_ => callback(), new GrainTimerCreationOptions(dueTime, period));
    }

    /// <summary>Starts a grain timer whose callback takes a state (see
    /// <see cref="RegisterGrainTimer(Func{CancellationToken, Task}, GrainTimerCreationOptions)"/>).</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="callback">The tick.</param>
    /// <param name="state">Passed to every tick.</param>
    /// <param name="options">Due time, period, interleaving, keep-alive.</param>
    /// <returns>The timer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">See the options overload.</exception>
    /// <exception cref="InvalidOperationException">Not called from a turn of this grain.</exception>
    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return RegisterGrainTimer(token => callback(state, token), options);
    }

    /// <summary>Starts a grain timer whose callback takes a state and that does not interleave.</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="callback">The tick.</param>
    /// <param name="state">Passed to every tick.</param>
    /// <param name="dueTime">Delay before the first tick.</param>
    /// <param name="period">Delay between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for one tick.</param>
    /// <returns>The timer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">See the options overload.</exception>
    /// <exception cref="InvalidOperationException">Not called from a turn of this grain.</exception>
    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, TimeSpan dueTime, TimeSpan period) =>
        RegisterGrainTimer(callback, state, new GrainTimerCreationOptions(dueTime, period));

    internal void Attach(Activation activation) => _activation = activation;

    private void EnsureInTurn()
    {
        if (_activation is null || ActivationScheduler.Running != _activation.Scheduler)
        {
            throw new InvalidOperationException(SR.NotInTurn);
        }
    }
}
