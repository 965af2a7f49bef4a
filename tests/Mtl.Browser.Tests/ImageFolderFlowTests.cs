using System.Globalization;
using Mtl.Browser.Tests.Support;
using Mtl.Cli.Tests.Support;
using OpenQA.Selenium;

namespace Mtl.Browser.Tests;

/// <summary>
/// The image flow in the browser: a folder of real Fashion-MNIST PNGs (three classes × 20, one subfolder each) uploaded
/// as a zip from outside the working folder, trained for a few seconds, evaluated (confusion matrix, one image scored from the form), and its
/// downloaded zip scored by plain ML.NET from image paths.
/// </summary>
[TestClass]
public sealed class ImageFolderFlowTests
{
    [TestMethod]
    public void AnImageFolder_FromDataToConsume_AndPlainMlNetScoresItsZip()
    {
        using var root = new TempFolder("mtl-browser-images");
        using var work = new TempFolder("mtl-browser-images-work");
        string clothes = FashionImages.WriteFolder(work.File("clothes"), perClass: 20);
        string upload = work.File("clothes.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(clothes, upload, System.IO.Compression.CompressionLevel.Fastest, includeBaseDirectory: true);
        using UiProcess ui = UiProcess.Start(root.Path);
        using ChromiumBrowser browser = ChromiumBrowser.Start(work.File("downloads"));

        // Data: the uploaded zip is unpacked under mtl-uploads/ and loaded: one multiclass task over its subfolders.
        Pages.OpenApp(browser, ui);
        browser.Find("data-upload-file").SendKeys(upload);
        browser.Click("data-upload");
        browser.WaitUntil(() => browser.Text("data-upload-status") == "kept as mtl-uploads/clothes", "the zip to be kept as mtl-uploads/clothes");
        Pages.WaitForSchema(browser, "mtl-uploads/clothes");
        Assert.AreEqual(60, Directory.GetFiles(root.File("mtl-uploads/clothes"), "*.png", SearchOption.AllDirectories).Length);
        StringAssert.Contains(browser.Text("data-summary"), "60 images in 3 classes", browser.PageText());
        browser.WaitUntil(() => Pages.TaskRow(browser, "Label") is not null, "the image folder's task");
        CollectionAssert.AreEqual(new[] { "Label", "multiclass", "60", "0" }, Pages.TaskRow(browser, "Label"));
        browser.Click("data-to-train");
        browser.Find("page-train");
        StringAssert.Contains(browser.Text("train-data"), "clothes");

        string run = Pages.StartTraining(browser, seconds: 4, seed: 5);
        Assert.AreEqual("clothes", run);
        Pages.WaitForStatus(browser, "finished");
        Assert.AreEqual(1, browser.Driver.FindElements(By.CssSelector("#train-test-metrics tbody tr")).Count, browser.PageText());

        // Evaluate: a 3×3 confusion matrix; one image chosen in the form is scored.
        Pages.GoTo(browser, "evaluate");
        IWebElement matrix = browser.Find("evaluate-confusion-0", Pages.TrainingWait);
        CollectionAssert.AreEquivalent(FashionImages.Classes.Select(c => c.Folder).ToArray(),
            matrix.FindElements(By.CssSelector("thead th")).Skip(1).Select(h => h.Text).ToArray());
        IWebElement image = browser.Find("evaluate-input-0");
        Assert.AreEqual("file", image.GetAttribute("type"));
        image.SendKeys(Path.Combine(clothes, "trouser", "000.png"));
        browser.Click("evaluate-predict");
        string predicted = browser.Text("evaluate-prediction-0-value");
        CollectionAssert.Contains(FashionImages.Classes.Select(c => c.Folder).ToArray(), predicted, browser.PageText());
        Assert.AreEqual(3, browser.Find("evaluate-prediction-0-classes").FindElements(By.CssSelector("tbody tr")).Count);

        // Consume: the zip, scored by plain ML.NET from image paths, tells the three garments apart.
        Pages.GoTo(browser, "consume");
        browser.WaitUntil(() => browser.Text("consume-code").Contains("ModelInput", StringComparison.Ordinal), "the consumption code");
        browser.Click("consume-download-model");
        string zip = browser.WaitForDownload("clothes.zip");
        string[] images = FashionImages.Classes.SelectMany(c => Enumerable.Range(0, 20).Select(i => Path.Combine(clothes, c.Folder, $"{i:D3}.png"))).ToArray();
        float[][] scores = PlainMlNet.ScoreImages(zip, images)["Label.Score"];
        string[] classes = FashionImages.Classes.Select(c => c.Folder).Order(StringComparer.Ordinal).ToArray(); // keys: the class names sorted
        int right = scores.Select((p, r) => classes[Array.IndexOf(p, p.Max())] == FashionImages.Classes[r / 20].Folder).Count(ok => ok);
        Assert.IsTrue(right >= 45, $"{right} of 60 images classified right (chance: 20)");
        Assert.IsTrue(scores.All(p => p.Length == 3 && Math.Abs(p.Sum() - 1) < 1e-4), "class probabilities");
        // The page's prediction for trouser/000.png is the zip's.
        Assert.AreEqual(classes[Array.IndexOf(scores[0], scores[0].Max())], predicted, "the page's prediction against plain ML.NET's");
    }
}
