using System.Runtime.CompilerServices;

// The tests check the internal lazy data view and the deterministic generator directly.
[assembly: InternalsVisibleTo("Mtl.Datasets.Tests")]
