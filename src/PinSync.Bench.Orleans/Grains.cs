namespace PinSync.Bench.Orleans.OnOrleans
{
    /// <summary>The non-reentrant counter, on Orleans.</summary>
    public interface IIncGrain : global::Orleans.IGrainWithStringKey
    {
        ValueTask<int> Add(int value);
    }

    /// <summary>The reentrant counter, on Orleans.</summary>
    public interface IReentrantIncGrain : global::Orleans.IGrainWithStringKey
    {
        ValueTask<int> Add(int value);
    }

    /// <summary>Forwards to a counter (grain → grain), on Orleans.</summary>
    public interface IForwardGrain : global::Orleans.IGrainWithStringKey
    {
        ValueTask<int> Forward(string counter);
    }

    public sealed class IncGrain : global::Orleans.Grain, IIncGrain
    {
        private int _total;

        public ValueTask<int> Add(int value) => new(_total += value);
    }

    [global::Orleans.Concurrency.Reentrant]
    public sealed class ReentrantIncGrain : global::Orleans.Grain, IReentrantIncGrain
    {
        private int _total;

        public ValueTask<int> Add(int value) => new(_total += value);
    }

    public sealed class ForwardGrain : global::Orleans.Grain, IForwardGrain
    {
        public ValueTask<int> Forward(string counter) => GrainFactory.GetGrain<IIncGrain>(counter).Add(1);
    }
}

namespace PinSync.Bench.Orleans.OnPinSync
{
    /// <summary>The non-reentrant counter, on PinSync.Runtime.</summary>
    public interface IIncGrain : PinSync.Runtime.IGrainWithStringKey
    {
        ValueTask<int> Add(int value);
    }

    /// <summary>The reentrant counter, on PinSync.Runtime.</summary>
    public interface IReentrantIncGrain : PinSync.Runtime.IGrainWithStringKey
    {
        ValueTask<int> Add(int value);
    }

    /// <summary>Forwards to a counter (grain → grain), on PinSync.Runtime.</summary>
    public interface IForwardGrain : PinSync.Runtime.IGrainWithStringKey
    {
        ValueTask<int> Forward(string counter);
    }

    public sealed class IncGrain : PinSync.Runtime.Grain, IIncGrain
    {
        private int _total;

        public ValueTask<int> Add(int value) => new(_total += value);
    }

    [PinSync.Runtime.Reentrant]
    public sealed class ReentrantIncGrain : PinSync.Runtime.Grain, IReentrantIncGrain
    {
        private int _total;

        public ValueTask<int> Add(int value) => new(_total += value);
    }

    public sealed class ForwardGrain : PinSync.Runtime.Grain, IForwardGrain
    {
        public ValueTask<int> Forward(string counter) => GrainFactory.GetGrain<IIncGrain>(counter).Add(1);
    }
}
