using System.CommandLine;
using Mtl.Cli.Commands;

namespace Mtl.Cli;

/// <summary>Entry point of the <c>mtl</c> app.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen command.</summary>
    public static int Main(string[] args)
    {
        // Before anything loads libtorch: libgomp reads its spin count once (see NativeRuntimeTuning).
        Mtl.Trainers.Runtime.NativeRuntimeTuning.Apply();
        var root = new RootCommand("mtl — multi-task learning for ML.NET pipelines, on TorchSharp")
        {
            TrainCommand.Create(),
            StudyCommand.Create(),
            SweepCommand.Create(),
            UiCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
