using System.Text.Json;
using Mtl.Browser.Tests.Support;
using Mtl.Cli.Tests.Support;
using OpenQA.Selenium;

namespace Mtl.Browser.Tests;

/// <summary>
/// A run's life outside the happy path, with two browser windows as two users (or two tabs) would have them: a second
/// training while one runs is refused; the window that started the run closes and the run goes on, reopened in the other;
/// the server stops mid-run (its .mtlconfig keeps the finished trial, no zip is written); a new server lists the run as
/// unfinished and resumes it without training the finished trial again, to the end.
/// </summary>
[TestClass]
public sealed class RunLifecycleTests
{
    [TestMethod]
    public void TwoTrainingsAtOnce_ABrowserClosingMidRun_AndTheServerStopping_LoseNothing()
    {
        using var root = new TempFolder("mtl-browser-lifecycle");
        using var work = new TempFolder("mtl-browser-lifecycle-work");
        File.Copy(BuiltApps.PenguinsTable, root.File("penguins.csv"));
        string config = root.File("mtl-runs/lifecycle/lifecycle.mtlconfig");
        var first = UiProcess.Start(root.Path);
        double trialOneSeconds;
        try
        {
            using ChromiumBrowser other = ChromiumBrowser.Start(work.File("other"));
            using (ChromiumBrowser starter = ChromiumBrowser.Start(work.File("starter")))
            {
                ChoosePenguins(starter, first);
                // Three trials at most: the defaults at full epochs (seconds), then two short ones.
                Assert.AreEqual("lifecycle", Pages.StartTraining(starter, seconds: 120, seed: 2, name: "lifecycle", maxTrials: "3"));
                Pages.WaitForStatus(starter, "training");

                // The other window asks for a second training at the same time: refused, naming the run that trains.
                ChoosePenguins(other, first);
                Pages.PressStart(other, seconds: 10, seed: 1, name: "second");
                StringAssert.Contains(other.ErrorIn("page-train"), "a run is training: 'lifecycle'");
                Assert.IsFalse(Directory.Exists(root.File("mtl-runs/second")), "the refused run left no folder");
            }

            // The starting window is closed mid-run; the other reopens the run from the list and follows it live.
            other.Click("train-runs-refresh");
            Pages.ClickRunButton(other, "lifecycle", "open-run");
            other.WaitUntil(() => other.Text("train-run-id") == "lifecycle", "the run reopened");
            Pages.WaitForStatus(other, "training");
            other.WaitUntil(() => Pages.Trials(other) is [["1", _, _, "Finished", _, _], ["2", _, _, "training", _, _], ..],
                "trial 1 finished and trial 2 training", Pages.TrainingWait);

            // The server stops while trial 2 trains: the .mtlconfig keeps trial 1, no model is written.
            Assert.AreEqual(0, first.Stop(), first.Transcript);
            StringAssert.Contains(first.Transcript, "the run 'lifecycle' was stopped");
            JsonElement[] kept = Trials(config);
            Assert.AreEqual(1, kept.Length, File.ReadAllText(config));
            trialOneSeconds = kept[0].GetProperty("RuntimeInSeconds").GetDouble();
            Assert.IsFalse(File.Exists(root.File("mtl-runs/lifecycle/lifecycle.zip")), "no zip from a stopped run");
        }
        finally
        {
            first.Dispose();
        }

        // A new server on the same folder: the run is listed as unfinished; Resume trains on from trial 2 to the end.
        using UiProcess second = UiProcess.Start(root.Path);
        using ChromiumBrowser again = ChromiumBrowser.Start(work.File("again"));
        again.Open(new Uri(second.Url, "#train"));
        again.Find("page-train");
        again.WaitUntil(() => Pages.RunRow(again, "lifecycle")?.FindElement(By.CssSelector("td.status")).Text == "unfinished", "the stopped run, unfinished, in the runs table");
        Pages.ClickRunButton(again, "lifecycle", "resume-run");
        again.WaitUntil(() => again.Text("train-run-id") == "lifecycle", "the resumed run's panel");
        Pages.WaitForStatus(again, "finished");
        JsonElement[] trials = Trials(config);
        Assert.AreEqual(3, trials.Length, File.ReadAllText(config));
        Assert.AreEqual(1, trials[0].GetProperty("Number").GetInt32());
        Assert.AreEqual(trialOneSeconds, trials[0].GetProperty("RuntimeInSeconds").GetDouble(), "trial 1 was not trained again");
        Assert.IsTrue(File.Exists(root.File("mtl-runs/lifecycle/lifecycle.zip")), "the resumed run saved its model");
        Assert.IsFalse(string.IsNullOrEmpty(again.Text("train-result")), again.PageText());
    }

    private static void ChoosePenguins(ChromiumBrowser browser, UiProcess ui)
    {
        Pages.OpenApp(browser, ui);
        Pages.LoadPath(browser, "penguins.csv");
        Pages.WaitForSchema(browser, "penguins.csv");
        Pages.MarkLabel(browser, "species", "Multiclass");
        Pages.MarkLabel(browser, "body_mass_g", "Regression");
        browser.Click("data-to-train");
        browser.Find("page-train");
    }

    private static JsonElement[] Trials(string config)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(config));
        return document.RootElement.GetProperty("RunHistory").GetProperty("Trials").EnumerateArray().Select(t => t.Clone()).ToArray();
    }
}
