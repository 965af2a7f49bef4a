using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mtl.Cli.Commands;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Ui;

/// <summary>
/// The Data page's inspection: <c>POST /api/data/inspect {path, hasHeader?, separator?, labels?, ignore?}</c> answers
/// the first rows and the schema as the CLI infers it (<see cref="TableSchema"/>, the one inference): every column's
/// values, purpose, task kind (or the kind it would be learnt as), missing count; with labels chosen, whether the
/// choice trains (the error that <c>mtl train</c> would give otherwise) and each task's labelled and missing rows.
/// </summary>
internal static class DataEndpoints
{
    /// <summary>Rows of the preview.</summary>
    public const int PreviewRows = 10;

    // A preview cell is cut here (a long text field would make the table unreadable).
    private const int MaxCell = 200;

    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        app.MapPost("/api/data/inspect", async (HttpRequest request) =>
            Results.Json(Inspect(ui, await UiContext.ReadJsonAsync<InspectRequest>(request)), UiContext.Json));
    }

    /// <summary>What to inspect.</summary>
    internal sealed record InspectRequest
    {
        /// <summary>The file or image folder, relative to the working folder (or absolute under it).</summary>
        public string? Path { get; init; }

        /// <summary>Whether the first line names the columns (default true).</summary>
        public bool? HasHeader { get; init; }

        /// <summary>The separator: one character or "tab"; null = inferred.</summary>
        public string? Separator { get; init; }

        /// <summary>The labels chosen so far (none: just the columns).</summary>
        public List<LabelChoice>? Labels { get; init; }

        /// <summary>The columns to ignore.</summary>
        public List<string>? Ignore { get; init; }
    }

    /// <summary>A label column and its kind.</summary>
    internal sealed record LabelChoice
    {
        /// <summary>The column.</summary>
        public string? Column { get; init; }

        /// <summary>"multiclass", "binary", "regression", or null/"auto" to infer it.</summary>
        public string? Kind { get; init; }
    }

    /// <summary>The label requests of <paramref name="labels"/>, each column named and each kind known; 400 otherwise.</summary>
    public static List<LabelRequest> Labels(IEnumerable<LabelChoice>? labels) => (labels ?? []).Select((l, i) =>
    {
        if (l is null || string.IsNullOrWhiteSpace(l.Column))
            throw new UiException(StatusCodes.Status400BadRequest, $"labels[{i}] names no column; give each label's column name.");
        bool inferred = string.IsNullOrWhiteSpace(l.Kind) || l.Kind.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase);
        TaskKind? kind = inferred ? null : LabelRequest.ParseKind(l.Kind!) ?? throw new UiException(StatusCodes.Status400BadRequest,
            $"The label '{l.Column}' has the task kind '{l.Kind}'; a kind is multiclass, binary or regression (or auto to infer it).");
        return new LabelRequest(l.Column, kind);
    }).ToList();

    /// <summary>The separator of a request: one character or "tab"; 400 otherwise.</summary>
    public static char? Separator(string? text)
    {
        try
        {
            return TableTrainCommand.TableOptions.ParseSeparator(string.IsNullOrEmpty(text) ? null : text);
        }
        catch (ArgumentException e)
        {
            throw new UiException(StatusCodes.Status400BadRequest, $"The separator '{text}' is not one character; give one character (',', ';', '|') or 'tab'.", e);
        }
    }

    private static object Inspect(UiContext ui, InspectRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Path))
            throw new UiException(StatusCodes.Status400BadRequest, "Choose a data file (CSV/TSV) or an image folder first.");
        string path = ui.ResolvePath(request.Path);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new UiException(StatusCodes.Status404NotFound, $"There is no file or folder '{request.Path}' in the working folder.");
        List<LabelRequest> labels = Labels(request.Labels);
        List<string> ignore = (request.Ignore ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
        var read = new TableReadOptions { HasHeader = request.HasHeader ?? true, Separator = Separator(request.Separator) };
        bool folder = Directory.Exists(path);

        // The columns before any choice (the same inference as mtl train), then the choice checked as mtl train checks it.
        TableSchema columns = TableSchema.InferColumns(path, folder ? new TableReadOptions { Labels = labels.Take(1).ToList() } : read);
        TableSchema? chosen = null;
        string? problem = null;
        if (labels.Count > 0 || ignore.Count > 0 || folder)
        {
            try
            {
                chosen = TableSchema.Infer(path, new TableReadOptions { Labels = labels, IgnoreColumns = ignore, HasHeader = read.HasHeader, Separator = read.Separator });
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                problem = CommandErrors.Sentence(e);
            }
        }
        TableSchema shown = chosen ?? columns;
        return new
        {
            path = ui.Relative(path),
            kind = shown.IsImageFolder ? "imageFolder" : "table",
            rows = shown.RowCount,
            separator = shown.IsImageFolder ? null : shown.Separator == '\t' ? "tab" : shown.Separator.ToString(),
            hasHeader = shown.HasHeader,
            columns = shown.Columns.Select(c => new
            {
                index = c.Index,
                name = c.Name,
                values = c.Values.ToString(),
                purpose = chosen is null ? Purpose(c, labels, ignore) : c.Purpose.ToString(),
                kind = chosen is null ? labels.FirstOrDefault(l => l.Column == c.Name)?.Kind?.ToString() ?? Kind(c, labels) : c.Kind?.ToString(),
                suggestedKind = c.SuggestedKind?.ToString(),
                missing = c.MissingCount,
                distinct = c.DistinctCount,
                loadsAs = c.Purpose == ColumnPurpose.Ignore && chosen is not null ? null : c.LoadsAsNumber ? "Single" : "String",
                note = c.Note,
            }).ToList(),
            preview = Preview(ui, shown),
            check = labels.Count == 0 && !shown.IsImageFolder ? null : new { ok = problem is null, error = problem },
            tasks = chosen?.Labels.Select(l => new { name = l.Name, kind = l.Kind?.ToString(), missing = l.MissingCount, labelled = chosen.RowCount - l.MissingCount }).ToList(),
            images = shown.Images is { } images ? new
            {
                column = images.Column,
                count = images.Count,
                side = images.Side,
                channels = images.Channels,
                smallestSide = images.SmallestSide,
                largestSide = images.LargestSide,
                classes = images.Classes.Select(c => new { name = c.Class, count = c.Images }).ToList(),
            } : null,
        };
    }

    // Before the choice is valid, the page still shows what was chosen: labels and ignored columns as asked.
    private static string Purpose(TableColumn c, List<LabelRequest> labels, List<string> ignore) =>
        labels.Any(l => l.Column == c.Name) ? nameof(ColumnPurpose.Label) : ignore.Contains(c.Name) ? nameof(ColumnPurpose.Ignore) : c.Purpose.ToString();

    private static string? Kind(TableColumn c, List<LabelRequest> labels) => labels.Any(l => l.Column == c.Name) ? c.SuggestedKind?.ToString() : c.Kind?.ToString();

    private static object Preview(UiContext ui, TableSchema schema)
    {
        if (schema.IsImageFolder)
        {
            return new
            {
                header = schema.Header,
                rows = schema.FolderRows!.Take(PreviewRows).Select(r => new[] { ui.Relative(r.Path), r.Class }).ToList(),
            };
        }
        var rows = new List<string[]>();
        using var reader = new StreamReader(schema.Path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        bool header = schema.HasHeader;
        for (string? line = reader.ReadLine(); line is not null && rows.Count < PreviewRows; line = reader.ReadLine())
        {
            if (line.Trim().Length == 0) continue;
            if (header)
            {
                header = false;
                continue;
            }
            rows.Add(TableSchema.SplitFields(line, schema.Separator).Select(f => f.Length > MaxCell ? f[..MaxCell] + "…" : f).ToArray());
        }
        return new { header = schema.Header, rows };
    }
}
