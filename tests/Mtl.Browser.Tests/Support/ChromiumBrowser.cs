using System.Drawing;
using System.Runtime.InteropServices;
using OpenQA.Selenium;
using Mtl.Cli.Tests.Support;
using OpenQA.Selenium.Chrome;

namespace Mtl.Browser.Tests.Support;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>), headless, at a fixed window size, driven through Debian's chromedriver
/// (<c>/usr/bin/chromedriver</c>). Both paths are given explicitly and Selenium Manager is switched off, so nothing is
/// ever downloaded. Dispose quits the browser and stops chromedriver by its PID.
/// </summary>
internal sealed partial class ChromiumBrowser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    /// <summary>The window every test (and every screenshot) uses.</summary>
    public static readonly Size WindowSize = new(1280, 900);

    /// <summary>How long a page gets to show what a test waits for (training waits pass their own).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    private readonly ChromeDriverService service;
    private readonly int driverPid;
    private readonly string profile;

    private ChromiumBrowser(ChromeDriverService service, ChromeDriver driver, string downloads, string profile)
    {
        this.service = service;
        Driver = driver;
        Downloads = downloads;
        this.profile = profile;
        driverPid = service.ProcessId;
    }

    public ChromeDriver Driver { get; }

    /// <summary>The folder downloads land in.</summary>
    public string Downloads { get; }

    /// <summary>Starts the browser; throws with what to run when Chromium or chromedriver is not installed.</summary>
    /// <param name="downloads">The folder downloads are saved to (created).</param>
    /// <param name="chromium">The browser binary (Debian's by default; another only for the test of the missing-browser message).</param>
    /// <param name="chromedriver">The driver binary.</param>
    public static ChromiumBrowser Start(string downloads, string chromium = ChromiumPath, string chromedriver = DriverPath)
    {
        foreach (string path in new[] { chromium, chromedriver })
            if (!File.Exists(path))
                throw new InvalidOperationException(
                    $"{path} is missing: the browser tests of 'mtl ui' drive Debian's chromium through its chromium-driver. " +
                    "Run 'bash scripts/bootstrap.sh --tests' (it installs both with apt-get), then run the tests again.");
        // Selenium Manager would look for (and download) a browser or driver; the paths below are explicit, and these make
        // sure it never runs: offline, and pointed at a binary that does not exist.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        Environment.SetEnvironmentVariable("SE_MANAGER_PATH", "/nonexistent/selenium-manager-is-not-used-by-mtl-browser-tests");
        Directory.CreateDirectory(downloads);
        string profile = Directory.CreateTempSubdirectory("mtl-browser-profile-").FullName;
        ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(chromedriver)!, Path.GetFileName(chromedriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", $"--window-size={WindowSize.Width},{WindowSize.Height}", "--force-device-scale-factor=1",
            "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=en-US", $"--user-data-dir={profile}");
        // Chromium's sandbox refuses to run as root (CI runs the tests as root).
        if (GetEffectiveUserId() == 0) options.AddArgument("--no-sandbox");
        options.AddUserProfilePreference("download.default_directory", downloads);
        options.AddUserProfilePreference("download.prompt_for_download", false);
        ChromeDriver driver;
        try
        {
            driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        }
        catch
        {
            service.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
        var browser = new ChromiumBrowser(service, driver, downloads, profile);
        // Headless Chromium only saves downloads where it is told to.
        driver.ExecuteCdpCommand("Browser.setDownloadBehavior", new Dictionary<string, object?> { ["behavior"] = "allow", ["downloadPath"] = downloads });
        // The window's size includes the (invisible) browser frame: fix the page's viewport itself, so screenshots are exactly this size.
        driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
        {
            ["width"] = WindowSize.Width, ["height"] = WindowSize.Height, ["deviceScaleFactor"] = 1, ["mobile"] = false,
        });
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
        return browser;
    }

    /// <summary>Loads <paramref name="url"/>.</summary>
    public void Open(Uri url) => Driver.Navigate().GoToUrl(url);

    /// <summary>The element with this id, once it is on the page and visible.</summary>
    public IWebElement Find(string id, TimeSpan? timeout = null)
    {
        IWebElement? found = null;
        WaitUntil(() =>
        {
            found = Driver.FindElements(By.Id(id)).FirstOrDefault(e => e.Displayed);
            return found is not null;
        }, $"#{id} to be visible", timeout);
        return found!;
    }

    /// <summary>Whether an element with this id is on the page and visible now.</summary>
    public bool IsVisible(string id) => Driver.FindElements(By.Id(id)).Any(e => e.Displayed);

    /// <summary>Clicks the element with this id once it is visible and enabled.</summary>
    public void Click(string id, TimeSpan? timeout = null)
    {
        IWebElement element = Find(id, timeout);
        WaitUntil(() => element.Enabled, $"#{id} to be enabled", timeout);
        element.Click();
    }

    /// <summary>Replaces the value of the input with this id.</summary>
    public void Fill(string id, string text)
    {
        IWebElement input = Find(id);
        input.Clear();
        input.SendKeys(text);
    }

    /// <summary>Chooses the option with value <paramref name="value"/> in a select element.</summary>
    public void Choose(IWebElement select, string value)
    {
        IWebElement option = select.FindElements(By.TagName("option")).FirstOrDefault(o => o.GetAttribute("value") == value)
            ?? throw new AssertFailedException($"The select has no option '{value}'; it has {string.Join(", ", select.FindElements(By.TagName("option")).Select(o => o.GetAttribute("value")))}.");
        option.Click();
    }

    /// <summary>Chooses the option with value <paramref name="value"/> in the select with this id (again, should the page redraw it meanwhile).</summary>
    public void Choose(string id, string value) =>
        WaitUntil(() =>
        {
            IWebElement select = Find(id);
            if (select.GetAttribute("value") != value) Choose(select, value);
            return Find(id).GetAttribute("value") == value;
        }, $"#{id} to hold '{value}'");

    /// <summary>The visible text of the element with this id.</summary>
    public string Text(string id, TimeSpan? timeout = null) => Find(id, timeout).Text;

    /// <summary>The text of the visible error (an element with class <c>error</c>) in a page section, waited for.</summary>
    public string ErrorIn(string sectionId, TimeSpan? timeout = null)
    {
        string text = "";
        WaitUntil(() =>
        {
            text = string.Join("\n", Driver.FindElements(By.CssSelector($"#{sectionId} .error")).Where(e => e.Displayed).Select(e => e.Text).Where(t => t.Length > 0));
            return text.Length > 0;
        }, $"an error message in #{sectionId}", timeout);
        return text;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with what was awaited and what the page shows.</summary>
    public void WaitUntil(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? DefaultWait;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < limit)
        {
            try
            {
                if (condition()) return;
            }
            catch (WebDriverException e) // a stale element while the page re-renders: look again
            {
                last = e;
            }
            Thread.Sleep(100);
        }
        throw new AssertFailedException($"Waited {limit.TotalSeconds:0} s for {what}; it did not happen.{(last is null ? "" : " Last error: " + last.Message)}\n" + PageText());
    }

    /// <summary>The page's address and visible text, for failure messages.</summary>
    public string PageText()
    {
        try
        {
            string body = Driver.FindElement(By.TagName("body")).Text;
            return $"--- page {Driver.Url} ---\n{(body.Length > 4000 ? body[..4000] + "…" : body)}";
        }
        catch (WebDriverException e)
        {
            return $"(the page could not be read: {e.Message})";
        }
    }

    /// <summary>Runs a script in the page and returns its result.</summary>
    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    /// <summary>Waits for a download named <paramref name="fileName"/> to be complete and returns its path.</summary>
    public string WaitForDownload(string fileName, TimeSpan? timeout = null)
    {
        string path = Path.Combine(Downloads, fileName);
        WaitUntil(() => File.Exists(path) && !Directory.EnumerateFiles(Downloads, "*.crdownload").Any(), $"the download '{fileName}' in {Downloads} " +
            $"(there: {string.Join(", ", Directory.EnumerateFiles(Downloads).Select(Path.GetFileName))})", timeout);
        return path;
    }

    /// <summary>Scrolls the page so that the element with this id is at the top of the window.</summary>
    public void ScrollTo(string id)
    {
        Script("document.getElementById(arguments[0]).scrollIntoView({ block: 'start' }); window.scrollBy(0, -8);", Find(id).GetAttribute("id")!);
        Thread.Sleep(100);
    }

    /// <summary>Saves what the window shows as a PNG.</summary>
    public void Screenshot(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Driver.GetScreenshot().SaveAsFile(path);
    }

    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        catch (WebDriverException)
        {
            // The browser is gone already; chromedriver is stopped below.
        }
        service.Dispose();
        if (driverPid > 0 && RunningApp.IsAlive(driverPid)) Kill(driverPid, RunningApp.SigKill);
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its profile as it exits; it lives under the temp folder.
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
