using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class SyntheticMultiTaskRegressionTests
{
    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static float[][] Targets(SyntheticMultiTaskRegression set)
    {
        var features = new float[set.FeatureCount];
        var all = new float[set.RowCount][];
        for (int row = 0; row < set.RowCount; row++)
        {
            all[row] = new float[set.TaskCount];
            set.WriteRow(row, features, all[row]);
        }
        return all;
    }

    private static double Correlation(float[][] rows, int a, int b)
    {
        double ma = rows.Average(r => r[a]), mb = rows.Average(r => r[b]);
        double cov = rows.Sum(r => (r[a] - ma) * (r[b] - mb));
        double va = rows.Sum(r => (r[a] - ma) * (r[a] - ma)), vb = rows.Sum(r => (r[b] - mb) * (r[b] - mb));
        return cov / Math.Sqrt(va * vb);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(0.3)]
    [DataRow(1.0)]
    public void TaskWeightsAreUnitVectorsWithPairwiseDotProductRho(double rho)
    {
        var set = new SyntheticMultiTaskRegression(new() { FeatureCount = 6, TaskCount = 3, Relatedness = rho, Seed = 9 });

        for (int s = 0; s < 3; s++)
        {
            Assert.AreEqual(1.0, Dot(set.GetTaskWeights(s), set.GetTaskWeights(s)), 1e-12);
            for (int t = s + 1; t < 3; t++)
                Assert.AreEqual(rho, Dot(set.GetTaskWeights(s), set.GetTaskWeights(t)), 1e-12);
        }
    }

    [TestMethod]
    public void EmpiricalTargetCorrelationApproachesRelatedness()
    {
        // Noiseless linear targets: corr(y_0, y_1) = ρ in the population; 20,000 rows put the
        // sample correlation within ±0.01 of it (its standard error is (1 − ρ²)/√n ≈ 0.003).
        var set = new SyntheticMultiTaskRegression(new() { RowCount = 20_000, FeatureCount = 5, Relatedness = 0.7, NoiseStd = 0, Seed = 1 });

        Assert.AreEqual(0.7, Correlation(Targets(set), 0, 1), 0.01);
    }

    [TestMethod]
    public void TaskScalesMultiplyTheTargetsExactly()
    {
        var options = new SyntheticMultiTaskRegression.Options { RowCount = 50, FeatureCount = 4, Relatedness = 0.5, Nonlinearity = 0.4, NoiseStd = 0.2, Seed = 3 };
        var plain = Targets(new SyntheticMultiTaskRegression(options));
        options.TaskScales = [10, 0.1];
        var scaled = Targets(new SyntheticMultiTaskRegression(options));

        for (int row = 0; row < 50; row++)
        {
            Assert.AreEqual(10 * plain[row][0], scaled[row][0], 1e-5f * Math.Abs(10 * plain[row][0]) + 1e-6f);
            Assert.AreEqual(0.1f * plain[row][1], scaled[row][1], 1e-5f * Math.Abs(plain[row][1]) + 1e-7f);
        }
    }

    [TestMethod]
    public void ScalarToyTargetsAreScalingsOfTheInput()
    {
        var set = new SyntheticMultiTaskRegression(new()
        {
            RowCount = 20, FeatureCount = 1, TaskCount = 2, Relatedness = 1, NoiseStd = 0, TaskScales = [10, 0.1], Seed = 4,
        });
        var x = new float[1];
        var y = new float[2];

        for (int row = 0; row < set.RowCount; row++)
        {
            set.WriteRow(row, x, y);
            Assert.AreEqual(10 * x[0], y[0], 1e-5f);
            Assert.AreEqual(0.1f * x[0], y[1], 1e-6f);
        }
    }

    [TestMethod]
    public void NonlinearTargetFollowsTheDocumentedFormula()
    {
        var set = new SyntheticMultiTaskRegression(new() { RowCount = 10, FeatureCount = 3, TaskCount = 2, Relatedness = 0.2, Nonlinearity = 0.6, NoiseStd = 0, Seed = 8 });
        var x = new float[3];
        var y = new float[2];

        for (int row = 0; row < set.RowCount; row++)
        {
            set.WriteRow(row, x, y);
            for (int t = 0; t < 2; t++)
            {
                var w = set.GetTaskWeights(t);
                double z = w[0] * x[0] + w[1] * x[1] + w[2] * x[2];
                Assert.AreEqual(0.4 * z + 0.6 * Math.Sin(2 * z), y[t], 1e-5);
            }
        }
    }

    [TestMethod]
    public void RowsAreRandomAccessAndSeedDependent()
    {
        var options = new SyntheticMultiTaskRegression.Options { RowCount = 100, Seed = 5 };
        var a = new SyntheticMultiTaskRegression(options);
        var b = new SyntheticMultiTaskRegression(options);
        var c = new SyntheticMultiTaskRegression(new() { RowCount = 100, Seed = 6 });
        float[] fa = new float[8], fb = new float[8], fc = new float[8], ta = new float[2], tb = new float[2], tc = new float[2];

        b.WriteRow(99, fb, tb); // read out of order first
        a.WriteRow(99, fa, ta);
        c.WriteRow(99, fc, tc);

        CollectionAssert.AreEqual(fa, fb);
        CollectionAssert.AreEqual(ta, tb);
        CollectionAssert.AreNotEqual(fa, fc);
    }

    [TestMethod]
    public void DataViewHasFeaturesAndOneSingleColumnPerTask()
    {
        var set = new SyntheticMultiTaskRegression(new() { RowCount = 30, FeatureCount = 4, TaskCount = 3, TaskNames = ["A", "B", "C"], Seed = 2 });
        var view = set.AsDataView();

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), view.Schema["Features"].Type);
        foreach (var name in new[] { "A", "B", "C" })
            Assert.AreEqual(NumberDataViewType.Single, view.Schema[name].Type);

        using var cursor = view.GetRowCursor(view.Schema);
        var features = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
        var b = cursor.GetGetter<float>(view.Schema["B"]);
        var fx = default(VBuffer<float>);
        float value = 0;
        float[] ef = new float[4], et = new float[3];
        while (cursor.MoveNext())
        {
            features(ref fx);
            b(ref value);
            set.WriteRow(cursor.Position, ef, et);
            CollectionAssert.AreEqual(ef, fx.DenseValues().ToArray());
            Assert.AreEqual(et[1], value);
        }
    }

    [TestMethod]
    public void InvalidOptionsNameTheOption()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(
            () => new SyntheticMultiTaskRegression(new() { Relatedness = 1.5 })).Message, "Relatedness");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(
            () => new SyntheticMultiTaskRegression(new() { FeatureCount = 2, TaskCount = 2, Relatedness = 0.5 })).Message, "needs 3 orthonormal directions");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(
            () => new SyntheticMultiTaskRegression(new() { TaskScales = [1] })).Message, "TaskScales");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(
            () => new SyntheticMultiTaskRegression(new() { TaskNames = ["Features", "Y"] })).Message, "TaskNames");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(
            () => new SyntheticMultiTaskRegression(new() { NoiseStd = -1 })).Message, "NoiseStd");
    }
}
