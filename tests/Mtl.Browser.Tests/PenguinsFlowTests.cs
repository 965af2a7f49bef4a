using System.Globalization;
using Mtl.Browser.Tests.Support;
using Mtl.Cli.Tests.Support;
using OpenQA.Selenium;

namespace Mtl.Browser.Tests;

/// <summary>
/// The table flow in the browser, as a user clicks it: the penguins table chosen in the file browser, three labels of mixed
/// kinds marked, a few seconds of training watched live, the evaluation, the downloads; the downloaded zip reloaded with
/// plain ML.NET; and the run's .mtlconfig repeated by <c>mtl train --config</c> into the very same model.
/// </summary>
[TestClass]
public sealed class PenguinsFlowTests
{
    private const int Seed = 3;

    [TestMethod]
    public void ThePenguins_FromDataToConsume_AndTheCliRepeatsTheRunIntoTheSameModel()
    {
        using var root = new TempFolder("mtl-browser-penguins");
        using var work = new TempFolder("mtl-browser-penguins-work");
        string table = root.File("penguins.csv");
        File.Copy(BuiltApps.PenguinsTable, table);
        using UiProcess ui = UiProcess.Start(root.Path);
        using ChromiumBrowser browser = ChromiumBrowser.Start(work.File("downloads"));
        string shots = work.File("screenshots");

        // Data: the file browser lists the working folder; the table's schema and a preview are shown.
        Pages.OpenApp(browser, ui);
        Pages.Browse(browser, "penguins.csv");
        Pages.WaitForSchema(browser, "penguins.csv");
        StringAssert.Contains(browser.Text("data-summary"), "344 rows", browser.PageText());
        Assert.IsTrue(browser.Driver.FindElements(By.CssSelector("#data-preview tbody tr")).Count >= 5, "preview rows");
        CollectionAssert.AreEqual(new[] { "species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year" },
            Pages.ColumnNames(browser));

        // Three labels of three kinds; the tasks table counts each one's missing labels (body mass 2, sex 11 of 344).
        Pages.MarkLabel(browser, "species", "Multiclass");
        Pages.MarkLabel(browser, "body_mass_g", "Regression");
        Pages.MarkLabel(browser, "sex", "Binary");
        browser.WaitUntil(() => browser.Text("data-check").Contains("3 task(s)", StringComparison.Ordinal), "the check to accept three tasks");
        CollectionAssert.AreEqual(new[] { "species", "multiclass", "344", "0" }, Pages.TaskRow(browser, "species"));
        CollectionAssert.AreEqual(new[] { "body_mass_g", "regression", "342", "2" }, Pages.TaskRow(browser, "body_mass_g"));
        CollectionAssert.AreEqual(new[] { "sex", "binary", "333", "11" }, Pages.TaskRow(browser, "sex"));
        browser.ScrollTo("data-summary");
        Screenshots.Take(browser, shots, "data");

        // Train: a few seconds of search; the page follows it live (trials, curves of the current trial) until it is saved.
        browser.Click("data-to-train");
        browser.Find("page-train");
        StringAssert.Contains(browser.Text("train-data"), "penguins.csv; labels: species:multiclass, body_mass_g:regression, sex:binary");
        // For the docs' screenshots the search gets long enough for several trials; the test itself needs only the first.
        string run = Pages.StartTraining(browser, seconds: Screenshots.ForDocs ? 60 : 4, seed: Seed);
        Assert.AreEqual("penguins", run);
        browser.WaitUntil(() => Pages.ImageLoaded(browser, "train-curves"), "the current trial's validation curves", Pages.TrainingWait);
        StringAssert.Matches(browser.Text("train-curves-caption"), new System.Text.RegularExpressions.Regex(@"^Trial \d+(, epoch \d+|: waiting)"));
        browser.ScrollTo("train-run");
        if (Screenshots.ForDocs)
        {
            browser.WaitUntil(() => Pages.Trials(browser) is [_, [_, _, _, "training", _, _], ..] && browser.Text("train-curves-caption").StartsWith("Trial 2, epoch ", StringComparison.Ordinal),
                "trial 2 under way", Pages.TrainingWait);
            Thread.Sleep(1500);
            Screenshots.Take(browser, shots, "train-live");
        }
        else if (Pages.Status(browser) == "training")
        {
            Screenshots.Take(browser, shots, "train-live");
        }
        Pages.WaitForStatus(browser, "finished");
        string[][] trials = Pages.Trials(browser);
        Assert.IsTrue(trials.Length >= 1, browser.PageText());
        Assert.IsTrue(trials.All(t => t[3] == "Finished" || t[3] == "finished"), "every trial finished: " + string.Join(" | ", trials.Select(t => string.Join(", ", t))));
        Assert.IsTrue(double.Parse(trials[0][4], NumberStyles.Float, CultureInfo.InvariantCulture) > 30, "trial 1's validation score (Δm % over a constant predictor): " + trials[0][4]);
        Assert.AreEqual(3, browser.Driver.FindElements(By.CssSelector("#train-test-metrics tbody tr")).Count, browser.PageText());
        StringAssert.Contains(browser.Text("train-result"), "Saved");
        browser.ScrollTo("train-run");
        Screenshots.Take(browser, shots, "train");

        // Evaluate (Next: evaluate): the best model's test metrics beside the baselines, the verdict, a confusion matrix, a predicted-vs-actual plot.
        browser.Click("train-to-evaluate");
        browser.Find("page-evaluate");
        browser.WaitUntil(() => browser.Driver.FindElements(By.CssSelector("#evaluate-metrics [id^='evaluate-metrics-']")).Count == 3, "three tasks' metrics");
        StringAssert.Contains(browser.Text("evaluate-verdict"), "multi-task model", browser.PageText());
        double.Parse(browser.Find("evaluate-verdict").GetAttribute("data-deltam")!, NumberStyles.Float, CultureInfo.InvariantCulture);
        int species = TaskIndex(browser, "species"), mass = TaskIndex(browser, "body_mass_g");
        IReadOnlyList<IWebElement> cells = browser.Find("evaluate-confusion-" + species).FindElements(By.CssSelector("td[data-count]"));
        Assert.AreEqual(9, cells.Count, "a 3×3 confusion matrix for species");
        int counted = cells.Sum(c => int.Parse(c.GetAttribute("data-count")!, CultureInfo.InvariantCulture));
        StringAssert.Contains(browser.Text("evaluate-summary"), $"{counted} test rows");
        browser.WaitUntil(() => Pages.ImageLoaded(browser, "evaluate-plot-" + mass), "the predicted-vs-actual plot of body_mass_g");
        Screenshots.Take(browser, shots, "evaluate");

        // One prediction from the form: a Gentoo-sized penguin.
        FillInput(browser, "island", "Biscoe");
        FillInput(browser, "bill_length_mm", "47.5");
        FillInput(browser, "bill_depth_mm", "15");
        FillInput(browser, "flipper_length_mm", "217");
        FillInput(browser, "year", "2008");
        browser.Click("evaluate-predict");
        browser.WaitUntil(() => browser.IsVisible($"evaluate-prediction-{species}-value"), "the prediction");
        Assert.AreEqual("Gentoo", browser.Text($"evaluate-prediction-{species}-value"), browser.PageText());
        double grams = double.Parse(browser.Text($"evaluate-prediction-{mass}-value"), NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.IsTrue(grams is > 4000 and < 6500, $"a Gentoo's predicted body mass: {grams} g");
        browser.ScrollTo("evaluate-try");
        Screenshots.Take(browser, shots, "evaluate-predict");

        // Consume: the consumption code, and the three downloads.
        Pages.GoTo(browser, "consume");
        browser.WaitUntil(() => browser.Text("consume-code").Contains("ModelInput", StringComparison.Ordinal), "the consumption code");
        Screenshots.Take(browser, shots, "consume");
        browser.Click("consume-download-model");
        string zip = browser.WaitForDownload("penguins.zip");
        browser.Click("consume-download-config");
        string config = browser.WaitForDownload("penguins.mtlconfig");
        CollectionAssert.AreEqual(File.ReadAllBytes(ui.RunFolder(run) + "/penguins.zip"), File.ReadAllBytes(zip), "the downloaded zip is the run's");

        // Plain ML.NET loads the downloaded zip and scores the table's raw rows: species right for nearly all penguins.
        Dictionary<string, float[][]> scores = PlainMlNet.ScoreTable(zip, table);
        Assert.AreEqual(344, scores["species.Score"].Length);
        Assert.IsTrue(scores["species.Score"].All(p => p.Length == 3 && Math.Abs(p.Sum() - 1) < 1e-4), "species probabilities");
        string[] names = ["Adelie", "Chinstrap", "Gentoo"];
        string[] actual = File.ReadLines(table).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        int right = scores["species.Score"].Select((p, r) => names[Array.IndexOf(p, p.Max())] == actual[r]).Count(ok => ok);
        Assert.IsTrue(right > 320, $"{right} of 344 penguins' species right");

        // The CLI, given the run's .mtlconfig (a copy elsewhere), trains the same model: identical scores on every row.
        string again = work.File("again");
        Directory.CreateDirectory(again);
        File.Copy(config, Path.Combine(again, "penguins.mtlconfig"));
        ProcessResult cli = ChildProcess.RunDotnet(BuiltApps.MtlCli, work.Path, "train", "--config", Path.Combine(again, "penguins.mtlconfig"));
        Assert.AreEqual(0, cli.ExitCode, cli.Transcript);
        PlainMlNet.AssertIdentical(scores, PlainMlNet.ScoreTable(Path.Combine(again, "penguins.zip"), table), "mtl train --config against the browser's model");
    }

    private static int TaskIndex(ChromiumBrowser browser, string task)
    {
        for (int i = 0; i < 3; i++)
            if (browser.Find("evaluate-metrics-" + i).GetAttribute("data-task") == task) return i;
        throw new AssertFailedException($"No metrics row for '{task}'.\n{browser.PageText()}");
    }

    private static void FillInput(ChromiumBrowser browser, string column, string value)
    {
        IWebElement input = browser.Driver.FindElements(By.CssSelector("#evaluate-predict-form [data-column]")).FirstOrDefault(e => e.GetAttribute("data-column") == column)
            ?? throw new AssertFailedException($"The prediction form has no input for '{column}'.\n{browser.PageText()}");
        if (input.TagName == "select")
        {
            browser.Choose(input, value);
        }
        else
        {
            input.Clear();
            input.SendKeys(value);
        }
    }
}
