using System.Globalization;

namespace ConsumeModel;

/// <summary>The example's command line: <c>[model.zip] [--fashion-dir DIR] [--rows N] [--seed S]</c>.</summary>
internal sealed record ConsumeOptions(string ModelPath, string FashionDirectory, int Rows, int Seed)
{
    /// <summary>The path ./run.sh saves to (`mtl train`'s default, in the repository root where run.sh runs).</summary>
    public const string DefaultModelPath = "model.zip";

    /// <summary>Reads the arguments; throws an <see cref="ArgumentException"/> naming the bad one.</summary>
    public static ConsumeOptions Parse(string[] args)
    {
        string model = DefaultModelPath, fashion = FashionIdx.DefaultDirectory;
        int rows = 10_000, seed = 1;
        bool modelGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--fashion-dir": fashion = Value(args, ref i); break;
                case "--rows": rows = PositiveInt(args, ref i); break;
                case "--seed": seed = Int(args, ref i); break;
                case var a when a.StartsWith("--", StringComparison.Ordinal):
                    throw new ArgumentException($"Unknown option '{a}'. Usage: ConsumeModel [model.zip] [--fashion-dir DIR] [--rows N] [--seed S].");
                default:
                    if (modelGiven) throw new ArgumentException($"Two model paths given ('{model}' and '{args[i]}'); pass one.");
                    model = args[i];
                    modelGiven = true;
                    break;
            }
        }
        return new ConsumeOptions(model, fashion, rows, seed);
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new ArgumentException($"Option '{args[i]}' needs a value.");
        return args[++i];
    }

    private static int Int(string[] args, ref int i)
    {
        string option = args[i], text = Value(args, ref i);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"Option '{option}' needs an integer; got '{text}'.");
    }

    private static int PositiveInt(string[] args, ref int i)
    {
        string option = args[i];
        int value = Int(args, ref i);
        return value > 0 ? value : throw new ArgumentException($"Option '{option}' needs a positive integer; got {value}.");
    }
}
