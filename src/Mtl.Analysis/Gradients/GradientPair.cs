namespace Mtl.Analysis.Gradients;

/// <summary>One compared pair of per-sample task gradients on the shared parameters.</summary>
/// <param name="Kind">Inter-task or inter-sample.</param>
/// <param name="Group">Task pair "s|t" (inter-task) or task name (inter-sample).</param>
/// <param name="FirstTask">Task of the first gradient.</param>
/// <param name="SecondTask">Task of the second gradient.</param>
/// <param name="FirstSample">Row (within the sampled rows) of the first gradient.</param>
/// <param name="SecondSample">Row of the second gradient.</param>
/// <param name="Similarity">The pair's three similarities.</param>
public sealed record GradientPair(PairKind Kind, string Group, int FirstTask, int SecondTask, int FirstSample, int SecondSample, PairSimilarity Similarity);
