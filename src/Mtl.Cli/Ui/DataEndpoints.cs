using Microsoft.AspNetCore.Routing;

namespace Mtl.Cli.Ui;

/// <summary>The data endpoints.</summary>
internal static class DataEndpoints
{
    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        _ = app;
        _ = ui;
    }
}
