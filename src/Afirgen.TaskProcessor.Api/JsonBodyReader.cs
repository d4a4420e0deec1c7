using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Afirgen.TaskProcessor.Engine.Messages;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Afirgen.TaskProcessor.Api;

/// <summary>
/// Reads the body of every state-changing route, in both hosts, so each route answers the same 4xx problem
/// document for the same mistake: a body larger than the API takes (413, decided before reading it, so a huge
/// body is answered rather than reset), a body not declared as JSON (415: JSON only, since a browser may send
/// <c>text/plain</c> or a form to any site without asking, and only the JSON type is held back for a same-origin
/// check), bytes that are not UTF-8, text that is not JSON or nests too deep, and strings that cannot become
/// .NET strings (an unpaired <c>\ud800</c>) — each a 400 saying what to change, never a 500 later.
/// </summary>
public sealed class JsonBodyReader(IOptions<MessageOptions> messages)
{
    private readonly int _maxDepth = messages.Value.MaxJsonDepth;

    /// <summary>
    /// The largest body read: four times the largest message (1 MiB by default). A request body becomes a
    /// message of about its size, so anything larger could never be sent; the margin leaves room for whitespace.
    /// </summary>
    public long MaxBytes { get; } = 4L * messages.Value.MaxMessageBytes;

    /// <summary>
    /// The body as JSON: <c>Body</c> is null when the request has none (or sends <c>null</c>); <c>Problem</c> is
    /// the answer to give instead when the body cannot be used.
    /// </summary>
    public async Task<(JsonNode? Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge(request.ContentLength.Value));
        }
        if (request.ContentLength > 0 && !IsJson(request.ContentType))
        {
            return (null, NotJson(request.ContentType));
        }

        var bytes = request.ContentLength is { } length && length <= MaxPreallocatedBytes
            ? await ReadDeclaredAsync(request.Body, length, cancellationToken).ConfigureAwait(false)
            : await ReadBoundedAsync(request.Body, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return (null, TooLarge(null));
        }
        if (bytes.Length == 0)
        {
            return (null, null);
        }
        if (!IsJson(request.ContentType))
        {
            return (null, NotJson(request.ContentType));
        }
        if (!Utf8.IsValid(bytes))
        {
            return (null, Invalid("The request body is not valid UTF-8: send JSON text encoded as UTF-8."));
        }
        if (Check(bytes) is { } error)
        {
            return (null, Invalid(error));
        }
        return (JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = _maxDepth }), null);
    }

    /// <summary>
    /// The largest declared length read into an array made before the bytes arrive. A client can declare a length and
    /// then send slowly or not at all, so a larger body (rare) grows with what actually comes, as a chunked one does.
    /// </summary>
    private const long MaxPreallocatedBytes = 64 * 1024;

    /// <summary>
    /// Reads a body whose declared length is at most <see cref="MaxPreallocatedBytes"/> straight into an array of that
    /// size: most requests, and no copying through a growing buffer.
    /// </summary>
    private static async Task<byte[]> ReadDeclaredAsync(Stream body, long length, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return [];
        }
        var bytes = new byte[length];
        // The server ends the body at the declared length; a client that sends less has aborted, and what came is read.
        var read = await body.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return read == bytes.Length ? bytes : bytes[..read];
    }

    /// <summary>Reads the whole body, or returns null as soon as it passes <see cref="MaxBytes"/> (a chunked body has no length to check first).</summary>
    private async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    return null;
                }
                await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            return buffer.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Walks the JSON once: syntax and depth, and every string and property name read as .NET reads it, so that
    /// an unpaired surrogate escape is refused here rather than throwing where a route reads the value.
    /// </summary>
    private string? Check(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = _maxDepth });
        try
        {
            while (reader.Read())
            {
                // Only an escape can spell an unpaired surrogate: unescaped text is UTF-8 already checked above.
                if ((reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName) && reader.ValueIsEscaped)
                {
                    reader.GetString();
                }
            }
            return null;
        }
        catch (JsonException ex)
        {
            return $"The request body is not valid JSON ({ex.Message}): send one JSON object, nested at most {_maxDepth} levels deep.";
        }
        catch (InvalidOperationException)
        {
            return "The request body holds a string that is not valid Unicode (an unpaired surrogate escape such as \\ud800): send each character whole.";
        }
    }

    /// <summary>JSON, as <c>application/json</c> or a <c>+json</c> type, in UTF-8 (the only encoding JSON has, RFC 8259).</summary>
    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.Type.Equals("application", StringComparison.OrdinalIgnoreCase) && type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        && (!type.Charset.HasValue || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private IResult TooLarge(long? length) => ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "The request body is too large",
        (length is { } n ? $"The request body is {n} bytes" : "The request body is larger than the API takes")
        + $"; the limit is {MaxBytes} bytes (four times TaskProcessor:Messages:MaxMessageBytes). Pass large inputs by reference (for example a blob path) instead of inline.");

    private static IResult NotJson(string? contentType) => ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "The request body must be JSON",
        "Send the body as JSON with the header Content-Type: application/json"
        + (string.IsNullOrEmpty(contentType) ? " (this request gave no Content-Type)." : $" (this request said '{contentType}')."));

    private static IResult Invalid(string detail) =>
        ApiProblems.Problem(StatusCodes.Status400BadRequest, "The request body is not valid JSON", detail);
}
