using System.Security.Cryptography;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>
/// <c>mtl train --checkpoint</c> on a built-in dataset, one architecture of each family: a run stopped after one epoch and
/// continued to three with the same folder ends with the same weights, bit for bit, as a run of three epochs without a stop;
/// a checkpoint of another run is refused, naming what differs.
/// </summary>
[TestClass]
public sealed class TrainResumeTests
{
    private static string[] Train(string architecture, int epochs, string checkpoint, string model) =>
        ["train", "--dataset", "multi-fashion", "--arch", architecture, "--train-rows", "192", "--batch-size", "64", "--epochs", epochs.ToString(),
         "--lr", "0.003", "--seed", "4", "--model", model, "--checkpoint", checkpoint];

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [TestMethod]
    [DataRow("shared-bottom")]
    [DataRow("mmoe(experts=2)")]
    [DataRow("ple(levels=2)")]
    [DataRow("dselect-k")]
    [DataRow("cross-stitch")]
    [DataRow("mtan")]
    public void AnInterruptedRun_ResumedFromItsCheckpoint_EndsWithTheWeightsOfAnUninterruptedOne(string architecture)
    {
        using var temp = new TempFolder("mtl-cli-tests-resume");
        string whole = temp.File("whole"), parts = temp.File("parts");

        ProcessResult straight = InProcessCli.Run(Train(architecture, 3, whole, temp.File("whole.zip")));
        Assert.AreEqual(0, straight.ExitCode, straight.Transcript);
        ProcessResult first = InProcessCli.Run(Train(architecture, 1, parts, temp.File("parts.zip")));
        Assert.AreEqual(0, first.ExitCode, first.Transcript);
        Assert.IsTrue(File.Exists(Path.Combine(parts, "epoch-0001.weights")), first.Transcript);
        ProcessResult rest = InProcessCli.Run(Train(architecture, 3, parts, temp.File("parts.zip")));
        Assert.AreEqual(0, rest.ExitCode, rest.Transcript);
        StringAssert.Contains(rest.StandardOutput, $"resumed from the checkpoint of epoch 1 in {parts}", rest.Transcript);

        // Bit-exact: the third epoch's weights, optimizer and method state are the uninterrupted run's.
        Assert.AreEqual(Hash(Path.Combine(whole, "epoch-0003.weights")), Hash(Path.Combine(parts, "epoch-0003.weights")), architecture);
        Assert.AreEqual(Hash(Path.Combine(whole, "epoch-0003.step")), Hash(Path.Combine(parts, "epoch-0003.step")), architecture);
        // And the saved models score the test rows alike (the table lines are equal).
        Assert.AreEqual(AccuracyLines(straight.StandardOutput), AccuracyLines(rest.StandardOutput), rest.Transcript);
    }

    private static string AccuracyLines(string output) =>
        string.Join("\n", output.Split('\n').Where(l => l.Contains("│ Left ") || l.Contains("│ Right ") || l.Contains("average")));

    [TestMethod]
    public void ACheckpointOfAnotherRun_IsRefused_NamingWhatDiffers()
    {
        using var temp = new TempFolder("mtl-cli-tests-resume-refused");
        string folder = temp.File("ckpt");
        Assert.AreEqual(0, InProcessCli.Run(Train("mmoe(experts=2)", 2, folder, temp.File("a.zip"))).ExitCode);

        ProcessResult other = InProcessCli.Run(Train("cgc", 3, folder, temp.File("b.zip")));
        Assert.AreEqual(1, other.ExitCode, other.Transcript);
        StringAssert.Contains(other.StandardError, $"--checkpoint '{folder}' holds a checkpoint of another run: Architecture was \"mmoe(experts=2)\", this run has \"cgc\"", other.Transcript);
        Assert.IsFalse(File.Exists(temp.File("b.zip")));

        ProcessResult fewer = InProcessCli.Run(Train("mmoe(experts=2)", 1, folder, temp.File("c.zip")));
        Assert.AreEqual(1, fewer.ExitCode, fewer.Transcript);
        StringAssert.Contains(fewer.StandardError, "has trained 2 epochs, more than Options.MaxEpoch = 1", fewer.Transcript);

        string file = temp.File("afile");
        File.WriteAllText(file, "");
        ProcessResult notAFolder = InProcessCli.Run(Train("mmoe(experts=2)", 1, file, temp.File("d.zip")));
        StringAssert.Contains(notAFolder.StandardError, $"--checkpoint '{file}' is a file", notAFolder.Transcript);
        ProcessResult withData = InProcessCli.Run("train", "--data", file, "--label", "x", "--checkpoint", folder);
        StringAssert.Contains(withData.StandardError, "--checkpoint belongs to the built-in datasets", withData.Transcript);
    }
}
