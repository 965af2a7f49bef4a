using System.Runtime.CompilerServices;

// The methods benchmark times single training steps of two methods alternately (TrainingStep is internal).
[assembly: InternalsVisibleTo("Mtl.Trainers.Bench")]
[assembly: InternalsVisibleTo("Mtl.Trainers.Tests")]
// The diagnostics (conflict sampler, Fisher trace, noise scale) form per-sample gradients with the internal engine.
[assembly: InternalsVisibleTo("Mtl.Analysis")]
// The per-sample benchmark times the engine against the one-row path directly.
[assembly: InternalsVisibleTo("Mtl.Analysis.Bench")]
// The scale benchmark applies the native tuning mtl applies (NativeRuntimeTuning), so its memory is mtl's.
[assembly: InternalsVisibleTo("Mtl.Tables.Bench")]
// One implementation of safe whole-file writes and private temp folders (Trainers.IO.SafeFiles) for the sweeps and the app.
[assembly: InternalsVisibleTo("mtl")]
[assembly: InternalsVisibleTo("Mtl.Analysis.Tests")]
[assembly: InternalsVisibleTo("Mtl.Cli.Tests")]
