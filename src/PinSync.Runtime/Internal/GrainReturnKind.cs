namespace PinSync.Runtime.Internal;

/// <summary>The four return types a grain method may have.</summary>
internal enum GrainReturnKind
{
    /// <summary><see cref="System.Threading.Tasks.ValueTask"/>.</summary>
    ValueTask = 0,

    /// <summary><see cref="ValueTask{TResult}"/>.</summary>
    ValueTaskOfT = 1,

    /// <summary><see cref="System.Threading.Tasks.Task"/>.</summary>
    Task = 2,

    /// <summary><see cref="Task{TResult}"/>.</summary>
    TaskOfT = 3,
}
