using OpenQA.Selenium;

namespace Mtl.Browser.Tests.Support;

/// <summary>
/// What a user does on the four pages, in the element ids the page scripts list at their top (src/Mtl.Cli/Ui/wwwroot/*.js).
/// Every step waits for the page to show its result, so a test reads as the clicks it makes.
/// </summary>
internal static class Pages
{
    /// <summary>A training of a few seconds on two shared cores: the first trial always runs, then test, save and baselines.</summary>
    public static readonly TimeSpan TrainingWait = TimeSpan.FromSeconds(180);

    /// <summary>Opens the app (the printed address with the token) on the Data page.</summary>
    public static void OpenApp(ChromiumBrowser browser, UiProcess ui)
    {
        browser.Open(ui.Url);
        browser.Find("page-data");
    }

    /// <summary>Goes to a page through its nav link and waits for its section.</summary>
    public static void GoTo(ChromiumBrowser browser, string page)
    {
        browser.Click("nav-" + page);
        browser.Find("page-" + page);
    }

    /// <summary>Data page: opens the file browser, walks down <paramref name="path"/> (a/b/c) and chooses its last entry (a file; with <paramref name="useFolder"/> the folder, opened).</summary>
    public static void Browse(ChromiumBrowser browser, string path, bool useFolder = false)
    {
        browser.Click("data-browse");
        browser.Find("data-browser");
        string[] parts = path.Split('/');
        for (int i = 0; i < parts.Length; i++)
        {
            string partial = string.Join('/', parts[..(i + 1)]);
            bool last = i == parts.Length - 1;
            if (last && !useFolder)
            {
                ClickEntry(browser, partial);
                return;
            }
            ClickEntry(browser, partial);
            browser.WaitUntil(() => browser.Text("data-browser-path") == "/" + partial, $"the browser to show /{partial}");
        }
        browser.Click("data-browser-choose");
    }

    private static void ClickEntry(ChromiumBrowser browser, string path)
    {
        IWebElement? entry = null;
        browser.WaitUntil(() =>
        {
            entry = browser.Driver.FindElements(By.CssSelector("#data-browser-list li.entry")).FirstOrDefault(e => e.GetAttribute("data-path") == path);
            return entry is not null;
        }, $"the entry '{path}' in the file browser");
        entry!.Click();
    }

    /// <summary>Data page: types a path into the path box and presses Load.</summary>
    public static void LoadPath(ChromiumBrowser browser, string path)
    {
        browser.Fill("data-path", path);
        browser.Click("data-inspect");
    }

    /// <summary>Data page: waits for the schema of <paramref name="path"/> to be shown.</summary>
    public static void WaitForSchema(ChromiumBrowser browser, string path)
    {
        browser.WaitUntil(() => browser.IsVisible("data-result") && browser.Driver.FindElement(By.Id("data-path")).GetAttribute("value") == path,
            $"the schema of '{path}'");
    }

    /// <summary>The columns table's column names, in row order, read in one script call (the table redraws after every change, so element handles go stale).</summary>
    public static string[] ColumnNames(ChromiumBrowser browser) =>
        ((IEnumerable<object>)browser.Script("return [...document.querySelectorAll('#data-columns tbody tr')].map(r => r.getAttribute('data-column'));")!)
            .Select(o => (string)o).ToArray();

    /// <summary>The columns table's index of <paramref name="column"/> (its row's position; ids are col-purpose-&lt;i&gt;).</summary>
    public static int ColumnIndex(ChromiumBrowser browser, string column)
    {
        int index = Array.IndexOf(ColumnNames(browser), column);
        return index >= 0 ? index : throw new AssertFailedException($"No column '{column}' in the columns table.\n{browser.PageText()}");
    }

    /// <summary>Data page: marks <paramref name="column"/> as a label of <paramref name="kind"/> (Multiclass, Binary, Regression) and waits for the tasks table to list it.</summary>
    public static void MarkLabel(ChromiumBrowser browser, string column, string kind)
    {
        int i = ColumnIndex(browser, column);
        browser.Choose("col-purpose-" + i, "Label");
        browser.WaitUntil(() => browser.Find("col-kind-" + i).Enabled, $"the task kind of '{column}' to be editable");
        browser.Choose("col-kind-" + i, kind);
        browser.WaitUntil(() => TaskRow(browser, column) is { } row && row[1] == kind.ToLowerInvariant(), $"the task '{column}' ({kind}) in the tasks table");
    }

    /// <summary>Data page: the tasks table's row of <paramref name="task"/> (task, kind, labelled rows, missing labels), or null.</summary>
    public static string[]? TaskRow(ChromiumBrowser browser, string task) =>
        TableRows(browser, "#data-tasks tbody tr", "data-task", task).FirstOrDefault();

    /// <summary>The cell texts of the rows matching <paramref name="rowSelector"/> (only those whose <paramref name="attribute"/> equals
    /// <paramref name="value"/> when given), read in one script call so that a table redrawn meanwhile cannot leave stale handles.</summary>
    static string[][] TableRows(ChromiumBrowser browser, string rowSelector, string? attribute = null, string? value = null) =>
        ((IEnumerable<object>)browser.Script(
            "return [...document.querySelectorAll(arguments[0])].filter(r => arguments[1] === '' || r.getAttribute(arguments[1]) === arguments[2])" +
            ".map(r => [...r.querySelectorAll('td')].map(c => c.innerText.trim()));", rowSelector, attribute ?? "", value ?? "")!)
            .Select(row => ((IEnumerable<object>)row).Select(c => (string)c).ToArray()).ToArray();

    /// <summary>Train page: sets the budget and the advanced settings given, presses Start and waits for the run's panel; returns the run id.</summary>
    public static string StartTraining(ChromiumBrowser browser, int seconds, int seed, string? name = null, string? maxTrials = null)
    {
        PressStart(browser, seconds, seed, name, maxTrials);
        browser.WaitUntil(() => browser.IsVisible("train-run") && browser.Text("train-run-id").Length > 0, "the run's panel after Start");
        return browser.Text("train-run-id");
    }

    /// <summary>Train page: sets the budget and the advanced settings given and presses Start.</summary>
    public static void PressStart(ChromiumBrowser browser, int seconds, int seed, string? name = null, string? maxTrials = null)
    {
        browser.Fill("train-time", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        OpenAdvanced(browser);
        browser.Fill("train-seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (name is not null) browser.Fill("train-name", name);
        if (maxTrials is not null) browser.Fill("train-max-trials", maxTrials);
        browser.Click("train-start");
    }

    /// <summary>Train page: opens the advanced settings (a details element).</summary>
    public static void OpenAdvanced(ChromiumBrowser browser)
    {
        IWebElement details = browser.Find("train-advanced");
        if (details.GetAttribute("open") is null) details.FindElement(By.TagName("summary")).Click();
        browser.Find("train-seed");
    }

    /// <summary>Train page: the run's status word.</summary>
    public static string Status(ChromiumBrowser browser) => browser.Text("train-status");

    /// <summary>Train page: waits until the run shown has the status <paramref name="status"/>.</summary>
    public static void WaitForStatus(ChromiumBrowser browser, string status, TimeSpan? timeout = null) =>
        browser.WaitUntil(() => Status(browser) == status, $"the run's status '{status}' (now '{SafeStatus(browser)}')", timeout ?? TrainingWait);

    private static string SafeStatus(ChromiumBrowser browser)
    {
        try
        {
            return browser.Driver.FindElement(By.Id("train-status")).Text;
        }
        catch (WebDriverException)
        {
            return "?";
        }
    }

    /// <summary>Train page: the rows of the trials table (number, epochs, configuration, status, score, seconds).</summary>
    public static string[][] Trials(ChromiumBrowser browser) =>
        TableRows(browser, "#train-trials tbody tr");

    /// <summary>Train page: the runs table's row of <paramref name="run"/> (its button cells included), or null.</summary>
    public static IWebElement? RunRow(ChromiumBrowser browser, string run) =>
        browser.Driver.FindElements(By.CssSelector("#train-runs tbody tr")).FirstOrDefault(r => r.GetAttribute("data-run") == run);

    /// <summary>Train page: clicks a button (<c>open-run</c>, <c>resume-run</c>) of <paramref name="run"/>'s row in the runs table, which redraws itself.</summary>
    public static void ClickRunButton(ChromiumBrowser browser, string run, string buttonClass) =>
        browser.WaitUntil(() =>
        {
            IWebElement? button = RunRow(browser, run)?.FindElements(By.CssSelector("button." + buttonClass)).FirstOrDefault();
            button?.Click(); // a stale row throws, and the wait looks again
            return button is not null;
        }, $"the {buttonClass} button of the run '{run}'");

    /// <summary>Whether an image element has loaded a picture (SVG plots are drawn from the server).</summary>
    public static bool ImageLoaded(ChromiumBrowser browser, string id) =>
        browser.Script("const i = document.getElementById(arguments[0]); return !!i && i.complete && i.naturalWidth > 0;", id) is true;
}
