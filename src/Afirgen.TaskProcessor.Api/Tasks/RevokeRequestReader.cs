using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>
/// Reads a revoke request's <c>terminate</c> flag, for our route and Flower's alike: from the query string
/// (<c>?terminate=true</c>) or a JSON body <c>{"terminate": true}</c>.
/// </summary>
public static class RevokeRequestReader
{
    /// <summary>The flag, or an error sentence when the request gives it in a form that is not true or false.</summary>
    public static async Task<(bool Terminate, string? Error)> ReadTerminateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var terminate = false;
        if (request.Query.TryGetValue("terminate", out var values))
        {
            if (!bool.TryParse(values.ToString(), out terminate))
            {
                return (false, $"The query parameter terminate must be true or false; got '{values}'.");
            }
        }
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            JsonNode? body;
            try
            {
                body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                return (false, $"The request body is not valid JSON: {ex.Message}");
            }
            if (body is JsonObject o && o["terminate"] is { } t)
            {
                if (t.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return (false, "The field terminate must be true or false.");
                }
                terminate = t.GetValue<bool>();
            }
        }
        return (terminate, null);
    }
}
