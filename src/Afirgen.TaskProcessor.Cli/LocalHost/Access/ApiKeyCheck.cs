using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Cli.LocalHost.Access;

/// <summary>
/// When <c>ApiKey</c> is set, every request but the dashboard's page and files (<c>/</c>, <c>/dashboard/…</c>, which
/// hold no data) must carry it: in <c>x-functions-key</c>, the header the Functions app's keys travel in, or as
/// <c>?code=</c>, so scripts, the CLI and the dashboard send it to both hosts alike.
/// </summary>
internal sealed class ApiKeyCheck(LocalHostOptions options)
{
    public const string Header = "x-functions-key";

    private readonly byte[]? _key = string.IsNullOrEmpty(options.ApiKey) ? null : Encoding.UTF8.GetBytes(options.ApiKey);

    /// <summary>Null when the request may go on, else the problem to answer with.</summary>
    public IResult? Check(HttpRequest request)
    {
        if (_key is null || IsDashboardFile(request.Path))
        {
            return null;
        }
        var given = request.Headers[Header].ToString();
        if (given.Length == 0)
        {
            given = request.Query["code"].ToString();
        }
        if (given.Length == 0)
        {
            return Refuse("This host asks for an API key: send it in the x-functions-key header or as ?code=<key> "
                + "(the CLI: --api \"http://<host>:<port>/?code=<key>\" or AFIRGEN_TASKS_API_KEY; the dashboard: open /?code=<key> once).");
        }
        // Constant time, so the answer's timing does not tell how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _key)
            ? null
            : Refuse($"The API key sent is not this host's: send the value of {LocalHostOptions.Section}:ApiKey in the x-functions-key header or as ?code=<key>.");
    }

    /// <summary>The page and its files: anonymous, as in the Functions app, so the key never has to be in their URLs.</summary>
    private static bool IsDashboardFile(PathString path) =>
        path == "/" || path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase);

    private static IResult Refuse(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key required", detail: detail);
}
