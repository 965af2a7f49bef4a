namespace Mtl.Browser.Tests.Support;

/// <summary>
/// Screenshots of the pages. Tests always take them (each must be a real, non-blank PNG of the viewport's size); with
/// MTL_UI_SCREENSHOTS set to a folder (docs/ui to refresh the committed ones) they are kept there, otherwise in a temp folder.
/// </summary>
internal static class Screenshots
{
    public const string FolderVariable = "MTL_UI_SCREENSHOTS";

    /// <summary>Whether the screenshots are kept for the docs (then a test may train longer, so the pages have more to show).</summary>
    public static bool ForDocs => Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 };

    /// <summary>Saves the window as <c>&lt;name&gt;.png</c> and checks the file; returns its path.</summary>
    public static string Take(ChromiumBrowser browser, string folder, string name)
    {
        string target = Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } kept ? Path.GetFullPath(kept) : folder;
        string path = Path.Combine(target, name + ".png");
        browser.Screenshot(path);
        byte[] png = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4], $"{path} is a PNG");
        // Width and height from the IHDR chunk (big-endian at bytes 16 and 20).
        int width = png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19], height = png[20] << 24 | png[21] << 16 | png[22] << 8 | png[23];
        Assert.AreEqual((ChromiumBrowser.WindowSize.Width, ChromiumBrowser.WindowSize.Height), (width, height), $"{path}'s size");
        Assert.IsTrue(png.Length > 20_000, $"{path} is only {png.Length} bytes: a blank page?");
        return path;
    }
}
