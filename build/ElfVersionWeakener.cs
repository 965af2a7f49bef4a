// Marks one version requirement (a Vernaux entry of SHT_GNU_verneed) of an ELF64 little-endian shared library as
// weak (VER_FLG_WEAK), so that the dynamic loader accepts a libstdc++ that lacks that version. Used by the build on
// the output copy of TorchSharp's libLibTorchSharp.so (see DESIGN.md, "Debian 12 and TorchSharp"); compiled both as
// an MSBuild inline task (build/TorchSharpNative.targets) and into the tests.
using System;
using System.IO;
using System.Text;

namespace MtlMlNet.Build
{
    /// <summary>Outcome of <see cref="ElfVersionWeakener.Weaken"/>.</summary>
    public enum WeakenResult
    {
        /// <summary>The flag was set now; the file was rewritten (new file renamed over the old one).</summary>
        Patched,
        /// <summary>The requirement was already weak: nothing was written.</summary>
        AlreadyWeak,
        /// <summary>The library does not require that version: nothing was written.</summary>
        NotRequired,
    }

    /// <summary>Sets VER_FLG_WEAK on one version requirement of an ELF64 shared library.</summary>
    public static class ElfVersionWeakener
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlagWeak = 0x2;

        /// <summary>
        /// Finds the file offset of the flags field of the Vernaux entry named <paramref name="version"/>, or -1.
        /// </summary>
        /// <exception cref="InvalidDataException">Not an ELF64 little-endian file, or its tables point outside it.</exception>
        public static long FindVersionFlagsOffset(byte[] elf, string version)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file (bad magic)");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only ELF64 little-endian files are supported");
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            for (int s = 0; s < shnum; s++)
            {
                long sh = shoff + (long)s * shentsize;
                Check(elf, sh, 64);
                if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
                long offset = (long)U64(elf, sh + 0x18);
                uint link = U32(elf, sh + 0x28);
                long strtab = (long)U64(elf, shoff + (long)link * shentsize + 0x18);
                long entry = offset;
                while (true)
                {
                    Check(elf, entry, 16);
                    int count = U16(elf, entry + 2);
                    long aux = entry + U32(elf, entry + 8);
                    for (int a = 0; a < count; a++)
                    {
                        Check(elf, aux, 16);
                        if (CString(elf, strtab + U32(elf, aux + 8)) == version) return aux + 4;
                        uint nextAux = U32(elf, aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = U32(elf, entry + 12);
                    if (next == 0) break;
                    entry += next;
                }
            }
            return -1;
        }

        /// <summary>
        /// Makes the requirement of <paramref name="version"/> in <paramref name="path"/> weak. Writes a new file next to
        /// it and renames it over the original, so a hard link to another copy (the NuGet cache) is never changed.
        /// </summary>
        public static WeakenResult Weaken(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            long flags = FindVersionFlagsOffset(elf, version);
            if (flags < 0) return WeakenResult.NotRequired;
            ushort value = U16(elf, flags);
            if ((value & VerFlagWeak) != 0) return WeakenResult.AlreadyWeak;
            value |= VerFlagWeak;
            // A copy (new inode, same permissions), patched, then renamed over the original: a hard link from the
            // original to the NuGet cache is replaced, never written through. (netstandard2.0 API: the inline task.)
            string temp = path + ".weak-" + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.Copy(path, temp);
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
                {
                    stream.Position = flags;
                    stream.WriteByte((byte)value);
                    stream.WriteByte((byte)(value >> 8));
                }
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            return WeakenResult.Patched;
        }

        private static void Check(byte[] elf, long at, int size)
        {
            if (at < 0 || at + size > elf.Length)
                throw new InvalidDataException($"ELF table at offset {at} lies outside the file ({elf.Length} bytes)");
        }

        private static ushort U16(byte[] b, long at) { Check(b, at, 2); return (ushort)(b[at] | b[at + 1] << 8); }
        private static uint U32(byte[] b, long at) { Check(b, at, 4); return BitConverter.ToUInt32(b, (int)at); }
        private static ulong U64(byte[] b, long at) { Check(b, at, 8); return BitConverter.ToUInt64(b, (int)at); }

        private static string CString(byte[] b, long at)
        {
            Check(b, at, 1);
            long end = at;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
        }
    }
}

#if !ELF_WEAKENER_NO_TASK
namespace MtlMlNet.Build
{
    /// <summary>MSBuild task over <see cref="ElfVersionWeakener"/> (the tests compile the file without it).</summary>
    public sealed class WeakenElfVersionRequirement : Microsoft.Build.Utilities.Task
    {
        /// <summary>The library to patch in place (an output copy).</summary>
        [Microsoft.Build.Framework.Required] public string LibraryPath { get; set; } = "";

        /// <summary>The version requirement to make weak, e.g. GLIBCXX_3.4.32.</summary>
        [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";

        /// <summary>What was done (Patched, AlreadyWeak, NotRequired).</summary>
        [Microsoft.Build.Framework.Output] public string Result { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            try
            {
                Result = ElfVersionWeakener.Weaken(LibraryPath, Version).ToString();
                return true;
            }
            catch (Exception e)
            {
                Log.LogError($"Could not mark {Version} weak in {LibraryPath}: {e.Message}. Delete the output folder and build again.");
                return false;
            }
        }
    }
}
#endif
