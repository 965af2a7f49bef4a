using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>Removes the shared training runs' folder when the test run ends.</summary>
[TestClass]
public sealed class AssemblyLifetime
{
    [AssemblyCleanup]
    public static void DeleteSharedModels() => TrainedModels.DeleteAll();
}
