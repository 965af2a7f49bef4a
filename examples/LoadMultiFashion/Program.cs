// Loads Multi-Fashion (two Fashion-MNIST items on one 28x28 image; task Left = the item at the top
// left, task Right = the item at the bottom right), splits it, and prints its schema and a few rows.
//
//   dotnet run --project examples/LoadMultiFashion [-- rows]
//
// Needs the Debian package dataset-fashion-mnist (scripts/bootstrap.sh installs it).
using Mtl.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;

int rowsToShow = args.Length > 0 && int.TryParse(args[0], out int n) && n > 0 ? n : 3;
var mlContext = new MLContext(seed: 1);

// The published splits: train = first 50k of the training file, validation = its last 10k, test = t10k.
var train = mlContext.Data.LoadMultiFashion(DatasetSplit.Train);
var validation = mlContext.Data.LoadMultiFashion(DatasetSplit.Validation);
var test = mlContext.Data.LoadMultiFashion(DatasetSplit.Test);
Console.WriteLine($"Multi-Fashion: train {train.GetRowCount()} rows, validation {validation.GetRowCount()}, test {test.GetRowCount()}");

// The ML.NET way to carve a split yourself: here 20% of the validation rows.
var split = mlContext.Data.TrainTestSplit(validation, testFraction: 0.2);
Console.WriteLine($"TrainTestSplit(validation, 0.2): {CountRows(split.TrainSet)} / {CountRows(split.TestSet)} rows");

Console.WriteLine();
Console.WriteLine("Schema:");
foreach (var column in train.Schema)
{
    string keys = column.HasKeyValues() ? $"  KeyValues: {string.Join(", ", KeyNames(column))}" : "";
    Console.WriteLine($"  {column.Name,-6} {column.Type}{keys}");
}

Console.WriteLine();
Console.WriteLine($"First {rowsToShow} test rows:");
// Keys are 1-based (0 = missing), as in ML.NET; MapKeyToValue turns them back into the class names.
var named = mlContext.Transforms.Conversion.MapKeyToValue("LeftName", "Left")
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("RightName", "Right"))
    .Fit(test)
    .Transform(test);
using (var cursor = named.GetRowCursor(named.Schema))
{
    var getImage = cursor.GetGetter<VBuffer<float>>(named.Schema["Image"]);
    var getLeft = cursor.GetGetter<uint>(named.Schema["Left"]);
    var getRight = cursor.GetGetter<uint>(named.Schema["Right"]);
    var getLeftName = cursor.GetGetter<ReadOnlyMemory<char>>(named.Schema["LeftName"]);
    var getRightName = cursor.GetGetter<ReadOnlyMemory<char>>(named.Schema["RightName"]);
    var pixels = default(VBuffer<float>);
    uint leftKey = 0, rightKey = 0;
    ReadOnlyMemory<char> leftName = default, rightName = default;
    for (int row = 0; row < rowsToShow && cursor.MoveNext(); row++)
    {
        getImage(ref pixels);
        getLeft(ref leftKey);
        getRight(ref rightKey);
        getLeftName(ref leftName);
        getRightName(ref rightName);
        Console.WriteLine($"row {cursor.Position}: Left = {leftKey} ({leftName}), Right = {rightKey} ({rightName})");
        Console.WriteLine(Thumbnail(pixels.DenseValues().ToArray(), 28));
    }
}

static long CountRows(IDataView view)
{
    long count = 0;
    using var cursor = view.GetRowCursor([]);
    while (cursor.MoveNext())
        count++;
    return count;
}

static string[] KeyNames(DataViewSchema.Column column)
{
    var names = default(VBuffer<ReadOnlyMemory<char>>);
    column.GetKeyValues(ref names);
    return names.DenseValues().Select(v => v.ToString()).ToArray();
}

// Two image rows per text line (characters are about twice as tall as wide), darkest to brightest.
static string Thumbnail(float[] values, int size)
{
    const string ramp = " .:-=+*#%@";
    float min = values.Min(), max = values.Max();
    var text = new System.Text.StringBuilder();
    for (int y = 0; y < size; y += 2)
    {
        text.Append("    |");
        for (int x = 0; x < size; x++)
        {
            float v = Math.Max(values[y * size + x], values[(y + 1) * size + x]);
            int level = max > min ? (int)((v - min) / (max - min) * (ramp.Length - 1) + 0.5f) : 0;
            text.Append(ramp[level]);
        }
        text.Append('|').AppendLine();
    }
    return text.ToString().TrimEnd();
}
