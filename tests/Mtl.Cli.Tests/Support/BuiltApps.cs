using System.Reflection;

namespace Mtl.Cli.Tests.Support;

/// <summary>Paths the test project's build recorded (AssemblyMetadata in the .csproj) for the apps it runs.</summary>
internal static class BuiltApps
{
    /// <summary>The built <c>mtl</c> app (src/Mtl.Cli), in its own output folder.</summary>
    public static string MtlCli => Existing("MtlCliPath");

    /// <summary>The built examples/ConsumeModel app.</summary>
    public static string ConsumeModel => Existing("ConsumeModelPath");

    /// <summary>The built examples/TabularPenguins app.</summary>
    public static string TabularPenguins => Existing("TabularPenguinsPath");

    /// <summary>The Palmer penguins table that scripts/bootstrap.sh unpacks (from Debian's r-cran-palmerpenguins).</summary>
    public static string PenguinsTable => Existing("PenguinsTable");

    /// <summary>examples/ConsumeModel/ConsumeModel.csproj.</summary>
    public static string ConsumeModelProject => Existing("ConsumeModelProject");

    private static string Existing(string key)
    {
        string path = typeof(BuiltApps).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata; Mtl.Cli.Tests.csproj should define it.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' ({key}) does not exist; build tests/Mtl.Cli.Tests, which builds it.", path);
        return path;
    }
}
