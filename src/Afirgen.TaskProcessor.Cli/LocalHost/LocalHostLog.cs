using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Cli.LocalHost;

/// <summary>The local host's own log lines (event ids 6000–6099). Never keys, bodies or arguments.</summary>
internal static partial class LocalHostLog
{
    [LoggerMessage(6000, LogLevel.Warning, "Refused a cross-site {Method} {Path} from origin {Origin}")]
    public static partial void CrossSiteRefused(ILogger logger, string method, string path, string origin);

    [LoggerMessage(6001, LogLevel.Warning, "Refused {Method} {Path} addressed to host {Host}, which is not an allowed host name")]
    public static partial void HostRefused(ILogger logger, string method, string path, string host);

    [LoggerMessage(6002, LogLevel.Warning, "Refused {Method} {Path}: no API key, or not this host's")]
    public static partial void KeyRefused(ILogger logger, string method, string path);
}
