using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Cli.LocalHost.Access;

/// <summary>
/// Answers only requests addressed to this host by a name it knows: the loopback names, the hosts its
/// <c>Urls</c> name, and <c>AllowedHosts</c>. A page that rebinds its own DNS name to 127.0.0.1 (DNS rebinding)
/// reaches the port as a same-origin page, but its requests still carry its own name as <c>Host</c>, and are refused.
/// </summary>
internal sealed class AllowedHostCheck
{
    private static readonly HashSet<string> EveryInterface = new(StringComparer.OrdinalIgnoreCase) { "0.0.0.0", "[::]", "*", "+" };

    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _any;

    public AllowedHostCheck(LocalHostOptions options)
    {
        _names.UnionWith(ListenAddresses.LoopbackNames);
        _names.UnionWith(ListenAddresses.Hosts(options.Urls).Where(h => !EveryInterface.Contains(h)));
        var configured = LocalHostOptions.Entries(options.AllowedHosts);
        _any = configured.Contains("*");
        _names.UnionWith(configured);
    }

    /// <summary>Null when the request may go on, else the problem to answer with.</summary>
    public IResult? Check(HttpRequest request)
    {
        if (!request.Host.HasValue)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No Host header",
                detail: "The request has no Host header: send one naming this host, such as Host: 127.0.0.1:7071.");
        }
        if (_any || _names.Contains(request.Host.Host))
        {
            return null;
        }
        return Results.Problem(statusCode: StatusCodes.Status421MisdirectedRequest, title: "Unknown host name",
            detail: $"This host answers requests addressed to {string.Join(", ", _names.Order(StringComparer.Ordinal))}, not to '{request.Host.Host}' (which keeps out web pages that rebind their DNS name to this machine). "
                + $"To reach it under that name, add it to {LocalHostOptions.Section}:AllowedHosts (names separated by ;).");
    }
}
