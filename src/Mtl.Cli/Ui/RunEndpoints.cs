using Microsoft.AspNetCore.Routing;

namespace Mtl.Cli.Ui;

/// <summary>The run endpoints.</summary>
internal static class RunEndpoints
{
    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        _ = app;
        _ = ui;
    }
}
