using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Onnx;
using Mtl.Trainers.Tasks;

namespace Mtl.Trainers;

public sealed partial class MultiHeadNetworkTransformer
{
    /// <summary>
    /// Saves the model as a chain of ML.NET's own transformers, because ML.NET keeps its save/load plumbing internal
    /// (docs/architecture.md, "Scoring and saving"): an OnnxTransformer running the exported network (softmax, sigmoid and argmax in the graph),
    /// then built-in transforms that give the outputs their column types. The zip loads with plain
    /// <c>mlContext.Model.Load</c> in an app that references only Microsoft.ML and Microsoft.ML.OnnxTransformer, and
    /// gives the same columns. A trunk layer without an ONNX exporter fails here, naming its type.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ExportedNetwork exported = NetworkOnnxExporter.Export(this);
        // The network goes to a file of ours named *.onnx: given a stream, OnnxTransformer would copy it to a random name in
        // TempFilePath, never delete it, and fail once in 32,768 saves when that name ends in .ort (see SavedModel).
        string folder = Path.Combine(Path.GetTempPath(), "mtl-onnx-save-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var ml = new MLContext(seed: 0) { TempFilePath = folder };
        TransformerChain<ITransformer>? chain = null;
        try
        {
            string modelFile = Path.Combine(folder, "network.onnx");
            File.WriteAllBytes(modelFile, exported.Model);
            chain = SavedChain(ml, exported, modelFile);
            ((ICanSaveModel)chain).Save(ctx);
        }
        finally
        {
            chain?.Dispose();
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { /* a file still mapped by ONNX Runtime; the OS temp cleaner takes it */ }
        }
    }

    /// <summary>The equivalent chain: OnnxTransformer, then each task kind's column transforms, fitted on a one-row feature view.</summary>
    private TransformerChain<ITransformer> SavedChain(MLContext ml, ExportedNetwork exported, string modelFile)
    {
        IDataView features = FeatureOnlyView(ml);
        ITransformer onnx = ml.Transforms.ApplyOnnxModel(exported.OutputNames.ToArray(), new[] { FeatureColumnName }, modelFile).Fit(features);
        var parts = new List<ITransformer> { onnx };
        IDataView current = onnx.Transform(features);
        for (int i = 0; i < Tasks.Count; i++)
        {
            ITransformer columns = Tasks[i].Handler().SavedColumns(ml, current, Tasks[i], exported.TaskOutputs[i], ClassNamesOf(i));
            parts.Add(columns);
            current = columns.Transform(current);
        }
        return new TransformerChain<ITransformer>(parts.ToArray());
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>One all-zero row of the feature column alone: the schema the saved chain is fitted on.</summary>
    private IDataView FeatureOnlyView(MLContext ml)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        SchemaDefinition.Column column = definition[nameof(FeatureRow.Features)];
        column.ColumnName = FeatureColumnName;
        column.ColumnType = new VectorDataViewType(NumberDataViewType.Single, RowShape.Select(d => (int)d).ToArray());
        return ml.Data.LoadFromEnumerable(new[] { new FeatureRow { Features = new float[RowSize] } }, definition);
    }
}
