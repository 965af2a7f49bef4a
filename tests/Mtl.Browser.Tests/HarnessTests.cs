using Mtl.Browser.Tests.Support;
using Mtl.Cli.Tests.Support;

namespace Mtl.Browser.Tests;

/// <summary>The harness itself: a missing browser is a failure that says what to install, never a silent skip.</summary>
[TestClass]
public sealed class HarnessTests
{
    [TestMethod]
    public void AMissingBrowser_FailsWithTheCommandThatInstallsIt()
    {
        using var folder = new TempFolder("mtl-browser-harness");
        string absent = folder.File("no-such-chromium");
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => ChromiumBrowser.Start(folder.File("downloads"), chromium: absent));
        StringAssert.Contains(error.Message, absent + " is missing");
        StringAssert.Contains(error.Message, "bash scripts/bootstrap.sh --tests");
        error = Assert.ThrowsExactly<InvalidOperationException>(() => ChromiumBrowser.Start(folder.File("downloads"), chromedriver: folder.File("no-such-driver")));
        StringAssert.Contains(error.Message, "chromium-driver");
    }

    [TestMethod]
    public void TheBrowser_ShowsAPage_AtTheFixedViewportSize()
    {
        using var folder = new TempFolder("mtl-browser-harness");
        using ChromiumBrowser browser = ChromiumBrowser.Start(folder.File("downloads"));
        browser.Open(new Uri("data:text/html,<h1 id='greeting'>hello</h1>"));
        Assert.AreEqual("hello", browser.Text("greeting"));
        Assert.AreEqual(ChromiumBrowser.WindowSize.Width, Convert.ToInt64(browser.Script("return window.innerWidth;"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(ChromiumBrowser.WindowSize.Height, Convert.ToInt64(browser.Script("return window.innerHeight;"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
