using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers;

/// <summary>
/// A parameter's Adam state: its step count and first and second moments, saved and loaded in TorchSharp's optimizer
/// format (step, m, v). The variants decide where the moment tensors live (<see cref="OptimizerState.Initialize"/>).
/// </summary>
internal abstract class AdamMomentState : OptimizerState, IDisposable
{
    /// <summary>Creates the state of <paramref name="parameter"/>; <see cref="OptimizerState.Initialize"/> allocates the moments.</summary>
    protected AdamMomentState(Parameter parameter) : base(parameter)
    {
        ExpAvg = ExpAvgSq = null!;
    }

    /// <summary>Steps taken (the bias corrections' t).</summary>
    public long Step { get; set; }

    /// <summary>First moments m.</summary>
    public Tensor ExpAvg { get; private set; }

    /// <summary>Second moments v.</summary>
    public Tensor ExpAvgSq { get; private set; }

    /// <summary>Replaces the moment tensors (disposing the old ones) and resets the step count.</summary>
    protected void SetMoments(Tensor expAvg, Tensor expAvgSq)
    {
        ExpAvg?.Dispose();
        ExpAvgSq?.Dispose();
        (ExpAvg, ExpAvgSq, Step) = (expAvg, expAvgSq, 0);
    }

    /// <inheritdoc />
    public override void SaveStateDict(BinaryWriter writer)
    {
        writer.Write(Step);
        ExpAvg.Save(writer);
        ExpAvgSq.Save(writer);
    }

    /// <summary>Reads step, m and v in place (the moment tensors keep their storage).</summary>
    /// <exception cref="InvalidDataException">A negative step count.</exception>
    public override void LoadStateDict(BinaryReader reader)
    {
        long step = reader.ReadInt64();
        if (step < 0)
            throw new InvalidDataException($"The saved Adam state has step count {step}; a step count is ≥ 0.");
        ExpAvg.Load(reader);
        ExpAvgSq.Load(reader);
        Step = step;
    }

    /// <inheritdoc />
    public override void LoadStateDict(OptimizerState source)
    {
        var other = (AdamMomentState)source;
        Step = other.Step;
        ExpAvg.copy_(other.ExpAvg);
        ExpAvgSq.copy_(other.ExpAvgSq);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ExpAvg?.Dispose();
        ExpAvgSq?.Dispose();
        GC.SuppressFinalize(this);
    }
}
