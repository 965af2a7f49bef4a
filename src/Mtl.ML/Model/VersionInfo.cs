namespace Mtl.ML;

/// <summary>
/// The version header of a saved component. <see cref="ModelSignature"/> names the format (up to 8 ASCII letters
/// in ML.NET), <see cref="LoaderSignature"/> names the loader (see <see cref="ModelLoaderAttribute"/>).
/// A file with version <c>VerWrittenCur</c> and <c>VerReadableCur</c> can be read by code whose
/// <c>VerWrittenCur</c> is at least the file's <c>VerReadableCur</c> and whose <c>VerWeCanReadBack</c> is at most the file's <c>VerWrittenCur</c>.
/// </summary>
/// <param name="ModelSignature">The format name.</param>
/// <param name="VerWrittenCur">The version this code writes.</param>
/// <param name="VerReadableCur">The oldest code version that can read what this code writes.</param>
/// <param name="VerWeCanReadBack">The oldest file version this code can read.</param>
/// <param name="LoaderAssemblyName">The assembly of the loader (informative).</param>
/// <param name="LoaderSignature">The loader's registered signature.</param>
public sealed record VersionInfo(string ModelSignature, uint VerWrittenCur, uint VerReadableCur, uint VerWeCanReadBack,
    string LoaderAssemblyName, string LoaderSignature);
