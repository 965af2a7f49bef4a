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

    /// <summary>Expands grid JSON into the runs in grid order (every config validated, ids unique).</summary>
    /// <exception cref="ArgumentException">Malformed JSON, an unknown field, a bad value or two equal runs.</exception>
    public static IReadOnlyList<RunConfig> Expand(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("the grid must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"not valid JSON ({e.Message}).", e);
        }
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
        var configs = new List<RunConfig>();
        foreach (JsonObject block in blocks)
            foreach (JsonObject overrides in ExpandBlock(block))
            {
                JsonObject merged = (JsonObject)baseConfig.DeepClone();
                foreach (var (key, value) in overrides) merged[key] = value?.DeepClone();
                RunConfig config = ToConfig(merged);
                configs.AddRange(seeds.Select(s => config with { Seed = s }));
            }
        return Validated(configs);
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

    private static IEnumerable<JsonObject> ExpandBlock(JsonObject block)
    {
        foreach (var (key, _) in block)
            if (key is not ("axes" or "runs") && !TopLevelFields.Contains(key))
                throw new ArgumentException($"unknown field '{key}' in a block; a block has 'axes' and/or 'runs'.");
        var runs = new List<JsonObject>();
        if (block["runs"] is JsonNode runsNode)
            foreach (JsonNode? run in runsNode as JsonArray ?? throw new ArgumentException("'runs' must be a list of objects."))
                runs.Add(run as JsonObject ?? throw new ArgumentException("every entry of 'runs' must be an object of config fields."));
        if (runs.Count == 0) runs.Add(new JsonObject());
        var axes = new List<(string Name, JsonNode?[] Values)>();
        if (block["axes"] is JsonNode axesNode)
            foreach (var (name, values) in axesNode as JsonObject ?? throw new ArgumentException("'axes' must map field names to lists of values."))
            {
                JsonNode?[] items = (values as JsonArray ?? throw new ArgumentException($"axis '{name}' must be a list of values.")).ToArray();
                if (items.Length == 0) throw new ArgumentException($"axis '{name}' has no values.");
                axes.Add((name, items));
            }
        foreach (JsonObject run in runs)
            foreach (JsonObject point in Product(axes, 0, run))
                yield return point;
    }

    private static IEnumerable<JsonObject> Product(List<(string Name, JsonNode?[] Values)> axes, int axis, JsonObject prefix)
    {
        if (axis == axes.Count)
        {
            yield return prefix;
            yield break;
        }
        foreach (JsonNode? value in axes[axis].Values)
        {
            var next = (JsonObject)prefix.DeepClone();
            next[axes[axis].Name] = value?.DeepClone();
            foreach (JsonObject point in Product(axes, axis + 1, next)) yield return point;
        }
    }

    private static RunConfig ToConfig(JsonObject fields)
    {
        if (fields.ContainsKey("seed"))
            throw new ArgumentException("set seeds with the top-level 'seeds' list, not a 'seed' field.");
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
