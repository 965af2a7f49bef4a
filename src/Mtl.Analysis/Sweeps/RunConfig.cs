using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mtl.Trainers;
using Mtl.Trainers.Methods;

namespace Mtl.Analysis.Sweeps;

/// <summary>
/// One training run of a sweep: dataset, rows, method (and its options), optimizer and schedule, regularisation, epochs
/// and seed. Serialises to JSON (camelCase, enums as strings); <see cref="Id"/> is a hash of that canonical JSON, so the
/// same settings always name the same run, in every process and on every machine.
/// </summary>
public sealed record RunConfig
{
    /// <summary>Dataset: "multi-fashion", "multi-mnist" or "multi-fashion-mnist" (see <see cref="SweepDataset"/>).</summary>
    public string Dataset { get; init; } = "multi-fashion";

    /// <summary>Training rows: the first N of the training split (0 = all).</summary>
    public int TrainRows { get; init; }

    /// <summary>Validation rows: the first N of the validation split (0 = all).</summary>
    public int ValidationRows { get; init; }

    /// <summary>Test rows: the first N of the test split (0 = all).</summary>
    public int TestRows { get; init; }

    /// <summary>MTL method name from <see cref="MethodRegistry"/> ("ew", "pcgrad", …; "fixed" takes <see cref="Weights"/>).</summary>
    public string Method { get; init; } = "ew";

    /// <summary>Fixed task weights for <c>Method = "fixed"</c> (one per task); null otherwise.</summary>
    public double[]? Weights { get; init; }

    /// <summary>Where gradient methods take per-task gradients.</summary>
    public GradientMode GradientMode { get; init; } = GradientMode.Parameters;

    /// <summary>Optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>SGD momentum (ignored by the other optimizers).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Dropout of trunk and heads (null = the network's own).</summary>
    public double? Dropout { get; init; }

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>γ of the exponential / step schedules.</summary>
    public double ScheduleGamma { get; init; } = 0.95;

    /// <summary>Epochs between steps of the step schedule.</summary>
    public int ScheduleStepSize { get; init; } = 30;

    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Early-stopping patience in epochs (0 = never stop early).</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Seed of data, initialisation, dropout and method draws.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The serializer settings of the canonical JSON (and of every sweep file).</summary>
    public static JsonSerializerOptions Json { get; } = CreateJson();

    /// <summary>Stable id of this run: the first 16 hex digits of SHA-256 over <see cref="CanonicalJson"/>.</summary>
    [JsonIgnore]
    public string Id => Hash(CanonicalJson());

    /// <summary>Id of the configuration without its seed: runs that differ only in <see cref="Seed"/> share it.</summary>
    [JsonIgnore]
    public string ConfigKey => Hash((this with { Seed = 0 }).CanonicalJson());

    /// <summary>The trainer's method name: <see cref="Method"/>, or "fixed:w1,w2" when <see cref="Weights"/> are given.</summary>
    [JsonIgnore]
    public string MethodName => Weights is null ? Method : $"{Method}:{string.Join(",", Weights.Select(w => w.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}";

    /// <summary>A short label: method, optimizer, lr, dropout and seed, e.g. "pcgrad sgd lr=0.01 seed=1".</summary>
    [JsonIgnore]
    public string Label =>
        $"{MethodName} {Optimizer.ToString().ToLowerInvariant()} lr={LearningRate:G3}{(Dropout is { } d ? $" dropout={d:G3}" : "")} seed={Seed}";

    /// <summary>The canonical JSON: properties in declaration order, shortest round-trip numbers, no indentation.</summary>
    public string CanonicalJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Checks the settings a trainer would reject only later; the message names the field and the run.</summary>
    /// <exception cref="ArgumentException">A field is out of range or the method is unknown.</exception>
    public void Validate()
    {
        void Require(bool ok, string field, string what)
        {
            if (!ok) throw new ArgumentException($"Run {Id} ({Label}): '{field}' {what}.");
        }
        Require(SweepDataset.Names.Contains(Dataset), "dataset", $"must be one of {string.Join(", ", SweepDataset.Names)}; got '{Dataset}'");
        Require(TrainRows >= 0 && ValidationRows >= 0 && TestRows >= 0, "trainRows/validationRows/testRows", "must be 0 (all) or positive");
        Require(MethodRegistry.Contains(MethodName), "method", $"'{MethodName}' is not a known method ({string.Join(", ", MethodRegistry.Names)}, fixed + weights)");
        Require(Weights is null || Weights.All(w => double.IsFinite(w) && w >= 0), "weights", "must be finite and ≥ 0");
        // Found here, when the grid is read, not when the run starts after others trained.
        Require(Weights is null || Weights.Any(w => w > 0), "weights", $"must not all be zero; got [{string.Join(", ", Weights ?? [])}]");
        Require(Weights is null || Weights.Length == SweepDataset.Tasks.Count, "weights",
            $"needs one weight per task ({string.Join(", ", SweepDataset.Tasks)}): {SweepDataset.Tasks.Count} values; got {Weights?.Length}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), "learningRate", $"must be positive and finite; got {LearningRate}");
        Require(Momentum >= 0 && Momentum < 1, "momentum", $"must be in [0, 1); got {Momentum}");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), "weightDecay", $"must be ≥ 0; got {WeightDecay}");
        Require(Dropout is null || (Dropout >= 0 && Dropout < 1), "dropout", $"must be in [0, 1) or null; got {Dropout}");
        Require(Epochs >= 1, "epochs", $"must be at least 1; got {Epochs}");
        Require(BatchSize >= 1, "batchSize", $"must be at least 1; got {BatchSize}");
        Require(EarlyStoppingPatience >= 0, "earlyStoppingPatience", $"must be ≥ 0; got {EarlyStoppingPatience}");
        Require(ScheduleStepSize >= 1 && ScheduleGamma > 0, "scheduleStepSize/scheduleGamma", "must be positive");
    }

    private static string Hash(string json) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            // Unknown fields in a grid file are typos, not extensions: reject them.
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
