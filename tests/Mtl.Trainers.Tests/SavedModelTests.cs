using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Mtl.Trainers.Network;
using Mtl.Trainers.Onnx;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>
/// <see cref="SavedModel"/>: ONNX Runtime really refuses a valid network in a file named *.ort (the name ML.NET's loading
/// copy gets once in 32,768 loads); that failure alone is retried, a different one is thrown at once, and a network saved
/// through a file of ours loads.
/// </summary>
[TestClass]
public class SavedModelTests
{
    private static MultiHeadNetworkTransformer SmallModel(MLContext ml)
    {
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Image", Tasks = KindData.Tasks(), Trunk = TrunkSpec.Mlp(16),
            BatchSize = 16, MaxEpoch = 1, Optimizer = new MtlOptimizerOptions.Adam(), Seed = 4,
        };
        return ml.MultiTask().Trainers.MultiHead(options).Fit(KindData.View(ml, 32, seed: 1));
    }

    // The exception ONNX Runtime throws for a valid ONNX network in a file whose name ends in .ort.
    private static OnnxRuntimeException RealClash(string folder)
    {
        var ml = new MLContext(1);
        using MultiHeadNetworkTransformer model = SmallModel(ml);
        string asOrt = Path.Combine(folder, "abcdefgh.ort");
        File.WriteAllBytes(asOrt, NetworkOnnxExporter.Export(model).Model);
        string asOnnx = Path.ChangeExtension(asOrt, ".onnx");
        File.Copy(asOrt, asOnnx);
        using (new InferenceSession(asOnnx)) { } // the same bytes are a valid model under another name
        return Assert.ThrowsExactly<OnnxRuntimeException>(() => new InferenceSession(asOrt));
    }

    [TestMethod]
    public void OnnxRuntimeRefusesAValidNetworkNamedOrt_AndThatFailureAloneIsRecognised()
    {
        using var temp = new TempFolder();
        OnnxRuntimeException clash = RealClash(temp.Path);
        StringAssert.Contains(clash.Message, "ORT model verification failed");
        // As ML.NET reports it: wrapped in its class-instantiation errors.
        Assert.IsTrue(SavedModel.IsOrtNameClash(new InvalidOperationException("Error during class instantiation", new InvalidOperationException("Error initializing model", clash))));

        string corrupt = Path.Combine(temp.Path, "corrupt.onnx");
        File.WriteAllBytes(corrupt, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        OnnxRuntimeException other = Assert.ThrowsExactly<OnnxRuntimeException>(() => new InferenceSession(corrupt));
        Assert.IsFalse(SavedModel.IsOrtNameClash(other), other.Message);
        Assert.IsFalse(SavedModel.IsOrtNameClash(new InvalidOperationException("ORT model verification failed")), "only ONNX Runtime's own exception counts");
    }

    [TestMethod]
    public void TheClashIsRetried_OtherErrorsAreNot_AndAPersistentClashIsThrownAfterTheLastAttempt()
    {
        using var temp = new TempFolder();
        OnnxRuntimeException clash = RealClash(temp.Path);
        var wrapped = new InvalidOperationException("Error during class instantiation", clash);

        int calls = 0;
        Assert.AreEqual("loaded", SavedModel.Retrying(() => ++calls < 3 ? throw wrapped : "loaded"));
        Assert.AreEqual(3, calls);

        calls = 0;
        var other = new InvalidOperationException("the zip is damaged");
        Assert.AreSame(other, Assert.ThrowsExactly<InvalidOperationException>(() => SavedModel.Retrying<string>(() => { calls++; throw other; })));
        Assert.AreEqual(1, calls, "another error is not retried");

        calls = 0;
        Assert.AreSame(wrapped, Assert.ThrowsExactly<InvalidOperationException>(() => SavedModel.Retrying<string>(() => { calls++; throw wrapped; })));
        Assert.AreEqual(SavedModel.Attempts, calls);
    }

    [TestMethod]
    public void ASavedModelLoadsFromAPathAndFromAStream_AndANonSeekableStreamIsRefused()
    {
        var ml = new MLContext(2);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        using MultiHeadNetworkTransformer model = SmallModel(ml);
        IDataView data = KindData.View(ml, 8, seed: 3);
        string zip = Path.Combine(temp.Path, "model.zip");
        ml.Model.Save(model, data.Schema, zip);

        ITransformer fromPath = SavedModel.Load(ml, zip, out DataViewSchema input);
        Assert.IsNotNull(input.GetColumnOrNull("Image"));
        (fromPath as IDisposable)?.Dispose();

        using var stream = new MemoryStream(File.ReadAllBytes(zip));
        ITransformer fromStream = SavedModel.Load(ml, stream, out DataViewSchema streamInput);
        Assert.IsNotNull(streamInput.GetColumnOrNull("Image"));
        (fromStream as IDisposable)?.Dispose();

        using var forwardOnly = new ForwardOnlyStream(File.ReadAllBytes(zip));
        var e = Assert.ThrowsExactly<ArgumentException>(() => SavedModel.Load(ml, forwardOnly, out _));
        StringAssert.Contains(e.Message, "seekable");
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
