using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Trainers.Tests;

/// <summary>
/// A small synthetic table like a real multi-task one: 8 features, a 3-class species (key), a mass in grams (mean ~3000,
/// std ~500) and a yes/no (Boolean and Single). Every label is a function of the features plus a little noise; holes can
/// be punched into the species and grams columns.
/// </summary>
internal static class MixedKindTable
{
    public const int FeatureCount = 8;

    /// <summary>The in-memory species value that the data view reads as key 0 (missing).</summary>
    public const uint MissingSpecies = uint.MaxValue;

    public sealed class Row
    {
        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = Array.Empty<float>();

        /// <summary>
        /// Species as LoadFromEnumerable reads a key field: the 0-based class (0..2 → keys 1..3); <see cref="MissingSpecies"/>
        /// becomes key 0, not labelled.
        /// </summary>
        [KeyType(3)]
        public uint Species { get; set; }

        /// <summary>Mass in grams; NaN = not labelled.</summary>
        public float Grams { get; set; }

        public bool Heavy { get; set; }

        /// <summary>The yes/no as a Single label: 1, 0 or NaN (not labelled).</summary>
        public float HeavyValue { get; set; }

        /// <summary>The yes/no as a 2-value key, 0-based in memory (0 → key 1 = false, 1 → key 2 = true; <see cref="MissingSpecies"/> → key 0).</summary>
        [KeyType(2)]
        public uint HeavyKey { get; set; }
    }

    /// <summary>Rows with <paramref name="missingSpecies"/> and <paramref name="missingGrams"/> (fractions) of those labels missing, independently.</summary>
    public static Row[] Rows(int count, int seed, double missingSpecies = 0, double missingGrams = 0)
    {
        var random = new Random(seed);
        var rows = new Row[count];
        for (int r = 0; r < count; r++)
        {
            var x = new float[FeatureCount];
            for (int j = 0; j < FeatureCount; j++) x[j] = (float)Gaussian(random);
            double[] classScores = { x[0] + 0.5 * x[1], -x[0] + 0.5 * x[2], 0.8 * x[3] - 0.3 * x[1] };
            uint species = (uint)Array.IndexOf(classScores, classScores.Max());
            double grams = 3000 + 350 * x[4] + 250 * x[5] - 200 * x[0] + 40 * Gaussian(random);
            bool heavy = x[6] + x[4] > 0;
            rows[r] = new Row
            {
                Features = x,
                Species = random.NextDouble() < missingSpecies ? MissingSpecies : species,
                Grams = random.NextDouble() < missingGrams ? float.NaN : (float)grams,
                Heavy = heavy,
                HeavyValue = heavy ? 1 : 0,
                HeavyKey = heavy ? 1u : 0u,
            };
        }
        return rows;
    }

    public static IDataView View(MLContext ml, Row[] rows) => ml.Data.LoadFromEnumerable(rows);

    public static TaskDefinition SpeciesTask() => new("Species") { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0 };

    public static TaskDefinition GramsTask() => new("Grams", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0 };

    public static TaskDefinition HeavyTask() => new("Heavy", kind: TaskKind.Binary) { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0 };

    public static MultiHeadNetworkTrainer.Options Options(params TaskDefinition[] tasks)
    {
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Features",
            Trunk = Network.TrunkSpec.Mlp(32),
            Method = "ew",
            BatchSize = 32,
            MaxEpoch = 12,
            Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 3e-3 },
            Seed = 5,
        };
        foreach (TaskDefinition t in tasks) options.Tasks.Add(t);
        return options;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
