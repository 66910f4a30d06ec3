using System.Collections.Frozen;
using System.Reflection;

namespace PinSync.Runtime.Internal;

/// <summary>A grain interface: its methods (looked up by the proxy on every call) and the class that implements it.</summary>
/// <remarks>Immutable and thread-safe; built once per interface per runtime.</remarks>
internal sealed class GrainInterfaceInfo
{
    // Method descriptions per interface, process-wide (reflection and invoker creation are the slow part).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, FrozenDictionary<MethodInfo, GrainMethod>> s_methods = new();

    private readonly FrozenDictionary<MethodInfo, GrainMethod> _methods;

    private GrainInterfaceInfo(Type type, GrainClassInfo grainClass, FrozenDictionary<MethodInfo, GrainMethod> methods)
    {
        Type = type;
        Class = grainClass;
        _methods = methods;
    }

    /// <summary>The interface.</summary>
    internal Type Type { get; }

    /// <summary>The class that implements it.</summary>
    internal GrainClassInfo Class { get; }

    /// <summary>The description of <paramref name="method"/>.</summary>
    internal GrainMethod this[MethodInfo method] => _methods[method];

    /// <summary>Validates <paramref name="type"/> and describes its methods (inherited interfaces included).</summary>
    /// <exception cref="ArgumentException">It is not a grain interface, or a method has an unsupported shape.</exception>
    internal static GrainInterfaceInfo Create(Type type, GrainClassInfo grainClass)
    {
        if (!type.IsInterface || !typeof(IGrain).IsAssignableFrom(type) || type == typeof(IGrain))
        {
            throw new ArgumentException(SR.NotGrainInterface(type.Name), nameof(type));
        }

        return new GrainInterfaceInfo(type, grainClass, s_methods.GetOrAdd(type, static type =>
        {
            var methods = new Dictionary<MethodInfo, GrainMethod>();
            foreach (var contract in type.GetInterfaces().Append(type))
            {
                foreach (var method in contract.GetMethods())
                {
                    methods[method] = GrainMethod.Create(method);
                }
            }

            return methods.ToFrozenDictionary();
        }));
    }
}
