namespace Afirgen.TaskProcessor.AfirgenTasks.Storage;

/// <summary>
/// Where reports and archives are written: Azure Blob Storage (<see cref="AzureBlobStore"/>; Azurite in
/// tests) or, for the local demo only, a folder.
/// </summary>
public interface IBlobStore
{
    /// <summary>Writes (or overwrites) <paramref name="name"/> in <paramref name="container"/>, creating the container if needed.</summary>
    Task UploadAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>The blob's content, or null when it does not exist.</summary>
    Task<byte[]?> DownloadAsync(string container, string name, CancellationToken cancellationToken);

    /// <summary>The blobs whose names start with <paramref name="prefix"/> (none when the container does not exist).</summary>
    IAsyncEnumerable<StoredBlob> ListAsync(string container, string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes the blob; false when it was already gone.</summary>
    Task<bool> DeleteAsync(string container, string name, CancellationToken cancellationToken);
}
