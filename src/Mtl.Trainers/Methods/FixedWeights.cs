using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Linear scalarization with constant weights: L = Σ wᵢLᵢ (sweep w over the simplex for a Pareto front; a one-hot w
/// trains a single task, see <see cref="SingleTask"/>).
/// </summary>
public sealed class FixedWeights : LossWeighting
{
    private readonly double[]? _weights;
    private readonly int _singleTask = -1;

    /// <summary>Creates a fixed weighting.</summary>
    /// <param name="weights">One finite weight ≥ 0 per task, not all zero.</param>
    public FixedWeights(params double[] weights) : base("FixedWeights")
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length == 0 || weights.Any(w => !double.IsFinite(w) || w < 0) || weights.All(w => w == 0))
            throw new ArgumentException($"Fixed weights must be finite, ≥ 0 and not all zero; got [{string.Join(", ", weights)}].", nameof(weights));
        _weights = (double[])weights.Clone();
    }

    private FixedWeights(int task) : base("STL")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(task);
        _singleTask = task;
    }

    /// <summary>Single-task learning: weight 1 on <paramref name="task"/> (0-based), 0 on the others.</summary>
    /// <param name="task">0-based index of the task to train.</param>
    public static FixedWeights SingleTask(int task) => new(task);

    /// <summary>The weights (available after <see cref="MtlMethod.Initialize"/> for <see cref="SingleTask"/>).</summary>
    public IReadOnlyList<double> Weights => _weights ?? OneHot(Math.Max(TaskCount, _singleTask + 1));

    /// <inheritdoc />
    protected override void OnInitialize(int taskCount)
    {
        if (_weights is not null && _weights.Length != taskCount)
            throw new ArgumentException($"FixedWeights has {_weights.Length} weights but the model has {taskCount} tasks; give one weight per task.");
        if (_singleTask >= taskCount)
            throw new ArgumentException($"STL was asked for task {_singleTask} (0-based) but the model has only {taskCount} tasks.");
    }

    private double[] OneHot(int n)
    {
        var w = new double[n];
        w[_singleTask] = 1;
        return w;
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context) =>
        WeightedSum(losses, _weights ?? OneHot(losses.Count));

    /// <summary>Options of fixed weights (linear scalarization); text "fixed(0.3,0.7)" (also "fixed:0.3,0.7").</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>One finite weight ≥ 0 per task, not all zero.</summary>
        public double[]? Weights;

        internal override MtlMethodOptions Copy()
        {
            var copy = (Options)base.Copy();
            copy.Weights = (double[]?)Weights?.Clone();
            return copy;
        }

        /// <inheritdoc />
        public override string Name => "fixed";

        /// <inheritdoc />
        public override MtlMethod Create() => new FixedWeights(Weights ?? []);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Numbers(nameof(Weights), () => Weights, v => Weights = v, CheckWeights, "one finite weight ≥ 0 per task, e.g. 0.3,0.7", positional: true),
        ];

        private static void CheckWeights(double[]? values, string path)
        {
            if (values is null || values.Length == 0 || values.Any(w => !(w >= 0) || !double.IsFinite(w)) || values.All(w => w == 0))
                throw OptionChecks.Fail(path, "one finite weight ≥ 0 per task, not all zero", values);
        }
    }

    /// <summary>Options of single-task learning (<see cref="SingleTask"/>): text "stl(1)" trains task 1 (0-based) alone.</summary>
    public sealed class SingleTaskOptions : MtlMethodOptions
    {
        /// <summary>0-based index of the task to train.</summary>
        public int Task;

        /// <inheritdoc />
        public override string Name => "stl";

        /// <inheritdoc />
        public override MtlMethod Create() => SingleTask(Task);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Integer(nameof(Task), () => Task, v => Task = v, 0, positional: true),
        ];
    }
}
