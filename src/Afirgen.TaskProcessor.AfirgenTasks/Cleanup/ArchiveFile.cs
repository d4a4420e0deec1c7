using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.AfirgenTasks.Cleanup;

/// <summary>An archive blob's content: one JSON object per line (a full <c>fir_records</c> row), gzip-compressed, with its SHA-256.</summary>
public static class ArchiveFile
{
    public static (byte[] Content, string Sha256) Create(IEnumerable<JsonObject> rows)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            foreach (var row in rows)
            {
                writer.WriteLine(row.ToJsonString());
            }
        }
        var content = output.ToArray();
        return (content, Sha256(content));
    }

    /// <summary>Lowercase hex SHA-256 of the compressed bytes, as stored in the blob's metadata and the ledger.</summary>
    public static string Sha256(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>The rows of an archive blob (for verification and restores).</summary>
    public static IReadOnlyList<JsonObject> Read(byte[] content)
    {
        using var gzip = new GZipStream(new MemoryStream(content), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var rows = new List<JsonObject>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0) rows.Add(JsonNode.Parse(line)!.AsObject());
        }
        return rows;
    }
}
