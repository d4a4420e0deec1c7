using System.Net;

namespace Afirgen.TaskProcessor.Cli.LocalHost.Access;

/// <summary>What the local host's <c>Urls</c> listen on: loopback only, or more of the network.</summary>
internal static class ListenAddresses
{
    /// <summary>The names a loopback request is addressed to, always allowed as its Host.</summary>
    public static readonly IReadOnlyList<string> LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>The hosts of <paramref name="urls"/> (separated by <c>;</c>, as ASP.NET Core takes them) that are not loopback.</summary>
    public static IReadOnlyList<string> NonLoopback(string urls) =>
        Hosts(urls).Where(h => !IsLoopback(h)).ToArray();

    /// <summary>The host part of each URL: <c>0.0.0.0</c>, <c>[::]</c>, <c>*</c> and <c>+</c> are every interface.</summary>
    public static IEnumerable<string> Hosts(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var start = url.IndexOf("://", StringComparison.Ordinal);
            var rest = start < 0 ? url : url[(start + 3)..];
            var end = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny([':', '/']);
            yield return end <= 0 ? rest : rest[..end];
        }
    }

    /// <summary>Whether <paramref name="host"/> (a name, an IPv4 address or a bracketed IPv6 one) is this machine only.</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
