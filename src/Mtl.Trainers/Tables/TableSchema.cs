using System.Globalization;
using System.Text;

namespace Mtl.Trainers.Tables;

/// <summary>What a column of a table is used for.</summary>
public enum ColumnPurpose
{
    /// <summary>A task's label: one head of the network learns it.</summary>
    Label,

    /// <summary>An input of every task.</summary>
    Feature,

    /// <summary>Not loaded (asked for by <c>--ignore-cols</c>, or every value is missing).</summary>
    Ignore,
}

/// <summary>What the values of a column look like.</summary>
public enum ColumnValues
{
    /// <summary>Every value that is not missing is a number.</summary>
    Number,

    /// <summary>Exactly two values that read as false/true: true/false, yes/no, y/n, t/f or 1/0 (any case).</summary>
    Boolean,

    /// <summary>Text with few distinct values (one-hot encoded as a feature).</summary>
    Category,

    /// <summary>Free text: several words per value, or too many distinct values to be categories (FeaturizeText).</summary>
    Text,

    /// <summary>
    /// Paths of image files (every value ends in .png, .jpg, .jpeg, .bmp, .gif or .webp), absolute or relative to the table's
    /// folder: loaded, resized and turned into pixels by the model (<see cref="TableSchema.Images"/>).
    /// </summary>
    ImagePath,
}

/// <summary>One <c>--label</c>: a column and, optionally, the task kind it is learnt as.</summary>
/// <param name="Column">The label column's name as in the header.</param>
/// <param name="Kind">The task kind, or null to infer it from the values.</param>
public sealed record LabelRequest(string Column, TaskKind? Kind = null)
{
    /// <summary>Reads <c>column</c> or <c>column:multiclass|binary|regression</c> (a column name may itself hold colons).</summary>
    public static LabelRequest Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.LastIndexOf(':');
        if (colon > 0 && ParseKind(text[(colon + 1)..]) is { } parsed) return new LabelRequest(text[..colon], parsed);
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("--label needs a column name, e.g. --label species or --label price:regression.");
        return new LabelRequest(text);
    }

    /// <summary>A task kind's name as users write it: multiclass, binary or regression (any case); null for anything else.</summary>
    public static TaskKind? ParseKind(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "multiclass" => TaskKind.Multiclass,
        "binary" => TaskKind.Binary,
        "regression" => TaskKind.Regression,
        _ => null,
    };
}

/// <summary>How to read a table and which of its columns are labels.</summary>
public sealed class TableReadOptions
{
    /// <summary>The label columns, one task each, in this order.</summary>
    public IReadOnlyList<LabelRequest> Labels { get; init; } = [];

    /// <summary>Columns not to load.</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];

    /// <summary>Whether the first line names the columns (otherwise they are col0, col1, …).</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>The label (task) name of an image folder's classes when <see cref="Labels"/> is empty.</summary>
    public const string DefaultFolderLabel = "Label";

    /// <summary>The name of an image folder's image-path column.</summary>
    public const string FolderImageColumn = "ImagePath";

    /// <summary>The field separator, or null to infer it from the first line (and the extension: .tsv is tab-separated).</summary>
    public char? Separator { get; init; }
}

/// <summary>One column of a table as <see cref="TableSchema.Infer"/> read it.</summary>
/// <param name="Index">Zero-based position in a row.</param>
/// <param name="Name">The header's name (col0, col1, … without a header).</param>
/// <param name="Values">What the values look like.</param>
/// <param name="Purpose">Label, feature or ignored.</param>
/// <param name="Kind">The task kind of a label column; null otherwise.</param>
/// <param name="MissingCount">Rows whose value is empty or a missing marker (NA, N/A, NaN, ?, null).</param>
/// <param name="DistinctCount">Distinct values that are not missing (counted up to <see cref="TableSchema.DistinctLimit"/>).</param>
/// <param name="Note">Why the column is ignored, when it is; otherwise null.</param>
public sealed record TableColumn(int Index, string Name, ColumnValues Values, ColumnPurpose Purpose, TaskKind? Kind, long MissingCount,
    int DistinctCount, string? Note = null)
{
    /// <summary>
    /// Whether the column loads as <c>Single</c> (a numeric feature or a regression label; missing values are NaN);
    /// every other loaded column loads as text, exactly as the file holds it.
    /// </summary>
    public bool LoadsAsNumber => Purpose == ColumnPurpose.Label ? Kind == TaskKind.Regression : Values is ColumnValues.Number
        || (Values == ColumnValues.Boolean && DistinctIsNumeric);

    /// <summary>Whether a <see cref="ColumnValues.Boolean"/> column's two values are 0 and 1.</summary>
    internal bool DistinctIsNumeric { get; init; }

    /// <summary>
    /// The task kind the column is learnt as when it is made a label without a kind (the rule of
    /// <see cref="TableSchema.Infer"/>); null when it cannot be a label: no labelled rows, or one value only.
    /// </summary>
    public TaskKind? SuggestedKind { get; init; }
}

/// <summary>
/// The schema of a delimited text table (CSV, TSV) inferred from its values, as ML.NET's <c>mlnet</c> CLI infers it:
/// per column the values' type, its purpose (label, feature, ignored), the task kind of a label and the missing count.
/// One implementation for every front end (the <c>mtl</c> CLI, the web app); <see cref="TablePipeline"/> turns it into
/// the loader and the preprocessing in front of the trainer.
/// </summary>
public sealed class TableSchema
{
    /// <summary>Distinct values are counted up to this many per column; more makes a text column free text.</summary>
    public const int DistinctLimit = 1000;

    /// <summary>A column of integers with at most this many distinct values is a multiclass label when no kind is given.</summary>
    public const int MaxIntegerClasses = 10;

    private static readonly string[] MissingMarkers = ["", "NA", "N/A", "NaN", "?", "null"];
    private static readonly (string False, string True)[] BooleanPairs = [("false", "true"), ("no", "yes"), ("n", "y"), ("f", "t"), ("0", "1")];

    private TableSchema(string path, char separator, bool hasHeader, long rowCount, IReadOnlyList<TableColumn> columns, IReadOnlyList<string> header)
    {
        Path = path;
        Separator = separator;
        HasHeader = hasHeader;
        RowCount = rowCount;
        Columns = columns;
        Header = header;
    }

    /// <summary>The file the schema was read from.</summary>
    public string Path { get; }

    /// <summary>The field separator.</summary>
    public char Separator { get; }

    /// <summary>Whether the first line is a header.</summary>
    public bool HasHeader { get; }

    /// <summary>Data rows (the header not counted).</summary>
    public long RowCount { get; }

    /// <summary>Every column, in file order.</summary>
    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>The column names in file order (col0, col1, … without a header).</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The label columns in the order of <see cref="TableReadOptions.Labels"/>.</summary>
    public IReadOnlyList<TableColumn> Labels { get; private init; } = [];

    /// <summary>
    /// The images when a column holds image paths (or <see cref="Path"/> is an image folder): where relative paths are read
    /// from, the size and colour they are turned into; null for a table without images.
    /// </summary>
    public ImageSet? Images { get; private init; }

    /// <summary>Whether <see cref="Path"/> is a folder with one subfolder of images per class (rows: image path, class).</summary>
    public bool IsImageFolder => FolderRows is not null;

    /// <summary>An image folder's rows: absolute image path and class; null for a table file.</summary>
    internal IReadOnlyList<(string Path, string Class)>? FolderRows { get; private init; }

    /// <summary>The tasks: one per label column, named after it, of its kind.</summary>
    public IReadOnlyList<TaskDefinition> Tasks() => Labels.Select(l => new TaskDefinition(l.Name, l.Name, l.Kind!.Value)).ToList();

    /// <summary>Whether <paramref name="value"/> means "no value": empty, NA, N/A, NaN, ? or null (any case, spaces ignored).</summary>
    public static bool IsMissing(ReadOnlySpan<char> value)
    {
        ReadOnlySpan<char> trimmed = value.Trim();
        foreach (string marker in MissingMarkers)
            if (trimmed.Equals(marker, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// Reads <paramref name="path"/> once and infers its schema. Kinds of labels given without one: two true/false-like
    /// values → binary; text, or integers with at most <see cref="MaxIntegerClasses"/> distinct values → multiclass;
    /// other numbers → regression. Features: numbers, categories (text with few distinct values), free text, and image paths
    /// (every value ends in an image extension; each file's header is read, so a missing or broken image fails here).
    /// A folder is read as an image folder: one subfolder of images per class, one multiclass task (named after the one
    /// <c>--label</c>, or <see cref="TableReadOptions.DefaultFolderLabel"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">A label or ignored column is not in the header, or a label is given twice.</exception>
    /// <exception cref="InvalidDataException">The file is empty, a row has the wrong number of fields, or a label cannot be learnt
    /// (no labelled rows, one value only, text where a regression label needs numbers, not two values for a binary label).</exception>
    public static TableSchema Infer(string path, TableReadOptions options) => InferTable(path, options, requireLabels: true);

    /// <summary>
    /// Reads <paramref name="path"/> as <see cref="Infer"/> does, but labels are optional: the
    /// columns as they would be used before the user picks the labels (a page that shows the columns first, each with
    /// its <see cref="TableColumn.SuggestedKind"/>). Without labels an image-path column is not checked (whether the other
    /// columns may stay beside it depends on the labels); the labels given are checked as Infer checks them.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a table (binary data), is empty, or a row has the wrong number of fields.</exception>
    public static TableSchema InferColumns(string path, TableReadOptions options) => InferTable(path, options, requireLabels: false);

    private static TableSchema InferTable(string path, TableReadOptions options, bool requireLabels)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return InferImageFolder(path, options);
        if (requireLabels && options.Labels.Count == 0) throw new ArgumentException("Give at least one label column: --label <column>[:multiclass|binary|regression].");
        if (!File.Exists(path))
            throw new FileNotFoundException($"The data file '{path}' does not exist; pass the path of a CSV or TSV file with --data.", path);
        string? duplicate = options.Labels.GroupBy(l => l.Column, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null) throw new ArgumentException($"--label '{duplicate}' is given twice; give each label column once.");

        RequireText(path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        string? first = reader.ReadLine();
        while (first is not null && first.Trim().Length == 0) first = reader.ReadLine();
        if (first is null) throw new InvalidDataException($"'{path}' is empty: it has no header and no rows. Pass a CSV or TSV file with a header line and data rows.");
        char separator = options.Separator ?? InferSeparator(path, first);
        List<string> firstFields = SplitFields(first, separator);
        string[] header = options.HasHeader
            ? firstFields.Select(f => f.Trim()).ToArray()
            : Enumerable.Range(0, firstFields.Count).Select(i => $"col{i}").ToArray();
        string? repeated = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null) throw new InvalidDataException($"'{path}': the header names the column '{repeated}' twice; give every column its own name.");
        CheckNamed(path, header, options);

        var stats = header.Select(_ => new ColumnStats()).ToArray();
        long rows = 0, line = 1;
        if (!options.HasHeader) { Add(firstFields, line); rows++; }
        for (string? text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (text.Trim().Length == 0) continue;
            List<string> fields = SplitFields(text, separator);
            if (fields.Count != header.Length)
                throw new InvalidDataException($"'{path}' line {line} has {fields.Count} fields where the {(options.HasHeader ? "header" : "first line")} has " +
                    $"{header.Length} (separator '{Printable(separator)}'). Fix that line, or pass the right --separator.");
            Add(fields, line);
            rows++;
        }
        if (rows == 0) throw new InvalidDataException($"'{path}' has a header but no data rows; add rows to the file.");

        var labelKinds = options.Labels.ToDictionary(l => l.Column, l => l.Kind, StringComparer.Ordinal);
        var ignored = new HashSet<string>(options.IgnoreColumns, StringComparer.Ordinal);
        var columns = new List<TableColumn>();
        for (int i = 0; i < header.Length; i++)
        {
            ColumnStats s = stats[i];
            ColumnValues values = s.Classify();
            var column = new TableColumn(i, header[i], values, ColumnPurpose.Feature, null, s.Missing, s.Distinct.Count)
            {
                DistinctIsNumeric = s.AllNumbers,
                SuggestedKind = s.Missing == rows || s.Distinct.Count == 1 ? null : InferredKind(values, s),
            };
            if (labelKinds.TryGetValue(header[i], out TaskKind? requested))
                column = column with { Purpose = ColumnPurpose.Label, Kind = LabelKind(path, column, s, requested, rows) };
            else if (ignored.Contains(header[i]))
                column = column with { Purpose = ColumnPurpose.Ignore, Note = "--ignore-cols" };
            else if (s.Missing == rows)
                column = column with { Purpose = ColumnPurpose.Ignore, Note = "every value is missing" };
            columns.Add(column);
        }
        return new TableSchema(path, separator, options.HasHeader, rows, columns, header)
        {
            Labels = options.Labels.Select(l => columns[Array.IndexOf(header, l.Column)]).ToList(),
            Images = requireLabels || options.Labels.Count > 0 ? InferImages(path, columns, stats) : null,
        };

        void Add(List<string> fields, long lineNumber)
        {
            for (int i = 0; i < fields.Count; i++) stats[i].Add(fields[i], lineNumber);
        }
    }

    /// <summary>
    /// Checks that a separate test file can be read with this table's loader (columns by position): it exists, has rows,
    /// and, with a header, names the same columns in the same order; every image it names is an image. For an image folder
    /// the test data is a folder of class subfolders.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty or its columns differ.</exception>
    public void RequireSameColumns(string testPath)
    {
        ArgumentNullException.ThrowIfNull(testPath);
        if (IsImageFolder)
        {
            if (!Directory.Exists(testPath))
                throw new DirectoryNotFoundException($"The test folder '{testPath}' does not exist; with an image folder as --data, --test-data is a folder " +
                    "with the same class subfolders.");
            foreach ((string image, string label) in ImageData.FolderRows(testPath))
                ImageData.Probe(image, $"The test folder '{testPath}', class '{label}'");
            return;
        }
        if (!File.Exists(testPath))
            throw new FileNotFoundException($"The test file '{testPath}' does not exist; pass an existing file with --test-data, or drop it to hold out --test-fraction.", testPath);
        string? first = File.ReadLines(testPath).FirstOrDefault(l => l.Trim().Length > 0);
        if (first is null) throw new InvalidDataException($"The test file '{testPath}' is empty; it needs the columns of '{Path}' and rows.");
        string[] header = SplitFields(first, Separator).Select(f => f.Trim()).ToArray();
        if (HasHeader ? !header.SequenceEqual(Header) : header.Length != Header.Count)
            throw new InvalidDataException($"The test file '{testPath}' has the columns {string.Join(", ", header)}; the training file '{Path}' has " +
                $"{string.Join(", ", Header)}. Give the test file the same columns in the same order.");
        RequireTestValues(testPath);
    }

    // A test row is read as the training rows were: a column the model reads as a number must hold numbers there too (ML.NET's
    // loader would turn text into a silent NaN, then the training mean), and an image path must name an image. The model
    // reads a relative image path from the training table's folder (the folder the zip keeps): every test image is checked
    // there now rather than inside ML.NET's LoadImages.
    private void RequireTestValues(string testPath)
    {
        TableColumn[] numbers = Columns.Where(c => c.Purpose != ColumnPurpose.Ignore && c.LoadsAsNumber).ToArray();
        int image = Images is null ? -1 : Columns.Single(c => c.Name == Images.Column).Index;
        long line = 0;
        foreach (string text in File.ReadLines(testPath))
        {
            line++;
            if ((HasHeader && line == 1) || text.Trim().Length == 0) continue;
            List<string> fields = SplitFields(text, Separator);
            foreach (TableColumn c in numbers)
            {
                if (c.Index >= fields.Count || IsMissing(fields[c.Index])) continue;
                if (!double.TryParse(fields[c.Index].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw new InvalidDataException($"The test file '{testPath}' line {line}, column '{c.Name}': '{fields[c.Index]}' is not a number, " +
                        $"but the column holds numbers in the training file '{Path}'. Fix the value, or leave it empty for a missing value.");
            }
            if (image < 0) continue;
            string where = $"The test file '{testPath}' line {line}, column '{Images!.Column}'";
            if (fields.Count <= image || IsMissing(fields[image]))
                throw new InvalidDataException($"{where} has no image path; every row needs an image: fill it in or remove the row.");
            ImageData.Probe(System.IO.Path.Combine(Images.Folder, fields[image].Trim()), where +
                $" (relative paths are read from the training data's folder '{Images.Folder}')");
        }
    }

    // The image column of a table, if any: one only, with labels beside it and nothing else, every row's file an image.
    private static ImageSet? InferImages(string path, List<TableColumn> columns, ColumnStats[] stats)
    {
        TableColumn[] images = columns.Where(c => c.Purpose == ColumnPurpose.Feature && c.Values == ColumnValues.ImagePath).ToArray();
        if (images.Length == 0) return null;
        if (images.Length > 1)
            throw new InvalidDataException($"'{path}' has {images.Length} image-path columns ({string.Join(", ", images.Select(c => c.Name))}); a model reads one " +
                $"image per row. Keep one and pass the others to --ignore-cols.");
        TableColumn image = images[0];
        string[] others = columns.Where(c => c.Purpose == ColumnPurpose.Feature && c != image).Select(c => c.Name).ToArray();
        if (others.Length > 0)
            throw new InvalidDataException($"'{path}' has the image-path column '{image.Name}' and the feature columns {string.Join(", ", others)}; a model " +
                $"reads either one image column (with labels) or table features, not both. Pass --ignore-cols {string.Join(",", others)} to learn " +
                "from the images alone, or the image column to --ignore-cols to learn from the other columns.");
        ColumnStats s = stats[image.Index];
        if (s.Missing > 0)
            throw new InvalidDataException($"'{path}' line {s.FirstMissingLine}: the image-path column '{image.Name}' is empty there ({s.Missing} rows have no image). " +
                "Every row needs an image: fill in the path or remove the row.");
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var files = s.ImagePaths!.Select(p => (System.IO.Path.Combine(folder, p.Value), $"'{path}' line {p.Line}, column '{image.Name}'")).ToList();
        return ImageData.Summarise(image.Name, folder, files, []);
    }

    // A folder with one subfolder of images per class: rows (image path, class), one multiclass task.
    private static TableSchema InferImageFolder(string path, TableReadOptions options)
    {
        if (options.Labels.Count > 1)
            throw new ArgumentException($"'{path}' is an image folder, which has one task (its subfolders are the classes); got {options.Labels.Count} --label. " +
                "Give one --label (the task's name) or none; for several labels per image, write a table with an image-path column and one column per label.");
        if (options.IgnoreColumns.Count > 0)
            throw new ArgumentException($"--ignore-cols is for tables; '{path}' is an image folder, which has no columns to ignore.");
        LabelRequest label = options.Labels.Count == 1 ? options.Labels[0] : new LabelRequest(TableReadOptions.DefaultFolderLabel);
        if (label.Kind is not null and not TaskKind.Multiclass)
            throw new ArgumentException($"--label {label.Column}:{label.Kind.Value.ToString().ToLowerInvariant()}: an image folder's task is multiclass " +
                "(one class per subfolder). Drop the kind, or write a table with an image-path column for other kinds.");
        if (label.Column == TableReadOptions.FolderImageColumn)
            throw new ArgumentException($"--label {label.Column}: that is the name of the image-path column; name the task otherwise, e.g. --label Label.");
        List<(string Path, string Class)> rows = ImageData.FolderRows(path);
        var classes = rows.GroupBy(r => r.Class, StringComparer.Ordinal).Select(g => (g.Key, g.Count())).ToList();
        if (classes.Count < 2)
            throw new InvalidDataException($"The image folder '{path}' has one class only ('{classes[0].Key}'); a multiclass task needs at least two class " +
                "subfolders. Add a subfolder of images for each other class.");
        ImageSet images = ImageData.Summarise(TableReadOptions.FolderImageColumn, System.IO.Path.GetFullPath(path),
            rows.Select(r => (r.Path, $"The image folder '{path}', class '{r.Class}'")).ToList(), classes);
        TableColumn[] columns =
        [
            new(0, TableReadOptions.FolderImageColumn, ColumnValues.ImagePath, ColumnPurpose.Feature, null, 0, Math.Min(rows.Count, DistinctLimit)),
            new(1, label.Column, ColumnValues.Category, ColumnPurpose.Label, TaskKind.Multiclass, 0, classes.Count) { SuggestedKind = TaskKind.Multiclass },
        ];
        return new TableSchema(path, ',', hasHeader: false, rows.Count, columns, [columns[0].Name, columns[1].Name])
        {
            Labels = [columns[1]],
            Images = images,
            FolderRows = rows,
        };
    }

    // Names the user typed that the header lacks, each with the columns there are.
    private static void CheckNamed(string path, string[] header, TableReadOptions options)
    {
        string columns = string.Join(", ", header);
        foreach (LabelRequest label in options.Labels)
        {
            if (!header.Contains(label.Column, StringComparer.Ordinal))
                throw new ArgumentException($"The label column '{label.Column}' is not in the header of '{path}'; its columns are: {columns}. " +
                    "Check the spelling (names are case-sensitive), the --separator, or --has-header false (columns are then col0, col1, …).");
            if (options.IgnoreColumns.Contains(label.Column, StringComparer.Ordinal))
                throw new ArgumentException($"'{label.Column}' is both a --label and in --ignore-cols; drop it from one of them.");
        }
        foreach (string ignored in options.IgnoreColumns)
            if (!header.Contains(ignored, StringComparer.Ordinal))
                throw new ArgumentException($"--ignore-cols names '{ignored}', which is not in the header of '{path}'; its columns are: {columns}.");
    }

    private static TaskKind LabelKind(string path, TableColumn column, ColumnStats s, TaskKind? requested, long rows)
    {
        string where = $"The label column '{column.Name}' of '{path}'";
        if (s.Missing == rows)
            throw new InvalidDataException($"{where} has no labelled rows: all {rows} values are empty or a missing marker (NA, N/A, NaN, ?, null). " +
                "Fill in the column or pick another --label.");
        if (s.Distinct.Count == 1)
            throw new InvalidDataException($"{where} holds one value only ('{s.Distinct.First()}') in every labelled row: there is nothing to learn. " +
                "Pick another --label, or add rows with other values.");
        TaskKind kind = requested ?? InferredKind(column.Values, s);
        if (kind == TaskKind.Regression && !s.AllNumbers)
            throw new InvalidDataException($"{where} is a regression label, but line {s.FirstTextLine} holds '{s.FirstText}', which is not a number. " +
                "A regression label needs numbers (empty or NA where a row is not labelled): fix that line, or learn the column as classes with " +
                $"--label {column.Name}:multiclass.");
        if (kind == TaskKind.Binary && s.Distinct.Count != 2)
            throw new InvalidDataException($"{where} is a binary label but has {(s.Distinct.Count >= DistinctLimit ? $"more than {DistinctLimit}" : s.Distinct.Count)} distinct values " +
                $"({string.Join(", ", s.Distinct.Take(5))}{(s.Distinct.Count > 5 ? ", …" : "")}); a binary label needs exactly two. Use --label {column.Name}:multiclass.");
        return kind;
    }

    // A NUL byte near the start means binary data (an image, a zip, a spreadsheet), not lines of text: refuse it before
    // reading its "columns". UTF-16 text, which has NUL bytes, announces itself with a byte-order mark.
    private static void RequireText(string path)
    {
        Span<byte> head = stackalloc byte[4096];
        int read;
        using (FileStream file = File.OpenRead(path)) read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        bool utf16 = read >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF));
        if (!utf16 && head[..read].Contains((byte)0))
            throw new InvalidDataException($"'{path}' is not a table: it holds binary data, not lines of text. Pass a CSV or TSV file (or a folder of images).");
    }

    // The kind of a label given without one: two true/false-like values → binary; integers with few values or text → multiclass; other numbers → regression.
    private static TaskKind InferredKind(ColumnValues values, ColumnStats s) => values switch
    {
        ColumnValues.Boolean => TaskKind.Binary,
        ColumnValues.Number => s.AllIntegers && s.Distinct.Count <= MaxIntegerClasses ? TaskKind.Multiclass : TaskKind.Regression,
        _ => TaskKind.Multiclass,
    };

    /// <summary>
    /// The two values of a binary label in key order, false first (key 1) then true (key 2): true/false-like pairs in
    /// their meaning, any other two values in ordinal order (the second is the positive class).
    /// </summary>
    public static (string False, string True) BinaryOrder(string a, string b)
    {
        foreach ((string f, string t) in BooleanPairs)
        {
            if (a.Trim().Equals(f, StringComparison.OrdinalIgnoreCase) && b.Trim().Equals(t, StringComparison.OrdinalIgnoreCase)) return (a, b);
            if (b.Trim().Equals(f, StringComparison.OrdinalIgnoreCase) && a.Trim().Equals(t, StringComparison.OrdinalIgnoreCase)) return (b, a);
        }
        return string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
    }

    private static char InferSeparator(string path, string firstLine)
    {
        char[] candidates = [',', '\t', ';', '|'];
        (char c, int n) best = candidates.Select(c => (c, n: SplitFields(firstLine, c).Count - 1)).MaxBy(p => p.n);
        if (best.n > 0) return best.c;
        string extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        return extension is ".tsv" or ".tab" ? '\t' : ',';
    }

    private static string Printable(char c) => c == '\t' ? "\\t" : c.ToString();

    /// <summary>Splits one line into fields; a field in double quotes may hold the separator and doubled quotes ("").</summary>
    internal static List<string> SplitFields(string line, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"' && field.ToString().Trim().Length == 0) { field.Clear(); quoted = true; }
            else if (c == separator) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }

    // What one pass over a column learns: missing count, whether every value is a number (an integer), distinct values, words.
    private sealed class ColumnStats
    {
        public long Missing;
        public long Present;
        public bool AllNumbers = true;
        public bool AllIntegers = true;
        public readonly HashSet<string> Distinct = new(StringComparer.Ordinal);
        public long Words;
        public long FirstTextLine;
        public string? FirstText;

        // (line, value) of every present value while each ends in an image extension; null once one does not.
        public List<(long Line, string Value)>? ImagePaths = [];
        public long FirstMissingLine;

        public void Add(string value, long line)
        {
            if (IsMissing(value))
            {
                if (Missing++ == 0) FirstMissingLine = line;
                return;
            }
            Present++;
            string trimmed = value.Trim();
            if (ImagePaths is not null)
            {
                if (ImageData.HasImageExtension(trimmed)) ImagePaths.Add((line, trimmed));
                else ImagePaths = null;
            }
            if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                if (AllIntegers && (Math.Floor(number) != number || double.IsInfinity(number))) AllIntegers = false;
            }
            else
            {
                if (AllNumbers) { FirstTextLine = line; FirstText = value; }
                AllNumbers = false;
                AllIntegers = false;
            }
            if (Distinct.Count < DistinctLimit) Distinct.Add(value);
            Words += trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        }

        public ColumnValues Classify()
        {
            if (Distinct.Count == 2)
            {
                string[] two = Distinct.ToArray();
                foreach ((string f, string t) in BooleanPairs)
                    if (two.All(v => v.Trim().Equals(f, StringComparison.OrdinalIgnoreCase) || v.Trim().Equals(t, StringComparison.OrdinalIgnoreCase))
                        && !two[0].Trim().Equals(two[1].Trim(), StringComparison.OrdinalIgnoreCase))
                        return ColumnValues.Boolean;
            }
            if (Present == 0 || AllNumbers) return ColumnValues.Number;
            if (ImagePaths is not null) return ColumnValues.ImagePath;
            // Several words per value, or nearly one value per row (names, descriptions): free text, not categories.
            bool manyWords = Words >= 3 * Present;
            bool mostlyUnique = Distinct.Count > Math.Max(50, Present / 2);
            return manyWords || mostlyUnique ? ColumnValues.Text : ColumnValues.Category;
        }
    }
}
