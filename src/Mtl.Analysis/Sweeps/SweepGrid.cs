using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mtl.Analysis.Sweeps;

/// <summary>
/// A grid file (docs/sweeps.md): a <c>base</c> configuration, <c>seeds</c>, and either one block (<c>axes</c> and/or
/// <c>runs</c> at the top level) or a list of <c>blocks</c>. A block's <c>runs</c> are explicit overrides of the base;
/// its <c>axes</c> map a field name to the values it takes, and expand to their cartesian product. The order is fixed:
/// blocks in file order; in a block, runs outermost, then axes in file order (the first varies slowest); seeds innermost.
/// </summary>
public static class SweepGrid
{
    private static readonly string[] TopLevelFields = ["name", "base", "seeds", "axes", "runs", "blocks"];

    /// <summary>Reads and expands a grid file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ArgumentException">The file is not a valid grid (the message names the file and the field).</exception>
    public static IReadOnlyList<RunConfig> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Grid file '{path}' does not exist; pass --grid with a JSON grid (see docs/sweeps.md).", path);
        try
        {
            return Expand(File.ReadAllText(path));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Grid file '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Expands grid JSON into the runs in grid order (every config validated, ids unique). A JSON array is taken as an
    /// expanded plan, one complete run (seed included) per entry, as a work folder's <c>plan.json</c> holds it: that is
    /// how a study's or a submission's plan is handed to <c>mtl sweep run --grid</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Malformed JSON, an unknown field, a bad value or two equal runs.</exception>
    public static IReadOnlyList<RunConfig> Expand(string json) => Expand(json, validate: true);

    /// <summary>Expands grid JSON that <see cref="Expand(string)"/> has validated before (a sweep worker's plan).</summary>
    internal static IReadOnlyList<RunConfig> Expand(string json, bool validate)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"not valid JSON ({e.Message}).", e);
        }
        if (parsed is JsonArray expanded) return ExpandPlan(expanded);
        JsonObject root = parsed as JsonObject ?? throw new ArgumentException("the grid must be a JSON object (or a plan: an array of runs).");
        foreach (var (key, _) in root)
            if (!TopLevelFields.Contains(key))
                throw new ArgumentException($"unknown field '{key}'; a grid has {string.Join(", ", TopLevelFields)}.");
        JsonObject baseConfig = root["base"] as JsonObject ?? new JsonObject();
        int[] seeds = ReadSeeds(root["seeds"]);
        var blocks = new List<JsonObject>();
        if (root["blocks"] is JsonArray list)
        {
            if (root.ContainsKey("axes") || root.ContainsKey("runs"))
                throw new ArgumentException("write either 'blocks' or top-level 'axes'/'runs', not both.");
            foreach (JsonNode? block in list)
                blocks.Add(block as JsonObject ?? throw new ArgumentException("every entry of 'blocks' must be an object with 'axes' and/or 'runs'."));
        }
        else
        {
            blocks.Add(root);
        }
        // Lazy: a run is built from its grid position when asked for, so a 10⁶-run grid never sits in memory as configs.
        var plan = new GridPlan(root, baseConfig, blocks.Select(ParseBlock).ToArray(), seeds);
        if (validate)
        {
            Validated(plan);
            plan.IsValidated = true;
        }
        return plan;
    }

    /// <summary>Checks every config and that no two runs are equal (they would share one id and one results line).</summary>
    /// <exception cref="ArgumentException">A config is invalid, or two grid positions hold the same run.</exception>
    public static IReadOnlyList<RunConfig> Validated(IReadOnlyList<RunConfig> configs)
    {
        if (configs.Count == 0) throw new ArgumentException("the grid has no runs.");
        var seen = new Dictionary<string, int>();
        for (int i = 0; i < configs.Count; i++)
        {
            try
            {
                configs[i].Validate();
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"grid position {i}: {e.Message}", e);
            }
            if (!seen.TryAdd(configs[i].Id, i))
                throw new ArgumentException($"runs {seen[configs[i].Id]} and {i} are the same run ({configs[i].Label}, id {configs[i].Id}); remove the duplicate.");
        }
        return configs;
    }

    private static int[] ReadSeeds(JsonNode? node)
    {
        if (node is null) return [1];
        try
        {
            int[] seeds = node.Deserialize<int[]>() ?? [];
            if (seeds.Length == 0) throw new ArgumentException("'seeds' must list at least one seed.");
            return seeds;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"'seeds' must be a list of integers, e.g. [1, 2, 3] ({e.Message}).", e);
        }
    }

    private static GridBlock ParseBlock(JsonObject block)
    {
        foreach (var (key, _) in block)
            if (key is not ("axes" or "runs") && !TopLevelFields.Contains(key))
                throw new ArgumentException($"unknown field '{key}' in a block; a block has 'axes' and/or 'runs'.");
        var runs = new List<JsonObject>();
        if (block["runs"] is JsonNode runsNode)
            foreach (JsonNode? run in runsNode as JsonArray ?? throw new ArgumentException("'runs' must be a list of objects."))
                runs.Add(run as JsonObject ?? throw new ArgumentException("every entry of 'runs' must be an object of config fields."));
        if (runs.Count == 0) runs.Add(new JsonObject());
        var axes = new List<GridAxis>();
        if (block["axes"] is JsonNode axesNode)
            foreach (var (name, values) in axesNode as JsonObject ?? throw new ArgumentException("'axes' must map field names to lists of values."))
            {
                JsonNode?[] items = (values as JsonArray ?? throw new ArgumentException($"axis '{name}' must be a list of values.")).ToArray();
                if (items.Length == 0) throw new ArgumentException($"axis '{name}' has no values.");
                axes.Add(new GridAxis(name, items));
            }
        return new GridBlock(runs.ToArray(), axes.ToArray());
    }

    private static IReadOnlyList<RunConfig> ExpandPlan(JsonArray plan)
    {
        var configs = new List<RunConfig>(plan.Count);
        for (int i = 0; i < plan.Count; i++)
        {
            JsonObject run = plan[i] as JsonObject ?? throw new ArgumentException($"plan entry {i} is not an object of config fields.");
            try
            {
                configs.Add(Deserialize(run));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"plan entry {i}: {e.Message}", e);
            }
        }
        return Validated(configs);
    }

    internal static RunConfig ToConfig(JsonObject fields)
    {
        if (fields.ContainsKey("seed"))
            throw new ArgumentException("set seeds with the top-level 'seeds' list, not a 'seed' field.");
        return Deserialize(fields);
    }

    private static RunConfig Deserialize(JsonObject fields)
    {
        try
        {
            return fields.Deserialize<RunConfig>(RunConfig.Json) ?? throw new ArgumentException("a run is null.");
        }
        catch (JsonException e)
        {
            string known = string.Join(", ", typeof(RunConfig).GetProperties().Where(p => p.CanWrite)
                .Select(p => RunConfig.Json.PropertyNamingPolicy!.ConvertName(p.Name)));
            throw new ArgumentException($"{e.Message} Config fields: {known}; enums are written as strings, e.g. \"optimizer\": \"sgd\".", e);
        }
    }
}

/// <summary>An axis of a grid block: a config field and the values it takes.</summary>
internal sealed record GridAxis(string Name, JsonNode?[] Values);

/// <summary>A grid block: explicit runs (outermost) crossed with its axes (the first varies slowest).</summary>
internal sealed record GridBlock(JsonObject[] Runs, GridAxis[] Axes)
{
    /// <summary>Configurations in the block (before seeds).</summary>
    public long Size => Axes.Aggregate((long)Runs.Length, (n, a) => checked(n * a.Values.Length));
}

/// <summary>
/// A grid's runs in grid order, each built from its position when asked for: blocks in order; in a block, runs
/// outermost, then the axes (the first varies slowest); seeds innermost. Holds only the grid's own JSON, so planning a
/// 10⁶-run grid costs the grid file, not 10⁶ configs, and the plan a sweep writes is that file.
/// </summary>
internal sealed class GridPlan : IReadOnlyList<RunConfig>
{
    private readonly JsonObject baseConfig;
    private readonly GridBlock[] blocks;
    private readonly long[] blockStarts;
    private readonly int[] seeds;

    public GridPlan(JsonObject source, JsonObject baseConfig, GridBlock[] blocks, int[] seeds)
    {
        Source = source;
        this.baseConfig = baseConfig;
        this.blocks = blocks;
        this.seeds = seeds;
        blockStarts = new long[blocks.Length + 1];
        for (int b = 0; b < blocks.Length; b++) blockStarts[b + 1] = checked(blockStarts[b] + blocks[b].Size);
        long total = checked(blockStarts[^1] * seeds.Length);
        if (total > int.MaxValue) throw new ArgumentException($"the grid has {total} runs; a sweep holds at most {int.MaxValue}.");
        Count = (int)total;
    }

    /// <summary>True once <see cref="SweepGrid.Validated"/> has checked every run (a sweep need not check them again).</summary>
    public bool IsValidated { get; set; }

    /// <summary>The grid file's JSON (what a sweep writes as its plan).</summary>
    public JsonObject Source { get; }

    public int Count { get; }

    public RunConfig this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            int seed = seeds[index % seeds.Length];
            long position = index / seeds.Length;
            int b = blocks.Length - 1;
            while (blockStarts[b] > position) b--;
            GridBlock block = blocks[b];
            long local = position - blockStarts[b];
            var values = new JsonNode?[block.Axes.Length];
            for (int a = block.Axes.Length - 1; a >= 0; a--)
            {
                values[a] = block.Axes[a].Values[local % block.Axes[a].Values.Length];
                local /= block.Axes[a].Values.Length;
            }
            var merged = (JsonObject)baseConfig.DeepClone();
            foreach (var (key, value) in block.Runs[local]) merged[key] = value?.DeepClone();
            for (int a = 0; a < values.Length; a++) merged[block.Axes[a].Name] = values[a]?.DeepClone();
            return SweepGrid.ToConfig(merged) with { Seed = seed };
        }
    }

    public IEnumerator<RunConfig> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
