using System.Xml.Linq;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>The example's promise: it consumes our zip with public packages alone.</summary>
[TestClass]
public sealed class ConsumeModelProjectTests
{
    private static readonly string[] AllowedPackages = ["Microsoft.ML", "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxTransformer"];

    [TestMethod]
    public void ConsumeModelProject_ReferencesOnlyMlNetAndTheOnnxPackages()
    {
        XDocument project = XDocument.Load(BuiltApps.ConsumeModelProject);
        XElement[] items = project.Descendants().Where(e => e.Parent?.Name.LocalName == "ItemGroup").ToArray();

        string[] projectReferences = items.Where(e => e.Name.LocalName == "ProjectReference")
            .Select(e => (string?)e.Attribute("Include") ?? "?").ToArray();
        CollectionAssert.AreEqual(Array.Empty<string>(), projectReferences, "ConsumeModel must not reference projects of this repository");

        string[] assemblyReferences = items.Where(e => e.Name.LocalName is "Reference" or "FrameworkReference")
            .Select(e => (string?)e.Attribute("Include") ?? "?").ToArray();
        CollectionAssert.AreEqual(Array.Empty<string>(), assemblyReferences, "ConsumeModel must not reference assemblies directly");

        string[] packages = items.Where(e => e.Name.LocalName is "PackageReference" or "PackageVersion")
            .Select(e => (string?)e.Attribute("Include") ?? (string?)e.Attribute("Update") ?? "?").Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(AllowedPackages, packages, "ConsumeModel must reference exactly Microsoft.ML, OnnxTransformer and OnnxRuntime");

        Assert.IsFalse(project.Descendants().Any(e => e.Name.LocalName == "Import"), "ConsumeModel must not import other build files");
    }
}
