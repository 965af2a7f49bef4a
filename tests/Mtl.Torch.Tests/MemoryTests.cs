using Mtl.Torch.Modules;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>Native memory stays flat over many training steps run inside dispose scopes.</summary>
[TestClass]
public class MemoryTests
{
    /// <summary>Resident set size of this process in bytes, from /proc/self/status (VmRSS, in kB).</summary>
    private static long ResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("/proc/self/status has no VmRSS line");
    }

    private static float Step(Sequential model, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        model.zero_grad();
        Tensor loss = nn.functional.cross_entropy(model.call(x), y);
        loss.backward();
        using (no_grad())
            foreach (Parameter p in model.parameters()) p.sub_(p.grad!, alpha: 0.05);
        return loss.item<float>();
    }

    [TestMethod]
    public void TenThousandTrainingStepsInScopesKeepResidentMemoryFlat()
    {
        manual_seed(1);
        using Sequential model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 4));
        using var data = NewDisposeScope();
        Tensor x = randn(new long[] { 16, 10 });
        Tensor y = randint(0, 4, new long[] { 16 });

        // Warm-up: JIT, allocator pools and autograd's caches reach their steady size first.
        float first = Step(model, x, y);
        for (int i = 1; i < 1000; i++) Step(model, x, y);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = ResidentBytes();

        float last = 0;
        for (int i = 0; i < 10_000; i++) last = Step(model, x, y);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long growth = ResidentBytes() - before;

        Console.WriteLine($"RSS growth over 10,000 steps: {growth / 1024.0 / 1024.0:F1} MB (loss {first:F3} -> {last:F3})");
        Assert.IsLessThan(50L * 1024 * 1024, growth, $"RSS grew by {growth / 1024 / 1024} MB");
        Assert.IsLessThan(first, last, "the steps trained the model");
        Assert.AreEqual(2, data.DisposablesCount, "only the data tensors remain in the outer scope");
    }
}
