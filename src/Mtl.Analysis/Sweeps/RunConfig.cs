using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mtl.Trainers;
using Mtl.Trainers.Methods;

namespace Mtl.Analysis.Sweeps;

/// <summary>
/// One training run of a sweep: the dataset and its rows, plus the run's <see cref="TrainingConfig"/> (method text,
/// optimizer, schedule, regularisation, epochs, seed), which maps to trainer options through
/// <see cref="TrainingConfig.ToOptions"/> like every other front end. Serialises to JSON (camelCase, enums as strings,
/// one flat object); <see cref="Id"/> is a hash of that canonical JSON, so the same settings always name the same run, in
/// every process and on every machine.
/// </summary>
/// <remarks>
/// The JSON gained the training configuration's fields (nesterov, beta1, beta2, epsilon, trunk) when the trainer's
/// options became typed, so sweep folders written before that get new run ids: their runs train again rather than
/// resume. The run's own fields (dataset, rows, weights) come first in the JSON, then the training configuration's.
/// </remarks>
public sealed record RunConfig : TrainingConfig
{
    /// <summary>A sweep's defaults: 3 epochs of batch 256, no early stopping, seed 1.</summary>
    public RunConfig()
    {
        Epochs = 3;
        BatchSize = 256;
        EarlyStoppingPatience = 0;
        Seed = 1;
    }

    /// <summary>Dataset: "multi-fashion", "multi-mnist" or "multi-fashion-mnist" (see <see cref="SweepDataset"/>).</summary>
    [JsonPropertyOrder(-5)]
    public string Dataset { get; init; } = "multi-fashion";

    /// <summary>Training rows: the first N of the training split (0 = all).</summary>
    [JsonPropertyOrder(-4)]
    public int TrainRows { get; init; }

    /// <summary>Validation rows: the first N of the validation split (0 = all).</summary>
    [JsonPropertyOrder(-3)]
    public int ValidationRows { get; init; }

    /// <summary>Test rows: the first N of the test split (0 = all).</summary>
    [JsonPropertyOrder(-2)]
    public int TestRows { get; init; }

    /// <summary>Fixed task weights for <c>Method = "fixed"</c> (one per task); null otherwise. (Or write the method as "fixed(0.3,0.7)".)</summary>
    [JsonPropertyOrder(-1)]
    public double[]? Weights { get; init; }

    /// <summary>The serializer settings of the canonical JSON (and of every sweep file).</summary>
    public static JsonSerializerOptions Json { get; } = CreateJson();

    /// <summary>Stable id of this run: the first 16 hex digits of SHA-256 over <see cref="CanonicalJson"/>.</summary>
    [JsonIgnore]
    public string Id => Hash(CanonicalJson());

    /// <summary>Id of the configuration without its seed: runs that differ only in <see cref="TrainingConfig.Seed"/> share it.</summary>
    [JsonIgnore]
    public string ConfigKey => Hash((this with { Seed = 0 }).CanonicalJson());

    /// <summary>The trainer's method text: <see cref="TrainingConfig.Method"/>, or "fixed(w1,w2)" when <see cref="Weights"/> are given.</summary>
    [JsonIgnore]
    public string MethodName => Weights is null ? Method : $"{Method}({string.Join(",", Weights.Select(w => w.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))})";

    /// <inheritdoc />
    protected override string MethodText => MethodName;

    /// <summary>A short label: method, optimizer, lr, dropout and seed, e.g. "pcgrad sgd lr=0.01 seed=1".</summary>
    [JsonIgnore]
    public string Label => Describe(MethodName);

    /// <summary>The canonical JSON: properties in declaration order, shortest round-trip numbers, no indentation.</summary>
    public string CanonicalJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Checks the dataset and rows, then the training settings with the trainer's own validation
    /// (<see cref="TrainingConfig.Validate"/>); the message names the run and the setting.
    /// </summary>
    /// <exception cref="ArgumentException">A field is out of range or the method text is not valid.</exception>
    public new void Validate()
    {
        void Require(bool ok, string field, string what)
        {
            if (!ok) throw new ArgumentException($"Run {Id} ({Label}): '{field}' {what}.");
        }
        Require(SweepDataset.Names.Contains(Dataset), "dataset", $"must be one of {string.Join(", ", SweepDataset.Names)}; got '{Dataset}'");
        Require(TrainRows >= 0 && ValidationRows >= 0 && TestRows >= 0, "trainRows/validationRows/testRows", "must be 0 (all) or positive");
        // The seed names the run's data split and its result: a sweep run never draws it from a context.
        Require(Seed is not null, "seed", "must be set");
        Require(Weights is null || Weights.All(w => double.IsFinite(w) && w >= 0), "weights", "must be finite and ≥ 0");
        // Found here, when the grid is read, not when the run starts after others trained.
        Require(Weights is null || Weights.Any(w => w > 0), "weights", $"must not all be zero; got [{string.Join(", ", Weights ?? [])}]");
        Require(Weights is null || Weights.Length == SweepDataset.Tasks.Count, "weights",
            $"needs one weight per task ({string.Join(", ", SweepDataset.Tasks)}): {SweepDataset.Tasks.Count} values; got {Weights?.Length}");
        try
        {
            base.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Run {Id} ({Label}): {e.Message}", e);
        }
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
