namespace PinSync.Runtime.Internal;

/// <summary>The lifecycle states of an <see cref="Activation"/> (see its remarks).</summary>
internal enum ActivationState
{
    /// <summary>Created by the directory; the activation turn has not run yet.</summary>
    Created = 0,

    /// <summary><see cref="Grain.OnActivateAsync"/> runs; requests wait.</summary>
    Activating = 1,

    /// <summary>Requests are admitted by the reentrancy predicate.</summary>
    Valid = 2,

    /// <summary>Running requests finish; new ones are kept and forwarded afterwards.</summary>
    Deactivating = 3,

    /// <summary>Gone: out of the directory, scheduler closed.</summary>
    Invalid = 4,
}
