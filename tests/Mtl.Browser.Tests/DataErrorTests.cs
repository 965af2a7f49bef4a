using Mtl.Browser.Tests.Support;
using Mtl.Cli.Tests.Support;
using OpenQA.Selenium;

namespace Mtl.Browser.Tests;

/// <summary>
/// Bad input on the Data page, as a user meets it: each is a clear message in the page's error area (role=alert) and
/// nothing is kept or changed. One server (upload limit 1 MB) and one browser for the class; each test reloads the app.
/// </summary>
[TestClass]
public sealed class DataErrorTests
{
    private static TempFolder root = null!, work = null!;
    private static UiProcess ui = null!;
    private static ChromiumBrowser browser = null!;

    [ClassInitialize]
    public static void Start(TestContext context)
    {
        root = new TempFolder("mtl-browser-errors");
        work = new TempFolder("mtl-browser-errors-work");
        // Binary bytes under a table's name: not a table.
        File.WriteAllBytes(root.File("photo.csv"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 1, 2, 3]);
        // A folder of class subfolders that hold no image.
        Directory.CreateDirectory(root.File("notes/first"));
        File.WriteAllText(root.File("notes/first/readme.txt"), "no images here");
        // A column name that is markup.
        File.WriteAllText(root.File("markup.csv"), "<b id=\"injected\">bold</b>,y\n1,2\n3,4\n5,6\n");
        ui = UiProcess.Start(root.Path, "--upload-limit-mb", "1");
        browser = ChromiumBrowser.Start(work.File("downloads"));
    }

    [ClassCleanup]
    public static void Stop()
    {
        browser?.Dispose();
        ui?.Dispose();
        root?.Dispose();
        work?.Dispose();
    }

    [TestInitialize]
    public void OpenApp()
    {
        // A fresh page: no choice left in sessionStorage by the test before.
        Pages.OpenApp(browser, ui);
        browser.Script("sessionStorage.clear();");
        Pages.OpenApp(browser, ui);
    }

    [TestMethod]
    public void AFileThatIsNotATable_SaysSo()
    {
        Pages.LoadPath(browser, "photo.csv");
        StringAssert.Contains(browser.ErrorIn("page-data"), "photo.csv' is not a table: it holds binary data");
        Assert.IsFalse(browser.IsVisible("data-result"), "no schema is shown");
    }

    [TestMethod]
    public void AFolderWithoutImages_SaysWhatIsMissing()
    {
        // Chosen as a user would: walked into in the file browser, then "Use this folder".
        Pages.Browse(browser, "notes", useFolder: true);
        StringAssert.Contains(browser.ErrorIn("page-data"), "has no images");
        Assert.IsFalse(browser.IsVisible("data-result"), "no schema is shown");
    }

    [TestMethod]
    public void APathOutsideTheRoot_IsRefused_AndTheBrowserCannotGoAboveIt()
    {
        foreach (string outside in new[] { "../", "/etc/passwd" })
        {
            Pages.LoadPath(browser, outside);
            StringAssert.Contains(browser.ErrorIn("page-data"), $"'{outside}' is outside the working folder");
        }
        browser.Click("data-browse");
        browser.Find("data-browser-list");
        Assert.AreEqual("/", browser.Text("data-browser-path"));
        Assert.IsFalse(browser.Find("data-browser-up").Enabled, "Up is disabled at the working folder");
    }

    [TestMethod]
    public void AnUploadOverTheLimit_IsRefused_AndNothingIsKept_ASmallOneIsLoaded()
    {
        string big = work.File("big.csv");
        using (var writer = new StreamWriter(big))
        {
            writer.WriteLine("x,y");
            for (int i = 0; writer.BaseStream.Length < 1_600_000; i++) writer.WriteLine($"{i},{i % 7}");
        }
        browser.Find("data-upload-file").SendKeys(big);
        browser.Click("data-upload");
        StringAssert.Contains(browser.ErrorIn("page-data"), "The upload is larger than the limit of 1 MB; nothing was kept");
        Assert.AreEqual("not uploaded", browser.Text("data-upload-status"));
        string uploads = root.File("mtl-uploads");
        Assert.IsTrue(!Directory.Exists(uploads) || !Directory.EnumerateFileSystemEntries(uploads).Any(), "nothing kept in mtl-uploads");

        string small = work.File("small.csv");
        File.WriteAllLines(small, ["x,y", .. Enumerable.Range(0, 50).Select(i => $"{i},{i % 3}")]);
        browser.Find("data-upload-file").SendKeys(small);
        browser.Click("data-upload");
        browser.WaitUntil(() => browser.Text("data-upload-status").StartsWith("kept as mtl-uploads/", StringComparison.Ordinal), "the small upload to be kept");
        browser.WaitUntil(() => browser.IsVisible("data-result") && browser.Text("data-summary").Contains("50 rows", StringComparison.Ordinal), "the uploaded table's schema");
    }

    [TestMethod]
    public void MarkupInTheData_IsShownAsText_NeverRun()
    {
        Pages.LoadPath(browser, "markup.csv");
        Pages.WaitForSchema(browser, "markup.csv");
        Assert.AreEqual(0, browser.Driver.FindElements(By.Id("injected")).Count, "the column name did not become an element");
        Assert.AreEqual("<b id=\"injected\">bold</b>", browser.Driver.FindElement(By.CssSelector("#data-columns tbody tr td")).Text);
    }
}
