using Microsoft.AspNetCore.Routing;

namespace Mtl.Cli.Ui;

/// <summary>The files endpoints.</summary>
internal static class FilesEndpoints
{
    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        _ = app;
        _ = ui;
    }
}
