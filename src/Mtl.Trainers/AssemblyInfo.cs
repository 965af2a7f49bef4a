using System.Runtime.CompilerServices;

// The methods benchmark times single training steps of two methods alternately (TrainingStep is internal).
[assembly: InternalsVisibleTo("Mtl.Trainers.Bench")]
[assembly: InternalsVisibleTo("Mtl.Trainers.Tests")]
// One implementation of safe whole-file writes and private temp folders (Trainers.IO.SafeFiles) for the sweeps and the app.
[assembly: InternalsVisibleTo("Mtl.Analysis")]
[assembly: InternalsVisibleTo("mtl")]
[assembly: InternalsVisibleTo("Mtl.Analysis.Tests")]
[assembly: InternalsVisibleTo("Mtl.Cli.Tests")]
