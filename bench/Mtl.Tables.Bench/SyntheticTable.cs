using System.Globalization;
using System.Text;

namespace Mtl.Tables.Bench;

/// <summary>
/// The benchmark's CSV: 27 numeric features f0…f26 (4 decimals) and three labels that depend on them: cls (integers
/// 0–4, multiclass), flag (0/1, binary) and target (a number, regression); each label is empty on about 2 % of the rows.
/// </summary>
internal static class SyntheticTable
{
    public const int Features = 27;
    public static readonly string[] Labels = ["cls", "flag", "target"];

    public static void Write(string path, int rows, int seed = 1)
    {
        var random = new Random(seed);
        string temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write(string.Join(',', Enumerable.Range(0, Features).Select(j => $"f{j}")));
            writer.Write(",cls,flag,target\n");
            var x = new double[Features];
            var line = new StringBuilder(256);
            for (int i = 0; i < rows; i++)
            {
                line.Clear();
                for (int j = 0; j < Features; j++)
                {
                    x[j] = random.NextDouble() * 4 - 2;
                    line.Append(x[j].ToString("F4", CultureInfo.InvariantCulture)).Append(',');
                }
                double a = x[0] + 0.5 * x[1] - x[2], b = x[3] - x[4] + 0.3 * x[5];
                int cls = a > 1 ? 0 : a > 0 ? 1 : a > -1 ? 2 : b > 0 ? 3 : 4;
                bool flag = x[6] * x[7] + 0.5 * x[8] > 0;
                double target = 3 * x[9] - 2 * x[10] + x[11] * x[12] + random.NextDouble() * 0.2;
                line.Append(random.NextDouble() < 0.02 ? "" : cls.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(random.NextDouble() < 0.02 ? "" : flag ? "1" : "0").Append(',')
                    .Append(random.NextDouble() < 0.02 ? "" : target.ToString("F4", CultureInfo.InvariantCulture)).Append('\n');
                writer.Write(line);
            }
        }
        File.Move(temp, path, overwrite: true);
    }
}
