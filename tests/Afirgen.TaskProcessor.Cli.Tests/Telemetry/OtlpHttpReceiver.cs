using System.Collections.Concurrent;
using Afirgen.TaskProcessor.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.Cli.Tests.Telemetry;

/// <summary>
/// A real OTLP/HTTP receiver, as a collector's <c>otlphttp</c> receiver listens on 4318: Kestrel on a free loopback
/// port that takes <c>POST</c>s of protobuf bodies on any path, keeps them, and answers 200 with an empty export
/// response (an empty protobuf message).
/// </summary>
internal sealed class OtlpHttpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpRequest> _requests = new();

    private OtlpHttpReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private init; } = "";

    public IReadOnlyList<OtlpRequest> Requests => _requests.ToArray();

    public static async Task<OtlpHttpReceiver> StartAsync()
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new OtlpHttpReceiver(app) { BaseUrl = url };
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver._requests.Enqueue(new OtlpRequest(context.Request.Path, context.Request.ContentType ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One export request as it arrived.</summary>
internal sealed record OtlpRequest(string Path, string ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body);
