namespace Mtl.Trainers.Methods;

/// <summary>Binary helpers for methods' <c>OnWriteState</c>/<c>OnReadState</c>: arrays with their length, validated on read.</summary>
internal static class MethodState
{
    /// <summary>Writes a nullable array (length −1 for null).</summary>
    public static void WriteDoubles(BinaryWriter writer, IReadOnlyList<double>? values)
    {
        writer.Write(values?.Count ?? -1);
        if (values is null)
            return;
        foreach (double v in values)
            writer.Write(v);
    }

    /// <summary>Reads an array written by <see cref="WriteDoubles"/>; a length other than −1 or <paramref name="expectedLength"/> is an error.</summary>
    public static double[]? ReadDoubles(BinaryReader reader, int expectedLength, string what)
    {
        int n = reader.ReadInt32();
        if (n == -1)
            return null;
        if (n != expectedLength)
            throw new InvalidDataException($"The saved {what} has {n} values; {expectedLength} were expected.");
        var values = new double[n];
        for (int i = 0; i < n; i++)
            values[i] = reader.ReadDouble();
        return values;
    }
}
