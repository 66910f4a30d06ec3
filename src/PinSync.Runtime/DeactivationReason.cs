namespace PinSync.Runtime;

/// <summary>Why an activation is deactivated (passed to <see cref="Grain.OnDeactivateAsync"/>).</summary>
public enum DeactivationReason
{
    /// <summary>The activation was idle for longer than <see cref="GrainRuntimeOptions.CollectionAge"/>.</summary>
    IdleCollection = 0,

    /// <summary>The grain called <see cref="Grain.DeactivateOnIdle"/>.</summary>
    DeactivateOnIdle = 1,

    /// <summary>The runtime is being disposed.</summary>
    RuntimeShutdown = 2,

    /// <summary><see cref="Grain.OnActivateAsync"/> failed.</summary>
    ActivationFailed = 3,
}
