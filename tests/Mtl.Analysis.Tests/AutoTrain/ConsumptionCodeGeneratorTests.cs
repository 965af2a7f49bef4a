using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Analysis.AutoTrain;
using Mtl.Analysis.Tests.Support;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary>
/// Generated consumption code for a table model, end to end: a small model of three kinds (multiclass text, binary, regression;
/// labels with holes; column names with spaces, keywords, a leading digit and a collision) is trained with TablePipeline and
/// saved; the code is generated from the zip; the console app (ML.NET packages only) is built with warnings as errors below a
/// folder whose Directory.Build.* and Directory.Packages.props would break it if they leaked in, and run; its printed
/// predictions for the first data row must be what the fitted model and the reloaded zip predict. The training file is
/// compiled with the consumption file against our assemblies. One training, one generation, two builds (run in parallel).
/// </summary>
[TestClass]
[TestCategory("Build")]
public sealed class ConsumptionCodeGeneratorTests
{
    private static string root = null!;
    private static string data = null!;
    private static string zip = null!;
    private static TableSchema schema = null!;
    private static GeneratedCode code = null!;
    private static readonly TrainingConfig Config = new()
    {
        Seed = 3, Epochs = 12, BatchSize = 32, LearningRate = 0.005, Optimizer = OptimizerKind.AdamW, WeightDecay = 1e-4, Dropout = 0.05,
        Trunk = "mlp(32)", EarlyStoppingPatience = 0, Method = "upgrad",
    };

    private static readonly string[] Kinds = ["alpha", "beta", "gamma"];
    private static readonly string[] Colors = ["red", "green", "blue"];

    [ClassInitialize]
    public static void TrainAndGenerate(TestContext _)
    {
        root = Directory.CreateTempSubdirectory("mtl-codegen-tests-").FullName;
        // Build files that would break the console app's build if MSBuild imported them from a folder above it.
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"),
            "<Project><Target Name=\"Leaked\" BeforeTargets=\"Build\"><Error Text=\"a parent Directory.Build.targets was imported\" /></Target></Project>");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"),
            "<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup></Project>");
        data = WriteTable(Path.Combine(root, "shapes table.csv"));
        schema = TableSchema.Infer(data, new TableReadOptions { Labels = new[] { "kind", "is ok", "int" }.Select(LabelRequest.Parse).ToList() });
        var ml = new MLContext(seed: 3) { TempFilePath = root };
        IDataView rows = TablePipeline.CreateLoader(ml, schema).Load(data);
        TableModel model = TablePipeline.Fit(ml, schema, rows, Config, seed: 3);
        zip = Path.Combine(root, "out", "shapes.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(zip)!);
        ml.Model.Save(model.Model, rows.Schema, zip);
        Fitted = FirstRow(ml, model.Model.Transform(rows));
        model.Network.Dispose();
        code = ConsumptionCodeGenerator.Write(Path.Combine(root, "out"), "shapes", zip, schema, Config, seed: 3);
        // A model named after a type the code uses: its class must neither hide System.IO.Path nor clash with it.
        pathCode = ConsumptionCodeGenerator.Write(Path.Combine(root, "out-path"), "path", zip, schema, new TrainingConfig(), seed: 1);
    }

    private static GeneratedCode pathCode = null!;

    [ClassCleanup]
    public static void DeleteFolder()
    {
        if (root is not null && Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static Prediction Fitted = null!;

    /// <summary>
    /// 240 rows: kind from x and the colour, "is ok" from y, int = 3x − 2y + colour. Holes: kind NA every 7th row, "is ok"
    /// empty every 11th, int NA every 13th (never on the first row, which the console app predicts).
    /// </summary>
    private static string WriteTable(string path)
    {
        var random = new Random(11);
        var text = new StringBuilder("2nd reading,class,x y,x_y,ModelInput,kind,is ok,int\n");
        for (int i = 0; i < 240; i++)
        {
            double x = random.NextDouble() * 4 - 2, y = random.NextDouble() * 4 - 2, noise = random.NextDouble();
            int color = random.Next(3);
            string kind = x + (color == 0 ? 1 : 0) > 0.5 ? Kinds[2] : x > -0.8 ? Kinds[1] : Kinds[0];
            string ok = y > 0 ? "yes" : "no";
            double value = 3 * x - 2 * y + color;
            text.Append(CultureInfo.InvariantCulture,
                $"{x:F4},{Colors[color]},{y:F4},{noise:F3},{(i % 5 == 3 ? "" : noise.ToString("F2", CultureInfo.InvariantCulture))}," +
                $"{(i % 7 == 6 ? "NA" : kind)},{(i % 11 == 10 ? "" : ok)},{(i % 13 == 12 ? "NA" : value.ToString("F3", CultureInfo.InvariantCulture))}\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [TestMethod]
    public void TheConsoleAppBuildsWithoutWarnings_AndPrintsWhatTheModelPredictsForTheFirstRow_AndTheTrainingFileCompiles()
    {
        string app = Path.GetDirectoryName(code.ConsoleAppProject)!;
        // Outside root: the build files planted there would break it.
        string verify = WriteVerificationProject();
        try
        {
            // Both builds at once: the machine's cores are shared, and each build mostly waits on its own steps.
            Task<(int, string)> appBuild = Task.Run(() => Run(app, TimeSpan.FromMinutes(5), "build", "-nologo", "-v:minimal"));
            Task<(int, string)> verifyBuild = Task.Run(() => Run(verify, TimeSpan.FromMinutes(5), "build", "-nologo", "-v:minimal"));
            Task.WaitAll(appBuild, verifyBuild);
            (int appCode, string appLog) = appBuild.Result;
            Assert.AreEqual(0, appCode, appLog);
            StringAssert.Contains(appLog, "0 Warning(s)", appLog);
            (int verifyCode, string verifyLog) = verifyBuild.Result;
            Assert.AreEqual(0, verifyCode, verifyLog);
            StringAssert.Contains(verifyLog, "0 Warning(s)", verifyLog);
        }
        finally
        {
            Directory.Delete(verify, recursive: true);
        }

        string dll = Directory.GetFiles(Path.Combine(app, "bin"), "shapes.ConsoleApp.dll", SearchOption.AllDirectories).Single();
        (int runCode, string output) = Run(root, TimeSpan.FromMinutes(2), dll);
        Assert.AreEqual(0, runCode, output);

        // Its inputs are the first data row as the file holds it.
        StringAssert.Contains(output, "  class: " + File.ReadLines(data).Skip(1).First().Split(',')[1] + "\n", output);
        Dictionary<string, string> printed = Parse(output);
        Prediction reloaded = ReloadedFirstRow();
        foreach (Prediction expected in new[] { reloaded, Fitted })
        {
            Assert.AreEqual(expected.Kind, printed["kind.PredictedValue"], output);
            foreach ((string name, float probability) in expected.KindScores)
                Assert.AreEqual(probability, float.Parse(printed["kind." + name], CultureInfo.InvariantCulture), 1e-5, output);
            Assert.AreEqual(expected.IsOk ? "yes" : "no", printed["is ok.PredictedValue"], output);
            Assert.AreEqual(expected.IsOk.ToString(), printed["is ok.PredictedLabel"], output);
            Assert.AreEqual(expected.IsOkProbability, float.Parse(printed["is ok.Probability"], CultureInfo.InvariantCulture), 1e-5, output);
            Assert.AreEqual(expected.IsOkScore, float.Parse(printed["is ok.Score"], CultureInfo.InvariantCulture), 1e-4, output);
            Assert.AreEqual(expected.Int, float.Parse(printed["int.Score"], CultureInfo.InvariantCulture), 1e-4 * Math.Max(1, Math.Abs(expected.Int)), output);
        }
        // The app lists the classes most likely first.
        string[] order = output.Split('\n').SkipWhile(l => l != "kind (multiclass)").Skip(2).Take(3).Select(l => l.Trim().Split(':')[0]).ToArray();
        CollectionAssert.AreEqual(reloaded.KindScores.OrderByDescending(p => p.Value).Select(p => p.Key).ToArray(), order, output);
    }

    [TestMethod]
    public void TheGeneratedFilesAreFormatted()
    {
        (int exit, string log) = Run(Path.Combine(root, "out"), TimeSpan.FromMinutes(3), "format", "whitespace", ".", "--folder", "--verify-no-changes", "-v", "diag");
        Assert.AreEqual(0, exit, log);
    }

    [TestMethod]
    public void ColumnNamesBecomeSafeUniqueProperties_WithTheirColumnNamesAndFilePositions()
    {
        string source = File.ReadAllText(code.ConsumptionFile);
        foreach (string expected in new[]
        {
            "[LoadColumn(0)]\n        [ColumnName(\"2nd reading\")]\n        public float _2nd_reading { get; set; }",
            "[LoadColumn(1)]\n        [ColumnName(\"class\")]\n        public string Class { get; set; } = string.Empty;",
            "[LoadColumn(2)]\n        [ColumnName(\"x y\")]\n        public float X_y { get; set; }",
            "[LoadColumn(3)]\n        [ColumnName(\"x_y\")]\n        public float X_y2 { get; set; }",
            "[LoadColumn(4)]\n        [ColumnName(\"ModelInput\")]\n        public float ModelInput2 { get; set; }",
            "[LoadColumn(7)]\n        [ColumnName(\"int\")]\n        public float Int { get; set; }",
            "[ColumnName(\"is ok.Probability\")]\n        public float Is_ok_Probability { get; set; }",
            "public static IOrderedEnumerable<KeyValuePair<string, float>> PredictAllLabels_Kind(ModelInput input)",
        })
            StringAssert.Contains(source, expected, source);
        CollectionAssert.AreEqual(
            new[] { "shapes.consumption.cs", "shapes.training.cs", "shapes.ConsoleApp/Directory.Build.props", "shapes.ConsoleApp/shapes.ConsoleApp.csproj",
                "shapes.ConsoleApp/shapes.consumption.cs", "shapes.ConsoleApp/Program.cs" },
            code.Files.Select(f => Path.GetRelativePath(Path.Combine(root, "out"), f)).ToArray());
        StringAssert.Contains(File.ReadAllText(pathCode.ConsumptionFile), "public static partial class PathModel\n");
        string training = File.ReadAllText(code.TrainingFile);
        StringAssert.Contains(training, "new LabelRequest(\"is ok\", TaskKind.Binary),", training);
        StringAssert.Contains(training, "Method = \"upgrad\",", training);
        StringAssert.Contains(training, "Optimizer = OptimizerKind.AdamW,", training);
        StringAssert.Contains(training, "LearningRate = 0.005,", training);
        StringAssert.Contains(training, "Trunk = \"mlp(32)\",", training);
    }

    [TestMethod]
    public void TheConsoleAppReferencesOnlyMlNetPackages_AtTheRepositorysVersions()
    {
        XDocument project = XDocument.Load(code.ConsoleAppProject);
        var packages = project.Descendants("PackageReference").ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        CollectionAssert.AreEquivalent(new[] { "Microsoft.ML", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime" }, packages.Keys.ToArray());
        Assert.IsFalse(project.Descendants().Any(e => e.Name.LocalName is "ProjectReference" or "Reference"));
        XDocument central = XDocument.Load(Path.Combine(RepoRoot(), "Directory.Packages.props"));
        foreach ((string id, string version) in packages)
            Assert.AreEqual((string)central.Descendants("PackageVersion").Single(e => (string)e.Attribute("Include")! == id).Attribute("Version")!, version, id);
    }

    [TestMethod]
    public void AZipThatWasNotTrainedOnTheseLabels_IsRefusedNamingTheColumn_AndNothingIsWritten()
    {
        string other = Path.Combine(root, "other");
        TableSchema wrong = TableSchema.Infer(data, new TableReadOptions { Labels = new[] { "kind", "is ok", "x_y" }.Select(LabelRequest.Parse).ToList() });
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ConsumptionCodeGenerator.Write(other, "shapes", zip, wrong, Config, 3));
        StringAssert.Contains(e.Message, "'x_y.Score'");
        Assert.IsFalse(Directory.Exists(other));
        Assert.ThrowsExactly<FileNotFoundException>(() => ConsumptionCodeGenerator.Write(other, "shapes", Path.Combine(root, "missing.zip"), schema, Config, 3));
        string damaged = Path.Combine(root, "damaged.zip");
        File.WriteAllBytes(damaged, File.ReadAllBytes(zip).AsSpan(0, 1000).ToArray());
        var d = Assert.ThrowsExactly<InvalidDataException>(() => ConsumptionCodeGenerator.Write(other, "shapes", damaged, schema, Config, 3));
        StringAssert.Contains(d.Message, damaged);
        Assert.IsFalse(Directory.Exists(other));
    }

    // A library project with the consumption and training files, compiled against the assemblies beside this test:
    // documentation required (public API of a user's library), implicit usings on (as in new projects).
    private static string WriteVerificationProject()
    {
        string folder = Directory.CreateTempSubdirectory("mtl-codegen-verify-").FullName;
        string here = AppContext.BaseDirectory;
        string references = string.Join("\n", Directory.GetFiles(here, "*.dll")
            .Where(f => Path.GetFileName(f) is var n && (n.StartsWith("Mtl.", StringComparison.Ordinal) || n.StartsWith("Microsoft.ML", StringComparison.Ordinal) || n == "TorchSharp.dll")
                && !n.Contains("Tests", StringComparison.Ordinal))
            .Select(f => $"    <Reference Include=\"{f}\" />"));
        File.WriteAllText(Path.Combine(folder, "Verify.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
              </PropertyGroup>
              <ItemGroup>
                <Compile Include="{code.ConsumptionFile}" />
                <Compile Include="{code.TrainingFile}" />
                <Compile Include="{pathCode.ConsumptionFile}" />
                <Compile Include="{pathCode.TrainingFile}" />
              </ItemGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        return folder;
    }

    // "task.Output" → printed value, from the app's sections: a "task (kind)" line, then "  name: value" lines.
    private static Dictionary<string, string> Parse(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? task = null;
        foreach (string line in output.Split('\n'))
        {
            if (line.EndsWith("(multiclass)", StringComparison.Ordinal) || line.EndsWith("(binary)", StringComparison.Ordinal) || line.EndsWith("(regression)", StringComparison.Ordinal))
                task = line[..line.LastIndexOf(" (", StringComparison.Ordinal)];
            else if (task is not null && line.StartsWith("  ", StringComparison.Ordinal) && line.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0)
                values[task + "." + line[2..colon]] = line[(colon + 2)..];
        }
        return values;
    }

    private sealed record Prediction(string Kind, Dictionary<string, float> KindScores, bool IsOk, float IsOkProbability, float IsOkScore, float Int);

    private static Prediction ReloadedFirstRow()
    {
        var plain = new MLContext(seed: 1) { TempFilePath = root };
        ITransformer model = plain.Model.Load(zip, out _);
        try
        {
            return FirstRow(plain, model.Transform(TablePipeline.CreateLoader(plain, schema).Load(data)));
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    private static Prediction FirstRow(MLContext ml, IDataView scored)
    {
        IDataView first = ml.Data.TakeRows(scored, 1);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["kind.Score"].GetSlotNames(ref names);
        string[] classes = names.DenseValues().Select(n => n.ToString()).ToArray();
        float[] scores = first.GetColumn<VBuffer<float>>("kind.Score").First().DenseValues().ToArray();
        uint key = first.GetColumn<uint>("kind.PredictedLabel").First();
        return new Prediction(classes[key - 1], classes.Zip(scores).ToDictionary(p => p.First, p => p.Second),
            first.GetColumn<bool>("is ok.PredictedLabel").First(), first.GetColumn<float>("is ok.Probability").First(),
            first.GetColumn<float>("is ok.Score").First(), first.GetColumn<float>("int.Score").First());
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Directory.Packages.props")) && File.Exists(Path.Combine(d.FullName, "MtlMlNet.sln"))) return d.FullName;
        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}.");
    }

    private static (int Code, string Output) Run(string folder, TimeSpan timeout, params string[] args) => DotnetCommand.Run(folder, timeout, args);
}
