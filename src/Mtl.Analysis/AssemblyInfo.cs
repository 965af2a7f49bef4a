using System.Runtime.CompilerServices;

// The report tests inject a failing plot to check that a report is published all or nothing.
[assembly: InternalsVisibleTo("Mtl.Analysis.Tests")]
[assembly: InternalsVisibleTo("Mtl.Analysis.Bench")]
