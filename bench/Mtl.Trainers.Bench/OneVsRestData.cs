using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;

namespace Mtl.Trainers.Bench;

/// <summary>Fashion-MNIST with ten binary tasks "is class k" (T = 10), as an in-memory data view.</summary>
internal static class OneVsRestData
{
    public static IDataView Create(MLContext ml, int rows)
    {
        IDataView attributes = MultiTaskDatasets.CreateFashionAttributes(DatasetSplit.Train).AsDataView();
        var source = ml.Data.CreateEnumerable<AttributeRow>(ml.Data.TakeRows(attributes, rows), reuseRowObject: false)
            .Select(r => new OneVsRestRow(r.Image, r.Class)).ToList();
        return ml.Data.LoadFromEnumerable(source);
    }

    private sealed class AttributeRow
    {
        [VectorType(1, 28, 28)]
        public float[] Image { get; set; } = Array.Empty<float>();

        [KeyType(10)]
        public uint Class { get; set; }
    }

    private sealed class OneVsRestRow
    {
        public OneVsRestRow(float[] image, uint key)
        {
            Image = image;
            int k = (int)key - 1;
            Is0 = k == 0; Is1 = k == 1; Is2 = k == 2; Is3 = k == 3; Is4 = k == 4;
            Is5 = k == 5; Is6 = k == 6; Is7 = k == 7; Is8 = k == 8; Is9 = k == 9;
        }

        [VectorType(1, 28, 28)]
        public float[] Image { get; set; }
        public bool Is0 { get; set; }
        public bool Is1 { get; set; }
        public bool Is2 { get; set; }
        public bool Is3 { get; set; }
        public bool Is4 { get; set; }
        public bool Is5 { get; set; }
        public bool Is6 { get; set; }
        public bool Is7 { get; set; }
        public bool Is8 { get; set; }
        public bool Is9 { get; set; }
    }
}
