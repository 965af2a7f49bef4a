using Mtl.Browser.Tests.Support;
using Mtl.Cli.Tests.Support;

namespace Mtl.Browser.Tests;

/// <summary>
/// The Train page while a trial trains: its validation curves are drawn as epochs finish (not only once the trial is
/// over), a page reload redraws the run and follows it on, and Cancel stops it, keeping the .mtlconfig.
/// </summary>
[TestClass]
public sealed class LiveProgressTests
{
    [TestMethod]
    public void TheCurrentTrial_IsDrawnWhileItTrains_SurvivesAReload_AndCancels()
    {
        using var root = new TempFolder("mtl-browser-live");
        using var work = new TempFolder("mtl-browser-live-work");
        File.Copy(BuiltApps.PenguinsTable, root.File("penguins.csv"));
        using UiProcess ui = UiProcess.Start(root.Path);
        using ChromiumBrowser browser = ChromiumBrowser.Start(work.File("downloads"));
        Pages.OpenApp(browser, ui);
        Pages.LoadPath(browser, "penguins.csv");
        Pages.WaitForSchema(browser, "penguins.csv");
        Pages.MarkLabel(browser, "species", "Multiclass");
        Pages.MarkLabel(browser, "body_mass_g", "Regression");
        browser.Click("data-to-train");
        browser.Find("page-train");
        // Trial 1 (the trainer's defaults, 72 epochs) takes seconds; the page has all of them to show its curves.
        Assert.AreEqual("penguins", Pages.StartTraining(browser, seconds: 60, seed: 4));
        browser.WaitUntil(() => Pages.Trials(browser) is [["1", _, _, "training", _, _]], "trial 1 training");

        // The curves of the trial that trains are drawn as its epochs finish, before the trial ends.
        bool drawnWhileTraining = false;
        string seen = "";
        browser.WaitUntil(() =>
        {
            bool training = Pages.Trials(browser) is [["1", _, _, "training", _, _]];
            drawnWhileTraining = training && Pages.ImageLoaded(browser, "train-curves");
            seen = $"caption '{browser.Text("train-curves-caption")}', curves src '{browser.Script("return document.getElementById('train-curves').getAttribute('src');")}'";
            return drawnWhileTraining || !training;
        }, "trial 1's curves, or its end", Pages.TrainingWait);

        // A reload (or a browser that reconnects) redraws the run from its events and follows it on.
        browser.Driver.Navigate().Refresh();
        browser.Find("page-train");
        browser.WaitUntil(() => browser.Text("train-run-id") == "penguins" && Pages.Trials(browser).Length >= 1,
            "the run redrawn after the reload");
        Pages.WaitForStatus(browser, "training");

        // Cancel: the run stops at the next step; no model, the .mtlconfig stays for a resume.
        browser.Click("train-cancel");
        Pages.WaitForStatus(browser, "cancelled");
        Assert.IsTrue(File.Exists(root.File("mtl-runs/penguins/penguins.mtlconfig")));
        Assert.IsFalse(File.Exists(root.File("mtl-runs/penguins/penguins.zip")));
        Assert.IsTrue(browser.IsVisible("train-resume"), "Resume is offered for the cancelled run");

        Assert.IsTrue(drawnWhileTraining, "Trial 1 (72 epochs, seconds) ended before the page drew any of its validation curves; when it ended: " + seen);
    }
}
