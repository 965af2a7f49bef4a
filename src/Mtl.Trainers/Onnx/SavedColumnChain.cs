using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms;

namespace Mtl.Trainers.Onnx;

/// <summary>
/// Built-in ML.NET transforms that turn the saved ONNX graph's outputs into the scoring columns. ML.NET's OnnxTransformer
/// cannot emit scalar columns (its getter for a rank-0 ONNX output fails), so the graph emits one-slot vectors and each
/// becomes a scalar here through a linear regression model fitted to be exactly the identity (weight 1, bias 0).
/// </summary>
internal static class SavedColumnChain
{
    /// <summary>Name of the column ML.NET's regression scorer writes.</summary>
    private const string ScorerOutput = "Score";

    /// <summary>A transformer (fitted on <paramref name="current"/>) that copies the one-slot Single vector <paramref name="source"/> into the scalar Single column <paramref name="name"/>.</summary>
    public static ITransformer Scalar(MLContext ml, IDataView current, string source, string name)
    {
        var identity = IdentityRegression(ml, source);
        IDataView scored = identity.Transform(current);
        var rename = ml.Transforms.CopyColumns(name, ScorerOutput).Append(ml.Transforms.DropColumns(ScorerOutput)).Fit(scored);
        return new TransformerChain<ITransformer>(identity, rename);
    }

    /// <summary>The predicted class (1-based index) as the label's key type, with the class names as key values.</summary>
    public static IEstimator<ITransformer> KeyFromIndex(MLContext ml, string index, string name, string[] classNames)
    {
        string text = name + ".name";
        var lookup = classNames.Select((n, i) => new KeyValuePair<float, string>(i + 1, n));
        IDataView keyData = ml.Data.LoadFromEnumerable(classNames.Select(n => new ClassName { Name = n }));
        return ml.Transforms.Conversion.MapValue(text, lookup, index)
            .Append(ml.Transforms.Conversion.MapValueToKey(name, text, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence, keyData: keyData))
            .Append(ml.Transforms.DropColumns(text));
    }

    private sealed class ClassName
    {
        public string Name { get; set; } = "";
    }

    private sealed class IdentityRow
    {
        [VectorType(1)]
        public float[] X { get; set; } = Array.Empty<float>();

        public float Y { get; set; }
    }

    /// <summary>
    /// Online gradient descent from w = b = 0 with learning rate ½ on the rows (1 → 1), (0 → 0), in order, without averaging:
    /// the squared loss's derivative 2(ŷ − y) makes the first step w = 1, b = 1 and the second b = 0, exactly.
    /// </summary>
    private static ITransformer IdentityRegression(MLContext ml, string featureColumn)
    {
        var definition = SchemaDefinition.Create(typeof(IdentityRow));
        SchemaDefinition.Column column = definition[nameof(IdentityRow.X)];
        column.ColumnName = featureColumn;
        IDataView rows = ml.Data.LoadFromEnumerable(new[] { new IdentityRow { X = new[] { 1f }, Y = 1 }, new IdentityRow { X = new[] { 0f }, Y = 0 } }, definition);
        var trainer = ml.Regression.Trainers.OnlineGradientDescent(new OnlineGradientDescentTrainer.Options
        {
            LabelColumnName = nameof(IdentityRow.Y),
            FeatureColumnName = featureColumn,
            LearningRate = 0.5f,
            DecreaseLearningRate = false,
            L2Regularization = 0,
            NumberOfIterations = 1,
            Averaged = false,
            Shuffle = false,
        });
        var model = trainer.Fit(rows);
        float weight = model.Model.Weights.ToArray()[0], bias = model.Model.Bias;
        if (weight != 1f || bias != 0f)
            throw new InvalidOperationException($"The identity regression that turns ONNX outputs into scalar columns came out as w = {weight}, b = {bias} instead of 1, 0; this ML.NET version updates differently, so the model cannot be saved exactly.");
        return model;
    }
}
