using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Cli.Tests.Monitoring;
using Afirgen.TaskProcessor.Testing;
using Microsoft.AspNetCore.Builder;

namespace Afirgen.TaskProcessor.Cli.Tests.Access;

/// <summary>
/// Two local hosts on one real redis-server, both sending mail through a real SMTP server (aiosmtpd): one as
/// <c>afirgen-tasks run</c> starts by default (loopback, no key), one with an API key, an allowed origin (CORS)
/// and an allowed host name.
/// </summary>
public sealed class AccessFixture : IAsyncLifetime
{
    public const string Key = "k3y-for-the-local-host-tests";
    public const string AllowedOrigin = "http://app.example:3000";
    public const string AllowedHost = "tasks.internal";

    private readonly List<WebApplication> _apps = [];

    public RedisServer Redis { get; private set; } = null!;
    public SmtpServer Smtp { get; private set; } = null!;

    /// <summary>The default: loopback only, no key.</summary>
    public Worker Open { get; private set; } = null!;

    /// <summary>With <see cref="Key"/>, <see cref="AllowedOrigin"/> and <see cref="AllowedHost"/>.</summary>
    public Worker Keyed { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Smtp = await SmtpServer.StartAsync();
        Open = await StartAsync("open@test", key: null, []);
        Keyed = await StartAsync("keyed@test", key: Key, new()
        {
            ["TaskProcessor:LocalHost:ApiKey"] = Key,
            ["TaskProcessor:LocalHost:AllowedOrigins"] = AllowedOrigin,
            ["TaskProcessor:LocalHost:AllowedHosts"] = AllowedHost,
        });
    }

    /// <summary>A local host with <paramref name="extra"/> settings; its client sends <paramref name="key"/>.</summary>
    private async Task<Worker> StartAsync(string name, string? key, Dictionary<string, string?> extra)
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var settings = TwoWorkersFixture.Settings(name, url, Redis.Configuration);
        settings["Afirgen:Smtp:Host"] = SmtpServer.Host;
        settings["Afirgen:Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Afirgen:Smtp:Security"] = "None";
        foreach (var (setting, value) in extra)
        {
            settings[setting] = value;
        }
        var app = LocalHostApp.Build(settings);
        await app.StartAsync();
        _apps.Add(app);
        var http = new HttpClient { BaseAddress = new Uri(url) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", key);
        }
        return new Worker(name, url, http, app.Services);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Open?.Http.Dispose();
        Keyed?.Http.Dispose();
        await Smtp.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
