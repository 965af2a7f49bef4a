using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

public abstract partial class MtlMethod
{
    private const int StateVersion = 1;

    /// <summary>
    /// Writes everything the method has learned (its learnable parameters' values and the state of
    /// <see cref="OnWriteState"/>: EMA targets, loss history, Nash α, …) so that <see cref="ReadState"/> on a fresh
    /// instance continues bit-exactly. Optimizer moments of the parameters are the optimizer's state, not the method's.
    /// </summary>
    /// <param name="writer">Destination.</param>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(StateVersion);
        writer.Write(Name);
        writer.Write(TaskCount);
        var parameters = Parameters().ToArray();
        writer.Write(parameters.Length);
        foreach (var parameter in parameters)
            parameter.Save(writer);
        OnWriteState(writer);
    }

    /// <summary>
    /// Restores what <see cref="WriteState"/> wrote, into a method of the same kind and settings. Atomic: when the stream
    /// is damaged or was written by another method, nothing is changed and an <see cref="InvalidDataException"/> says why.
    /// </summary>
    /// <param name="reader">Source, positioned at the state.</param>
    /// <exception cref="InvalidDataException">A damaged stream, another method's state, or another task count.</exception>
    /// <exception cref="InvalidOperationException">The method is not initialised (call <see cref="Initialize"/> first).</exception>
    public void ReadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (TaskCount == 0)
            throw new InvalidOperationException($"Initialize the MTL method '{Name}' with the task count before reading its saved state.");
        // Keep the current state so a failure halfway leaves the method as it was.
        using var backup = new MemoryStream();
        using (var backupWriter = new BinaryWriter(backup, System.Text.Encoding.UTF8, leaveOpen: true))
            WriteState(backupWriter);
        try
        {
            ReadStateCore(reader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            backup.Position = 0;
            using (var restore = new BinaryReader(backup, System.Text.Encoding.UTF8, leaveOpen: true))
                ReadStateCore(restore);
            throw e is InvalidDataException ? e : new InvalidDataException(
                $"The saved state of MTL method '{Name}' could not be read ({e.Message}); the method keeps its current state. The checkpoint is damaged or was written by another version.", e);
        }
    }

    private void ReadStateCore(BinaryReader reader)
    {
        int version = reader.ReadInt32();
        if (version != StateVersion)
            throw new InvalidDataException($"The saved MTL method state has version {version}; this build reads version {StateVersion}.");
        string name = reader.ReadString();
        if (name != Name)
            throw new InvalidDataException($"The saved state belongs to MTL method '{name}', not '{Name}'; resume with the method the checkpoint was trained with.");
        int tasks = reader.ReadInt32();
        if (tasks != TaskCount)
            throw new InvalidDataException($"The saved state of '{Name}' is for {tasks} tasks but the method has {TaskCount}.");
        var parameters = Parameters().ToArray();
        int count = reader.ReadInt32();
        if (count != parameters.Length)
            throw new InvalidDataException($"The saved state of '{Name}' holds {count} learnable parameter(s) but the method has {parameters.Length}.");
        foreach (var parameter in parameters)
            parameter.Load(reader);
        OnReadState(reader);
    }

    /// <summary>Writes the method's own state beyond its <see cref="Parameters"/> (default: nothing).</summary>
    /// <param name="writer">Destination.</param>
    protected virtual void OnWriteState(BinaryWriter writer)
    {
    }

    /// <summary>Reads what <see cref="OnWriteState"/> wrote; throw <see cref="InvalidDataException"/> for values that cannot be right.</summary>
    /// <param name="reader">Source.</param>
    protected virtual void OnReadState(BinaryReader reader)
    {
    }
}
