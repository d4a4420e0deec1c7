using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Afirgen.TaskProcessor.AfirgenTasks.Storage;

/// <summary><see cref="IBlobStore"/> on Azure Blob Storage (and Azurite).</summary>
public sealed class AzureBlobStore(BlobServiceClient service) : IBlobStore
{
    // Containers known to exist: one CreateIfNotExists per container and process, not per upload.
    private readonly ConcurrentDictionary<string, bool> _created = new(StringComparer.Ordinal);

    public async Task UploadAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var client = service.GetBlobContainerClient(container);
        if (!_created.ContainsKey(container))
        {
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _created[container] = true;
        }
        // No condition: an upload replaces the blob, so a task repeated with the same id overwrites its own output.
        await client.GetBlobClient(name).UploadAsync(new BinaryData(content), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Metadata = metadata.ToDictionary(),
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?> DownloadAsync(string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            var result = await service.GetBlobContainerClient(container).GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = service.GetBlobContainerClient(container);
        if (!await client.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }
        await foreach (var item in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredBlob(container, item.Name, item.Properties.LastModified ?? DateTimeOffset.MinValue, item.Properties.ContentLength ?? 0);
        }
    }

    public async Task<bool> DeleteAsync(string container, string name, CancellationToken cancellationToken)
    {
        var response = await service.GetBlobContainerClient(container).GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Value;
    }
}
