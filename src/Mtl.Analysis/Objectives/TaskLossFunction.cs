using Mtl.Trainers;
using static TorchSharp.torch;

namespace Mtl.Analysis.Objectives;

/// <summary>A task's training loss (mean over the batch) from its head output and target.</summary>
/// <param name="task">The task.</param>
/// <param name="output">The head's output, rows first.</param>
/// <param name="target">The task's targets, rows first.</param>
public delegate Tensor TaskLossFunction(TaskDefinition task, Tensor output, Tensor target);
