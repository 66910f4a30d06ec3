using System.Diagnostics;
using BoundedBufferSample;

// Two blocking producers and two async producers feed a 16-slot buffer; two blocking and two async consumers drain
// it. Every item carries a unique number, and the sample checks at the end that each arrived exactly once.
const int Producers = 4;
const int Consumers = 4;
const int ItemsPerProducer = 50_000;
const int Total = Producers * ItemsPerProducer;

using var buffer = new BoundedBuffer<int>(capacity: 16);
var seen = new int[Total];
var stopwatch = Stopwatch.StartNew();

var producers = Enumerable.Range(0, Producers).Select(p => p % 2 == 0
    ? Task.Factory.StartNew(() =>
    {
        for (var i = 0; i < ItemsPerProducer; i++)
        {
            buffer.Add((p * ItemsPerProducer) + i);
        }
    }, TaskCreationOptions.LongRunning)
    : Task.Run(async () =>
    {
        for (var i = 0; i < ItemsPerProducer; i++)
        {
            await buffer.AddAsync((p * ItemsPerProducer) + i);
        }
    })).ToArray();

var consumers = Enumerable.Range(0, Consumers).Select(c => c % 2 == 0
    ? Task.Factory.StartNew(() =>
    {
        var count = 0;
        while (buffer.TryTake(out var item))
        {
            Interlocked.Increment(ref seen[item]);
            count++;
        }

        return count;
    }, TaskCreationOptions.LongRunning)
    : Task.Run(async () =>
    {
        var count = 0;
        while (await buffer.TryTakeAsync() is (true, var item))
        {
            Interlocked.Increment(ref seen[item]);
            count++;
        }

        return count;
    })).ToArray();

await Task.WhenAll(producers);
buffer.Complete();
var taken = await Task.WhenAll(consumers);
stopwatch.Stop();

var missing = seen.Count(n => n == 0);
var duplicated = seen.Count(n => n > 1);
Console.WriteLine($"PinSync bounded buffer: {Producers} producers (2 blocking, 2 async) -> {Consumers} consumers (2 blocking, 2 async)");
Console.WriteLine($"  moved {Total:N0} items in {stopwatch.Elapsed.TotalMilliseconds:N0} ms = {Total / stopwatch.Elapsed.TotalSeconds:N0} items/s");
Console.WriteLine($"  per consumer: {string.Join(", ", taken.Select(n => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}");
Console.WriteLine($"  every item exactly once: {(missing == 0 && duplicated == 0 ? "yes" : $"NO ({missing} missing, {duplicated} duplicated)")}");
return missing == 0 && duplicated == 0 ? 0 : 1;
