using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Cli.LocalHost.Access;

/// <summary>
/// Refuses a state-changing request (anything but GET, HEAD, OPTIONS, TRACE) that a browser sent from another
/// site's page: its <c>Origin</c> is not this host's own scheme and host (nor a configured allowed origin), or,
/// without an Origin, its <c>Sec-Fetch-Site</c> says another site. Without this, any page open in a developer's
/// browser could post a task (say, an e-mail to an address of its choosing) to a running local host. Scripts and
/// the CLI send neither header and pass.
/// </summary>
internal sealed class SameOriginCheck(LocalHostOptions options)
{
    private readonly HashSet<string> _allowed = new(LocalHostOptions.Entries(options.AllowedOrigins), StringComparer.OrdinalIgnoreCase);

    /// <summary>Null when the request may go on, else the problem to answer with.</summary>
    public IResult? Check(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return null;
        }
        var self = $"{request.Scheme}://{request.Host}";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return origin.Equals(self, StringComparison.OrdinalIgnoreCase) || _allowed.Contains(origin)
                ? null
                : Refuse(request, $"a page at {origin}", self);
        }
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site is "" or "same-origin" or "none" ? null : Refuse(request, $"another site's page (Sec-Fetch-Site: {site})", self);
    }

    private static IResult Refuse(HttpRequest request, string source, string self) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused",
            detail: $"Cross-site requests are refused: this {request.Method} came from {source}, not from this host's own pages ({self}). "
                + $"To let another site's pages call the API, list its origin in {LocalHostOptions.Section}:AllowedOrigins; scripts and the CLI send no Origin and are not affected.");
}
