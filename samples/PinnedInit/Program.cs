Console.WriteLine("PinnedInit sample: under construction.");
