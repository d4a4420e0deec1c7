using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary>The CLI's side of the HTTP API, with errors a person can act on.</summary>
/// <remarks>
/// The Functions app's API wants a function key, and the local host its API key when one is set. Either is taken
/// from the URL as the dashboard's address carries it (<c>--api "https://&lt;app&gt;/?code=&lt;key&gt;"</c>) or from
/// <see cref="KeyVariable"/>, and sent as the <c>x-functions-key</c> header on every request (a local host
/// without a key ignores it). Bodies go as <c>application/json</c>, the only type the API takes.
/// </remarks>
internal sealed class ApiClient : IDisposable
{
    /// <summary>The environment variable holding the key, for scripts that keep it out of their command lines.</summary>
    public const string KeyVariable = "AFIRGEN_TASKS_API_KEY";

    private readonly HttpClient _http;
    private readonly bool _hasKey;

    public ApiClient(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--api '{baseUrl}' is not an http(s) URL; give the local host's (http://127.0.0.1:7071) or the Functions app's (https://<app>.azurewebsites.net).");
        }
        var key = KeyFromQuery(uri.Query) ?? Environment.GetEnvironmentVariable(KeyVariable);
        var root = new UriBuilder(uri) { Query = "", Fragment = "" }.Uri.ToString();
        _http = new HttpClient { BaseAddress = new Uri(root.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(key))
        {
            _http.DefaultRequestHeaders.Add("x-functions-key", key);
            _hasKey = true;
        }
    }

    public async Task<(int Status, JsonNode? Body)> PostAsync(string path, JsonNode body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => _http.PostAsJsonAsync(path, body, cancellationToken));
        return ((int)response.StatusCode, await ReadAsync(response, cancellationToken));
    }

    public async Task<(int Status, JsonNode? Body)> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => _http.GetAsync(path, cancellationToken));
        return ((int)response.StatusCode, await ReadAsync(response, cancellationToken));
    }

    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            var response = await send();
            if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
            {
                var status = (int)response.StatusCode;
                response.Dispose();
                throw new CliException(_hasKey
                    ? $"The API at {_http.BaseAddress} refused the key ({status}). Check it (the local host's is TaskProcessor:LocalHost:ApiKey; the Functions app's: az functionapp keys list --name <app> --resource-group <group>) and pass it again."
                    : $"The API at {_http.BaseAddress} asks for a key ({status}): pass --api \"{_http.BaseAddress}?code=<key>\" or set {KeyVariable}.");
            }
            return response;
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"Could not reach the task processor's API at {_http.BaseAddress} ({ex.Message}). Is `afirgen-tasks run` running? Use --api to point elsewhere.");
        }
    }

    private static async Task<JsonNode?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static string? KeyFromQuery(string query)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0 && pair[..equals] == "code")
            {
                return Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }
        return null;
    }

    /// <summary>The detail of a problem document, or the raw body.</summary>
    public static string Describe(JsonNode? body) =>
        body?["detail"]?.GetValue<string>() ?? body?["title"]?.GetValue<string>() ?? (body is null ? "(no body)" : Show(body));

    /// <summary>JSON as people read it: quotes, apostrophes and '+' as themselves, not as \u escapes (still valid JSON).</summary>
    public static string Show(JsonNode? node) => node?.ToJsonString(Readable) ?? "null";

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The failure for an answer other than the one expected, with the exit codes docs/command-line.md lists: 1 when the request was
    /// refused (bad input, an unknown id, a conflict), 2 when the API could not serve it (its Redis or broker down: 5xx).
    /// </summary>
    public static CliException Refused(string what, int status, JsonNode? body) =>
        status >= 500
            ? new CliException($"{what}: the API could not serve it now ({status}): {Describe(body)}", 2)
            : new CliException($"{what} ({status}): {Describe(body)}", 1);

    public void Dispose() => _http.Dispose();
}

/// <summary>A failure the CLI reports as one sentence and a non-zero exit code.</summary>
internal sealed class CliException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
