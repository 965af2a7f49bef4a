using System.Globalization;
using System.Text.RegularExpressions;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>
/// examples/TabularPenguins as a user runs it: a public table (Debian's r-cran-palmerpenguins) with three task kinds and
/// missing labels, default trainer options, ML.NET's evaluators, and the zip reloaded by plain ML.NET.
/// </summary>
[TestClass]
public sealed partial class TabularPenguinsExampleTests
{
    [TestMethod]
    public void TheExampleTrainsAllThreeKindsWithDefaultsAndReloadsItsZip()
    {
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.TabularPenguins, Path.GetTempPath(), BuiltApps.PenguinsTable);
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        string output = run.StandardOutput;
        // The automatic choices are logged, and rows with a missing label stay for the other tasks.
        StringAssert.Contains(output, "Options.Trunk is automatic: Mlp", run.Transcript);
        StringAssert.Contains(output, "Options.BatchSize is automatic", run.Transcript);
        double species = Number(Metric().Match(output, output.IndexOf("Species", StringComparison.Ordinal)));
        Assert.IsTrue(species > 0.9, $"species accuracy {species}\n{run.Transcript}");
        double sex = Number(Metric().Match(output, output.IndexOf("  Sex ", StringComparison.Ordinal)));
        Assert.IsTrue(sex > 0.7, $"sex accuracy {sex}\n{run.Transcript}");
        Match r2 = RSquared().Match(output);
        Assert.IsTrue(r2.Success && Number(r2) > 0.6, $"body mass R²\n{run.Transcript}");
        StringAssert.Contains(output, "(79 labelled rows)", run.Transcript);
        StringAssert.Matches(output, LabelledBelowAll(), run.Transcript);
        StringAssert.Contains(output, "reloaded zip", run.Transcript);
    }

    private static double Number(Match m) => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"accuracy (\d\.\d+)")]
    private static partial Regex Metric();

    [GeneratedRegex(@"R² (-?\d\.\d+)")]
    private static partial Regex RSquared();

    // Body mass (2 NA in the table) or sex (11 NA) reports fewer labelled rows than the 79 test rows.
    [GeneratedRegex(@"\((7[0-8]) labelled rows\)")]
    private static partial Regex LabelledBelowAll();
}
