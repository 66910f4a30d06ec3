using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace PinSync.Runtime.Internal;

/// <summary>A grain class: whether it is reentrant and how to create an instance.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class GrainClassInfo
{
    internal GrainClassInfo([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type)
    {
        Type = type;
        IsReentrant = type.IsDefined(typeof(ReentrantAttribute), inherit: true);
    }

    /// <summary>The class.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    internal Type Type { get; }

    /// <summary>The class is <see cref="ReentrantAttribute"/>.</summary>
    internal bool IsReentrant { get; }

    /// <summary>A new instance, its constructor arguments from <paramref name="services"/> when there are any.</summary>
    internal Grain Create(IServiceProvider? services) =>
        (Grain)(services is null ? Activator.CreateInstance(Type)! : ActivatorUtilities.CreateInstance(services, Type));
}
