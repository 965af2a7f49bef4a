using Mtl.Trainers;

namespace Mtl.Analysis.AutoTrain;

/// <summary>One trial the search will train: its place in the search, its candidate and rung, and its configuration.</summary>
/// <param name="Number">1-based position in the trial sequence.</param>
/// <param name="Candidate">The candidate (<see cref="SearchSpace.Sample"/> index) it trains.</param>
/// <param name="Bracket">The successive-halving bracket it belongs to (0-based).</param>
/// <param name="Rung">The rung within the bracket (0 = the cheapest).</param>
/// <param name="Config">The configuration, with the rung's epochs.</param>
public sealed record TrialPlan(int Number, int Candidate, int Bracket, int Rung, TrainingConfig Config);

/// <summary>What the search needs to know of a finished trial to plan the next: its candidate, rung and validation score.</summary>
/// <param name="Candidate">The candidate it trained.</param>
/// <param name="Rung">Its rung.</param>
/// <param name="Score">The validation selection score (higher is better), or null when it diverged or could not run.</param>
public sealed record TrialOutcome(int Candidate, int Rung, double? Score);

/// <summary>
/// The search strategy: successive halving with η = 3 in Hyperband's brackets, the most cautious first, repeated until the
/// time runs out. Bracket b (b = 0, 1, 2, …, at most <see cref="MaxBracketSize"/>) draws 3^b new candidates and trains them
/// for the full epochs / 3^b; the best third by validation score trains again for three times the epochs, and so on up to
/// the full epochs (the trainer's automatic count for the table, with its early stopping). Bracket 0 is the trainer's
/// defaults at the full epochs, so the search never ends with less than the plain run it replaces; bracket b costs about
/// b + 1 full trainings, so a small budget gets safe full trainings and a large one explores many cheap candidates and
/// spends most of its time on the promising ones. The next trial is a pure function of the seed and the outcomes so far:
/// a rerun with the same seed plans the same trials in the same order, and a resumed run continues the same sequence.
/// </summary>
public sealed class SuccessiveHalving
{
    /// <summary>The halving rate: a rung keeps the best 1/η of the one below.</summary>
    public const int Eta = 3;

    /// <summary>
    /// The largest bracket: 3^4 = 81 candidates over five rungs, or fewer when the cheapest rung would train less than one
    /// epoch (a rung that trains no more epochs than the one below would repeat its trials); later brackets repeat that size.
    /// </summary>
    public const int MaxBracketSize = 4;

    private readonly SearchSpace space;
    private readonly int seed;
    private readonly int fullEpochs;

    /// <summary>A search over <paramref name="space"/> with <paramref name="seed"/>; the top rung of every bracket trains <paramref name="fullEpochs"/>.</summary>
    public SuccessiveHalving(SearchSpace space, int seed, int fullEpochs)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfLessThan(fullEpochs, 1);
        this.space = space;
        this.seed = seed;
        this.fullEpochs = fullEpochs;
        while (largest < MaxBracketSize && Pow(largest + 1) <= fullEpochs) largest++;
    }

    private readonly int largest;

    /// <summary>The full epochs: what the top rung of every bracket trains.</summary>
    public int FullEpochs => fullEpochs;

    /// <summary>Epochs of rung <paramref name="rung"/> in a bracket of size <paramref name="size"/>: full / 3^(size − rung), at least 1.</summary>
    public int EpochsAt(int size, int rung)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rung);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rung, size);
        int divisor = Pow(size - rung);
        return Math.Max(1, (fullEpochs + divisor - 1) / divisor);
    }

    /// <summary>
    /// The size of bracket <paramref name="bracket"/>: min(bracket, <see cref="MaxBracketSize"/>, ⌊log₃ full epochs⌋), so
    /// every rung trains more epochs than the one below.
    /// </summary>
    public int SizeOf(int bracket) => Math.Min(bracket, largest);

    /// <summary>Trials in a bracket of size <paramref name="size"/>: 3^size + 3^(size−1) + … + 1.</summary>
    public static int TrialsIn(int size) => Enumerable.Range(0, size + 1).Sum(Pow);

    /// <summary>
    /// The trial after <paramref name="done"/> (the outcomes of trials 1 … k in order): trial k + 1.
    /// </summary>
    /// <exception cref="ArgumentException">The outcomes are not the ones this search planned (another seed, space or order).</exception>
    public TrialPlan Next(IReadOnlyList<TrialOutcome> done)
    {
        ArgumentNullException.ThrowIfNull(done);
        int bracket = 0, start = 0, firstCandidate = 0;
        while (start + TrialsIn(SizeOf(bracket)) <= done.Count)
        {
            start += TrialsIn(SizeOf(bracket));
            firstCandidate += Pow(SizeOf(bracket));
            bracket++;
        }
        int size = SizeOf(bracket), position = done.Count - start, rung = 0;
        while (position >= Pow(size - rung))
        {
            position -= Pow(size - rung);
            rung++;
        }
        IReadOnlyList<TrialOutcome> inBracket = done.Skip(start).ToList();
        int candidate = rung == 0 ? firstCandidate + position : Ranked(inBracket, rung - 1, Pow(size - rung + 1))[position];
        TrainingConfig config = space.Sample(seed, candidate) with { Epochs = EpochsAt(size, rung) };
        return new TrialPlan(done.Count + 1, candidate, bracket, rung, config);
    }

    // The candidates of a rung, best validation score first (failed last; ties by candidate, so the order is total).
    private static int[] Ranked(IReadOnlyList<TrialOutcome> bracket, int rung, int expected)
    {
        TrialOutcome[] outcomes = bracket.Where(o => o.Rung == rung).ToArray();
        if (outcomes.Length != expected)
            throw new ArgumentException($"Rung {rung} of the bracket has {outcomes.Length} finished trials where the search plans {expected}; the trial history is not this search's.");
        return outcomes.OrderByDescending(o => o.Score ?? double.NegativeInfinity).ThenBy(o => o.Candidate).Select(o => o.Candidate).ToArray();
    }

    private static int Pow(int k) => (int)Math.Pow(Eta, k);
}
