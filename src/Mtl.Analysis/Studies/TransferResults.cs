namespace Mtl.Analysis.Studies;

/// <summary>One clean training run of the learning-rate grid.</summary>
internal sealed record TransferSelectionRun(int Seed, TransferModel Model, double LearningRate, double ValidationMetric, int SelectedEpoch,
    double Seconds, bool Chosen);

/// <summary>One fine-tuning run of the heads on corrupted data.</summary>
internal sealed record TransferFineTuneRun(int Seed, TransferModel Model, double LearningRate, double FirstEpochLoss, double LastEpochLoss, double Seconds);

/// <summary>Everything the transfer study measured, keyed by (seed, model, task); the report is built from it.</summary>
internal sealed class TransferResults
{
    public TransferResults(TransferProtocol protocol, string dataset, IReadOnlyList<string> tasks, IReadOnlyList<TransferModel> models, IReadOnlyList<int> seeds)
    {
        Protocol = protocol;
        Dataset = dataset;
        Tasks = tasks;
        Models = models;
        Seeds = seeds;
    }

    public TransferProtocol Protocol { get; }
    public string Dataset { get; }
    public IReadOnlyList<string> Tasks { get; }
    public IReadOnlyList<TransferModel> Models { get; }
    public IReadOnlyList<int> Seeds { get; }
    public List<TransferSelectionRun> Selections { get; } = new();
    public List<TransferFineTuneRun> FineTunes { get; } = new();

    /// <summary>Clean test metric of the selected clean model, before fine-tuning.</summary>
    public Dictionary<(int Seed, string Model, string Task), double> BeforeFineTuning { get; } = new();

    /// <summary>The fine-tuned model's metric on clean test data.</summary>
    public Dictionary<(int Seed, string Model, string Task), double> Clean { get; } = new();

    /// <summary>The fine-tuned model's metric under each condition.</summary>
    public Dictionary<(int Seed, string Model, string Task), Dictionary<TransferCondition, double>> Corrupted { get; } = new();

    /// <summary>Whether each task's metric is better when higher.</summary>
    public Dictionary<string, bool> HigherIsBetter { get; } = new();

    /// <summary>The fine-tuned model's scores on a task.</summary>
    public TransferScores Scores(int seed, TransferModel model, string task) =>
        new(Clean[(seed, model.Name, task)], Corrupted[(seed, model.Name, task)]);

    /// <summary>The STL model of a task.</summary>
    public TransferModel SingleTask(string task) => Models.Single(m => !m.IsMultiTask && m.Tasks[0] == task);

    /// <summary>δ of an MTL model on a task, per seed.</summary>
    public double[] Deltas(TransferModel mtl, string task) =>
        Seeds.Select(s => TransferDelta.Of(Scores(s, mtl, task), Scores(s, SingleTask(task), task), HigherIsBetter[task])).ToArray();
}
