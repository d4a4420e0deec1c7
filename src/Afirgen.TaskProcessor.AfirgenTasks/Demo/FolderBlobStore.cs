using System.Runtime.CompilerServices;
using System.Text.Json;
using Afirgen.TaskProcessor.AfirgenTasks.Storage;

namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>
/// The local demo's stand-in for Blob Storage: <c>&lt;output&gt;/blobs/&lt;container&gt;/&lt;name&gt;</c> on disk, so a
/// newcomer can open the PDF. Metadata goes to a <c>.metadata.json</c> file beside each blob.
/// </summary>
public sealed class FolderBlobStore(string root) : IBlobStore
{
    private const string MetadataSuffix = ".metadata.json";

    public async Task UploadAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var path = PathOf(container, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, content.ToArray(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(path + MetadataSuffix, JsonSerializer.Serialize(metadata.Append(new("content_type", contentType)).ToDictionary()), cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?> DownloadAsync(string container, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(container, name);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, container);
        if (!Directory.Exists(folder)) yield break;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            if (name.EndsWith(MetadataSuffix, StringComparison.Ordinal) || !name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var info = new FileInfo(file);
            yield return new StoredBlob(container, name, info.LastWriteTimeUtc, info.Length);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<bool> DeleteAsync(string container, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(container, name);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        File.Delete(path + MetadataSuffix);
        return Task.FromResult(true);
    }

    private string PathOf(string container, string name)
    {
        var path = Path.GetFullPath(Path.Combine(root, container, name));
        if (!path.StartsWith(Path.GetFullPath(root), StringComparison.Ordinal))
        {
            throw new ArgumentException($"The blob name '{name}' leaves the demo output folder.");
        }
        return path;
    }
}
