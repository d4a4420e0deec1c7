using Afirgen.TaskProcessor.AfirgenTasks.Cache;
using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.AfirgenTasks.Reports;
using Afirgen.TaskProcessor.Engine.Broker.Embedded;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Publishing;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Afirgen.TaskProcessor.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using MimeKit;
using StackExchange.Redis;
using UglyToad.PdfPig;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Hosting;

/// <summary>What AddAfirgenTasks registers, how it refuses a missing setting, and the local demo's stand-ins.</summary>
public sealed class RegistrationTests
{
    private static IHost Build(Dictionary<string, string?> settings, FakeLogCollector? logs = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null)
        {
            builder.Logging.AddProvider(new FakeLoggerProvider(logs));
        }
        builder.AddRedisStores();
        builder.AddTaskEngine();
        builder.Services.AddEmbeddedBroker();
        builder.AddAfirgenTasks();
        return builder.Build();
    }

    [Fact]
    public void AllTenTaskNames_AreRegistered()
    {
        using var host = Build(new() { ["Afirgen:Demo:Enabled"] = "true" });
        var registry = host.Services.GetRequiredService<TaskRegistry>();

        foreach (var name in typeof(AfirgenTaskNames).GetFields().Select(f => (string)f.GetValue(null)!))
        {
            Assert.True(registry.TryGet(name, out _), $"{name} is not registered");
        }
    }

    [Fact]
    public async Task WithoutConfigurationAndWithoutDemo_TheHostStopsAtStartUp_NamingEveryMissingKey()
    {
        using var host = Build(new());

        // ValidateOnStart reports every failing section at once.
        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync());
        var all = string.Join("\n", error.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures));
        Assert.Contains("Afirgen:Database:ConnectionString is not set", all);
        Assert.Contains("Afirgen:Smtp:Host is not set", all);
        Assert.Contains("Neither Afirgen:Storage:ServiceUri nor Afirgen:Storage:ConnectionString is set", all);
    }

    [Fact]
    public async Task SmtpUserWithoutPassword_StopsTheStart_NamingThePassword()
    {
        using var host = Build(new()
        {
            ["Afirgen:Demo:Enabled"] = "true",
            ["Afirgen:Smtp:Host"] = "smtp.example.org",
            ["Afirgen:Smtp:UserName"] = "afirgen",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Afirgen:Smtp:Password is not set although Afirgen:Smtp:UserName is", string.Join("\n", error.Failures));
    }

    [Theory]
    [InlineData("Afirgen:Database:ConnectionString")]
    [InlineData("Afirgen:Smtp:Password")]
    public async Task UnresolvedKeyVaultReference_StopsTheStart_NamingTheKeyAndWhatToCheck(string key)
    {
        // What App Service leaves in a setting whose Key Vault reference it could not resolve.
        var settings = new Dictionary<string, string?>
        {
            ["Afirgen:Demo:Enabled"] = "true",
            ["Afirgen:Smtp:Host"] = "smtp.example.org",
            ["Afirgen:Smtp:UserName"] = "afirgen",
            ["Afirgen:Smtp:Password"] = "not-a-real-password",
            [key] = "@Microsoft.KeyVault(SecretUri=https://kv-example.vault.azure.net/secrets/afirgen-secret)",
        };
        using var host = Build(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"{key} is a Key Vault reference the platform could not resolve", failure, StringComparison.Ordinal);
        Assert.Contains("Key Vault Secrets User", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportsTimeZone_ThatThisMachineDoesNotKnow_StopsTheStart_NamingTheKey()
    {
        using var host = Build(new() { ["Afirgen:Demo:Enabled"] = "true", ["Afirgen:Reports:TimeZone"] = "Asia/Atlantis" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("Afirgen:Reports:TimeZone 'Asia/Atlantis' is not a time zone this machine knows: use an IANA id such as Asia/Kolkata", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, "17:30 IST")]
    [InlineData("Asia/Dhaka", null, "18:00 UTC+06:00")]
    [InlineData("Europe/Berlin", "Berlin time", "13:00 Berlin time")]
    public void Reports_ShowTheStationsTime_IndiasUnlessConfigured(string? zone, string? label, string expected)
    {
        using var host = Build(new() { ["Afirgen:Demo:Enabled"] = "true", ["Afirgen:Reports:TimeZone"] = zone, ["Afirgen:Reports:TimeZoneLabel"] = label });

        Assert.Equal(expected, host.Services.GetRequiredService<StationTime>().Time(new DateTimeOffset(2026, 3, 5, 12, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public async Task Cache_UsesTheHostsRedisConnection_UnlessItHasAConfigurationOfItsOwn()
    {
        // The Functions app registers an Entra ID connection (AddEntraIdRedis) before the engine; with
        // Afirgen:Cache:Configuration empty the cache must use that one, since Azure Managed Redis takes no password.
        await using var hostConnection = await ConnectionMultiplexer.ConnectAsync(Unreachable());

        IHost BuildWith(string? cacheConfiguration)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["TaskProcessor:Redis:Configuration"] = "127.0.0.1:1",
                ["Afirgen:Demo:Enabled"] = "true",
                ["Afirgen:Cache:Configuration"] = cacheConfiguration,
            });
            builder.Services.AddSingleton<IConnectionMultiplexer>(hostConnection);
            builder.AddRedisStores();
            builder.AddTaskEngine();
            builder.Services.AddEmbeddedBroker();
            builder.AddAfirgenTasks();
            return builder.Build();
        }

        using (var shared = BuildWith(null))
        {
            Assert.Same(hostConnection, shared.Services.GetRequiredService<AfirgenCache>().Connection);
        }
        using (var own = BuildWith(Unreachable().ToString()))
        {
            Assert.NotSame(hostConnection, own.Services.GetRequiredService<AfirgenCache>().Connection);
        }
    }

    // Nothing listens on port 1: a multiplexer that exists without a server (AbortOnConnectFail off).
    private static ConfigurationOptions Unreachable() => new() { EndPoints = { "127.0.0.1:1" }, AbortOnConnectFail = false, ConnectTimeout = 200 };

    [Fact]
    public async Task DemoMode_WritesThePdfAndTheMailToTheOutputFolder_AndSaysSoAtStartUp()
    {
        var output = Directory.CreateTempSubdirectory("afirgen-demo-test-").FullName;
        try
        {
            var logs = new FakeLogCollector();
            using var host = Build(new() { ["Afirgen:Demo:Enabled"] = "true", ["Afirgen:Demo:OutputDirectory"] = output }, logs);
            await host.StartAsync();

            var pdf = await RunAsync(host, AfirgenTaskNames.GeneratePdf, new JsonObject { ["fir_id"] = "FIR-DEMO-0001" }, "reports");
            var mail = await RunAsync(host, AfirgenTaskNames.SendFirConfirmation,
                new JsonObject { ["fir_id"] = "FIR-DEMO-0001", ["recipient_email"] = "complainant@example.org" }, "email");
            await host.StopAsync();

            Assert.Equal(TaskStates.Success, pdf.Status);
            Assert.Equal("reports/pdf/FIR-DEMO-0001/standard.pdf", (string?)pdf.Result!["file_path"]);
            using (var document = PdfDocument.Open(Path.Combine(output, "blobs", "reports", "pdf", "FIR-DEMO-0001", "standard.pdf")))
            {
                Assert.Contains("FIR-DEMO-0001", document.GetPage(1).Text);
            }
            Assert.Equal(TaskStates.Success, mail.Status);
            var eml = Assert.Single(Directory.GetFiles(Path.Combine(output, "mail"), "*.eml"));
            Assert.Contains("FIR-DEMO-0001", (await MimeMessage.LoadAsync(eml)).Subject);

            var notices = logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
            Assert.Contains(notices, m => m.Contains("demo data source") && m.Contains("FIR-DEMO-0001"));
            Assert.Contains(notices, m => m.Contains(Path.Combine(output, "mail")));
            Assert.Contains(notices, m => m.Contains(Path.Combine(output, "blobs")));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<TaskResultMeta> RunAsync(IHost host, string task, JsonObject kwargs, string queue)
    {
        var published = await host.Services.GetRequiredService<TaskPublisher>().PublishAsync(new TaskRequest { TaskName = task, Kwargs = kwargs }, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var batch = await host.Services.GetRequiredService<EmbeddedBroker>().ReceiveAsync(queue, 1, cts.Token);
        await host.Services.GetRequiredService<TaskRunner>().RunAsync(batch[0], CancellationToken.None);
        return (await host.Services.GetRequiredService<IResultStore>().GetAsync(published.TaskId, CancellationToken.None))!;
    }
}
