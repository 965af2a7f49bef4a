// Marks one version requirement (a Vernaux entry of SHT_GNU_verneed) of an ELF64 little-endian shared library as
// weak (VER_FLG_WEAK), so that the dynamic loader accepts a libstdc++ that lacks that version. Used by the build on
// the output copy of TorchSharp's libLibTorchSharp.so (docs/architecture.md, "Native loading"). One source file,
// compiled three ways: as an MSBuild inline task (MtlMlNet.Trainers.targets, shipped in the package's
// buildTransitive folder), into Mtl.Trainers (internal: it explains a failed native load) and into the build tests.
#nullable disable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MtlMlNet.Build
{
    /// <summary>Outcome of <see cref="ElfVersionWeakener.Weaken"/>.</summary>
#if ELF_WEAKENER_INTERNAL
    internal
#else
    public
#endif
    enum WeakenResult
    {
        /// <summary>The flag was set now; the file was rewritten (new file renamed over the old one).</summary>
        Patched,
        /// <summary>The requirement was already weak: nothing was written.</summary>
        AlreadyWeak,
        /// <summary>The library does not require that version: nothing was written.</summary>
        NotRequired,
        /// <summary>The system's library defines that version, so the requirement is met as it is: nothing was written.</summary>
        SystemProvides,
    }

    /// <summary>Sets VER_FLG_WEAK on one version requirement of an ELF64 shared library.</summary>
#if ELF_WEAKENER_INTERNAL
    internal
#else
    public
#endif
    static class ElfVersionWeakener
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const ushort VerFlagWeak = 0x2;

        /// <summary>Where Linux distributions keep the system's libstdc++ (multiarch first, then the classic lib64/lib).</summary>
        public static readonly string[] LibStdCxxFolders =
        {
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        };

        /// <summary>The first libstdc++.so.6 in <paramref name="folders"/> (default: <see cref="LibStdCxxFolders"/>), or null.</summary>
        public static string FindSystemLibStdCxx(IEnumerable<string> folders = null)
        {
            foreach (string folder in folders ?? LibStdCxxFolders)
            {
                string candidate = Path.Combine(folder, "libstdc++.so.6");
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>
        /// Whether <paramref name="elf"/> defines the symbol version <paramref name="version"/> (a Verdaux name of its
        /// SHT_GNU_verdef section), as libstdc++.so.6 defines GLIBCXX_3.4.30.
        /// </summary>
        /// <exception cref="InvalidDataException">Not an ELF64 little-endian file, or its tables point outside it.</exception>
        public static bool DefinesVersion(byte[] elf, string version)
        {
            foreach ((long entry0, long strtab) in Sections(elf, ShtGnuVerdef))
            {
                long entry = entry0;
                while (true)
                {
                    Check(elf, entry, 20);
                    // Verdef: vd_version, vd_flags, vd_ndx, vd_cnt (u16 each), vd_hash, vd_aux, vd_next (u32 each);
                    // its first Verdaux (vda_name, vda_next) names the version it defines.
                    long aux = entry + U32(elf, entry + 12);
                    Check(elf, aux, 8);
                    if (CString(elf, strtab + U32(elf, aux)) == version) return true;
                    uint next = U32(elf, entry + 16);
                    if (next == 0) break;
                    entry += next;
                }
            }
            return false;
        }

        /// <summary>
        /// Finds the file offset of the flags field of the Vernaux entry named <paramref name="version"/>, or -1.
        /// </summary>
        /// <exception cref="InvalidDataException">Not an ELF64 little-endian file, or its tables point outside it.</exception>
        public static long FindVersionFlagsOffset(byte[] elf, string version)
        {
            foreach ((long offset, long strtab) in Sections(elf, ShtGnuVerneed))
            {
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
        /// Makes the requirement of <paramref name="version"/> in <paramref name="path"/> weak, unless
        /// <paramref name="systemLibrary"/> (e.g. the system's libstdc++.so.6; null: do not check) defines that version.
        /// Writes a new file next to the library and renames it over the original, so a hard link to another copy (the
        /// NuGet cache) is never changed.
        /// </summary>
        public static WeakenResult Weaken(string path, string version, string systemLibrary = null)
        {
            if (systemLibrary != null && DefinesVersion(File.ReadAllBytes(systemLibrary), version)) return WeakenResult.SystemProvides;
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

        /// <summary>Every section of <paramref name="type"/>: its data's file offset and that of its linked string table.</summary>
        private static IEnumerable<(long Offset, long StringTable)> Sections(byte[] elf, uint type)
        {
            CheckHeader(elf);
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            for (int s = 0; s < shnum; s++)
            {
                long sh = shoff + (long)s * shentsize;
                Check(elf, sh, 64);
                if (U32(elf, sh + 4) != type) continue;
                uint link = U32(elf, sh + 0x28);
                yield return ((long)U64(elf, sh + 0x18), (long)U64(elf, shoff + (long)link * shentsize + 0x18));
            }
        }

        private static void CheckHeader(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file (bad magic)");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only ELF64 little-endian files are supported");
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

        /// <summary>
        /// "auto" (default): only where the system's libstdc++.so.6 lacks the version (or none is found); "always"; or
        /// "never" (nothing is done).
        /// </summary>
        public string When { get; set; } = "auto";

        /// <summary>What was done (Patched, AlreadyWeak, NotRequired, SystemProvides, Skipped).</summary>
        [Microsoft.Build.Framework.Output] public string Result { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            try
            {
                switch ((When ?? "auto").Trim().ToLowerInvariant())
                {
                    case "never":
                        Result = "Skipped";
                        return true;
                    case "always":
                        Result = ElfVersionWeakener.Weaken(LibraryPath, Version).ToString();
                        return true;
                    case "auto":
                    case "":
                        Result = ElfVersionWeakener.Weaken(LibraryPath, Version, ElfVersionWeakener.FindSystemLibStdCxx()).ToString();
                        return true;
                    default:
                        Log.LogError($"MtlMlNetWeakenGlibcxx is '{When}'; use auto (the default), always or never.");
                        return false;
                }
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
