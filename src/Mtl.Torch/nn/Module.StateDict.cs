using Mtl.Torch.Modules;

namespace Mtl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public abstract partial class Module
        {
            /// <summary>
            /// The module's state: parameters and persistent buffers under dotted names ("fc1.weight", "bn.running_mean"),
            /// ordered as PyTorch orders them (this module's parameters, then its buffers, then each child's state). The values
            /// are the module's own tensors, not copies.
            /// </summary>
            public virtual Dictionary<string, Tensor> state_dict()
            {
                ThrowIfDisposed();
                var destination = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                AddState(destination, "");
                return destination;
            }

            private void AddState(Dictionary<string, Tensor> destination, string prefix)
            {
                foreach (var (n, p) in parameters_) destination.TryAdd(prefix + n, p);
                foreach (var (n, b) in buffers_)
                    if (!nonPersistentBuffers.Contains(n)) destination.TryAdd(prefix + n, b);
                foreach (var (n, child) in children_) child.AddState(destination, $"{prefix}{n}.");
            }

            /// <summary>
            /// Copies values from <paramref name="source"/> into this module's parameters and buffers (converting the element
            /// type when it differs). Everything is checked before anything is copied: with <paramref name="strict"/>, missing
            /// and unexpected keys are an error; a shape mismatch is always an error naming the key and both shapes.
            /// </summary>
            /// <returns>The keys this module has that the source lacks, and the source keys this module does not have.</returns>
            public virtual (IList<string> missing_keys, IList<string> unexpected_keys) load_state_dict(Dictionary<string, Tensor> source, bool strict = true)
            {
                ArgumentNullException.ThrowIfNull(source);
                Dictionary<string, Tensor> destination = state_dict();
                var (missing, unexpected) = CompareKeys(destination.Keys, source.Keys, strict, "the given state_dict");
                var mismatches = new List<string>();
                foreach (var (key, target) in destination)
                {
                    if (!source.TryGetValue(key, out Tensor? value)) continue;
                    if (!value.shape.SequenceEqual(target.shape))
                        mismatches.Add($"'{key}': the module has shape {ShapeText(target.shape)}, the state_dict has {ShapeText(value.shape)}");
                }
                if (mismatches.Count > 0)
                    throw new ArgumentException($"Cannot load the state_dict into module '{name}': shape mismatch for {string.Join("; ", mismatches)}.", nameof(source));
                using (no_grad())
                {
                    foreach (var (key, target) in destination)
                        if (source.TryGetValue(key, out Tensor? value)) target.copy_(value);
                }
                return (missing, unexpected);
            }

            private (List<string> missing, List<string> unexpected) CompareKeys(IEnumerable<string> own, IEnumerable<string> given, bool strict, string what)
            {
                var ownSet = new HashSet<string>(own, StringComparer.Ordinal);
                var givenSet = new HashSet<string>(given, StringComparer.Ordinal);
                var missing = ownSet.Where(k => !givenSet.Contains(k)).ToList();
                var unexpected = givenSet.Where(k => !ownSet.Contains(k)).ToList();
                if (strict && (missing.Count > 0 || unexpected.Count > 0))
                {
                    var parts = new List<string>();
                    if (missing.Count > 0) parts.Add("missing keys " + string.Join(", ", missing.Select(k => $"'{k}'")));
                    if (unexpected.Count > 0) parts.Add("unexpected keys " + string.Join(", ", unexpected.Select(k => $"'{k}'")));
                    throw new ArgumentException(
                        $"Cannot load {what} into module '{name}': {string.Join("; ", parts)}. " +
                        "The weights come from a different architecture; pass strict: false to load only the keys that match.");
                }
                return (missing, unexpected);
            }

            private static string ShapeText(long[] shape) => "[" + string.Join(", ", shape) + "]";

            // ---------------- files ----------------

            /// <summary>
            /// Writes <see cref="state_dict"/> to a file in TorchSharp's state-dict format, which TorchSharp's <c>Module.load</c>
            /// reads. The file is replaced atomically: a failed save leaves any previous file untouched.
            /// </summary>
            /// <remarks>
            /// Format (no header, no padding): the entry count as unsigned LEB128; then per entry the key as
            /// <see cref="BinaryWriter.Write(string)"/> writes it (7-bit-encoded byte length, UTF-8 bytes), the element type as
            /// LEB128 of its <see cref="ScalarType"/> code, the number of dimensions as LEB128, each dimension as LEB128, and
            /// the elements' raw little-endian bytes in row-major order.
            /// </remarks>
            public Module save(string location)
            {
                ArgumentException.ThrowIfNullOrEmpty(location);
                string full = Path.GetFullPath(location);
                string temporary = full + ".tmp-" + Guid.NewGuid().ToString("N");
                try
                {
                    using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                    {
                        save(stream);
                        stream.Flush(flushToDisk: true);
                    }
                    File.Move(temporary, full, overwrite: true);
                }
                finally
                {
                    if (File.Exists(temporary)) File.Delete(temporary);
                }
                return this;
            }

            /// <summary>Writes <see cref="state_dict"/> to a stream in TorchSharp's state-dict format; the stream stays open.</summary>
            public Module save(Stream stream)
            {
                ArgumentNullException.ThrowIfNull(stream);
                StateDictFile.Write(stream, state_dict());
                return this;
            }

            /// <summary>
            /// Loads parameters and buffers from a file written by <see cref="save(string)"/> (or by TorchSharp). The whole file is
            /// validated against this module first (format, truncation, keys, element types, shapes); on any error nothing
            /// is changed and the exception names the file and the offending key.
            /// </summary>
            /// <exception cref="FileNotFoundException">No file at <paramref name="location"/>.</exception>
            /// <exception cref="InvalidDataException">The file is truncated or not a state-dict file.</exception>
            /// <exception cref="ArgumentException">The file's keys, types or shapes do not match this module.</exception>
            public virtual Module load(string location, bool strict = true)
            {
                ArgumentException.ThrowIfNullOrEmpty(location);
                if (!File.Exists(location))
                    throw new FileNotFoundException($"The weights file '{location}' does not exist.", location);
                return LoadFrom(File.ReadAllBytes(location), $"The weights file '{location}'", strict);
            }

            /// <summary>Loads parameters and buffers from a stream (read to its end); see <see cref="load(string, bool)"/>.</summary>
            public virtual Module load(Stream stream, bool strict = true)
            {
                ArgumentNullException.ThrowIfNull(stream);
                return LoadFrom(StateDictFile.ReadToEnd(stream), "The weights stream", strict);
            }

            private Module LoadFrom(byte[] data, string source, bool strict)
            {
                ThrowIfDisposed();
                List<StateDictFile.Entry> entries = StateDictFile.Read(data, source);
                Dictionary<string, Tensor> destination = state_dict();
                CompareKeys(destination.Keys, entries.Select(e => e.Name), strict, source);
                var problems = new List<string>();
                foreach (StateDictFile.Entry e in entries)
                {
                    if (!destination.TryGetValue(e.Name, out Tensor? target)) continue;
                    if (e.Type != target.dtype)
                        problems.Add($"'{e.Name}' is {e.Type} in the file but {target.dtype} in the module");
                    else if (!e.Shape.SequenceEqual(target.shape))
                        problems.Add($"'{e.Name}' has shape {e.ShapeText} in the file but {ShapeText(target.shape)} in the module");
                }
                if (problems.Count > 0)
                    throw new ArgumentException(
                        $"{source} does not fit module '{name}': {string.Join("; ", problems)}. It was saved from a different architecture or configuration.");
                using (no_grad())
                {
                    foreach (StateDictFile.Entry e in entries)
                    {
                        if (!destination.TryGetValue(e.Name, out Tensor? target)) continue;
                        using Tensor loaded = Tensor.FromBytes(e.Data.Span, e.Type, e.Shape);
                        target.copy_(loaded);
                    }
                }
                return this;
            }
        }
    }
}
