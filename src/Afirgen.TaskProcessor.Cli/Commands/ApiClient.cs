using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary>The CLI's side of the HTTP API, with errors a person can act on.</summary>
internal sealed class ApiClient(string baseUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };

    public async Task<(int Status, JsonNode? Body)> PostAsync(string path, JsonNode body, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.PostAsJsonAsync(path, body, cancellationToken));
        return ((int)response.StatusCode, await ReadAsync(response, cancellationToken));
    }

    public async Task<(int Status, JsonNode? Body)> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync(path, cancellationToken));
        return ((int)response.StatusCode, await ReadAsync(response, cancellationToken));
    }

    private async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
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

    /// <summary>The detail of a problem document, or the raw body.</summary>
    public static string Describe(JsonNode? body) =>
        body?["detail"]?.GetValue<string>() ?? body?["title"]?.GetValue<string>() ?? body?.ToJsonString() ?? "(no body)";

    public void Dispose() => _http.Dispose();
}

/// <summary>A failure the CLI reports as one sentence and a non-zero exit code.</summary>
internal sealed class CliException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
