using System.Runtime.InteropServices;

namespace PinSync.Tests.Pinning;

/// <summary>
/// A per-test record of initializer runs and drops, reachable from unmanaged test structs through a GC handle, so
/// that tests running in parallel never share counters.
/// </summary>
internal sealed class DropLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<int> _drops = [];
    private readonly List<nint> _dropAddresses = [];
    private readonly List<int> _inits = [];
    private readonly List<int> _failures = [];
    private GCHandle _handle;

    public DropLog() => _handle = GCHandle.Alloc(this);

    /// <summary>The value to store in an unmanaged struct to find this log again.</summary>
    public nint Handle => GCHandle.ToIntPtr(_handle);

    public int[] Drops
    {
        get
        {
            lock (_lock)
            {
                return [.. _drops];
            }
        }
    }

    public nint[] DropAddresses
    {
        get
        {
            lock (_lock)
            {
                return [.. _dropAddresses];
            }
        }
    }

    public int[] Inits
    {
        get
        {
            lock (_lock)
            {
                return [.. _inits];
            }
        }
    }

    public int[] Failures
    {
        get
        {
            lock (_lock)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Values built and not yet dropped.</summary>
    public int Live
    {
        get
        {
            lock (_lock)
            {
                return _inits.Count - _drops.Count;
            }
        }
    }

    public static DropLog From(nint handle) => (DropLog)GCHandle.FromIntPtr(handle).Target!;

    public void RecordInit(int id)
    {
        lock (_lock)
        {
            _inits.Add(id);
        }
    }

    public void RecordFailure(int id)
    {
        lock (_lock)
        {
            _failures.Add(id);
        }
    }

    public void RecordDrop(int id, nint address)
    {
        lock (_lock)
        {
            _drops.Add(id);
            _dropAddresses.Add(address);
        }
    }

    public void Dispose()
    {
        if (_handle.IsAllocated)
        {
            _handle.Free();
        }
    }
}
