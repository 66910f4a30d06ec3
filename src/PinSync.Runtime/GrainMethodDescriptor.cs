using System.ComponentModel;
using PinSync.Runtime.Internal;

namespace PinSync.Runtime;

/// <summary>
/// Describes a grain interface method for generated grain references (<see cref="GrainReference"/>): its name and
/// the flags the reentrancy rules read. Create one per method, in a <see langword="static"/> <see langword="readonly"/>
/// field of the reference class.
/// </summary>
/// <remarks>Infrastructure for the grain-reference generator and hand-written references. Immutable; thread-safe.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GrainMethodDescriptor
{
    /// <summary>Describes a method.</summary>
    /// <param name="interfaceName">The interface's name (<c>IAccount</c>), for messages.</param>
    /// <param name="methodName">The method's name (<c>Deposit</c>).</param>
    /// <param name="alwaysInterleave">The method is <see cref="AlwaysInterleaveAttribute"/>.</param>
    /// <param name="isReadOnly">The method is <see cref="ReadOnlyAttribute"/>.</param>
    /// <param name="takesCancellationToken">The method's last parameter is a <see cref="CancellationToken"/>.</param>
    /// <exception cref="ArgumentNullException">A name is <see langword="null"/>.</exception>
    public GrainMethodDescriptor(string interfaceName, string methodName, bool alwaysInterleave, bool isReadOnly, bool takesCancellationToken)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        ArgumentNullException.ThrowIfNull(methodName);
        DisplayName = interfaceName + "." + methodName;
        TakesCancellationToken = takesCancellationToken;
        Shape = new RequestShape(methodName, alwaysInterleave, isReadOnly);
    }

    /// <summary><c>IAccount.Deposit</c>.</summary>
    public string DisplayName { get; }

    /// <summary>Whether the method takes a <see cref="CancellationToken"/> (the runtime then passes one that the
    /// caller's cancellation and the request timeout cancel).</summary>
    public bool TakesCancellationToken { get; }

    internal RequestShape Shape { get; }
}
