using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

[TestClass]
public class TypedOptionsTests
{
    private static MultiHeadNetworkTrainer.Options Valid() => new()
    {
        FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
        Tasks = { new TaskDefinition("A", kind: TaskKind.Regression), new TaskDefinition("B", kind: TaskKind.Regression) },
        Trunk = TrunkSpec.Mlp(8),
        BatchSize = 32,
        MaxEpoch = 2,
        Seed = 3,
    };

    private static string Refused(Action<MultiHeadNetworkTrainer.Options> change)
    {
        MultiHeadNetworkTrainer.Options options = Valid();
        change(options);
        // Refused by the constructor: nothing is read, no Fit is needed.
        return Assert.Throws<ArgumentException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(options)).Message;
    }

    [TestMethod]
    public void EveryOptionIsValidatedAtConstructionWithItsPath()
    {
        StringAssert.Contains(Refused(o => o.Optimizer = new MtlOptimizerOptions.Adam { LearningRate = double.PositiveInfinity }),
            "Options.Optimizer.LearningRate must be a positive finite number; got ∞.");
        StringAssert.Contains(Refused(o => o.Optimizer = new MtlOptimizerOptions.Sgd { LearningRate = double.NaN }),
            "Options.Optimizer.LearningRate must be a positive finite number; got NaN.");
        StringAssert.Contains(Refused(o => o.Optimizer = new MtlOptimizerOptions.Adam { Beta1 = 1 }), "Options.Optimizer.Beta1 must be in [0, 1); got 1.");
        StringAssert.Contains(Refused(o => o.Optimizer = new MtlOptimizerOptions.PerTaskAdam { Beta2 = -0.5 }), "Options.Optimizer.Beta2 must be in [0, 1); got -0.5.");
        StringAssert.Contains(Refused(o => o.Optimizer = new MtlOptimizerOptions.AdamW { Epsilon = -1 }), "Options.Optimizer.Epsilon must be a finite number ≥ 0; got -1.");
        StringAssert.Contains(Refused(o => o.Schedule = new LearningRateScheduleOptions.Step { StepSize = 0 }), "Options.Schedule.StepSize must be at least 1; got 0.");
        StringAssert.Contains(Refused(o => o.EarlyStopping = new EarlyStoppingOptions { Patience = -1 }), "Options.EarlyStopping.Patience must be at least 0; got -1.");
        StringAssert.Contains(Refused(o => o.BatchSize = 0), "Options.BatchSize must be at least 1; got 0.");
        StringAssert.Contains(Refused(o => o.Dropout = 1), "Options.Dropout must be in [0, 1); got 1.");
        StringAssert.Contains(Refused(o => o.Method = new UPGrad.Options { Ridge = -1 }), "Options.Method.Ridge must be a finite number ≥ 0; got -1.");
        StringAssert.Contains(Refused(o => o.Method = new FixedWeights.Options()), "Options.Method.Weights must be one finite weight ≥ 0 per task, not all zero; got null.");
        StringAssert.Contains(Refused(o => o.Trunk = new TrunkSpec { Kind = TrunkKind.Mlp, MlpHiddenSizes = [] }), "Options.Trunk.MlpHiddenSizes must be at least one hidden layer size");
    }

    [TestMethod]
    public void AnMlpTrunkWithoutHiddenSizesFailsWhereItIsWritten()
    {
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => TrunkSpec.Mlp()).Message, "TrunkSpec.Mlp(hiddenSizes).MlpHiddenSizes must be at least one hidden layer size");
        Assert.Throws<ArgumentException>(() => TrunkSpec.Mlp(16, 0));
        Assert.AreEqual("mlp(16,8)", TrunkSpec.Parse("MLP(16, 8)").ToString());
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => TrunkSpec.Parse("lenet")).Message, "Accepted trunks: multilenet, resnet, mlp(");
    }

    [TestMethod]
    public void ChangingTheOptionsAfterConstructionCannotBypassTheValidation()
    {
        MultiHeadNetworkTrainer.Options options = Valid();
        var trainer = new MLContext(1).MultiTask().Trainers.MultiHead(options);
        options.BatchSize = -5;
        using MultiHeadNetworkTransformer model = trainer.Fit(SmallRegression.Data(64, 4, 1));
        Assert.AreEqual(2, model.TrainingReport!.Epochs.Count);
    }

    [TestMethod]
    public void MethodTextErrorsListWhatIsAccepted()
    {
        string unknown = Assert.Throws<ArgumentException>(() => MtlMethodOptions.Parse("upgradd")).Message;
        StringAssert.Contains(unknown, "Unknown MTL method 'upgradd'");
        foreach (string name in new[] { "ew", "upgrad", "alignedmtl", "mgda-ub", "fixed(w1,w2,…)", "stl(<0-based task index>)" })
            StringAssert.Contains(unknown, name);
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => MtlMethodOptions.Parse("upgrad(rigde=1e-4)")).Message,
            "upgrad has no argument 'rigde'. upgrad accepts: ridge (a finite number ≥ 0).");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => MtlMethodOptions.Parse("alignedmtl(preference=twos)")).Message,
            "'twos' is not a valid preference; preference accepts one of mean, ones.");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => MtlMethodOptions.Parse("upgrad(ridge=-1)")).Message,
            "MTL method 'upgrad(ridge=-1)': Method.Ridge must be a finite number ≥ 0; got -1.");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => MtlMethodOptions.Parse("ew(1)")).Message, "ew takes no unnamed arguments. ew takes no arguments.");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => MtlMethodOptions.Parse("upgrad(ridge=1e-4")).Message, "must end with ')'");
    }

    [TestMethod]
    public void EveryMethodsTextParsesBackToEqualOptions()
    {
        var texts = MethodRegistry.Names.Concat(
        [
            "fixed(0.3,0.7)", "stl(1)", "upgrad(ridge=1e-4)", "dualproj(ridge=1e-4)", "alignedmtl(preference=ones)",
            "alignedmtl(scale=median,relativetolerance=1e-6)", "mgda(normalization=l2,stopping=absolutechange,exactfallback=false)",
            "stch(mu=0.5,warmupepochs=2,preferences=[1,2])", "rlw(sumtotaskcount=true)", "gradvac(beta=0.01)", "cagrad(ca=0.4,rescale=none)",
            "nashmtl(updateevery=3,maxgradientnorm=0)", "graddrop(leak=0.2,rescaletosumnorm=true)", "random-graddrop(dropprobability=0.25)",
            "famo(learningrate=0.01,decay=0)", "gradnorm(alpha=0.5)", "dwa(temperature=1)", "uw(initiallogvariance=0)",
        ]).ToArray();
        Assert.IsTrue(texts.Length >= 40, $"{texts.Length} texts: {string.Join(", ", texts)}");
        foreach (string text in texts)
        {
            MtlMethodOptions parsed = MtlMethodOptions.Parse(text);
            string canonical = parsed.ToString();
            MtlMethodOptions again = MtlMethodOptions.Parse(canonical);
            Assert.AreEqual(parsed, again, $"'{text}' → '{canonical}'");
            Assert.AreEqual(canonical, again.ToString(), text);
            MtlMethod a = parsed.Create(), b = parsed.Create();
            Assert.AreNotSame(a, b, $"{text}: Create must return a fresh method");
            Assert.AreEqual(a.GetType(), b.GetType());
        }
    }

    [TestMethod]
    public void AListOfMethodTextsKeepsEachMethodsArgumentsWhole()
    {
        CollectionAssert.AreEqual(new[] { "ew", "fixed(0.3,0.7)", "stch(preferences=[1,2],mu=0.5)", "upgrad(ridge=1e-4)" },
            MtlMethodOptions.SplitList("ew, fixed(0.3,0.7),stch(preferences=[1,2],mu=0.5) ,upgrad(ridge=1e-4)").ToArray());
    }

    [TestMethod]
    public void TextAliasesAndTheOldSyntaxMeanTheSameOptions()
    {
        Assert.AreEqual("rlw(distribution=dirichlet)", MtlMethodOptions.Parse("rlw-dirichlet").ToString());
        Assert.AreEqual("mgda(upperbound=true)", MtlMethodOptions.Parse("MGDA_UB").ToString());
        Assert.AreEqual(MtlMethodOptions.Parse("fixed(0.3,0.7)"), MtlMethodOptions.Parse("fixed:0.3, 0.7"));
        Assert.AreEqual(MtlMethodOptions.Parse("stl(1)"), MtlMethodOptions.Parse("stl:1"));
        Assert.AreEqual(MtlMethodOptions.Parse("ew"), MtlMethodOptions.Parse("Unitary"));
        Assert.AreEqual(new UPGrad.Options { Ridge = UPGrad.TorchJDRidge }, MtlMethodOptions.Parse("UPGrad(Ridge=1e-4)"));
        Assert.AreNotEqual(MtlMethodOptions.Parse("upgrad"), MtlMethodOptions.Parse("upgrad(ridge=1e-4)"));
        Assert.AreEqual("upgrad(ridge=0.0001)", new UPGrad.Options { Ridge = 1e-4 }.ToString());
        Assert.AreEqual("alignedmtl(preference=ones)", new AlignedMTL.Options { Preference = AlignedMtlPreference.Ones }.ToString());
        // The switches reach the methods.
        Assert.AreEqual(AlignedMtlPreference.Ones, ((AlignedMTL)MtlMethodOptions.Parse("alignedmtl(preference=ones)").Create()).Preference);
        Assert.AreEqual(1e-4, ((UPGrad)MtlMethodOptions.Parse("upgrad(ridge=1e-4)").Create()).Ridge);
        Assert.AreEqual("MGDA-UB", MtlMethodOptions.Parse("mgda-ub").Create().Name);
        CollectionAssert.AreEqual(new[] { 0.3, 0.7 }, ((FixedWeights)MtlMethodOptions.Parse("fixed(0.3,0.7)").Create()).Weights.ToArray());
    }

    [TestMethod]
    public void ReFittingTheSameEstimatorGivesTheSameModel()
    {
        // UW learns its log-variances; a method carried between fits would start the second fit from the first one's.
        IDataView data = SmallRegression.Data(96, 4, 5);
        MultiHeadNetworkTrainer.Options options = Valid();
        options.Method = new UW.Options();
        options.Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 0.05 };
        var trainer = new MLContext(1).MultiTask().Trainers.MultiHead(options);
        using MultiHeadNetworkTransformer first = trainer.Fit(data), second = trainer.Fit(data);
        var secondWeights = second.Network.state_dict();
        foreach ((string name, TorchSharp.torch.Tensor value) in first.Network.state_dict())
            Assert.IsTrue(value.eq(secondWeights[name]).all().item<bool>(), $"weight {name} differs between two fits of one estimator by {(value - secondWeights[name]).abs().max().item<float>()}");
        CollectionAssert.AreEqual(first.TrainingReport!.Epochs[^1].MethodWeights, second.TrainingReport!.Epochs[^1].MethodWeights);
        CollectionAssert.AreNotEqual(first.TrainingReport.Epochs[0].MethodWeights, first.TrainingReport.Epochs[^1].MethodWeights, "control: UW's weights move");
        float[] a = Scores(first, data), b = Scores(second, data);
        // Equal weights; scoring itself may round differently in the last bit between calls (libtorch's CPU kernels).
        for (int i = 0; i < a.Length; i++) Assert.AreEqual(a[i], b[i], 1e-6f * Math.Max(1, Math.Abs(a[i])), $"score {i}");

        // A user method: the factory runs once per Fit.
        int created = 0;
        options.Method = MtlMethodOptions.Custom("counted-uw", () => { created++; return new UW(); });
        var custom = new MLContext(1).MultiTask().Trainers.MultiHead(options);
        using (custom.Fit(data)) { }
        using (custom.Fit(data)) { }
        Assert.AreEqual(2, created);
    }

    private static float[] Scores(MultiHeadNetworkTransformer model, IDataView data) =>
        model.Transform(data).GetColumn<float>("A.Score").ToArray();
}
