using System.Net;
using Mtl.Browser.Tests.Support;
using Mtl.Cli.Tests.Support;
using OpenQA.Selenium;

namespace Mtl.Browser.Tests;

/// <summary>
/// The session token: every request without it (query, header or the cookie a page load with it sets) is refused with 403,
/// in the browser and from any other local client; the server binds the loopback only.
/// </summary>
[TestClass]
public sealed class TokenTests
{
    private static TempFolder root = null!;
    private static UiProcess ui = null!;

    [ClassInitialize]
    public static void StartServer(TestContext context)
    {
        root = new TempFolder("mtl-browser-token");
        File.Copy(BuiltApps.PenguinsTable, root.File("penguins.csv"));
        ui = UiProcess.Start(root.Path);
    }

    [ClassCleanup]
    public static void StopServer()
    {
        ui?.Dispose();
        root?.Dispose();
    }

    [TestMethod]
    public void TheFirstLine_GivesALoopbackAddressWithALongRandomToken()
    {
        Assert.AreEqual("127.0.0.1", ui.Url.Host);
        // 32 random bytes in base64url: 43 characters.
        Assert.AreEqual(43, ui.Token.Length, ui.Url.ToString());
        using var second = UiProcess.Start(root.Path);
        Assert.AreNotEqual(ui.Token, second.Token, "each session draws its own token");
        Assert.AreNotEqual(ui.Url.Port, second.Url.Port, "--port 0 takes a free port");
    }

    [TestMethod]
    public void RequestsWithoutTheToken_AreRefused_AndWithIt_Answered()
    {
        using HttpClient anonymous = ui.Client(withToken: false);
        foreach (string path in new[] { "", "index.html", "app.js", "api/runs", "api/files?path=" })
        {
            HttpResponseMessage refused = anonymous.GetAsync(path).Result;
            Assert.AreEqual(HttpStatusCode.Forbidden, refused.StatusCode, $"GET /{path} without the token");
            Assert.IsFalse(refused.Content.ReadAsStringAsync().Result.Contains("penguins", StringComparison.Ordinal), $"GET /{path} without the token leaks nothing");
        }
        HttpResponseMessage wrong = anonymous.GetAsync($"api/runs?token={new string('A', 43)}").Result;
        Assert.AreEqual(HttpStatusCode.Forbidden, wrong.StatusCode, "a wrong token");
        using var post = new StringContent("{\"path\":\"penguins.csv\"}", System.Text.Encoding.UTF8, "application/json");
        Assert.AreEqual(HttpStatusCode.Forbidden, anonymous.PostAsync("api/data/inspect", post).Result.StatusCode, "POST without the token");

        Assert.AreEqual(HttpStatusCode.OK, anonymous.GetAsync($"api/runs?token={ui.Token}").Result.StatusCode, "the token in the query");
        using HttpClient withHeader = ui.Client();
        HttpResponseMessage files = withHeader.GetAsync("api/files?path=").Result;
        Assert.AreEqual(HttpStatusCode.OK, files.StatusCode, "the token in the X-Mtl-Token header");
        StringAssert.Contains(files.Content.ReadAsStringAsync().Result, "penguins.csv");
    }

    [TestMethod]
    public void TheBrowser_WithoutTheToken_SeesOnlyARefusal_WithIt_TheApp_ThenTheCookieCarriesIt()
    {
        using var downloads = new TempFolder("mtl-browser-token-downloads");
        using ChromiumBrowser browser = ChromiumBrowser.Start(downloads.Path);
        browser.Open(ui.BaseAddress);
        Assert.AreEqual(0, browser.Driver.FindElements(By.Id("page-data")).Count, browser.PageText());
        StringAssert.Contains(browser.Driver.FindElement(By.TagName("body")).Text.ToLowerInvariant(), "token", browser.PageText());

        browser.Open(ui.Url);
        browser.Find("page-data");
        // The page load with ?token= set an HttpOnly cookie: the address without it works from now on, and scripts cannot read it.
        browser.Open(new Uri(ui.BaseAddress, "#train"));
        browser.Find("page-train");
        Assert.IsFalse(((string)browser.Script("return document.cookie;")!).Contains(ui.Token, StringComparison.Ordinal), "the cookie is HttpOnly");
        OpenQA.Selenium.Cookie? cookie = browser.Driver.Manage().Cookies.GetCookieNamed("mtl-token");
        Assert.IsNotNull(cookie, "the mtl-token cookie");
        Assert.IsTrue(cookie.IsHttpOnly);
        Assert.AreEqual("Strict", cookie.SameSite);
    }
}
