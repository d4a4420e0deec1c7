using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api.Tasks;

/// <summary>
/// Reads a revoke request's <c>terminate</c> flag, for our route and Flower's alike: from the query string
/// (<c>?terminate=true</c>, with no body) or a JSON body <c>{"terminate": true}</c>.
/// </summary>
internal static class RevokeRequestReader
{
    /// <summary>The flag, or the problem to answer when the request gives it in a form that is not true or false.</summary>
    public static async Task<(bool Terminate, IResult? Problem)> ReadTerminateAsync(HttpRequest request, JsonBodyReader bodies, CancellationToken cancellationToken)
    {
        var terminate = false;
        if (request.Query.TryGetValue("terminate", out var values) && !bool.TryParse(values.ToString(), out terminate))
        {
            return (false, Invalid($"The query parameter terminate must be true or false; got '{values}'."));
        }
        var (body, problem) = await bodies.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return (false, problem);
        }
        switch (body)
        {
            case null:
                return (terminate, null);
            case JsonObject o when o["terminate"] is null:
                return (terminate, null);
            case JsonObject o when o["terminate"]!.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return (o["terminate"]!.GetValue<bool>(), null);
            case JsonObject:
                return (false, Invalid("The field terminate must be true or false."));
            default:
                return (false, Invalid("The body must be a JSON object such as {\"terminate\": true}, or leave it out."));
        }
    }

    private static IResult Invalid(string detail) =>
        ApiProblems.Problem(StatusCodes.Status400BadRequest, "The revoke request is invalid", detail);
}
